//! The `:` line, whatever is typed or pasted, against a shipped runbook.
//! The property is shared with `tests/command_line_props.rs`:
//! `tests/properties/command_line.rs`.
#![no_main]

#[path = "../../tests/properties/command_line.rs"]
mod property;

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use warroom::runbook::{Runbook, load_str};

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
    if let Ok(line) = std::str::from_utf8(data) {
        property::line_is_answered(line, runbook());
    }
});
