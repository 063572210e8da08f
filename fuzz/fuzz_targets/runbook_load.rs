//! A runbook file, whatever it holds: diagnostics or a runbook, never a
//! panic; a refusal always names at least one problem, inside the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    let env = |name: &str| (name == "PROM_URL").then(|| "http://127.0.0.1:1".to_string());
    match warroom::runbook::load_str(text, path, &env) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                let _ = w.render(path, text, false);
            }
        }
        Err(err) => {
            assert!(!err.diagnostics.is_empty(), "a refusal without a reason");
            for d in &err.diagnostics {
                if let Some(span) = &d.span {
                    assert!(span.start <= text.len(), "span past the end: {d:?}");
                }
            }
            assert!(err.render(false).contains("error"));
        }
    }
});
