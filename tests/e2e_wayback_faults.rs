//! The way back under faults, with the real binary in pseudo-terminals:
//! - a conductor frozen with SIGSTOP while another console takes over and
//!   acts never runs, when it wakes, what it folded while stale (fencing);
//! - a pause pressed while another program holds the journal's write lock
//!   runs within the wait (2 s) and is journaled `recorded_late` once the
//!   lock is gone.
//!
//! Every action appends `ACTION EXPOSURE FENCE` to `flags.log` in the
//! runbook's folder: the flag service as the outside world sees it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

use pty::{Console, journal_events, wait_until};
use serde_json::Value;

fn runbook(stages: usize) -> String {
    let mut rb = String::from(
        r#"
[cutover]
id = "fence"
title = "Fencing"
strategy = "canary"

[roles]
ic = "Incident commander"
"#,
    );
    for i in 1..=stages {
        rb.push_str(&format!("\n[[stages]]\nname = \"s{i}\"\nexposure = {i}\n"));
    }
    for action in ["pause", "resume", "expand", "rollback"] {
        rb.push_str(&format!(
            "\n[actions.{action}]\nrun = 'echo \"{action} $WARROOM_EXPOSURE $WARROOM_FENCE\" >> flags.log'\n"
        ));
    }
    rb
}

fn flags(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("flags.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn kind<'a>(events: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    events.iter().filter(move |e| e["kind"] == kind)
}

fn console(dir: &Path, who: &str) -> Console {
    let c = Console::spawn(
        &[
            "rehearse",
            "--execute",
            "rb.toml",
            "--journal",
            "j.db",
            "--as",
            who,
        ],
        100,
        30,
        dir,
        &[],
    );
    c.wait_for("Journal", Duration::from_secs(15));
    c
}

fn signal(c: &Console, sig: i32) {
    let pid = c.pid().expect("pid") as i32;
    // SAFETY: kill(2) on a child we spawned; no memory is touched.
    let r = unsafe { libc::kill(pid, sig) };
    assert_eq!(r, 0, "kill({pid}, {sig})");
}

/// Who conducts by the journal: the operator and epoch of the latest
/// `conductor_changed`.
fn conductor(events: &[Value]) -> Option<(String, u64)> {
    kind(events, "conductor_changed").last().map(|e| {
        (
            e["operator"].as_str().unwrap().to_string(),
            e["seq"].as_u64().unwrap(),
        )
    })
}

include!("common/soak.rs");

/// Wait until the journal holds `n` `action_ran` events.
fn wait_ran(j: &Path, n: usize, what: &str) -> Vec<Value> {
    wait_until(Duration::from_secs(20), what, || {
        let ev = journal_events(j);
        (kind(&ev, "action_ran").count() >= n).then_some(ev)
    })
}

#[test]
fn a_conductor_frozen_while_another_acts_never_acts_again_when_it_wakes() {
    let rounds = soak_rounds();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("rb.toml"), runbook(rounds + 2)).unwrap();
    let j = dir.join("j.db");
    let mut alice = console(dir, "alice");
    let mut bob = console(dir, "bob");
    alice.command("begin");
    wait_until(Duration::from_secs(10), "the start", || {
        kind(&journal_events(&j), "cutover_started")
            .next()
            .map(|_| ())
    });
    // A deterministic spread of freeze lengths over 5..15 s.
    let mut freeze = 5u64;
    let mut ran = 0;
    for round in 1..=rounds {
        let (who, epoch) = conductor(&journal_events(&j)).expect("a conductor");
        let (stale, actor, actor_name) = if who == "alice" {
            (&mut alice, &mut bob, "bob")
        } else {
            (&mut bob, &mut alice, "alice")
        };
        let stopped = Instant::now();
        signal(stale, libc::SIGSTOP);
        let new_epoch = wait_until(Duration::from_secs(15), "the takeover", || {
            conductor(&journal_events(&j))
                .filter(|(w, e)| w == actor_name && *e > epoch)
                .map(|(_, e)| e)
        });
        actor.command(&format!("pause round {round}"));
        ran += 1;
        wait_ran(&j, ran, "the pause's action");
        actor.command("resume");
        ran += 1;
        wait_ran(&j, ran, "the resume's action");
        actor.command("expand");
        actor.wait_for("Expand", Duration::from_secs(5));
        actor.send("y");
        ran += 1;
        wait_ran(&j, ran, "the expand's action");
        let hold = Duration::from_secs(freeze);
        freeze = 5 + (freeze + 4) % 11;
        if let Some(left) = hold.checked_sub(stopped.elapsed()) {
            std::thread::sleep(left);
        }
        signal(stale, libc::SIGCONT);
        // The woken console types a note: once it is journaled, the woken
        // writer has read the journal past everything it missed.
        stale.command(&format!("note awake {round}"));
        wait_until(Duration::from_secs(20), "the woken console's note", || {
            kind(&journal_events(&j), "note")
                .any(|e| e["text"] == format!("awake {round}"))
                .then_some(())
        });
        let ev = journal_events(&j);
        let lines = flags(dir);
        // Every action ran once: as many flag commands as executed results,
        // and every start id once.
        let executed = kind(&ev, "action_ran")
            .filter(|e| e["executed"] == true)
            .count();
        assert_eq!(lines.len(), executed, "round {round}: flags {lines:?}");
        let mut ids: Vec<&str> = kind(&ev, "action_started")
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        let before = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), before, "round {round}: an action started twice");
        // The last flag command is the journal's last decision, run under
        // the epoch that holds the lease.
        let expected = format!("expand {round} {new_epoch}");
        assert_eq!(
            lines.last(),
            Some(&expected),
            "round {round}: flags {lines:?}"
        );
        eprintln!("round {round}: frozen {:?}, flags ok", hold);
    }
}

#[test]
fn a_pause_pressed_while_the_journal_is_locked_runs_and_is_journaled_late() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("rb.toml"), runbook(3)).unwrap();
    let j = dir.join("j.db");
    let mut alice = console(dir, "alice");
    alice.command("begin");
    wait_until(Duration::from_secs(10), "the start", || {
        kind(&journal_events(&j), "cutover_started")
            .next()
            .map(|_| ())
    });
    // Another program takes the write lock and keeps it for 20 s.
    let mut locker = rusqlite::Connection::open(&j).unwrap();
    let tx = locker
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let locked = Instant::now();
    alice.send("p");
    let pressed = Instant::now();
    wait_until(Duration::from_secs(15), "the pause to run", || {
        flags(dir)
            .iter()
            .any(|l| l.starts_with("pause "))
            .then_some(())
    });
    let ran_after = pressed.elapsed();
    assert!(
        locked.elapsed() < Duration::from_secs(20),
        "the pause ran while the lock was held"
    );
    eprintln!("pause ran {ran_after:?} after the key, the journal locked");
    alice.wait_for("journal did not answer", Duration::from_secs(5));
    let hold = Duration::from_secs(20).saturating_sub(locked.elapsed());
    std::thread::sleep(hold);
    tx.rollback().unwrap();
    let ev = wait_until(
        Duration::from_secs(20),
        "the late pause in the journal",
        || {
            let ev = journal_events(&j);
            (kind(&ev, "paused").next().is_some() && kind(&ev, "action_ran").next().is_some())
                .then_some(ev)
        },
    );
    let paused = kind(&ev, "paused").next().unwrap();
    assert!(
        paused["recorded_late"].is_string(),
        "marked recorded_late: {paused}"
    );
    // Ran once, and nobody ran it again when the journal took it.
    let again = wait_until(Duration::from_secs(5), "the state to settle", || {
        alice.screen().contains("PAUSED").then(|| flags(dir))
    });
    assert_eq!(
        again.iter().filter(|l| l.starts_with("pause ")).count(),
        1,
        "{again:?}"
    );
    assert_eq!(kind(&ev, "action_ran").count(), 1);
}

/// The expand a frozen conductor left running is stopped by the console
/// that takes over (same host: by its run token) before anything else
/// runs, so it can never land after the rollback that undoes it.
#[test]
fn a_takeover_stops_the_expand_a_frozen_conductor_left_running() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rb = runbook(3).replace(
        "run = 'echo \"expand $WARROOM_EXPOSURE $WARROOM_FENCE\" >> flags.log'",
        "run = 'echo started >> expand.log; sleep 10; echo \"expand $WARROOM_EXPOSURE $WARROOM_FENCE\" >> flags.log'\ntimeout = \"60s\"",
    );
    std::fs::write(dir.join("rb.toml"), rb).unwrap();
    let j = dir.join("j.db");
    let mut alice = console(dir, "alice");
    let mut bob = console(dir, "bob");
    alice.command("begin");
    alice.command("expand");
    alice.wait_for("Expand", Duration::from_secs(5));
    alice.send("y");
    wait_until(Duration::from_secs(10), "the expand to start", || {
        dir.join("expand.log").exists().then_some(())
    });
    signal(&alice, libc::SIGSTOP);
    let ev = wait_until(Duration::from_secs(20), "the takeover's note", || {
        let ev = journal_events(&j);
        let found = kind(&ev, "note").any(|e| {
            e["text"]
                .as_str()
                .unwrap_or("")
                .starts_with("takeover: waited")
        });
        found.then_some(ev)
    });
    let note = kind(&ev, "note").last().unwrap()["text"].clone();
    eprintln!("{note}");
    bob.command("rollback the expand never finished");
    bob.wait_for("Roll back", Duration::from_secs(5));
    bob.send("y");
    wait_until(Duration::from_secs(20), "the rollback", || {
        flags(dir)
            .iter()
            .any(|l| l.starts_with("rollback"))
            .then_some(())
    });
    signal(&alice, libc::SIGCONT);
    alice.command("note awake");
    wait_until(Duration::from_secs(20), "the woken console's note", || {
        kind(&journal_events(&j), "note")
            .any(|e| e["text"] == "awake")
            .then_some(())
    });
    // The note said every process of the expand ended before bob acted (it
    // starts with "waited", not "still running"), so nothing of it is left
    // to write a flag later.
    let lines = flags(dir);
    assert!(
        lines.iter().all(|l| !l.starts_with("expand")),
        "the orphaned expand must not land: {lines:?}"
    );
}

/// A health endpoint answering 200 until `fail` is set, then 500.
fn switchable_endpoint() -> (u16, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = std::sync::Arc::clone(&fail);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let answer: &[u8] = if f.load(Ordering::Relaxed) {
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfail"
            } else {
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            };
            let _ = s.write_all(answer);
        }
    });
    (port, fail)
}

/// Guards keep judging while the journal is locked: the conductor judges
/// its own readings, pauses by itself, and the decision is journaled
/// `recorded_late` once the lock is gone; the pause runs once.
#[test]
fn a_guard_breached_while_the_journal_is_locked_still_pauses() {
    let (port, fail) = switchable_endpoint();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rb = format!(
        "{}\n[sources.svc]\ntype = \"http\"\nurl = \"http://127.0.0.1:{port}/healthz\"\n\n[[panels]]\nid = \"up\"\nsource = \"svc\"\nevery = \"1s\"\n\n[[guards]]\npanel = \"up\"\nwhen = \"fail\"\nthen = \"pause\"\n",
        runbook(3)
    );
    std::fs::write(dir.join("rb.toml"), rb).unwrap();
    let j = dir.join("j.db");
    let mut alice = console(dir, "alice");
    alice.command("begin");
    wait_until(Duration::from_secs(10), "the start and a reading", || {
        let ev = journal_events(&j);
        kind(&ev, "cutover_started").next()?;
        alice.screen().contains("OK").then_some(())
    });
    let mut locker = rusqlite::Connection::open(&j).unwrap();
    let tx = locker
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let locked = Instant::now();
    fail.store(true, std::sync::atomic::Ordering::Relaxed);
    wait_until(Duration::from_secs(20), "the guard's pause to run", || {
        flags(dir)
            .iter()
            .any(|l| l.starts_with("pause "))
            .then_some(())
    });
    eprintln!(
        "guard paused {:?} after the breach began, the journal locked",
        locked.elapsed()
    );
    assert!(
        locked.elapsed() < Duration::from_secs(15),
        "ran while locked"
    );
    let hold = Duration::from_secs(15).saturating_sub(locked.elapsed());
    std::thread::sleep(hold);
    tx.rollback().unwrap();
    let ev = wait_until(
        Duration::from_secs(20),
        "the late guard in the journal",
        || {
            let ev = journal_events(&j);
            let late = kind(&ev, "paused").any(|e| e["recorded_late"].is_string());
            (late
                && kind(&ev, "guard_fired").next().is_some()
                && kind(&ev, "action_ran").next().is_some())
            .then_some(ev)
        },
    );
    assert_eq!(kind(&ev, "guard_fired").count(), 1, "fired once");
    alice.wait_for("PAUSED", Duration::from_secs(10));
    // Two more stored polls of the failing panel after the journal is
    // back: the writer's own judge has seen the breach again by then.
    let readings = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT COUNT(*) FROM readings", [], |r| r.get(0))
            .unwrap()
    };
    let before = readings(&locker);
    wait_until(Duration::from_secs(10), "two more readings", || {
        (readings(&locker) >= before + 2).then_some(())
    });
    let pauses = flags(dir)
        .iter()
        .filter(|l| l.starts_with("pause "))
        .count();
    assert_eq!(pauses, 1, "the pause ran once: {:?}", flags(dir));
}
