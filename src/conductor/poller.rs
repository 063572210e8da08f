//! This console's poller: it runs while the console conducts, and its
//! statuses go straight to the writer (a task, not the terminal loop),
//! which stores them as readings and judges them (`judge`) in one
//! transaction.

use std::sync::Arc;

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use super::{Conductor, Folded};
use crate::console_session::writer::{StatusSink, Writer};
use crate::health::{self, PanelStatus};
use crate::journal::JournalClock;
use crate::runbook::model::Runbook;

/// Where the poller sends, and the poller while it runs.
#[derive(Default)]
pub struct Poll {
    /// `None`: statuses are fed from outside (tests).
    pub(super) to: Option<UnboundedSender<PanelStatus>>,
    handle: Option<health::poller::PollerHandle>,
}

impl Poll {
    pub(super) fn start(&mut self, runbook: &Arc<Runbook>) {
        if let Some(to) = &self.to {
            self.handle = Some(health::poller::spawn(Arc::clone(runbook), to.clone()));
        }
    }

    pub(super) fn stop(&mut self) {
        self.handle = None;
    }
}

impl Conductor {
    /// While this console conducts, run a poller sending to `to` (the
    /// loop hands what arrives to `on_panel`).
    pub fn poll_into(&mut self, to: UnboundedSender<PanelStatus>) {
        self.poll.to = Some(to);
    }

    /// Hand every poll round arriving on `panels` (this console's poller,
    /// or a test's statuses) to the writer directly, on a task: the writer
    /// stores and judges them while this console conducts and drops them
    /// otherwise (a demoted conductor's last polls); they are never shown
    /// directly (every console shows the readings it follows). The
    /// returned receiver wakes the loop after each round handed over while
    /// this console conducts, to judge guards itself when the journal has
    /// stored none for too long (`on_polled`).
    pub fn forward(
        &self,
        mut panels: UnboundedReceiver<PanelStatus>,
        sink: StatusSink,
        clock: JournalClock,
    ) -> UnboundedReceiver<()> {
        let (tx, rx) = mpsc::unbounded_channel();
        let outage = Arc::clone(&self.outage);
        let judging = Arc::clone(&self.judging);
        let rb = Arc::clone(&self.runbook);
        tokio::spawn(async move {
            while let Some(st) = panels.recv().await {
                let mut batch = vec![st];
                while let Ok(st) = panels.try_recv() {
                    batch.push(st);
                }
                let judged = judging.load(Ordering::Acquire);
                if judged {
                    // Noted before the writer sees it, so its "stored"
                    // answer always comes after.
                    super::outage(&outage).sent(&rb, &batch, Instant::now(), clock.now());
                }
                if !sink.send(batch) {
                    return;
                }
                if judged && tx.send(()).is_err() {
                    return;
                }
            }
        });
        rx
    }

    /// A poll round went to the writer while this console conducts: when
    /// the journal has stored none for longer than the wait, guards are
    /// judged here on this console's own statuses (`outage_judge`) and a
    /// guard's pause or rollback runs at once.
    pub fn on_polled(&mut self, seen: Folded, wall: DateTime<Utc>, writer: &Writer) {
        if !self.conducting || self.read_only {
            return;
        }
        let fired = {
            let mut o = super::outage(&self.outage);
            if o.in_outage(Instant::now()) {
                o.fire(&self.runbook, &seen.story.state, wall)
            } else {
                Vec::new()
            }
        };
        for events in fired {
            self.run_late(events, seen, wall, writer);
        }
    }
}
