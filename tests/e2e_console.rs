//! The real binary in a pseudo-terminal: what a user does, what they see,
//! and what the journal keeps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pair_runbook.rs"]
mod pair_runbook;
#[path = "common/pty.rs"]
mod pty;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use pair_runbook::pair_runbook;
use pty::{Console, journal_events as events, wait_until};

const T: Duration = Duration::from_secs(20);

fn has(events: &[serde_json::Value], pred: impl Fn(&serde_json::Value) -> bool) -> bool {
    events.iter().any(pred)
}

/// GET a path on the demo service with a plain socket (no client needed).
fn http_get(base: &str, path: &str) -> Option<String> {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(hostport).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn demo_tour_expands_the_service_and_a_guard_pauses_on_an_error_spike() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("demo.db");
    let j = journal.to_str().unwrap();
    let mut c = Console::spawn(
        &["demo", "--as", "alice", "--journal", j],
        80,
        24,
        dir.path(),
        &[],
    );
    c.wait_for("DEMO", T);
    // Live values within seconds: every tile has a state word, none UNKNOWN.
    c.wait_until(T, "live values", |s| s.contains("Health all OK"));

    c.command("sign go-live 1");
    c.command("sign go-live 3");
    // The third item is automatic: the mismatch panel OK for 10s.
    c.wait_until(Duration::from_secs(30), "go-live GO", |s| {
        s.contains("GO    go-live")
    });
    c.command("begin");
    c.wait_for("RUNNING", T);
    c.command("expand");
    let screen = c.wait_for("webhook POST http://", T);
    let url = screen
        .split("webhook POST ")
        .nth(1)
        .and_then(|rest| rest.split("/hook").next())
        .unwrap()
        .to_string();
    c.send("y");
    c.wait_for("canary-1 1%", T);
    // The action really moved the exposure in the simulated service.
    wait_until(T, "service exposure 1", || {
        http_get(&url, "/flags")
            .filter(|b| b.contains("\"exposure\":1"))
            .map(|_| ())
    });

    c.send("1"); // inject an error spike
    c.wait_until(Duration::from_secs(40), "the guard to pause", |s| {
        s.contains("PAUSED")
    });

    c.send("q");
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
    assert!(
        http_get(&url, "/flags").is_none(),
        "the demo service is still listening after quit"
    );

    let ev = events(&journal);
    assert!(has(&ev, |e| e["kind"] == "expanded"
        && e["to_stage"] == "canary-1"));
    assert!(has(&ev, |e| e["kind"] == "guard_fired" && e["then"] == "pause"));
    assert!(has(&ev, |e| e["kind"] == "paused" && e["trigger"] == "guard"));
    assert!(has(&ev, |e| e["kind"] == "note"
        && e["text"].as_str().unwrap_or("").contains("error-spike")));
    assert!(has(&ev, |e| e["kind"] == "operator_detached"));
}

#[test]
fn two_consoles_on_one_rehearsal_see_each_other_and_a_hangup_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("pair.toml");
    std::fs::write(
        &rb,
        pair_runbook("Pairing rehearsal", "http://127.0.0.1:9/healthz"),
    )
    .unwrap();
    let journal = dir.path().join("r.db");
    let (rbs, j) = (rb.to_str().unwrap(), journal.to_str().unwrap());
    let mut alice = Console::spawn(
        &["rehearse", rbs, "--journal", j, "--as", "alice"],
        120,
        40,
        dir.path(),
        &[],
    );
    alice.wait_for("REHEARSAL", T);
    let mut bob = Console::spawn(
        &["rehearse", rbs, "--journal", j, "--as", "bob"],
        120,
        40,
        dir.path(),
        &[],
    );
    bob.wait_for("REHEARSAL", T);
    // Each sees the other attached.
    alice.wait_for("bob", T);

    alice.command("sign go 1");
    bob.wait_until(T, "alice's signature in bob's console", |s| {
        s.lines()
            .any(|l| l.contains("DB ready") && l.contains("alice"))
    });
    bob.command("note hello from bob");
    alice.wait_for("hello from bob", T);

    bob.command("veto go 2 numbers not in");
    alice.wait_for("NO-GO", T);
    bob.command("lift go 2");
    alice.wait_until(T, "the veto lifted", |s| !s.contains("NO-GO"));

    // A dead endpoint is never green.
    alice.wait_until(T, "the dead panel to show ERROR", |s| s.contains("ERROR"));

    // Too small, then back: still alive.
    alice.resize(40, 12);
    alice.wait_for("enlarge", T);
    alice.resize(120, 40);
    alice.wait_for("Two-person go", T);

    // An SSH drop: SIGHUP journals the detach and exits.
    let pid = bob.pid().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    assert_eq!(bob.wait_exit(T), 0);
    let ev = events(&journal);
    assert!(has(&ev, |e| e["kind"] == "operator_detached"
        && e["operator"] == "bob"));
    assert!(has(&ev, |e| e["kind"] == "signed"
        && e["operator"] == "alice"
        && e["item"] == 1));
    assert!(has(&ev, |e| e["kind"] == "vetoed"
        && e["reason"] == "numbers not in"));
    assert!(has(&ev, |e| e["kind"] == "veto_lifted"));
    assert!(has(&ev, |e| e["kind"] == "note"
        && e["text"] == "hello from bob"));

    alice.send("q");
    alice.send("y");
    assert_eq!(alice.wait_exit(T), 0);
    // The terminal is restored: the alternate screen was left and the cursor shown.
    let raw = String::from_utf8_lossy(&alice.raw_output()).to_string();
    assert!(raw.contains("\x1b[?1049l"), "alternate screen not left");
    assert!(raw.contains("\x1b[?25h"), "cursor not shown again");
}

#[test]
fn a_live_run_refuses_as_with_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["run", "runbooks/billing-phased.toml", "--as", "mallory"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as is refused"));
}

#[test]
fn no_terminal_no_screen_one_line_and_exit_2() {
    // stdin from /dev/null (as `warroom demo </dev/null`), stdout a pipe.
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["demo", "--as", "alice"])
        .stdin(std::process::Stdio::null())
        .env("TERM", "xterm-256color")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "warroom needs an interactive terminal (stdin and stdout are not a terminal)"
        ),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");

    // TERM=dumb in a real terminal: refused the same way, nothing drawn.
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("r.db");
    let rb = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/billing-phased.toml");
    let mut c = Console::spawn(
        &[
            "rehearse",
            "--as",
            "alice",
            "--journal",
            j.to_str().unwrap(),
            rb.to_str().unwrap(),
        ],
        80,
        24,
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[("TERM", "dumb"), ("HOME", dir.path().to_str().unwrap())],
    );
    let screen = c.wait_for("warroom needs an interactive terminal (TERM=dumb)", T);
    assert_eq!(c.wait_exit(T), 2);
    assert!(!screen.contains("Runbook"), "{screen}");
    assert!(!j.exists(), "nothing opened");
}
