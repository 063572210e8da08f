//! This console's poller: it runs while the console conducts, and its
//! statuses go to the writer, which stores them as readings and judges
//! them (`judge`) in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::{Conductor, Folded};
use crate::console_session::writer::{Request, Writer};
use crate::health::{self, PanelStatus};
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

    /// Statuses from this console's poller: stored (and judged) by the
    /// writer while this console conducts, dropped there otherwise (a
    /// demoted conductor's last polls). Never shown directly: every console
    /// shows the readings it follows. While the journal stores no poll
    /// round, guards are judged here on these statuses (`outage_judge`)
    /// and a guard's pause or rollback runs at once.
    pub fn on_panel(
        &mut self,
        statuses: Vec<PanelStatus>,
        seen: Folded,
        wall: DateTime<Utc>,
        writer: &Writer,
    ) {
        if statuses.is_empty() {
            return;
        }
        if self.conducting && !self.read_only {
            let now = tokio::time::Instant::now();
            self.outage.sent(&self.runbook, &statuses, now, wall);
            if self.outage.in_outage(now) {
                for events in self.outage.fire(&self.runbook, seen.state, wall) {
                    self.run_late(events, seen, wall, writer);
                }
            }
        }
        writer.send(Request::Statuses(statuses));
    }
}
