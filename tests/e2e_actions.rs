//! Actions and stop triggers end to end: two real consoles on one
//! rehearsal journal with `--execute`, a loopback service whose error ratio
//! the test controls, and a webhook receiver that counts calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pty.rs"]
mod pty;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pty::{Console, journal_events as events, wait_until};

const T: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Service {
    /// f64 bits of the error ratio /state serves.
    errors: AtomicU64,
    /// Bodies of every POST /hook.
    hooks: Mutex<Vec<serde_json::Value>>,
}

/// A small keep-alive HTTP/1.1 server: GET /state, POST /hook.
fn serve(svc: Arc<Service>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let svc = svc.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        if h == "\r\n" {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    r.read_exact(&mut body).unwrap();
                    let reply = if line.starts_with("POST /hook") {
                        svc.hooks
                            .lock()
                            .unwrap()
                            .push(serde_json::from_slice(&body).unwrap());
                        "{}".to_string()
                    } else {
                        let e = f64::from_bits(svc.errors.load(Ordering::SeqCst));
                        format!("{{\"errors\": {e}}}")
                    };
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{reply}",
                        reply.len()
                    );
                    if w.write_all(resp.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn runbook(port: u16) -> String {
    format!(
        r#"
[cutover]
id = "actions-e2e"
title = "Actions end to end"
strategy = "canary"

[roles]
ic = "Incident commander"
svc = "Service owner"

[sources.ctl]
type = "json"
url = "http://127.0.0.1:{port}/state"

[[panels]]
id = "errors"
title = "Error ratio"
source = "ctl"
pointer = "/errors"
unit = "percent"
every = "1s"
fail = "> 0.05"

[[stages]]
name = "ten"
exposure = 10
[[stages]]
name = "fifty"
exposure = 50
gate = "more"

[[gates]]
id = "more"
title = "Go to fifty"
[[gates.items]]
text = "Service owner accepts the numbers"
role = "svc"

[[steps]]
id = "verify"
title = "Verify invoices by hand"
owner = "svc"
expect = "10m"

[[steps]]
id = "smoke"
title = "Smoke test the new path"
owner = "svc"
run = "echo smoke >> actions.log"

[[steps]]
id = "flaky"
title = "A check that fails"
owner = "svc"
run = "exit 3"

[actions.pause]
run = "echo paused >> actions.log"
webhook = {{ url = "http://127.0.0.1:{port}/hook" }}
[actions.resume]
run = "echo resumed >> actions.log"
[actions.expand]
run = 'echo "expand $WARROOM_EXPOSURE" >> actions.log'
webhook = {{ url = "http://127.0.0.1:{port}/hook" }}
[actions.rollback]
run = 'echo "rollback $WARROOM_REASON" >> actions.log'
webhook = {{ url = "http://127.0.0.1:{port}/hook" }}
two_person = true

[[guards]]
panel = "errors"
when = "fail"
for = "2s"
then = "pause"
"#
    )
}

fn count(events: &[serde_json::Value], kind: &str) -> usize {
    events.iter().filter(|e| e["kind"] == kind).count()
}

fn log_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("actions.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn set_errors(svc: &Service, v: f64) {
    svc.errors.store(v.to_bits(), Ordering::SeqCst);
}

/// The service, a folder holding the runbook (actions write actions.log
/// there), the runbook's path and a journal path.
fn setup() -> (Arc<Service>, tempfile::TempDir, PathBuf, PathBuf) {
    let svc = Arc::new(Service::default());
    let port = serve(svc.clone());
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("rb.toml");
    std::fs::write(&rb, runbook(port)).unwrap();
    let journal = dir.path().join("r.db");
    (svc, dir, rb, journal)
}

#[test]
fn rehearsal_with_execute_expands_pauses_by_guard_once_and_rolls_back_with_two_people() {
    let (svc, dir, rb, journal) = setup();
    let (rbs, j) = (rb.to_str().unwrap(), journal.to_str().unwrap());
    let args = |who: &'static str| ["rehearse", rbs, "--journal", j, "--execute", "--as", who];
    let mut alice = Console::spawn(&args("alice"), 120, 40, dir.path(), &[]);
    alice.wait_for("REHEARSAL", T);
    let mut bob = Console::spawn(&args("bob"), 120, 40, dir.path(), &[]);
    bob.wait_for("REHEARSAL", T);
    alice.wait_until(T, "the panel OK", |s| s.contains("Health all OK"));

    alice.command("begin");
    alice.wait_for("RUNNING", T);

    // A step's command sets its outcome by its exit code.
    for step in ["smoke", "flaky"] {
        alice.command(&format!("start {step}"));
        alice.answer("y");
    }
    let finished = |step: &str| {
        events(&journal)
            .iter()
            .find(|e| e["kind"] == "step_finished" && e["step"] == step)
            .map(|e| e["outcome"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        wait_until(T, "smoke finished", || finished("smoke")),
        "done"
    );
    assert_eq!(
        wait_until(T, "flaky finished", || finished("flaky")),
        "failed"
    );
    assert!(log_lines(dir.path()).contains(&"smoke".to_string()));

    alice.command("expand");
    alice.answer("y");
    wait_until(T, "the expand command", || {
        log_lines(dir.path())
            .contains(&"expand 10".to_string())
            .then_some(())
    });

    // The next stage's gate is not GO: refused, and journaled as such.
    alice.command("expand");
    alice.answer("y");
    wait_until(T, "expand_refused", || {
        (count(&events(&journal), "expand_refused") == 1).then_some(())
    });
    assert!(!log_lines(dir.path()).contains(&"expand 50".to_string()));
    bob.command("sign more 1");
    alice.wait_until(T, "gate more GO", |s| s.contains("GO    more"));
    alice.command("expand");
    alice.answer("y");
    wait_until(T, "the second expand command", || {
        log_lines(dir.path())
            .contains(&"expand 50".to_string())
            .then_some(())
    });

    // A breach seen by both consoles: one guard_fired, one pause command.
    set_errors(&svc, 0.2);
    alice.wait_for("PAUSED", Duration::from_secs(30));
    bob.wait_for("PAUSED", T);
    let ev = events(&journal);
    assert_eq!(
        count(&ev, "guard_fired"),
        1,
        "a guard fired more than once: {ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e["kind"] == "paused" && e["trigger"] == "guard")
    );
    wait_until(T, "the pause command", || {
        log_lines(dir.path())
            .iter()
            .any(|l| l == "paused")
            .then_some(())
    });
    assert_eq!(
        log_lines(dir.path())
            .iter()
            .filter(|l| *l == "paused")
            .count(),
        1
    );

    set_errors(&svc, 0.0);
    alice.wait_until(T, "the panel OK again", |s| s.contains("Health all OK"));
    alice.command("resume");
    alice.wait_for("RUNNING", T);

    // Two-person rollback: alice asks, bob confirms; it runs once.
    alice.command("rollback numbers look wrong");
    alice.answer("y");
    wait_until(T, "action_requested", || {
        (count(&events(&journal), "action_requested") == 1).then_some(())
    });
    assert!(
        !log_lines(dir.path())
            .iter()
            .any(|l| l.starts_with("rollback"))
    );
    bob.command("rollback agreed, roll back");
    bob.answer("y");
    bob.wait_for("ROLLED_BACK", T);
    alice.wait_for("ROLLED_BACK", T);
    let rollbacks: Vec<String> = log_lines(dir.path())
        .into_iter()
        .filter(|l| l.starts_with("rollback"))
        .collect();
    assert_eq!(rollbacks.len(), 1, "rollback ran {} times", rollbacks.len());
    let hooks = svc.hooks.lock().unwrap().clone();
    assert_eq!(
        hooks.iter().filter(|h| h["action"] == "rollback").count(),
        1
    );
    assert_eq!(hooks.iter().filter(|h| h["action"] == "expand").count(), 2);
    let ev = events(&journal);
    assert!(
        ev.iter()
            .any(|e| e["kind"] == "rollback_finished" && e["outcome"] == "done")
    );
    assert!(
        ev.iter().any(|e| e["kind"] == "action_ran"
            && e["action"] == "rollback"
            && e["executed"] == true)
    );

    for c in [&mut alice, &mut bob] {
        c.send("q");
        c.send("y");
        assert_eq!(c.wait_exit(T), 0);
    }
}

#[test]
fn a_rehearsal_without_execute_runs_nothing() {
    let (svc, dir, rb, journal) = setup();
    let mut c = Console::spawn(
        &[
            "rehearse",
            rb.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--as",
            "alice",
        ],
        80,
        24,
        dir.path(),
        &[],
    );
    c.wait_for("REHEARSAL", T);
    c.command("begin");
    c.wait_for("RUNNING", T);
    c.command("expand");
    c.answer("y");
    wait_until(T, "action_ran not executed", || {
        events(&journal)
            .iter()
            .any(|e| e["kind"] == "action_ran" && e["executed"] == false)
            .then_some(())
    });
    c.send("q");
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
    assert!(
        log_lines(dir.path()).is_empty(),
        "a command ran in a rehearsal"
    );
    assert!(
        svc.hooks.lock().unwrap().is_empty(),
        "a webhook was sent in a rehearsal"
    );
}
