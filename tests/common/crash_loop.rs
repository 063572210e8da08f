//! The crash loop every journal backend must survive: three writer
//! processes append without pause; each round one of them, picked at
//! random, is killed with SIGKILL at a random moment (often inside a
//! transaction) and replaced. A writer prints `SEQ seq operator i` after
//! each commit returns; whatever it printed must be in the journal, at
//! that seq, with that text; seq has no gap; each writer's appends have no
//! hole. Used by journal_store.rs (SQLite) and journal_pg.rs (PostgreSQL).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

use warroom::session::event::{Event, EventBody};

/// (seq, operator, i) as a writer printed it after its commit returned.
pub type Printed = (u64, String, u64);

/// A small deterministic generator: the kill points vary run to run via
/// the seed, and a failure prints the seed.
pub fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

include!("soak.rs");

/// Rounds asked for by `WARROOM_CRASH_ROUNDS` (the crash loop alone),
/// else the soak rounds (3 unless `WARROOM_SOAK_ROUNDS`).
pub fn rounds() -> usize {
    std::env::var("WARROOM_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(soak_rounds)
}

/// Record a committed append; false for the harness's own lines.
fn take(l: &str, printed: &mut Vec<Printed>) -> bool {
    let f: Vec<&str> = l.split(' ').collect();
    if f.len() == 4 && f[0] == "SEQ" {
        printed.push((
            f[1].parse().unwrap(),
            f[2].to_string(),
            f[3].parse().unwrap(),
        ));
        return true;
    }
    false
}

/// Run `rounds` rounds. `start(tag, lines)` starts a writer whose stdout
/// lines arrive on `lines` tagged with `tag`; `kill` SIGKILLs one and
/// reaps it; `stall` is how long a round may wait for a fresh commit from
/// every live writer. Returns what the writers printed as committed.
pub fn drive<W>(
    rounds: usize,
    seed: &mut u64,
    stall: Duration,
    mut start: impl FnMut(usize, &Sender<(usize, String)>) -> W,
    mut kill: impl FnMut(&mut W),
) -> Vec<Printed> {
    let (tx, rx) = channel::<(usize, String)>();
    let mut writers: Vec<W> = (0..3).map(|t| start(t, &tx)).collect();
    let mut tags = [0usize, 1, 2];
    let mut printed: Vec<Printed> = Vec::new();
    for round in 0..rounds {
        // Every live writer commits at least once more, so the kill lands
        // while all three are contending for the lock.
        let mut fresh = [false; 3];
        let deadline = Instant::now() + stall;
        while fresh.iter().any(|f| !f) {
            let (tag, l) = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("round {round}: a writer stalled (seed {seed})"));
            if take(&l, &mut printed)
                && let Some(k) = tags.iter().position(|t| *t == tag)
            {
                fresh[k] = true;
            }
        }
        std::thread::sleep(Duration::from_micros(next(seed) % 3000));
        let victim = (next(seed) % 3) as usize;
        kill(&mut writers[victim]);
        // Each replacement gets a tag of its own: 3, 4, 5, …
        writers[victim] = start(3 + round, &tx);
        tags[victim] = 3 + round;
    }
    for w in &mut writers {
        kill(w);
    }
    drop(tx);
    // Lines already in the pipes were committed before being printed.
    while let Ok((_, l)) = rx.recv_timeout(Duration::from_secs(5)) {
        take(&l, &mut printed);
    }
    printed
}

/// seq is 1, 2, 3 … without gaps.
pub fn assert_gapless(events: &[Event]) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "seq must be 1, 2, 3 … without gaps");
    }
}

/// Everything printed as committed is in `events` at its seq, seq is
/// gapless, and each writer's appends are 0, 1, 2 … with none missing or
/// repeated.
pub fn assert_kept(events: &[Event], printed: &[Printed], seed: u64) {
    assert_gapless(events);
    for (seq, op, i) in printed {
        let e = events.get(*seq as usize - 1).unwrap_or_else(|| {
            panic!(
                "printed seq {seq} lost (journal ends at {}, seed {seed})",
                events.len()
            )
        });
        assert_eq!(
            (&e.operator, &e.body),
            (
                op,
                &EventBody::Note {
                    text: i.to_string()
                }
            ),
            "seq {seq} holds something else (seed {seed})"
        );
    }
    let mut per_writer: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for e in events {
        if let EventBody::Note { text } = &e.body {
            per_writer
                .entry(&e.operator)
                .or_default()
                .push(text.parse().unwrap());
        }
    }
    for (op, seen) in &per_writer {
        let want: Vec<u64> = (0..seen.len() as u64).collect();
        assert_eq!(
            seen, &want,
            "writer {op}: an append vanished or repeated (seed {seed})"
        );
    }
}
