//! A runbook file, whatever it holds: a runbook or diagnostics, never a
//! panic; a refusal names at least one problem, inside the file, and
//! renders.

use std::path::Path;

pub fn load_and_render(text: &str, path: &Path) {
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
                    assert!(
                        span.start <= text.len(),
                        "span {span:?} past the end: {d:?}"
                    );
                }
            }
            let out = err.render(false);
            let _ = err.render(true);
            assert!(out.contains("error"), "{out}");
        }
    }
}
