//! What a console that gains the lease settles first (see
//! `actions::takeover` for the pure rules).

use super::{Conductor, Folded};
use crate::actions::queue::Fence;
use crate::actions::takeover;
use crate::console_session::writer::{Request, Writer};

impl Conductor {
    /// Resolve what a console that went away left in flight: journal the
    /// interrupted forward actions, run an interrupted rollback or pause
    /// again, run the decisions whose action never started. Called when
    /// the writer says this console gained the lease (`set_role`): the
    /// events folded so far are settled here, the ones folded after are fed
    /// by `on_folded`. Returns how many actions it queued.
    pub fn take_over_in_flight(&mut self, seen: Folded, writer: &Writer) -> usize {
        if self.read_only {
            return 0;
        }
        // The whole journal the writer read when the lease was gained, up
        // to what this console has folded, then the tail it folded since.
        let mut events = self.history.take().unwrap_or_default();
        events.retain(|e| e.seq <= seen.story.state.last_seq);
        let read = events.last().map_or(0, |e| e.seq);
        events.extend(seen.story.tail.iter().filter(|e| e.seq > read).cloned());
        let plan = takeover::resolve(&events, &seen.story.state);
        let fence = self.epoch.map_or(Fence::Free, Fence::Epoch);
        if !plan.journal.is_empty() {
            self.send(
                writer,
                Request::Record {
                    events: plan.journal.clone(),
                    fence,
                },
            );
        }
        let retried = self
            .effects
            .take_over(&plan, &events, &seen.story.state, fence);
        self.in_flight += retried;
        if let Some(line) = takeover::summary(&plan) {
            self.info(line);
        }
        retried
    }
}
