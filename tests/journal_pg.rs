//! The journal on a real PostgreSQL (a throwaway cluster, common/pg.rs):
//! the same guarantees as SQLite. Three writer processes killed at random
//! (100 rounds) lose nothing committed and leave seq gapless; two consoles
//! pair through LISTEN/NOTIFY; the lease hands over; a connection killed
//! mid-session fails the one request and the next one reconnects; the
//! database refuses UPDATE and DELETE; someone else's tables are left alone.
//!
//! Child processes re-run this binary with `WARROOM_TEST_ROLE` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/crash_loop.rs"]
mod crash_loop;
#[path = "common/journal_view.rs"]
mod journal_view;
#[path = "common/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc::unbounded_channel;
use warroom::console_session::writer::{Reply, Request, Writer};
use warroom::console_session::{OpenOptions, Session};
use warroom::journal::open::open_store;
use warroom::journal::{Followed, JournalError, NewEvent};
use warroom::session::event::{DetachReason, Event, EventBody, SessionMode};
use warroom::session::testkit::sample_runbook;

const ROLE: &str = "WARROOM_TEST_ROLE";
const URL: &str = "WARROOM_TEST_JOURNAL";
const DEADLINE: Duration = Duration::from_secs(20);

fn note(op: &str, text: String) -> NewEvent {
    NewEvent {
        ts: Utc::now(),
        operator: op.to_string(),
        body: EventBody::Note { text },
    }
}

fn all_events(url: &Path) -> Vec<Event> {
    warroom::journal::open::read_all(pg::at(url)).unwrap()
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 99 / 100).min(v.len() - 1)]
}

/// Child: append notes without pause, one transaction each, printing
/// `SEQ seq operator i` after each commit returned.
#[test]
fn child_pg_looper() {
    if std::env::var(ROLE).as_deref() != Ok("child_pg_looper") {
        return;
    }
    let url = PathBuf::from(std::env::var(URL).unwrap());
    let (mut store, _) = open_store(pg::at(&url), true).unwrap();
    let op = format!("w{}", std::process::id());
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    for i in 0u64.. {
        let mut tx = store.begin().unwrap();
        let e = tx.append(&note(&op, i.to_string())).unwrap();
        tx.commit().unwrap();
        writeln!(out, "SEQ {} {op} {i}", e.seq).unwrap();
        out.flush().unwrap();
    }
}

fn start_looper(url: &Path, tag: usize, lines: &std::sync::mpsc::Sender<(usize, String)>) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_pg_looper",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, "child_pg_looper")
        .env(URL, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let tx = lines.clone();
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            if tx.send((tag, l)).is_err() {
                break;
            }
        }
    });
    child
}

#[test]
fn crash_loop_three_writers_sigkill_loses_nothing_committed_on_postgres() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("crash");
    // Made once here, so the children race on appends, not on creation.
    drop(open_store(pg::at(&url), true).unwrap());
    let rounds = crash_loop::rounds();
    let mut seed = Utc::now().timestamp_nanos_opt().unwrap_or(7) as u64;
    eprintln!("crash loop seed {seed}");
    let start_seed = seed;
    let printed = crash_loop::drive(
        rounds,
        &mut seed,
        DEADLINE,
        |tag, lines| start_looper(&url, tag, lines),
        |w| {
            w.kill().unwrap(); // SIGKILL
            w.wait().unwrap();
        },
    );
    crash_loop::assert_kept(&all_events(&url), &printed, start_seed);
    eprintln!(
        "pg crash loop: {rounds} rounds, {} committed appends checked, 0 lost",
        printed.len()
    );
}

fn open(url: &Path, who: &str) -> Session {
    Session::open(
        Arc::new(sample_runbook()),
        pg::at(url),
        OpenOptions {
            mode: SessionMode::Live,
            operator: who.into(),
            host: Some(format!("{who}-host")),
            read_only: false,
            accept_runbook_change: false,
        },
    )
    .unwrap()
}

/// Two consoles: what one commits reaches the other's follower (NOTIFY),
/// in order; prints the append and pairing p99.
#[test]
fn two_consoles_pair_through_listen_notify() {
    let Some(c) = pg::cluster() else { return };
    // WARROOM_PG_PAIR_URL measures another server (TCP loopback, a LAN).
    let url = std::env::var_os("WARROOM_PG_PAIR_URL")
        .map(PathBuf::from)
        .unwrap_or_else(|| c.fresh("pair"));
    let (mut a, _) = open_store(pg::at(&url), true).unwrap();
    let b = open(&url, "bob");
    let (tx, mut rx) = unbounded_channel();
    let _follow = b.follow(tx).unwrap();
    let (mut appends, mut pairings) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let t = Instant::now();
        let mut w = a.begin().unwrap();
        let e = w.append(&note("alice", format!("n{i}"))).unwrap();
        w.commit().unwrap();
        appends.push(t.elapsed());
        let deadline = Instant::now() + DEADLINE;
        loop {
            match rx.try_recv() {
                Ok(Followed::Event(got)) if got.seq == e.seq => {
                    assert_eq!(got, e, "delivered as committed");
                    break;
                }
                Ok(_) => {}
                Err(_) => {
                    assert!(Instant::now() < deadline, "note {i} never reached bob");
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
        pairings.push(t.elapsed());
    }
    eprintln!(
        "postgres over {}: append p99 {:?}, pairing (commit to the other console's follower) p99 {:?}",
        if url.to_string_lossy().contains("host=/") {
            "a Unix socket"
        } else {
            "TCP"
        },
        p99(appends),
        p99(pairings)
    );
    if std::env::var_os("WARROOM_PG_PAIR_URL").is_none() {
        crash_loop::assert_gapless(&all_events(&url));
    }
}

#[test]
fn a_detached_conductor_hands_the_lease_over_on_postgres() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("lease");
    let seat = |who: &str| {
        let (tx, rx) = unbounded_channel();
        (Writer::spawn(open(&url, who), tx).unwrap(), rx)
    };
    let wait_role = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Reply>| {
        let deadline = Instant::now() + DEADLINE;
        loop {
            match rx.try_recv() {
                Ok(Reply::Role {
                    conductor: true, ..
                }) => return,
                Ok(Reply::Error(e)) => panic!("writer error: {e}"),
                Ok(_) => {}
                Err(_) => {
                    assert!(Instant::now() < deadline, "never conducted");
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    };
    let (a, mut ra) = seat("alice");
    wait_role(&mut ra);
    let (b, mut rb) = seat("bob");
    assert!(a.send(Request::Detach(DetachReason::Quit)));
    wait_role(&mut rb);
    drop(a);
    drop(b);
    let changed = journal_view::conductor_changes(all_events(&url));
    assert_eq!(
        changed,
        [
            ("alice".to_string(), "first".to_string()),
            ("bob".to_string(), "holder detached".to_string())
        ]
    );
}

#[test]
fn a_connection_killed_mid_session_fails_one_request_and_the_next_reconnects() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("killed");
    let (mut s, _) = open_store(pg::at(&url), true).unwrap();
    let (tx, mut rx) = unbounded_channel();
    let follower = s.follow(0, 0, tx).unwrap();
    let mut w = s.begin().unwrap();
    w.append(&note("alice", "before".into())).unwrap();
    assert!(
        c.kill_connections(&url) >= 2,
        "the store's and the follower's"
    );
    let err = w.commit().unwrap_err();
    assert!(
        matches!(err, JournalError::Open { .. }) && err.to_string().contains("lost"),
        "{err}"
    );
    // Nothing of the killed transaction was kept; the next one works.
    let mut w = s.begin().unwrap();
    let e = w.append(&note("alice", "after".into())).unwrap();
    w.commit().unwrap();
    assert_eq!(e.seq, 1, "the killed transaction left no seq behind");
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Ok(Followed::Event(got)) = rx.try_recv() {
            assert_eq!(got, e, "the follower reconnected and caught up");
            break;
        }
        assert!(Instant::now() < deadline, "the follower never caught up");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(follower);
    assert_eq!(all_events(&url).len(), 1);
}

#[test]
fn the_database_refuses_update_and_delete_of_events() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("appendonly");
    let (mut s, _) = open_store(pg::at(&url), true).unwrap();
    let mut w = s.begin().unwrap();
    w.append(&note("alice", "kept".into())).unwrap();
    w.commit().unwrap();
    let mut raw = c.raw(&url);
    for sql in [
        "UPDATE warroom_events SET operator = 'mallory'",
        "DELETE FROM warroom_events",
        "TRUNCATE warroom_events",
    ] {
        let e = raw.batch_execute(sql).unwrap_err();
        let e = e.as_db_error().unwrap().message().to_string();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(all_events(&url)[0].operator, "alice");
}

#[test]
fn someone_elses_tables_are_refused_and_left_alone() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("foreign");
    let mut raw = c.raw(&url);
    raw.batch_execute("CREATE TABLE warroom_events(x int); INSERT INTO warroom_events VALUES (7)")
        .unwrap();
    let err = open_store(pg::at(&url), true).err().unwrap();
    assert!(matches!(err, JournalError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("warroom_events"), "{err}");
    let n: i64 = raw
        .query_one("SELECT COUNT(*) FROM warroom_events WHERE x = 7", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "left unchanged");
}

#[test]
fn journal_init_creates_the_tables_and_a_reader_needs_them() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("init");
    assert!(matches!(
        warroom::journal::open::read_all(pg::at(&url)),
        Err(JournalError::Missing { .. })
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["journal", "init"])
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created the journal's tables"));
    assert_eq!(all_events(&url), Vec::new());
}

/// The console opens its session inside its tokio runtime: the sync
/// client must neither start nor drop its own runtime there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opens_and_closes_inside_the_consoles_runtime() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("inruntime");
    let s = open(&url, "alice");
    let (tx, _rx) = unbounded_channel();
    let follower = s.follow(tx).unwrap();
    assert_eq!(s.state().last_seq, all_events(&url).len() as u64);
    drop(follower);
    drop(s);
}

/// A holder that stops renewing (killed, frozen, its host gone) loses the
/// lease once the server's clock passes its expiry; another console takes
/// it as `Lost`. Until then nobody else can.
#[test]
fn an_expired_lease_is_taken_over_by_the_servers_clock() {
    use warroom::journal::conduct::{Seat, Takeover};
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("expiry");
    let (mut s, _) = open_store(pg::at(&url), true).unwrap();
    let seat = |who: &str, host: &str| Seat {
        console: format!("{host}:1:{who}"),
        operator: who.into(),
        host: Some(host.into()),
        pid: 1,
        read_only: false,
    };
    let (a, b) = (seat("alice", "bastion-eu"), seat("bob", "bastion-us"));
    let beat = |s: &mut Box<dyn warroom::journal::Store>, who: &Seat, ttl: f64| {
        let mut tx = s.begin().unwrap();
        let r = tx.beat_lease(who, ttl).unwrap();
        tx.commit().unwrap();
        r
    };
    assert_eq!(beat(&mut s, &a, 0.5).took, Some(Takeover::First));
    assert!(!beat(&mut s, &b, 3.0).held, "not while alice's lease runs");
    let deadline = Instant::now() + DEADLINE;
    let took = loop {
        let r = beat(&mut s, &b, 3.0);
        if r.held {
            break r.took;
        }
        assert!(Instant::now() < deadline, "bob never took the lease");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(took, Some(Takeover::Lost));
    let tx = s.begin().unwrap();
    assert!(!tx.holds_lease(&a.console).unwrap());
    assert!(tx.holds_lease(&b.console).unwrap());
}
