//! What a follower delivers and the handle that stops it, whichever
//! backend follows (SQLite's `data_version` thread, PostgreSQL's LISTEN).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::mpsc::UnboundedSender;

use crate::health::reading::Reading;
use crate::session::event::Event;

/// What the follower delivers.
#[derive(Debug, Clone, PartialEq)]
pub enum Followed {
    Event(Event),
    Reading(Reading),
}

/// Stops the follower thread when dropped.
pub struct FollowerHandle {
    stop: Option<Box<dyn FnOnce() + Send + Sync>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<String>>>,
}

impl FollowerHandle {
    /// A handle on a follower thread another store started: `stop` ends
    /// it, `error` is where it reports a failing read.
    pub(crate) fn new(
        stop: mpsc::Sender<()>,
        thread: JoinHandle<()>,
        error: Arc<Mutex<Option<String>>>,
    ) -> FollowerHandle {
        FollowerHandle::stopped_by(
            move || {
                let _ = stop.send(());
            },
            thread,
            error,
        )
    }

    /// A handle whose drop calls `stop`, then joins `thread`.
    pub(crate) fn stopped_by(
        stop: impl FnOnce() + Send + Sync + 'static,
        thread: JoinHandle<()>,
        error: Arc<Mutex<Option<String>>>,
    ) -> FollowerHandle {
        FollowerHandle {
            stop: Some(Box::new(stop)),
            thread: Some(thread),
            error,
        }
    }

    /// The last read error, if the follower is currently failing (it keeps
    /// retrying; the console can show this).
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// Has the thread ended (receiver closed or journal unopenable)?
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for FollowerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Send what was read, advancing the positions; false when the receiver
/// is gone (the follower ends).
pub(crate) fn deliver(
    events: Vec<Event>,
    readings: Vec<Reading>,
    tx: &UnboundedSender<Followed>,
    (last, last_reading): (&mut u64, &mut i64),
) -> bool {
    for ev in events {
        // A damaged row outside the seqs (seq 0) is never a position.
        *last = (*last).max(ev.seq);
        if tx.send(Followed::Event(ev)).is_err() {
            return false;
        }
    }
    for r in readings {
        *last_reading = r.id;
        if tx.send(Followed::Reading(r)).is_err() {
            return false;
        }
    }
    true
}

pub(crate) fn set_error(slot: &Arc<Mutex<Option<String>>>, value: Option<String>) {
    if let Ok(mut g) = slot.lock() {
        *g = value;
    }
}
