//! Chat notifications (`[[notify]]`): each journaled event of a kind a
//! target asks for is sent to it once per session.
//!
//! Driven by the journal: the cursor of a target is the highest event seq
//! journaled as `notified` for it (`State::notified`), so a console that
//! takes over the sending neither skips nor repeats. The one exception: an
//! event a console sent and died before journaling is sent again by the
//! next one (at least once, never lost).
//!
//! One task per target sends in journal order with bounded retries
//! (`deliver::Policy`) and posts each result back to the loop, which
//! journals it; nothing here blocks the loop.

pub mod after_end;
pub mod deliver;
pub mod grafana;
pub mod pagerduty;
pub mod payload;
pub mod receiver;

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::runbook::model::Runbook;
use crate::session::event::{Event, SessionMode};
pub use deliver::Policy;

/// One delivery's result, for the loop to journal as `notified`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub event_seq: u64,
    pub target: String,
    pub status: String,
}

struct Target {
    name: String,
    on: Vec<String>,
    /// Highest seq handed to the task (sent or skipped by kind).
    handed: Option<u64>,
    jobs: UnboundedSender<Event>,
}

/// The sending side of a console: its tasks and cursors. Built for every
/// console that is not read-only; it sends only while that console holds
/// the conductor's lease (`Console::should_notify`).
pub struct Notifier {
    targets: Vec<Target>,
    /// Events handed to the tasks whose result has not come back yet.
    outstanding: usize,
}

impl Notifier {
    /// Start one task per `[[notify]]` target; results arrive on the
    /// returned receiver. `None` when the runbook has no target.
    /// `mode` labels every message (a rehearsal's never reads like a
    /// live run's).
    pub fn start(
        runbook: &Arc<Runbook>,
        policy: Policy,
        mode: SessionMode,
    ) -> Option<(Notifier, UnboundedReceiver<Sent>)> {
        // Tasks need a runtime; a console built outside one (a test of the
        // pure app) simply does not notify.
        if runbook.notify.is_empty() || tokio::runtime::Handle::try_current().is_err() {
            return None;
        }
        let (done_tx, done_rx) = unbounded_channel();
        // The shared client: a target that redirects elsewhere is refused,
        // never followed with the secret url in `Referer`.
        let Ok(client) = crate::untrusted::redirect::client() else {
            return None;
        };
        let targets = runbook
            .notify
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let (jobs, rx) = unbounded_channel();
                let name = n.target(i);
                tokio::spawn(run_target(
                    Arc::clone(runbook),
                    i,
                    client.clone(),
                    policy,
                    mode,
                    rx,
                    done_tx.clone(),
                ));
                Target {
                    name,
                    on: n.on.clone(),
                    handed: None,
                    jobs,
                }
            })
            .collect();
        Some((
            Notifier {
                targets,
                outstanding: 0,
            },
            done_rx,
        ))
    }

    /// Has some target not yet been told where to start (its cursor is
    /// read once, when this console first sends)?
    pub fn needs_cursors(&self) -> bool {
        self.targets.iter().any(|t| t.handed.is_none())
    }

    /// This console stopped conducting: another console sends from now on
    /// and moves the cursors, so where this one stood is stale. The next
    /// time it conducts it reads the cursors again (a console that lost
    /// the lease and got it back never sends what the other one sent).
    pub fn forget_positions(&mut self) {
        for t in self.targets.iter_mut() {
            t.handed = None;
        }
    }

    /// Start every target not yet started at its cursor in `cursors`.
    pub fn seed(&mut self, cursors: &BTreeMap<String, u64>) {
        for t in self.targets.iter_mut() {
            t.handed.get_or_insert_with(|| cursor(cursors, &t.name));
        }
    }

    /// The oldest seq some target still needs, given the journaled cursors:
    /// what to read from the journal when `tail` does not reach back.
    pub fn needs_from(&self, cursors: &BTreeMap<String, u64>) -> u64 {
        self.targets
            .iter()
            .map(|t| t.handed.unwrap_or_else(|| cursor(cursors, &t.name)))
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Hand the tasks every event after each target's cursor that the
    /// target asks for, except what would contradict the session's end
    /// (`after_end`). `events` is in seq order and must start at or before
    /// `needs_from(cursors) + 1`; `ended_now`: the session stands ended
    /// (ROLLED_BACK or COMPLETE) with every one of them folded.
    pub fn feed(&mut self, events: &[Event], cursors: &BTreeMap<String, u64>, ended_now: bool) {
        for t in self.targets.iter_mut() {
            let from = *t.handed.get_or_insert_with(|| cursor(cursors, &t.name));
            let todo = &events[events.partition_point(|e| e.seq <= from)..];
            let mut gate = after_end::EndGate::for_batch(todo, ended_now);
            for e in todo {
                let announced = gate.pass(e);
                if announced && t.on.iter().any(|k| *k == e.body.kind()) {
                    // A closed channel means the task is gone: nothing to do
                    // but not crash; the next console resends from the journal.
                    if t.jobs.send(e.clone()).is_ok() {
                        self.outstanding += 1;
                    }
                }
                t.handed = Some(e.seq);
            }
        }
    }
}

impl Notifier {
    /// A result came back.
    pub fn settled(&mut self) {
        self.outstanding = self.outstanding.saturating_sub(1);
    }

    /// Deliveries not yet journaled (quitting waits for them, bounded).
    pub fn outstanding(&self) -> usize {
        self.outstanding
    }
}

/// Each target's cursor: the higher of an older journal's `notified`
/// events (`State::notified`) and the cursor table's row.
pub fn merge_cursors(
    from_events: &BTreeMap<String, u64>,
    rows: &[crate::journal::notify_cursor::Cursor],
) -> BTreeMap<String, u64> {
    let mut out = from_events.clone();
    for r in rows {
        let c = out.entry(r.target.clone()).or_insert(0);
        *c = (*c).max(r.seq);
    }
    out
}

fn cursor(cursors: &BTreeMap<String, u64>, name: &str) -> u64 {
    cursors.get(name).copied().unwrap_or(0)
}

async fn run_target(
    rb: Arc<Runbook>,
    index: usize,
    client: reqwest::Client,
    policy: Policy,
    mode: SessionMode,
    mut jobs: UnboundedReceiver<Event>,
    done: UnboundedSender<Sent>,
) {
    let Some(n) = rb.notify.get(index) else {
        return;
    };
    let target = n.target(index);
    while let Some(e) = jobs.recv().await {
        let req = receiver::request(n, &rb, &e, mode);
        let status = deliver::deliver_request(&client, &req, policy, &rb.secrets).await;
        let sent = Sent {
            event_seq: e.seq,
            target: target.clone(),
            status,
        };
        if done.send(sent).is_err() {
            return;
        }
    }
}
