//! The `:` line, whatever is typed or pasted: an answer, never a panic; a
//! refusal says something; tab completion only extends the line.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use warroom::runbook::{Runbook, load_str};
use warroom::tui::command_line::parse;
use warroom::tui::completion::complete;

fn runbook() -> &'static Runbook {
    static RB: OnceLock<Runbook> = OnceLock::new();
    RB.get_or_init(|| {
        let text = include_str!("../../runbooks/api-canary.toml");
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../runbooks/api-canary.toml"
        ));
        match load_str(text, path, &|_| None) {
            Ok(l) => l.runbook,
            Err(e) => panic!("the shipped runbook must load: {}", e.render(false)),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = parse(line, runbook()) {
        assert!(!e.trim().is_empty(), "an empty refusal");
    }
    let after = complete(line, runbook()).apply(line);
    assert!(
        after.starts_with(line),
        "completion replaced what was typed"
    );
});
