//! One story of a session: the state folded from the journal, the panels
//! folded from the conductor's stored readings (their "since" is the
//! session's, so it survives a takeover), and the latest events. Built by
//! one fold (`Story::event`, `Story::reading`, both pure) that every reader
//! uses: the console (`tui::app`, whose story the conductor and its
//! notifier read through `conductor::Folded`), the status page
//! (`serve::live`), the report (`Story::of`) and the scenario tests. What the journal leaves in doubt is
//! decided here once, so every reader shows the same: the exposure after
//! an interrupted expand or a rollback (`exposure`), the elapsed time after
//! the end (`elapsed`).

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};

use super::event::Event;
use super::reduce::reduce;
use super::state::{State, Status};
use crate::health::reading::{self, Reading};
use crate::health::{PanelMap, PanelStatus};
use crate::runbook::model::Runbook;

#[derive(Debug, Clone)]
pub struct Story {
    pub state: State,
    /// Every panel of the runbook, as the stored readings say.
    pub panels: PanelMap,
    /// The latest events, oldest first, at most `keep`.
    pub tail: VecDeque<Event>,
    keep: usize,
}

impl Story {
    /// Nothing journaled yet: READY, every panel UNKNOWN.
    pub fn new(rb: &Runbook, keep: usize) -> Story {
        Story {
            state: State::new(rb),
            panels: unknown_panels(rb),
            tail: VecDeque::new(),
            keep,
        }
    }

    /// The story of `events` (in seq order) and `readings` (in id order).
    pub fn of<'a>(
        rb: &Runbook,
        events: impl IntoIterator<Item = &'a Event>,
        readings: impl IntoIterator<Item = &'a Reading>,
        keep: usize,
    ) -> Story {
        let mut s = Story::new(rb, keep);
        for e in events {
            s.event(rb, e);
        }
        for r in readings {
            s.reading(r);
        }
        s
    }

    /// Fold the next event. An event already folded (an echo) is skipped
    /// and returns false; events are taken in seq order.
    pub fn event(&mut self, rb: &Runbook, ev: &Event) -> bool {
        if ev.seq <= self.state.last_seq && self.state.last_seq > 0 {
            return false;
        }
        reduce(&mut self.state, rb, ev);
        fold_tail(&mut self.tail, self.keep, ev);
        true
    }

    /// Fold a stored reading: the panel's status after it (`None` for a
    /// panel the runbook does not have).
    pub fn reading(&mut self, r: &Reading) -> Option<PanelStatus> {
        reading::apply(&mut self.panels, r)
    }

    pub fn exposure<'r>(&self, rb: &'r Runbook) -> Exposure<'r> {
        exposure(rb, &self.state)
    }

    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        elapsed(&self.state, now)
    }
}

/// Keep `ev` at the end of `tail`, at most `keep` long.
pub fn fold_tail(tail: &mut VecDeque<Event>, keep: usize, ev: &Event) {
    tail.push_back(ev.clone());
    while tail.len() > keep {
        tail.pop_front();
    }
}

/// Every panel of the runbook, UNKNOWN.
pub fn unknown_panels(rb: &Runbook) -> PanelMap {
    rb.panels
        .iter()
        .map(|p| (p.id.clone(), PanelStatus::unknown(&p.id)))
        .collect()
}

/// How exposed the cutover is, as every reader says it.
#[derive(Debug, Clone, Copy)]
pub enum Exposure<'r> {
    /// An expand was interrupted (its conductor died during it): nobody
    /// knows which stage took effect until a rollback or a new expand.
    Unknown,
    /// At a stage (index, the stage).
    Stage(usize, &'r crate::runbook::model::Stage),
    /// Rolled back: no stage, nothing exposed.
    RolledBack,
    /// Not expanded yet.
    None,
}

/// The exposure the journal says, decided once for every reader.
pub fn exposure<'r>(rb: &'r Runbook, state: &State) -> Exposure<'r> {
    if state.expand_interrupted {
        return Exposure::Unknown;
    }
    match state.stage.and_then(|i| rb.stages.get(i).map(|s| (i, s))) {
        Some((i, s)) => Exposure::Stage(i, s),
        None if state.status == Status::RolledBack => Exposure::RolledBack,
        None => Exposure::None,
    }
}

/// How long the attempt has run at `now`: stopped where a finished attempt
/// ended, `None` before the start.
pub fn elapsed(state: &State, now: DateTime<Utc>) -> Option<TimeDelta> {
    state.started_at.map(|t0| state.elapsed_until(now) - t0)
}
