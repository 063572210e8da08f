//! The journal store across processes: concurrent writers, kill -9 in the
//! middle of appends, a follower in another process, bad files, sharing
//! permissions.
//!
//! Child processes re-run this test binary with `WARROOM_TEST_ROLE` set;
//! the `child_*` tests do their part only when that variable names them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/crash_loop.rs"]
mod crash_loop;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use warroom::journal::{Journal, JournalError, NewEvent};
use warroom::session::event::{Event, EventBody};

const ROLE: &str = "WARROOM_TEST_ROLE";
const PATH: &str = "WARROOM_TEST_JOURNAL";
const COUNT: &str = "WARROOM_TEST_COUNT";

fn note(op: &str, text: String) -> NewEvent {
    NewEvent {
        ts: Utc::now(),
        operator: op.to_string(),
        body: EventBody::Note { text },
    }
}

fn spawn_child(role: &str, journal: &Path, count: usize, stdout: Stdio) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([role, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(PATH, journal)
        .env(COUNT, count.to_string())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn child_env(role: &str) -> Option<(PathBuf, usize)> {
    if std::env::var(ROLE).ok()? != role {
        return None;
    }
    let path = PathBuf::from(std::env::var(PATH).unwrap());
    let count = std::env::var(COUNT).unwrap().parse().unwrap();
    Some((path, count))
}

/// Child: append `count` notes, one transaction each.
#[test]
fn child_writer() {
    let Some((path, count)) = child_env("child_writer") else {
        return;
    };
    let (mut j, _) = Journal::open(&path).unwrap();
    let op = format!("w{}", std::process::id());
    for i in 0..count {
        let t = Instant::now();
        if let Err(e) = j.append(&[note(&op, i.to_string())]) {
            panic!("append {i} failed after {:?}: {e:?}", t.elapsed());
        }
    }
}

/// Child: append forever, printing `SEQ seq operator i` once each append
/// is committed.
#[test]
fn child_looper() {
    let Some((path, _)) = child_env("child_looper") else {
        return;
    };
    use std::io::Write;
    let (mut j, _) = Journal::open(&path).unwrap();
    // Named by the tag the parent gave (COUNT), not the pid: a pid reused
    // by a later writer would merge two writers' numbering.
    let op = format!("w{}", std::env::var(COUNT).unwrap());
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let ev = j.append(&[note(&op, i.to_string())]).unwrap();
        writeln!(out, "SEQ {} {op} {i}", ev[0].seq).unwrap();
        out.flush().unwrap();
    }
}

fn all_events(path: &Path) -> Vec<Event> {
    Journal::open_read_only(path)
        .unwrap()
        .read_since(0)
        .unwrap()
}

#[test]
fn three_processes_append_1000_each_gapless_none_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared/live.db");
    // They race to create the journal too, as consoles started together do.
    let children: Vec<Child> = (0..3)
        .map(|_| spawn_child("child_writer", &path, 1000, Stdio::null()))
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer failed");
    }
    let events = all_events(&path);
    assert_eq!(events.len(), 3000);
    crash_loop::assert_gapless(&events);
    let mut per_writer: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for e in &events {
        let EventBody::Note { text } = &e.body else {
            panic!("unexpected {e:?}")
        };
        per_writer
            .entry(e.operator.clone())
            .or_default()
            .push(text.parse().unwrap());
    }
    assert_eq!(per_writer.len(), 3);
    for (w, seen) in per_writer {
        assert_eq!(
            seen,
            (0..1000).collect::<Vec<u64>>(),
            "writer {w}: lost or reordered"
        );
    }
}

/// One looper process whose committed lines arrive on `lines`, tagged.
struct Looper {
    child: Child,
}

fn start_looper(
    path: &Path,
    tag: usize,
    lines: &std::sync::mpsc::Sender<(usize, String)>,
) -> Looper {
    let mut child = spawn_child("child_looper", path, tag, Stdio::piped());
    let out = BufReader::new(child.stdout.take().unwrap());
    let tx = lines.clone();
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            if tx.send((tag, l)).is_err() {
                break;
            }
        }
    });
    Looper { child }
}

fn sigkill(child: &Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

/// The crash loop: three writers append to one journal without pause;
/// each round one of them, picked at random, is killed with SIGKILL at a
/// random moment (often inside a transaction) and replaced. Whatever a
/// writer printed as committed must be in the journal, at that seq, with
/// that text; seq has no gap; each writer's appends have no hole; SQLite's
/// own integrity check passes. Returns (appends seen committed, kills).
fn crash_loop(rounds: usize) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut seed = Utc::now().timestamp_nanos_opt().unwrap_or(7) as u64;
    eprintln!("crash loop seed {seed}");
    let start_seed = seed;
    let printed = crash_loop::drive(
        rounds,
        &mut seed,
        Duration::from_secs(20),
        |tag, lines| start_looper(&path, tag, lines),
        |w| {
            sigkill(&w.child);
            w.child.wait().unwrap();
        },
    );
    crash_loop::assert_kept(&all_events(&path), &printed, start_seed);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    (printed.len(), rounds + 3)
}

#[test]
fn crash_loop_three_writers_sigkill_loses_nothing_committed() {
    let rounds = crash_loop::rounds();
    // Each round waits for a fresh commit from all three writers, so at
    // least 3 × rounds appends are checked by construction.
    let (appends, kills) = crash_loop(rounds);
    eprintln!(
        "crash loop: {rounds} rounds, {kills} SIGKILLs, {appends} committed appends checked, 0 lost"
    );
}

#[test]
fn follower_in_another_process_sees_appends_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    j.append(&[note("alice", "before".into())]).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = warroom::journal::follow(&path, 1, 0, tx).unwrap();
    let mut child = spawn_child("child_writer", &path, 50, Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    while got.len() < 50 {
        match rx.try_recv() {
            Ok(warroom::journal::Followed::Event(ev)) => got.push(ev),
            Ok(_) => {}
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("follower delivered {} of 50 events: {e}", got.len()),
        }
    }
    assert!(child.wait().unwrap().success());
    let seqs: Vec<u64> = got.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (2..=51).collect::<Vec<u64>>(),
        "from seq 2, in order, once each"
    );
    // Dropping the receiver stops the thread.
    drop(rx);
    j.append(&[note("alice", "after".into())]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "follower kept running after its receiver closed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn new_journal_is_shareable_by_a_unix_group() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(".warroom/billing-v2");
    let path = folder.join("live.db");
    let (_j, warning) = Journal::open(&path).unwrap();
    assert_eq!(warning, None, "tmpfs/ext4 is not a network filesystem");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&path), 0o660, "journal file");
    assert_eq!(
        mode(&folder),
        0o2770,
        "journal folder: setgid, group-writable"
    );
    assert_eq!(mode(&dir.path().join(".warroom")), 0o2770);
    // No temporary file left behind.
    let names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("creating"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn events_cannot_be_updated_or_deleted_even_with_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    j.append(&[note("alice", "keep me".into())]).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let upd = conn.execute("UPDATE events SET operator = 'mallory'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = conn.execute("DELETE FROM events", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    assert_eq!(all_events(&path)[0].operator, "alice");
}

#[test]
fn reader_works_while_a_writer_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    j.append(&[note("alice", "one".into())]).unwrap();
    let mut tx = j.begin().unwrap();
    tx.append(&note("alice", "uncommitted".into())).unwrap();
    // The report opens and reads while the write lock is held.
    let r = Journal::open_read_only(&path).unwrap();
    assert_eq!(
        r.read_since(0).unwrap().len(),
        1,
        "sees committed events only"
    );
    tx.commit().unwrap();
    assert_eq!(r.read_since(0).unwrap().len(), 2);
}

fn assert_refused_unchanged(path: &Path, err: JournalError, want: &str, before: &[u8]) {
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "{msg} names the path"
    );
    assert!(msg.contains(want), "{msg} says {want}");
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "file must be left unchanged"
    );
}

#[test]
fn bad_files_are_refused_by_name_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    // A text file.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a journal, just notes\n".repeat(50)).unwrap();
    let before = std::fs::read(&text).unwrap();
    assert_refused_unchanged(
        &text,
        Journal::open(&text).unwrap_err(),
        "not a SQLite database",
        &before,
    );
    assert_refused_unchanged(
        &text,
        Journal::open_read_only(&text).unwrap_err(),
        "not a SQLite database",
        &before,
    );

    // Somebody else's SQLite database.
    let other = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    assert_refused_unchanged(
        &other,
        Journal::open(&other).unwrap_err(),
        "not a warroom journal",
        &before,
    );
    assert!(
        !dir.path().join("other.db-wal").exists(),
        "no WAL switched on in a foreign file"
    );

    // A journal from a newer warroom.
    let newer = dir.path().join("newer.db");
    Journal::open(&newer).unwrap();
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.execute_batch("PRAGMA user_version = 99;").unwrap();
    }
    let before = std::fs::read(&newer).unwrap();
    assert_refused_unchanged(
        &newer,
        Journal::open(&newer).unwrap_err(),
        "schema version 99 is newer",
        &before,
    );

    // A journal whose pages are garbage after the header.
    let corrupt = dir.path().join("corrupt.db");
    let mut bytes = std::fs::read(&newer).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&corrupt, &bytes).unwrap();
    let err = Journal::open(&corrupt).unwrap_err();
    assert_refused_unchanged(&corrupt, err, "corrupt.db", &bytes);
}

/// Child (runs as an unprivileged user): open a journal in a read-only folder.
#[test]
fn child_read_only_folder() {
    let Some((path, _)) = child_env("child_read_only_folder") else {
        return;
    };
    let err = Journal::open(&path).unwrap_err().to_string();
    println!("ERROR: {err}");
    // An existing journal in a read-only folder can still be reported on.
    let archived = path
        .parent()
        .unwrap()
        .with_file_name("archive")
        .join("live.db");
    match Journal::open_read_only(&archived).and_then(|j| j.read_since(0)) {
        Ok(events) => println!("READ: {}", events.len()),
        Err(e) => println!("READ FAILED: {e}"),
    }
}

#[test]
fn read_only_folder_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let path = ro.join("live.db");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // A finished session's journal, archived where the reader cannot write.
    let archive = dir.path().join("archive");
    let archived = archive.join("live.db");
    Journal::open(&archived)
        .unwrap()
        .0
        .append(&[note("alice", "done".into())])
        .unwrap();
    std::fs::set_permissions(&archived, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&archive, std::fs::Permissions::from_mode(0o555)).unwrap();
    let msg = if nix::unistd::geteuid().is_root() {
        // root ignores permissions: ask an unprivileged user.
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_read_only_folder",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ROLE, "child_read_only_folder")
            .env(PATH, &path)
            .env(COUNT, "0")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "child failed: {stdout}");
        assert!(
            stdout.contains("READ: 1"),
            "report on a read-only folder: {stdout}"
        );
        stdout
            .lines()
            .find_map(|l| l.split_once("ERROR: ").map(|(_, m)| m.to_string()))
            .unwrap_or_else(|| panic!("child printed no error: {stdout}"))
    } else {
        Journal::open(&path).unwrap_err().to_string()
    };
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(
        msg.contains("Permission denied") || msg.contains("read-only"),
        "{msg}"
    );
    assert!(!path.exists());
}

use std::os::unix::process::CommandExt;

#[test]
fn kinds_from_a_newer_warroom_survive_the_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    let future = EventBody::Unknown {
        kind: "blast_radius_checked".into(),
        fields: serde_json::json!({"tenants": 12, "ok": true}),
    };
    let stored = j
        .append(&[
            NewEvent {
                ts: Utc::now(),
                operator: "alice".into(),
                body: future.clone(),
            },
            note("alice", "after".into()),
        ])
        .unwrap();
    let read = all_events(&path);
    assert_eq!(read, stored);
    assert_eq!(read[0].body, future);
    let line = warroom::report::jsonl::line(&read[0]);
    assert!(
        line.contains(r#""kind":"blast_radius_checked","ok":true,"tenants":12"#),
        "{line}"
    );
}

/// Another program that opens the journal and closes it (the sqlite3 CLI,
/// a script, `warroom report` of an older build) must not take the live
/// `-wal` with it. It does when this process has dropped its POSIX locks
/// on the file, which any close() of any descriptor on it does: a console
/// opens its writer, then its follower and readers, so none of those may
/// read the file behind SQLite's back. Python's sqlite3 module plays the
/// other program (CI has Python, not necessarily the sqlite3 CLI).
#[test]
fn another_program_closing_the_journal_leaves_the_live_wal_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    j.append(&[note("alice", "one".into())]).unwrap();
    // What a console does next in the same process: a follower and a reader.
    let follower = Journal::open_read_only(&path).unwrap();
    drop(Journal::open_read_only(&path).unwrap());
    let count_elsewhere = || {
        let out = Command::new("python3")
            .arg("-c")
            .arg(
                "import sqlite3,sys\n\
                 c=sqlite3.connect(sys.argv[1])\n\
                 print(c.execute('select count(*) from events').fetchone()[0])\n\
                 c.close()",
            )
            .arg(&path)
            .output()
            .expect("python3 runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(count_elsewhere(), "1");
    let wal = dir.path().join("j.db-wal");
    assert!(wal.exists(), "the other program deleted the live WAL");
    j.append(&[note("alice", "two".into())]).unwrap();
    // Had the WAL been unlinked, "two" would live only in a deleted file.
    assert_eq!(count_elsewhere(), "2");
    assert_eq!(follower.read_since(0).unwrap().len(), 2);
}

/// Writers ring the doorbell after each commit and followers sleep until
/// they hear it; a program that does not ring (the sqlite3 shell, a
/// script) must still be followed, by the follower's slow safety check.
#[test]
fn a_follower_sees_a_row_written_by_a_program_that_does_not_ring() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    j.append(&[note("alice", "one".into())]).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _handle = warroom::journal::follow(&path, 1, 0, tx).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys\n\
             c=sqlite3.connect(sys.argv[1])\n\
             c.execute(\"insert into events(seq,ts,operator,kind,data) values \
             (2,'2026-11-30T02:00:00.000Z','bob','note','{\\\"text\\\":\\\"by hand\\\"}')\")\n\
             c.commit()\n\
             c.close()",
        )
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{out:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match rx.try_recv() {
            Ok(warroom::journal::Followed::Event(ev)) => {
                assert_eq!(ev.seq, 2);
                assert_eq!(ev.operator, "bob");
                break;
            }
            Ok(_) => {}
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("the follower never saw the row written by hand: {e}"),
        }
    }
}
