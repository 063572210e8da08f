//! The conductor's judgement of a poll round: guards first, then the
//! automatic gate items, on the canonical panels. Pure (no I/O): the
//! writer calls it inside the transaction that stores the round
//! (`Session::conduct`), so several consoles fire a guard once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::console_session::local_fires::LocalFires;
use crate::guard::{self, GuardTracker};
use crate::health::{PanelMap, PanelState, PanelStatus};
use crate::runbook::model::Runbook;
use crate::session::decide::follow_ups;
use crate::session::event::EventBody;
use crate::session::evidence;
use crate::session::state::State;

/// The conductor's judgement: guard breaches tracked across readings, and
/// since when it has watched each panel.
#[derive(Default)]
pub struct Judge {
    tracker: GuardTracker,
    /// Since when this conductor's own poller has watched each panel: its
    /// first status's time, or the state it reports if that began earlier
    /// (a poller never reports a state older than itself).
    first_seen: BTreeMap<String, DateTime<Utc>>,
}

impl Judge {
    /// Note this conductor's own statuses (never the previous conductor's
    /// readings: their "OK since" is not what this poller saw).
    pub fn saw(&mut self, statuses: &[PanelStatus], now: DateTime<Utc>) {
        for st in statuses {
            let since = st.state_since.map_or(now, |s| s.min(now));
            self.first_seen.entry(st.id.clone()).or_insert(since);
        }
    }

    /// Guards first (the first decision with events wins this reading; the
    /// next reading sees its effect), then, on the batch's last reading,
    /// automatic gate items.
    pub fn judge(
        &mut self,
        state: &State,
        rb: &Runbook,
        panels: &PanelMap,
        last: bool,
        now: DateTime<Utc>,
        fires: &LocalFires,
    ) -> Vec<EventBody> {
        self.tracker.observe(rb, panels, now);
        for d in guard::decide(rb, state, panels, &self.tracker, now) {
            if fires.covers(&d.key, d.breach_since) {
                // The console ran it during the outage; its record comes.
                continue;
            }
            let events = guard::events_for(&d, rb, state, &evidence(panels));
            if !events.is_empty() {
                return events;
            }
        }
        if !last || !self.may_judge_gates(rb, panels, now) {
            return Vec::new();
        }
        follow_ups(rb, state, Some(panels), now)
            .into_iter()
            .filter(|b| matches!(b, EventBody::GateGo { .. } | EventBody::GateReopened { .. }))
            .collect()
    }

    /// Can the readings decide automatic gate items yet? Not while a panel
    /// an item reads is OK but this conductor has watched it for less than
    /// the item's `for`: a new conductor's poller restarts every panel's
    /// "OK since", and judging at once would reopen a gate the previous
    /// conductor rightly saw GO. A panel in a bad state is judged at once.
    fn may_judge_gates(&self, rb: &Runbook, panels: &PanelMap, now: DateTime<Utc>) -> bool {
        rb.gates
            .iter()
            .flat_map(|g| &g.items)
            .filter_map(|i| Some((i.panel.as_ref()?, i.for_)))
            .all(|(panel, for_)| {
                let ok = panels.get(panel).is_some_and(|p| p.state == PanelState::Ok);
                let watched = self
                    .first_seen
                    .get(panel)
                    .map(|t| now - *t)
                    .unwrap_or_default();
                !ok || watched
                    >= chrono::TimeDelta::from_std(for_).unwrap_or(chrono::TimeDelta::MAX)
            })
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
