//! Guards keep judging while the journal does not answer. The conductor's
//! judgement normally lives in the writer's transaction (readings stored
//! and guards decided together); when the writer has not stored a poll
//! round for longer than `WAY_BACK_WAIT` (the journal locked, full or
//! away), this console judges its own poller's statuses with the same pure
//! rules (`guard::decide`, `guard::events_for`) and runs a guard's pause
//! or rollback itself. The decision is journaled `recorded_late` when the
//! journal answers; until then the writer's judge skips that guard for
//! that breach (`LocalFires`), so stale statuses still queued for it do not
//! fire it a second time.

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::actions::queue::WAY_BACK_WAIT;
use crate::console_session::local_fires::LocalFires;
use crate::guard::{self, GuardTracker};
use crate::health::{PanelMap, PanelStatus};
use crate::runbook::model::Runbook;
use crate::session::event::EventBody;
use crate::session::evidence;
use crate::session::state::State;

#[derive(Default)]
pub struct OutageJudge {
    tracker: GuardTracker,
    panels: PanelMap,
    /// Statuses handed to the writer and not stored since then.
    unconfirmed_since: Option<Instant>,
    /// The writer said a write failed since the last stored round: silence
    /// alone (this process frozen, the writer slow) is no outage.
    failed: bool,
    pub fires: LocalFires,
}

impl OutageJudge {
    /// This console's poller sent `statuses` to the writer.
    pub fn sent(
        &mut self,
        rb: &Runbook,
        statuses: &[PanelStatus],
        now: Instant,
        wall: DateTime<Utc>,
    ) {
        for st in statuses {
            self.panels.insert(st.id.clone(), st.clone());
        }
        self.tracker.observe(rb, &self.panels, wall);
        self.unconfirmed_since.get_or_insert(now);
    }

    /// The writer stored a poll round: the journal answers.
    pub fn stored(&mut self) {
        self.unconfirmed_since = None;
        self.failed = false;
    }

    /// The writer reported a failed write (busy, full, away).
    pub fn failed(&mut self) {
        self.failed = true;
    }

    /// Has the journal left poll rounds unstored for longer than the wait?
    pub fn in_outage(&self, now: Instant) -> bool {
        self.failed
            && self
                .unconfirmed_since
                .is_some_and(|t| now.saturating_duration_since(t) > WAY_BACK_WAIT)
    }

    /// The guards that fire now on this console's own statuses, each as the
    /// events that carry it out (`guard_fired` and its pause or rollback,
    /// marked `recorded_late` at `wall`); each is remembered so it fires
    /// once per breach here too.
    pub fn fire(
        &mut self,
        rb: &Runbook,
        state: &State,
        wall: DateTime<Utc>,
    ) -> Vec<Vec<EventBody>> {
        let ev = evidence(&self.panels);
        let mut out = Vec::new();
        for d in guard::decide(rb, state, &self.panels, &self.tracker, wall) {
            if self.fires.covers(&d.key, d.breach_since) {
                continue;
            }
            let mut bodies = guard::events_for(&d, rb, state, &ev);
            if bodies.is_empty() {
                continue;
            }
            for b in &mut bodies {
                b.set_recorded_late(Some(wall));
            }
            self.fires.record(&d.key, d.breach_since);
            out.push(bodies);
            // One decision at a time, as the writer's judge: the next poll
            // sees its effect (a rollback wins over a pause: decide sorts).
            break;
        }
        out
    }
}
