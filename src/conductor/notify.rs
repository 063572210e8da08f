//! The conductor's `[[notify]]` senders (`crate::notify`): fed every event
//! after the delivery cursors (the `notify_cursor` table, or an older
//! journal's `notified` events), each result recorded (the writer moves the
//! table's cursor) as where the next conductor resumes. When the tail the console keeps
//! does not reach back to a cursor (a takeover in a long session), the
//! journal is read on a blocking task, never on the loop (on PostgreSQL
//! that read is a round trip to the server).

use crate::journal::JournalLocation;
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::{Conductor, Folded};
use crate::actions::queue::Fence;
use crate::console_session::writer::{Request, Writer};
use crate::notify::{self, Notifier, Sent};
use crate::runbook::model::Runbook;
use crate::session::event::{Event, EventBody, SessionMode};

/// A journal read the notifier asked for, done off the loop: the
/// delivery cursor table when a target starts, or the events the tail no
/// longer holds.
pub enum Read {
    Cursors(Result<Vec<crate::journal::notify_cursor::Cursor>, String>),
    Events(Result<Vec<Event>, String>),
}

pub struct Notify {
    /// `None`: no targets, or an observer (it never sends).
    pub(super) notifier: Option<Notifier>,
    journal: JournalLocation,
    /// A read is on its way: nothing more is fed until it arrives (it
    /// starts at the oldest cursor, so what came since is fed after it).
    reading: bool,
    reads: UnboundedSender<Read>,
}

impl Notify {
    pub(super) fn start(
        runbook: &Arc<Runbook>,
        mode: SessionMode,
        read_only: bool,
        journal: JournalLocation,
    ) -> (
        Notify,
        Option<UnboundedReceiver<Sent>>,
        UnboundedReceiver<Read>,
    ) {
        let (notifier, sent) = if read_only {
            (None, None)
        } else {
            match Notifier::start(runbook, notify::Policy::default(), mode) {
                Some((n, rx)) => (Some(n), Some(rx)),
                None => (None, None),
            }
        };
        let (reads, reads_rx) = mpsc::unbounded_channel();
        let n = Notify {
            notifier,
            journal,
            reading: false,
            reads,
        };
        (n, sent, reads_rx)
    }
}

impl Conductor {
    /// Does this console send the session's notifications? Exactly one
    /// console does: the one holding the conductor's lease (SQLite and
    /// PostgreSQL journals alike). A new conductor resumes from the
    /// journaled cursors (`notified`).
    pub fn should_notify(&self) -> bool {
        !self.read_only && self.conducting && self.notify.notifier.is_some()
    }

    /// Deliveries handed to the senders and not journaled yet.
    pub fn notify_outstanding(&self) -> usize {
        self.notify
            .notifier
            .as_ref()
            .map_or(0, Notifier::outstanding)
    }

    /// Hand the notifier every event after its cursors; read the journal
    /// (on a blocking task) when the tail shown does not reach back that
    /// far.
    pub fn pump_notify(&mut self, seen: Folded) {
        if !self.should_notify() || self.notify.reading {
            return;
        }
        let Some(n) = self.notify.notifier.as_mut() else {
            return;
        };
        let (journal, to) = (self.notify.journal.clone(), self.notify.reads.clone());
        // Where each target stands: the cursor table (beside an older
        // journal's `notified` events), read once when a target starts.
        if n.needs_cursors() {
            self.notify.reading = true;
            tokio::task::spawn_blocking(move || {
                let rows = crate::journal::open::notify_cursors(&journal);
                let _ = to.send(Read::Cursors(rows.map_err(|e| e.to_string())));
            });
            return;
        }
        let cursors = &seen.story.state.notified;
        let ended = seen.story.state.status.is_final();
        let from = n.needs_from(cursors);
        if from >= seen.story.state.last_seq {
            return;
        }
        let tail = &seen.story.tail;
        if tail.front().is_some_and(|e| e.seq <= from + 1) {
            let events: Vec<Event> = tail
                .range(tail.partition_point(|e| e.seq <= from)..)
                .cloned()
                .collect();
            n.feed(&events, cursors, ended);
            return;
        }
        self.notify.reading = true;
        tokio::task::spawn_blocking(move || {
            let events = crate::journal::open::read_since(&journal, from);
            let _ = to.send(Read::Events(events.map_err(|e| e.to_string())));
        });
    }

    /// The journal read `pump_notify` asked for: feed it, then what the
    /// tail holds beyond it.
    pub fn on_read(&mut self, read: Read, seen: Folded) {
        self.notify.reading = false;
        let ended = seen.story.state.status.is_final();
        match read {
            Read::Cursors(Ok(rows)) => {
                // Read while conducting; if the lease went meanwhile, the
                // rows are stale by the time this console conducts again.
                if self.should_notify()
                    && let Some(n) = self.notify.notifier.as_mut()
                {
                    n.seed(&notify::merge_cursors(&seen.story.state.notified, &rows));
                }
                self.pump_notify(seen);
            }
            Read::Events(Ok(events)) => {
                if self.should_notify()
                    && let Some(n) = self.notify.notifier.as_mut()
                {
                    n.feed(&events, &seen.story.state.notified, ended);
                }
                self.pump_notify(seen);
            }
            Read::Cursors(Err(e)) => {
                self.error(format!("notify: reading the delivery cursors: {e}"))
            }
            Read::Events(Err(e)) => self.error(format!("notify: reading the journal: {e}")),
        }
    }

    /// A delivery finished: journal it (the cursor a takeover resumes
    /// from); a failure is shown too.
    pub fn on_notified(&mut self, sent: Sent, writer: &Writer) {
        if let Some(n) = self.notify.notifier.as_mut() {
            n.settled();
        }
        if !notify::deliver::delivered(&sent.status) {
            self.error(format!(
                "notify {} of #{}: {}",
                sent.target, sent.event_seq, sent.status
            ));
        }
        let body = EventBody::Notified {
            event_seq: sent.event_seq,
            target: sent.target,
            status: sent.status,
        };
        let Some(epoch) = self.epoch else {
            return;
        };
        self.send(
            writer,
            Request::Record {
                events: vec![body],
                fence: Fence::Epoch(epoch),
            },
        );
    }
}
