//! Issue 29 item 6: a PostgreSQL that fails over. A primary and its
//! streaming standby on loopback (common/pg_pair.rs); consoles (the real
//! binary in pseudo-terminals) on one URL naming both hosts with
//! `target_session_attrs=read-write`. The primary is killed
//! (`pg_ctl stop -m immediate`) and the standby promoted: the consoles
//! carry on (the time from the kill to the first note committed after it
//! is printed: `FAILOVER carried on after …`), nothing committed before is
//! lost (synchronous replication), and seq stays gapless with both
//! consoles writing across the switch. With asynchronous replication and
//! a standby that missed commits, a console refuses to write on the
//! shorter history instead of forking it.
//! Skipped without PostgreSQL locally, failing under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pair_runbook.rs"]
mod pair_runbook;
#[path = "common/pg_pair.rs"]
mod pg_pair;
#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

use pty::{Console, wait_until};
use warroom::journal::pg::PgUrl;
use warroom::session::event::{Event, EventBody};

const T: Duration = Duration::from_secs(30);

fn events(url: &str) -> Vec<Event> {
    warroom::journal::open::read_all(warroom::journal::JournalLocation::parse(url).unwrap())
        .unwrap()
}

fn notes(ev: &[Event]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match &e.body {
            EventBody::Note { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// The port of the server a warroom connection lands on.
fn lands_on(url: &str) -> i32 {
    let u = PgUrl::parse(url).unwrap();
    let mut c = u.connect().unwrap();
    c.query_one("SELECT inet_server_port()", &[])
        .unwrap()
        .get(0)
}

fn runbook(dir: &Path) -> String {
    let rb = dir.join("pair.toml");
    std::fs::write(
        &rb,
        pair_runbook::pair_runbook("Failover on PostgreSQL", "http://127.0.0.1:9/healthz"),
    )
    .unwrap();
    rb.to_str().unwrap().to_string()
}

fn console(dir: &Path, rb: &str, url: &str, who: &str) -> Console {
    Console::spawn(
        &["rehearse", rb, "--journal", url, "--as", who],
        120,
        40,
        dir,
        &[],
    )
}

#[test]
fn consoles_carry_on_after_the_standby_is_promoted_and_lose_nothing_committed() {
    let Some(pair) = pg_pair::start(true) else {
        return;
    };
    pair.client(pair.primary, "postgres")
        .batch_execute("CREATE DATABASE failover")
        .unwrap();

    // Flushed on the standby at commit; replayed a moment later.
    let probe = pair.url("failover", &[pair.standby], "any");
    wait_until(T, "the database replayed on the standby", || {
        PgUrl::parse(&probe).unwrap().connect().ok()
    });
    // read-write passes over a standby listed first; `any` takes it.
    let standby_first = pair.url("failover", &[pair.standby, pair.primary], "read-write");
    assert_eq!(lands_on(&standby_first), i32::from(pair.primary));
    let any = pair.url("failover", &[pair.standby, pair.primary], "any");
    assert_eq!(lands_on(&any), i32::from(pair.standby));
    let only_standby = pair.url("failover", &[pair.standby], "read-write");
    let Err(e) = PgUrl::parse(&only_standby).unwrap().connect() else {
        panic!("read-write took a standby");
    };
    let e = e.to_string();
    assert!(e.contains("a standby (in recovery)"), "{e}");

    let url = pair.url("failover", &[pair.primary, pair.standby], "read-write");
    let dir = tempfile::tempdir().unwrap();
    let rb = runbook(dir.path());
    let mut alice = console(dir.path(), &rb, &url, "alice");
    alice.wait_for("conductor: alice", T);
    let mut bob = console(dir.path(), &rb, &url, "bob");
    bob.wait_for("REHEARSAL", T);
    alice.wait_for("bob", T);
    for i in 1..=10 {
        alice.command(&format!("note before {i:02}"));
    }
    // Shown means committed, and committed means on the standby too.
    alice.wait_for("before 10", T);
    let before = events(&url);

    let killed = Instant::now();
    pair.kill_primary();
    pair.promote_standby();
    let promoted = killed.elapsed();
    alice.command("note after 01");
    bob.command("note after 02");
    let carried_on = wait_until(T, "both notes committed on the new primary", || {
        let n = notes(&events(&url));
        (n.iter().any(|t| t == "after 01") && n.iter().any(|t| t == "after 02"))
            .then(|| killed.elapsed())
    });
    alice.wait_for("after 02", T);
    bob.wait_for("after 01", T);
    let shown = killed.elapsed();
    eprintln!(
        "FAILOVER promoted after {promoted:?}; carried on after {carried_on:?} (both consoles' notes committed), shown on both screens after {shown:?}"
    );
    assert_eq!(lands_on(&url), i32::from(pair.standby));

    // More from both, across the new primary: one history.
    for i in 3..=6 {
        let c = if i % 2 == 1 { &mut alice } else { &mut bob };
        c.command(&format!("note after {i:02}"));
    }
    alice.wait_for("after 06", T);
    bob.wait_for("after 05", T);
    let after = events(&url);
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "every event committed before the kill is kept, as it was"
    );
    let seqs: Vec<u64> = after.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=after.len() as u64).collect::<Vec<_>>(),
        "seq gapless"
    );
    let n = notes(&after);
    for want in (1..=10)
        .map(|i| format!("before {i:02}"))
        .chain((1..=6).map(|i| format!("after {i:02}")))
    {
        assert_eq!(
            n.iter().filter(|t| **t == want).count(),
            1,
            "{want} once: {n:?}"
        );
    }
    for c in [&mut alice, &mut bob] {
        c.send("q");
        c.send("y");
        assert_eq!(c.wait_exit(T), 0, "{}", c.screen());
    }
}

#[test]
fn a_standby_that_missed_commits_is_not_written_on_after_promotion() {
    let Some(pair) = pg_pair::start(false) else {
        return;
    };
    pair.client(pair.primary, "postgres")
        .batch_execute("CREATE DATABASE lagging")
        .unwrap();
    let url = pair.url("lagging", &[pair.primary, pair.standby], "read-write");
    let dir = tempfile::tempdir().unwrap();
    let rb = runbook(dir.path());
    // Wide: the footer's error holds the whole URL before its cause.
    let mut alice = Console::spawn(
        &["rehearse", &rb, "--journal", &url, "--as", "alice"],
        300,
        40,
        dir.path(),
        &[],
    );
    alice.wait_for("conductor: alice", T);
    pair.wait_streaming("async");
    // The standby stops receiving; the primary goes on alone (async).
    pair.stop_standby();
    for i in 1..=3 {
        alice.command(&format!("note unreplicated {i}"));
    }
    alice.wait_for("unreplicated 3", T);
    let seen = events(&url).len();
    // A store of this test's own, that has read every event.
    let (mut store, _) = warroom::journal::open::open_store(
        warroom::journal::JournalLocation::parse(&url).unwrap(),
        false,
    )
    .unwrap();
    assert_eq!(store.read_since(0).unwrap().len(), seen);
    pair.kill_primary();
    pair.start_standby();
    pair.promote_standby();
    let kept = events(&url).len();
    assert!(
        kept < seen,
        "the standby has every event ({kept} of {seen})"
    );
    // Neither the console nor the store appends after what it read: no
    // second history under the same seqs.
    let screen = alice.wait_for("lost committed events", T);
    assert!(
        screen.contains(&format!(
            "events end at seq {kept}, but this console read up to seq"
        )),
        "{screen}"
    );
    // The first try finds its old connection cut (that may pass); the
    // next one reaches the promoted standby and is refused for good.
    let e = wait_until(T, "a refusal that does not pass", || match store.begin() {
        Ok(_) => panic!("a transaction opened on the shorter history"),
        Err(e) if e.may_pass() => None,
        Err(e) => Some(e.to_string()),
    });
    assert!(
        e.contains(&format!(
            "seq {kept}, but this console read up to seq {seen}"
        )),
        "{e}"
    );
    drop(alice);
    assert_eq!(events(&url).len(), kept, "written on the shorter history");
}
