//! In a live session `[operators]` is an allow-list, proved with two real
//! Unix accounts on one machine: the real binary run as `nobody` (uid
//! 65534, listed nowhere) in a pty may watch and note, and its begin,
//! pause and sign are refused and journaled; root, listed as the IC, then
//! begins the same session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

include!("common/skip.rs");

#[path = "common/pty.rs"]
mod pty;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use pty::{Console, journal_events as events};

const T: Duration = Duration::from_secs(20);

const RUNBOOK: &str = r#"
[cutover]
id = "orders-move"
title = "Orders move"
strategy = "big-bang"

[roles]
ic = "IC"

[operators]
root = ["ic"]

[sources.dead]
type = "http"
url = "http://127.0.0.1:9/healthz"

[[panels]]
id = "up"
source = "dead"

[[gates]]
id = "go-live"
title = "Go"
[[gates.items]]
text = "Anyone may sign this one"

[[stages]]
name = "all"
exposure = 100
gate = "go-live"

[actions.pause]
run = "true"

[actions.rollback]
run = "true"
"#;

fn refusals(journal: &std::path::Path) -> Vec<(String, String, String)> {
    events(journal)
        .iter()
        .filter(|e| e["kind"] == "refused")
        .map(|e| {
            (
                e["operator"].as_str().unwrap_or("").to_string(),
                e["what"].as_str().unwrap_or("").to_string(),
                e["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn an_account_not_listed_cannot_move_a_live_session() {
    if !nix::unistd::geteuid().is_root() {
        skipped_without("root", "switching to another Unix account needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The journal's folder must be writable by the other account too.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let rb = dir.path().join("orders.toml");
    std::fs::write(&rb, RUNBOOK).unwrap();
    let journal = dir.path().join("live.db");
    let (rbs, j) = (rb.to_str().unwrap(), journal.to_str().unwrap());

    let mut c = Console::spawn_as_uid(
        65534,
        &["run", rbs, "--journal", j],
        120,
        30,
        dir.path(),
        &[],
    );
    // The header says so for as long as the console runs.
    c.wait_for("WATCH+NOTE", T);
    // `b` asks first (live); its `y` is refused by the rules.
    c.send("b");
    c.wait_for("Begin the LIVE cutover", T);
    c.send("y");
    pty::wait_until(T, "the begin refused", || {
        refusals(&journal)
            .iter()
            .any(|(op, what, _)| op == "nobody" && what == "begin")
            .then_some(())
    });
    c.command("pause looks odd");
    c.command("sign go-live 1");
    c.command("note watching from the NOC");
    pty::wait_until(T, "the note journaled", || {
        events(&journal)
            .iter()
            .any(|e| e["kind"] == "note" && e["operator"] == "nobody")
            .then_some(())
    });
    c.send("q");
    c.wait_for("Leave this console?", T);
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);

    let ev = events(&journal);
    assert!(
        !ev.iter().any(|e| e["operator"] == "nobody"
            && ["cutover_started", "paused", "signed", "conductor_changed"]
                .contains(&e["kind"].as_str().unwrap_or(""))),
        "nobody moved the session, nor conducted it: {ev:#?}"
    );
    let refused = refusals(&journal);
    for what in ["begin", "pause", "sign go-live 1"] {
        assert!(
            refused.iter().any(|(op, w, reason)| op == "nobody"
                && w == what
                && reason.contains("nobody is not listed in [operators]")),
            "{what} not refused for nobody: {refused:#?}"
        );
    }

    // root, listed as the IC, begins the same session.
    let mut c = Console::spawn(&["run", rbs, "--journal", j], 120, 30, dir.path(), &[]);
    c.wait_for("LIVE", T);
    c.send("b");
    c.wait_for("Begin the LIVE cutover", T);
    c.send("y");
    pty::wait_until(T, "root began", || {
        events(&journal)
            .iter()
            .any(|e| e["kind"] == "cutover_started" && e["operator"] == "root")
            .then_some(())
    });
    c.send("q");
    c.wait_for("Leave this console?", T);
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
}
