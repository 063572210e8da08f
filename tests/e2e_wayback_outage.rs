//! The way back when the journal cannot take a write at all: a full disk
//! (the journal on a small tmpfs, filled) and a stopped PostgreSQL server.
//! In both, a pause pressed during the outage runs within the wait (2 s)
//! and is journaled `recorded_late` once the journal is back; nothing is
//! dropped and it runs once. The real binary in a pseudo-terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/pg.rs"]
mod pg;
#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use pty::{Console, journal_events, wait_until};
use serde_json::Value;

const RUNBOOK: &str = r#"
[cutover]
id = "outage"
title = "Outage"
strategy = "canary"

[roles]
ic = "Incident commander"

[[stages]]
name = "one"
exposure = 1

[actions.pause]
run = 'echo "pause $WARROOM_FENCE" >> flags.log'
[actions.rollback]
run = 'echo rollback >> flags.log'
"#;

fn kind<'a>(events: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    events.iter().filter(move |e| e["kind"] == kind)
}

fn pauses(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("flags.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("pause"))
        .count()
}

/// Begin on `journal`, cut the journal off with `outage`, press `p`, check
/// the pause ran during the outage, end it with `recover`, check it was
/// journaled late and ran once.
fn pause_through_an_outage(
    dir: &Path,
    journal: &str,
    outage: impl FnOnce(),
    recover: impl FnOnce(),
) {
    std::fs::write(dir.join("rb.toml"), RUNBOOK).unwrap();
    let j = Path::new(journal);
    let mut c = Console::spawn(
        &[
            "rehearse",
            "--execute",
            "rb.toml",
            "--journal",
            journal,
            "--as",
            "alice",
        ],
        100,
        30,
        dir,
        &[],
    );
    c.wait_for("Journal", Duration::from_secs(15));
    c.command("begin");
    wait_until(Duration::from_secs(10), "the start", || {
        kind(&journal_events(j), "cutover_started")
            .next()
            .map(|_| ())
    });
    outage();
    c.send("p");
    let pressed = Instant::now();
    wait_until(Duration::from_secs(15), "the pause to run", || {
        (pauses(dir) == 1).then_some(())
    });
    eprintln!(
        "pause ran {:?} after the key, the journal away",
        pressed.elapsed()
    );
    // `recorded_late` below proves the outage held: the console ran the
    // pause before the journal took it.
    recover();
    let ev = wait_until(Duration::from_secs(30), "the late pause", || {
        let ev = journal_events(j);
        let late = kind(&ev, "paused").any(|e| e["recorded_late"].is_string());
        let ran = kind(&ev, "action_ran").next().is_some();
        (late && ran).then_some(ev)
    });
    assert_eq!(kind(&ev, "paused").count(), 1, "journaled once");
    c.wait_for("PAUSED", Duration::from_secs(10));
    assert_eq!(pauses(dir), 1, "ran once");
}

#[test]
fn a_pause_during_a_full_disk_runs_and_is_journaled_when_space_returns() {
    if !nix::unistd::getuid().is_root() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs as root: the tmpfs must be mounted"
        );
        pg::skipped_without("root", "mounting a tmpfs needs root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let disk = dir.join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&disk)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount tmpfs");
    let journal = disk.join("j.db");
    let filler = disk.join("filler");
    pause_through_an_outage(
        dir,
        journal.to_str().unwrap(),
        || {
            // Fill what is left: every append now fails with "disk full".
            let _ = Command::new("dd")
                .args(["if=/dev/zero", "bs=64k"])
                .arg(format!("of={}", filler.display()))
                .output();
        },
        || std::fs::remove_file(&filler).unwrap(),
    );
    let _ = Command::new("umount").args(["-l"]).arg(&disk).status();
}

#[test]
fn a_pause_while_postgres_is_stopped_runs_and_is_journaled_when_it_is_back() {
    let Some(cluster) = pg::start_with(pg::Setup {
        port: Some(5471),
        ..Default::default()
    }) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let url = cluster.fresh("outage");
    pause_through_an_outage(
        tmp.path(),
        url.to_str().unwrap(),
        || cluster.stop(),
        || cluster.start_again(),
    );
}
