//! Issue 19's "done when", end to end: two real consoles (the binary in
//! pseudo-terminals) on one `postgresql://` URL share a session. A
//! two-person gate is not GO on one person's signatures and is on two;
//! a burst of 15 notes, then `kill -9` of the console that typed them:
//! every note it showed is kept and seq is gapless; the endpoint is polled
//! by the conductor alone; `report URL` gives the Markdown record.
//! Skipped without PostgreSQL locally, failing under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pair_runbook.rs"]
mod pair_runbook;
#[path = "common/pg.rs"]
mod pg;
#[path = "common/pty.rs"]
mod pty;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pair_runbook::pair_runbook;
use pty::{Console, wait_until};
use warroom::session::event::{Event, EventBody};

const T: Duration = Duration::from_secs(30);

/// A health endpoint that counts the requests it answers.
fn counting_endpoint() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            h.fetch_add(1, Ordering::Relaxed);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, hits)
}

fn events(url: &Path) -> Vec<Event> {
    warroom::journal::open::read_all(pg::at(url)).unwrap()
}

fn count(events: &[Event], pred: impl Fn(&EventBody) -> bool) -> usize {
    events.iter().filter(|e| pred(&e.body)).count()
}

#[test]
fn two_consoles_share_a_session_on_postgres_and_a_killed_one_loses_nothing_it_showed() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    let url = cluster.fresh("e2e_pairing");
    let u = url.to_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (port, hits) = counting_endpoint();
    let rb = dir.path().join("pair.toml");
    std::fs::write(
        &rb,
        pair_runbook(
            "Pairing on PostgreSQL",
            &format!("http://127.0.0.1:{port}/healthz"),
        ),
    )
    .unwrap();
    let rbs = rb.to_str().unwrap();

    let mut alice = Console::spawn(
        &["rehearse", rbs, "--journal", &u, "--as", "alice"],
        120,
        40,
        dir.path(),
        &[],
    );
    alice.wait_for("conductor: alice", T);
    let mut bob = Console::spawn(
        &["rehearse", rbs, "--journal", &u, "--as", "bob"],
        80,
        24,
        dir.path(),
        &[],
    );
    bob.wait_for("REHEARSAL", T);
    alice.wait_for("bob", T);

    // One person's signatures on both items do not make a two-person gate GO.
    alice.command("sign go 1");
    alice.command("sign go 2");
    wait_until(T, "alice's two signatures in the journal", || {
        let ev = events(&url);
        (count(&ev, |b| matches!(b, EventBody::Signed { .. })) == 2).then_some(())
    });
    let ev = events(&url);
    assert_eq!(
        count(&ev, |b| matches!(b, EventBody::GateGo { .. })),
        0,
        "GO on one person's signatures"
    );
    // A second person makes it GO.
    bob.command("sign go 1");
    wait_until(T, "the gate GO after bob signed", || {
        let ev = events(&url);
        (count(&ev, |b| matches!(b, EventBody::GateGo { .. })) == 1).then_some(())
    });

    // The endpoint sees one poller: over 6 s at 1 s a single poller makes
    // at most 6 + 2 requests (ticks never burst); two would make about 12.
    let (h0, t0) = (hits.load(Ordering::Relaxed), Instant::now());
    wait_until(T, "6 s of polling", || {
        (t0.elapsed() >= Duration::from_secs(6)).then_some(())
    });
    let polled = hits.load(Ordering::Relaxed) - h0;
    assert!(
        (1..=8).contains(&polled),
        "{polled} requests in 6 s: not one poller"
    );

    // A burst of 15 notes from bob, then kill -9 once his own screen shows
    // the last one (shown means committed: the journal comes before the
    // screen).
    for i in 1..=15 {
        bob.command(&format!("note burst {i:02}"));
    }
    bob.wait_for("burst 15", T);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(bob.pid().unwrap() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    alice.wait_for("burst 15", T);
    let ev = events(&url);
    let notes: Vec<String> = ev
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Note { text } if e.operator == "bob" => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        (1..=15)
            .map(|i| format!("burst {i:02}"))
            .collect::<Vec<_>>(),
        "every note bob's screen showed is kept, once, in order"
    );
    let seqs: Vec<u64> = ev.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=ev.len() as u64).collect::<Vec<_>>(),
        "seq gapless"
    );

    // The conductor journals bob as lost (kill -9 cannot detach).
    alice.wait_until(T, "bob gone from alice's header", |s| {
        s.lines().nth(1).is_some_and(|l| !l.contains("bob"))
    });

    // The report reads the same URL.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", &u])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("Pairing on PostgreSQL"), "{md}");
    assert!(md.contains("burst 15"), "{md}");
    assert!(!md.contains("password"), "{md}");

    alice.send("q");
    alice.send("y");
    assert_eq!(alice.wait_exit(T), 0);
}
