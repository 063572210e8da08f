// A test whose tool or server is missing says so, by name, and leaves a
// record: `SKIPPED: <test> (no <tool>)` on stderr, and the same line
// appended to the file `WARROOM_SKIP_LOG` names (`.ci/run` reads it and
// fails when a tool it installed was skipped). Under `CI=true` a missing
// tool is a failure at once. Included with `include!` (no inner doc
// comments), so any test file or common module can use it.

/// Report this test skipped for want of `tool` (`install`: the Debian
/// package, or how to get it).
#[allow(dead_code)]
pub fn skipped_without(tool: &str, install: &str) {
    if std::env::var("CI").as_deref() == Ok("true") && tool != "root" {
        panic!("{tool} is missing; CI must install {install}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_string();
    use std::io::Write;
    let line = format!("SKIPPED: {test} (no {tool})");
    // Straight to the process's stderr: the test harness captures
    // `eprintln!` of a passing test, and a skip must show in a plain
    // `cargo test`.
    let _ = writeln!(std::io::stderr(), "{line}: {install}");
    if let Some(log) = std::env::var_os("WARROOM_SKIP_LOG") {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = appended {
            eprintln!("cannot record the skip in WARROOM_SKIP_LOG: {e}");
        }
    }
}
