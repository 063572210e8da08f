//! `:start` of an irreversible step, in the real binary in a pty: a refused
//! start says why before anything is asked; an allowed one asks to type the
//! id, and only the typed id starts it. The journal keeps both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use pty::{Console, journal_events as events};

const T: Duration = Duration::from_secs(20);

const RUNBOOK: &str = r#"
[cutover]
id = "irrev"
title = "Irreversible start"
strategy = "big-bang"

[roles]
ic = "IC"

[sources.dead]
type = "http"
url = "http://127.0.0.1:9/healthz"

[[panels]]
id = "up"
source = "dead"

[[steps]]
id = "freeze"
title = "Freeze writes"

[[steps]]
id = "migrate"
title = "Copy the data"
after = ["freeze"]
irreversible = true

[actions.rollback]
run = "true"
"#;

#[test]
fn start_of_an_irreversible_step_says_why_or_asks_for_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("irrev.toml");
    std::fs::write(&rb, RUNBOOK).unwrap();
    let journal = dir.path().join("r.db");
    let (rbs, j) = (rb.to_str().unwrap(), journal.to_str().unwrap());
    let mut c = Console::spawn(
        &["rehearse", rbs, "--journal", j, "--as", "alice"],
        100,
        30,
        dir.path(),
        &[],
    );
    c.wait_for("REHEARSAL", T);
    c.command("begin");
    c.wait_for("RUNNING", T);

    // Refused: the reason first, no prompt to type anything.
    c.command("start migrate");
    let screen = c.wait_for("waiting for step freeze", T);
    assert!(!screen.contains("POINT OF NO RETURN: type"), "{screen}");

    c.command("finish freeze skipped");
    c.wait_until(T, "freeze skipped", |s| s.contains("skipped"));

    // Allowed: the id must be typed; a wrong one starts nothing.
    c.command("start migrate");
    c.wait_for("POINT OF NO RETURN: type `migrate`", T);
    c.send("migrat\r");
    c.wait_for("typed `migrat`, not `migrate`: not started", T);
    c.command("start migrate");
    c.wait_for("POINT OF NO RETURN: type `migrate`", T);
    c.send("migrate\r");
    pty::wait_until(T, "step_started in the journal", || {
        events(&journal)
            .iter()
            .any(|e| e["kind"] == "step_started" && e["step"] == "migrate")
            .then_some(())
    });

    c.send("q");
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
    let ev = events(&journal);
    let started: Vec<_> = ev
        .iter()
        .filter(|e| e["kind"] == "step_started" && e["step"] == "migrate")
        .collect();
    assert_eq!(started.len(), 1, "only the typed id started it");
    assert!(ev.iter().any(|e| e["kind"] == "refused"
        && e["what"] == "start migrate"
        && e["reason"] == "waiting for step freeze"));
}
