//! Journal and reducer costs that bound how the console feels:
//! - a durable append (commit + fsync) before the screen shows an effect;
//! - replaying a long journal when a console attaches;
//! - folding one event into the state.
//!
//! `cargo bench --bench journal -- --quick`. The append latency
//! distribution (p50/p99) and the follower latency (append in one
//! connection, seen by the follower thread) are printed before criterion's
//! means.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use warroom::journal::{Journal, NewEvent};
use warroom::session::event::{EventBody, Evidence, EvidenceEntry};
use warroom::session::reduce::reduce;
use warroom::session::state::State;
use warroom::session::testkit::sample_runbook;

fn evidence() -> Evidence {
    let mut e = Evidence::new();
    for p in ["errors", "mismatch", "p99", "invoices"] {
        e.insert(
            p.into(),
            EvidenceEntry {
                state: warroom::health::PanelState::Ok,
                value: Some(0.0123),
                sampled_at: None,
                analysis: None,
            },
        );
    }
    e
}

fn signed(i: u64) -> NewEvent {
    NewEvent {
        ts: Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap()
            + chrono::Duration::seconds(i as i64),
        operator: "alice".into(),
        body: EventBody::Signed {
            gate: "go-live".into(),
            item: 1 + (i % 3) as u32,
            evidence: evidence(),
        },
    }
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

fn append_latency_distribution() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(&dir.path().join("live.db")).unwrap();
    let mut lat = Vec::new();
    for i in 0..500 {
        let t = Instant::now();
        j.append(&[signed(i)]).unwrap();
        lat.push(t.elapsed());
    }
    eprintln!(
        "durable append (500 samples): p50 {:?}, p99 {:?}, max {:?}",
        percentile(lat.clone(), 0.5),
        percentile(lat.clone(), 0.99),
        percentile(lat, 1.0)
    );
}

fn follower_latency() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let (mut j, _) = Journal::open(&path).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<warroom::journal::Followed>();
    let _h = warroom::journal::follow(&path, 0, 0, tx).unwrap();
    let mut lat = Vec::new();
    for i in 0..100u64 {
        // Spread the appends over the follower's 50 ms tick.
        std::thread::sleep(Duration::from_millis(7 + (i * 13) % 50));
        let t = Instant::now();
        let seq = j.append(&[signed(i)]).unwrap()[0].seq;
        loop {
            match rx.try_recv() {
                Ok(warroom::journal::Followed::Event(e)) if e.seq == seq => break,
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        lat.push(t.elapsed());
    }
    eprintln!(
        "follower latency, append → delivered (100 samples): p50 {:?}, p99 {:?}, max {:?}",
        percentile(lat.clone(), 0.5),
        percentile(lat.clone(), 0.99),
        percentile(lat, 1.0)
    );
}

fn benches(c: &mut Criterion) {
    append_latency_distribution();
    follower_latency();

    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(&dir.path().join("live.db")).unwrap();
    let mut i = 0;
    c.bench_function("durable append (1 event, commit)", |b| {
        b.iter(|| {
            i += 1;
            j.append(&[signed(i)]).unwrap()
        })
    });

    let big = dir.path().join("big.db");
    let (mut bj, _) = Journal::open(&big).unwrap();
    let batch: Vec<NewEvent> = (0..100_000).map(signed).collect();
    bj.append(&batch).unwrap();
    let rb = Arc::new(sample_runbook());
    c.bench_function("replay 100k events (read + decode + reduce)", |b| {
        b.iter(|| {
            let r = Journal::open_read_only(&big).unwrap();
            let events = r.read_since(0).unwrap();
            assert_eq!(events.len(), 100_000);
            State::replay(&rb, &events)
        })
    });

    let events = Journal::open_read_only(&big)
        .unwrap()
        .read_since(0)
        .unwrap();
    let mut state = State::new(&rb);
    let mut k = 0;
    c.bench_function("reduce one event", |b| {
        b.iter(|| {
            k = (k + 1) % events.len();
            reduce(&mut state, &rb, &events[k]);
        })
    });
}

criterion_group! {
    name = journal;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(journal);
