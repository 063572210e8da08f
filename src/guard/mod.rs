//! Stop triggers: guard rules to decisions. Pure: no I/O, no clock (the
//! caller passes `now`), tested by table.
//!
//! A guard fires when
//! 1. its condition ([`condition_holds`]) has held without a break for the
//!    guard's `for` (measured from the breach start the [`GuardTracker`]
//!    remembers, because `warn` spans WARN→FAIL and `stale` spans
//!    ERROR→STALE, while a panel's `state_since` restarts at each change);
//! 2. the cutover's status lets its action happen ([`status_allows`]);
//! 3. it has not already fired for this breach (the once-per-breach rule):
//!    `state.guard_last_fired[key]` is absent or earlier than
//!    `breach_since - panel.every`.
//!
//! Why one poll interval of slack in (3): each console polls on its own, so
//! two consoles see the same breach start up to one interval apart. The
//! journal records the instant the guard fired, which is after the breach
//! start every console saw for that breach (minus at most one interval);
//! a later breach starts only after the panel left the condition, which
//! takes at least one more poll. So all consoles agree whether a breach has
//! been acted on, and the console calls [`events_for`] inside the journal's
//! write transaction on the freshest state, so only the first one writes.
//!
//! The reducer is expected to set `guard_last_fired[guard_key]` to the
//! `ts` of each `guard_fired` event.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::health::{PanelMap, PanelStatus};
use crate::runbook::model::{Guard, GuardThen, GuardWhen, Runbook};
use crate::session::event::{EventBody, Evidence, Trigger};
use crate::session::state::{State, Status};

pub use crate::session::reduce::{guard_key, then_str, when_str};

/// Is the guard's condition true for this panel status?
/// - `fail`: the panel is FAIL;
/// - `warn`: WARN or FAIL (worse than warn is still a warning breach);
/// - `stale`: STALE or ERROR. A dead endpoint (refused, timing out,
///   non-2xx) is ERROR from its first failed poll; counting it as stale
///   means a guard on a silent source also catches a dead one.
///
/// UNKNOWN (no poll yet) never holds: a console that just started must
/// not act before it has looked.
pub fn condition_holds(g: &Guard, p: &PanelStatus) -> bool {
    crate::session::rules::guard_condition(g.when, p.state)
}

/// May a guard with this `then` act in this status? Pause guards only while
/// RUNNING; rollback guards while RUNNING or PAUSED (a pause does not stop a
/// worse breach from rolling back). Never in READY (not started),
/// ROLLING_BACK (a breach during a rollback does nothing more),
/// ROLLED_BACK or COMPLETE.
pub fn status_allows(then: GuardThen, status: Status) -> bool {
    match then {
        GuardThen::Pause => status == Status::Running,
        GuardThen::Rollback => matches!(status, Status::Running | Status::Paused),
    }
}

/// Per guard, when its current breach began, as this console saw it.
/// The console calls [`GuardTracker::observe`] after every panel update
/// (a missed update that hid a recovery would make a `warn` or `stale`
/// breach look older than it is).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuardTracker {
    breach_since: BTreeMap<String, DateTime<Utc>>,
}

impl GuardTracker {
    /// Fold the latest panel statuses in: a breach that continues keeps its
    /// start (even across WARN→FAIL); a guard whose condition no longer
    /// holds is re-armed (its start forgotten).
    pub fn observe(&mut self, runbook: &Runbook, panels: &PanelMap, now: DateTime<Utc>) {
        for g in &runbook.guards {
            let key = guard_key(g);
            match panels.get(&g.panel) {
                Some(p) if condition_holds(g, p) => {
                    self.breach_since
                        .entry(key)
                        .or_insert(p.state_since.unwrap_or(now));
                }
                _ => {
                    self.breach_since.remove(&key);
                }
            }
        }
    }

    /// The start of the guard's current breach, if one is known.
    pub fn breach_since(&self, key: &str) -> Option<DateTime<Utc>> {
        self.breach_since.get(key).copied()
    }
}

/// A guard that should fire now.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Index into `runbook.guards`.
    pub guard_index: usize,
    pub key: String,
    pub panel: String,
    pub when: GuardWhen,
    pub then: GuardThen,
    pub breach_since: DateTime<Utc>,
    /// The `now` the decision was made at.
    pub at: DateTime<Utc>,
}

fn delta(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Has this guard already fired for the breach that began at `since`? A
/// firing before the latest resume does not count: a resume re-arms every
/// guard, so a breach that outlives an override fires again.
fn already_fired(state: &State, key: &str, since: DateTime<Utc>, every: TimeDelta) -> bool {
    state.guard_last_fired.get(key).is_some_and(|fired| {
        *fired >= since - every && state.guards_rearmed_at.is_none_or(|r| *fired >= r)
    })
}

fn panel_every(runbook: &Runbook, panel: &str) -> TimeDelta {
    runbook
        .panel(panel)
        .map(|p| delta(p.every))
        .unwrap_or(TimeDelta::zero())
}

/// When the guard's current breach began. A `fail` breach is exactly the
/// panel's current FAIL run, so the panel's own `state_since` is the truth
/// (robust even if an update was not observed). `warn` and `stale` span
/// two states, so the tracker's start is used, falling back to the panel's
/// `state_since` for a guard the tracker has not seen yet.
fn breach_start(
    g: &Guard,
    p: &PanelStatus,
    tracker: &GuardTracker,
    key: &str,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let tracked = tracker.breach_since(key);
    let own = p.state_since;
    match g.when {
        GuardWhen::Fail => own.or(tracked),
        GuardWhen::Warn | GuardWhen::Stale => tracked.or(own),
    }
    .unwrap_or(now)
}

/// The guards that should fire now, rollbacks first (when a rollback and a
/// pause trigger together, the rollback wins; the pause then finds the
/// status ROLLING_BACK and does nothing). Pure given the tracker: a guard
/// the tracker has not seen yet falls back to the panel's `state_since`.
pub fn decide(
    runbook: &Runbook,
    state: &State,
    panels: &PanelMap,
    tracker: &GuardTracker,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    let mut out = Vec::new();
    for (i, g) in runbook.guards.iter().enumerate() {
        let Some(p) = panels.get(&g.panel) else {
            continue;
        };
        if !condition_holds(g, p)
            || !status_allows(g.then, state.status)
            || crate::session::rules::guard_silenced(state, g, now)
        {
            continue;
        }
        let key = guard_key(g);
        let since = breach_start(g, p, tracker, &key, now);
        if now - since < delta(g.for_) {
            continue;
        }
        if already_fired(state, &key, since, panel_every(runbook, &g.panel)) {
            continue;
        }
        out.push(Decision {
            guard_index: i,
            key,
            panel: g.panel.clone(),
            when: g.when,
            then: g.then,
            breach_since: since,
            at: now,
        });
    }
    out.sort_by_key(|d| d.then != GuardThen::Rollback);
    out
}

/// The reason journaled with the guard's pause or rollback, e.g.
/// `guard: errors FAIL for 30s`.
pub fn reason(g: &Guard) -> String {
    let word = match g.when {
        GuardWhen::Fail => "FAIL",
        GuardWhen::Warn => "WARN",
        GuardWhen::Stale => "STALE",
    };
    format!(
        "guard: {} {word} for {}",
        g.panel,
        crate::timefmt::duration(g.for_)
    )
}

/// The events that carry out `decision`, checked again against `state`,
/// which must be the freshest state (read inside the journal's write
/// transaction): empty when the status no longer allows the action or
/// another console already fired this guard for this breach.
///
/// `guard_fired`, then `paused` (pause guards) or `rollback_started`
/// (rollback guards). A rollback guard past the rollback deadline cannot
/// roll back (the point of no return is the runbook's rule): it pauses
/// instead when running, and only records the firing when already paused.
pub fn events_for(
    decision: &Decision,
    runbook: &Runbook,
    state: &State,
    evidence: &Evidence,
) -> Vec<EventBody> {
    let Some(g) = runbook.guards.get(decision.guard_index) else {
        return Vec::new();
    };
    if !status_allows(g.then, state.status)
        || already_fired(
            state,
            &decision.key,
            decision.breach_since,
            panel_every(runbook, &g.panel),
        )
    {
        return Vec::new();
    }
    let fired = EventBody::GuardFired {
        panel: g.panel.clone(),
        when: g.when,
        then: g.then,
        evidence: evidence.clone(),
    };
    let reason = reason(g);
    let pause = |reason: String| EventBody::Paused {
        reason,
        trigger: Trigger::Guard,
        evidence: evidence.clone(),
        recorded_late: None,
    };
    match g.then {
        GuardThen::Pause => vec![fired, pause(reason)],
        // Past the point of no return a rollback would undo nothing the
        // irreversible step did: hold exposure instead and say why.
        GuardThen::Rollback if state.attempts.no_return.is_some() => {
            let why = state
                .attempts
                .no_return
                .as_ref()
                .map_or(String::new(), ToString::to_string);
            match state.status {
                Status::Running => vec![
                    fired,
                    pause(format!("{reason}; {why}: paused instead of rolling back")),
                ],
                _ => vec![
                    fired,
                    EventBody::Note {
                        text: format!("{reason}; {why}: no rollback (already paused)"),
                    },
                ],
            }
        }
        GuardThen::Rollback => {
            let past_deadline = state
                .rollback_deadline
                .is_some_and(|deadline| decision.at > deadline);
            match (past_deadline, state.status) {
                (false, _) => vec![
                    fired,
                    EventBody::RollbackStarted {
                        trigger: Trigger::Guard,
                        reason,
                        override_reason: None,
                        evidence: evidence.clone(),
                        recorded_late: None,
                    },
                ],
                (true, Status::Running) => vec![
                    fired,
                    pause(format!(
                        "{reason}; rollback deadline passed, paused instead of rolling back"
                    )),
                ],
                (true, _) => vec![fired],
            }
        }
    }
}

#[cfg(test)]
mod tests;
