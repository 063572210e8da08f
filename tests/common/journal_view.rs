//! Reading a journal back in tests: the state every header shows, who
//! took the conductor's lease and why, and a wait that says how long the
//! condition took (for tests that bound a handover).
#![allow(dead_code)]

use std::time::{Duration, Instant};

use warroom::runbook::model::Runbook;
use warroom::session::event::{Event, EventBody};
use warroom::session::reduce::reduce;
use warroom::session::state::State;

/// The journal folded: what every console's header shows.
pub fn fold(rb: &Runbook, events: Vec<Event>) -> State {
    let mut s = State::new(rb);
    for e in events {
        reduce(&mut s, rb, &e);
    }
    s
}

/// Every `conductor_changed`: (operator, reason).
pub fn conductor_changes(events: Vec<Event>) -> Vec<(String, String)> {
    events
        .into_iter()
        .filter_map(|e| match e.body {
            EventBody::ConductorChanged { reason, .. } => {
                Some((e.operator, reason.as_str().to_string()))
            }
            _ => None,
        })
        .collect()
}

/// Poll `f` until it gives a value, within `limit`; the value and how
/// long it took.
pub fn wait_timed<T>(
    what: &str,
    limit: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> (T, Duration) {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return (v, start.elapsed());
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
