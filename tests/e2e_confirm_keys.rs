//! Confirmations cannot be typed through, in the real binary in a pty: a
//! command line typed ahead of a question is dropped when the question
//! opens (it was typed before anyone could read it), and once the question
//! is on screen only its own keys answer it; anything else is ignored with
//! a hint and never reaches the hotkeys behind the dialog.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use pty::{Console, journal_events as events};

const T: Duration = Duration::from_secs(20);

const RUNBOOK: &str = r#"
[cutover]
id = "typed"
title = "Typed ahead"
strategy = "canary"

[roles]
ic = "IC"

[sources.dead]
type = "http"
url = "http://127.0.0.1:9/healthz"

[[panels]]
id = "up"
source = "dead"

[[stages]]
name = "canary"
exposure = 5

[[stages]]
name = "everyone"
exposure = 100

[[steps]]
id = "drop-legacy"
title = "Drop the legacy tables"
irreversible = true

[actions.expand]
run = "true"

[actions.rollback]
run = "true"
"#;

fn kinds(journal: &std::path::Path) -> Vec<String> {
    events(journal)
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

fn decisions(journal: &std::path::Path) -> Vec<String> {
    kinds(journal)
        .into_iter()
        .filter(|k| {
            [
                "step_started",
                "expanded",
                "rollback_started",
                "action_requested",
                "paused",
            ]
            .contains(&k.as_str())
        })
        .collect()
}

#[test]
fn keys_typed_ahead_of_a_confirmation_never_answer_it() {
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("typed.toml");
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

    // The issue's case: `:start drop-legacy` and the id typed in one go.
    // The question opens at the first Enter; the id behind it is dropped.
    c.send(":start drop-legacy\rdrop-legacy\r");
    let screen = c.wait_for("typed before this question appeared were dropped", T);
    assert!(
        screen.contains("POINT OF NO RETURN: type `drop-legacy`"),
        "still asking: {screen}"
    );
    assert!(decisions(&journal).is_empty(), "{:?}", kinds(&journal));
    c.send("\x1b");
    c.wait_until(T, "the question closed", |s| {
        !s.contains("POINT OF NO RETURN: type")
    });

    // `e` and then a typed-ahead rollback and a `y`: the expand question
    // opens at `e`, and nothing typed with it answers it.
    c.send("e:rollback now\ry");
    let screen = c.wait_for("typed before this question appeared were dropped", T);
    assert!(screen.contains("Expand"), "{screen}");
    assert!(decisions(&journal).is_empty(), "{:?}", kinds(&journal));

    // On screen now: a command line typed into it is ignored with a hint,
    // the question stays, no hotkey behind it runs (`r`, `p`).
    c.send(":rollback rp\r");
    let screen = c.wait_for("ignored: this question takes only", T);
    assert!(screen.contains("Expand"), "{screen}");
    assert!(!screen.contains("Rollback reason"), "{screen}");
    assert!(decisions(&journal).is_empty(), "{:?}", kinds(&journal));

    // Its own key answers it.
    c.send("y");
    pty::wait_until(T, "the expand journaled", || {
        decisions(&journal)
            .contains(&"expanded".to_string())
            .then_some(())
    });
    assert_eq!(decisions(&journal), vec!["expanded".to_string()]);

    c.send("q");
    c.wait_for("Leave this console?", T);
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
}
