//! What was in flight when a console went away, and what the console that
//! takes over does about it. Pure: decided from the journal and the state.
//!
//! - an action is in flight when its `action_started` (or `action_retried`)
//!   has no `action_ran` with the same id;
//! - a rollback is also in flight when the cutover is ROLLING_BACK (not
//!   failed) and no rollback action is: its console died before it could
//!   journal `action_started`;
//! - an interrupted **rollback** or **pause** is run again (`action_retried`,
//!   same id): the way back must happen, and rollback and pause actions must
//!   be idempotent (the runbook docs say so);
//! - an interrupted **expand**, **resume** or **step** command is not run
//!   again: it is journaled `action_ran … interrupted` (a step also
//!   `step_finished failed`), and an interrupted expand leaves the exposure
//!   unknown until an operator rolls back or expands again.

use super::ActionContext;
use super::queue::{Job, JobKind, job_id};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::event::{ActionOutcome, Event, EventBody, SessionMode, StepOutcome, Trigger};
use crate::session::state::{State, Status, StepStatus};

/// `output_tail` of an action a takeover found interrupted.
pub const GONE: &str = "[warroom] interrupted: the console running it went away";

/// An action that started and never ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub action: String,
    pub id: String,
    /// seq of its `action_started`/`action_retried` (0: inferred from the
    /// state, never journaled as started).
    pub seq: u64,
}

/// In journal order.
pub fn in_flight(events: &[Event]) -> Vec<InFlight> {
    let mut open: Vec<InFlight> = Vec::new();
    for ev in events {
        match &ev.body {
            EventBody::ActionStarted { action, id } | EventBody::ActionRetried { action, id } => {
                open.retain(|f| &f.id != id);
                open.push(InFlight {
                    action: action.clone(),
                    id: id.clone(),
                    seq: ev.seq,
                });
            }
            EventBody::ActionRan { id: Some(id), .. } => open.retain(|f| &f.id != id),
            _ => {}
        }
    }
    open
}

/// What a takeover does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Takeover {
    /// Run again (rollback, pause), in journal order.
    pub retry: Vec<Retry>,
    /// Journal these now: the interrupted forward actions' ends.
    pub journal: Vec<EventBody>,
}

/// An action to run again, with what its context needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub kind: ActionKind,
    pub id: String,
    pub operator: String,
    pub reason: String,
    /// For a rollback: what its `rollback_finished` repeats.
    pub trigger: Option<Trigger>,
}

/// The last decision event of `kind` at or before `seq` (0: any), with its
/// operator, reason and trigger.
fn decision(
    events: &[Event],
    kind: ActionKind,
    seq: u64,
) -> Option<(u64, String, String, Trigger)> {
    events
        .iter()
        .rev()
        .filter(|e| seq == 0 || e.seq <= seq)
        .find_map(|e| match (&e.body, kind) {
            (
                EventBody::RollbackStarted {
                    trigger, reason, ..
                },
                ActionKind::Rollback,
            )
            | (
                EventBody::Paused {
                    trigger, reason, ..
                },
                ActionKind::Pause,
            ) => Some((e.seq, e.operator.clone(), reason.clone(), *trigger)),
            _ => None,
        })
}

fn interrupted(f: &InFlight) -> EventBody {
    EventBody::ActionRan {
        action: f.action.clone(),
        id: Some(f.id.clone()),
        outcome: Some(ActionOutcome::Interrupted),
        webhook_status: None,
        executed: true,
        exit_code: None,
        duration_ms: 0,
        output_tail: GONE.into(),
        webhook: None,
    }
}

/// Decide the takeover from the journal (`events`, oldest first; the
/// session's tail is enough: an action in flight is recent) and the state.
pub fn resolve(events: &[Event], state: &State) -> Takeover {
    let mut t = Takeover::default();
    let flying = in_flight(events);
    for f in &flying {
        let kind = match f.action.as_str() {
            "rollback" => Some(ActionKind::Rollback),
            "pause" => Some(ActionKind::Pause),
            _ => None,
        };
        match kind.and_then(|k| Some((k, decision(events, k, f.seq)?))) {
            // A pause no longer wanted (resumed or rolled back since) is
            // not paused again; a rollback that finished is not rerun.
            Some((ActionKind::Pause, _)) if state.status != Status::Paused => {
                t.journal.push(interrupted(f));
            }
            Some((ActionKind::Rollback, _)) if state.status != Status::RollingBack => {
                t.journal.push(interrupted(f));
            }
            Some((k, (_, operator, reason, trigger))) => t.retry.push(Retry {
                kind: k,
                id: f.id.clone(),
                operator,
                reason,
                trigger: (k == ActionKind::Rollback).then_some(trigger),
            }),
            None => {
                t.journal.push(interrupted(f));
                if let Some(step) = f.action.strip_prefix("step:")
                    && state
                        .step(step)
                        .is_some_and(|s| s.status == StepStatus::Running)
                {
                    t.journal.push(EventBody::StepFinished {
                        step: step.to_string(),
                        outcome: StepOutcome::Failed,
                    });
                }
            }
        }
    }
    // A rollback whose console died before journaling `action_started`.
    let rollback_flying = t.retry.iter().any(|r| r.kind == ActionKind::Rollback);
    if state.status == Status::RollingBack
        && !state.rollback_failed
        && !rollback_flying
        && let Some((seq, operator, reason, trigger)) = decision(events, ActionKind::Rollback, 0)
    {
        t.retry.push(Retry {
            kind: ActionKind::Rollback,
            id: job_id(seq, "rollback"),
            operator,
            reason,
            trigger: Some(trigger),
        });
    }
    t
}

/// The queue job that runs `r` again, in the state as it is now.
pub fn retry_job(runbook: &Runbook, mode: SessionMode, state: &State, r: &Retry) -> Job {
    let action = r.kind.as_str();
    let to = match r.kind {
        ActionKind::Rollback => None,
        _ => state.stage,
    };
    let ctx = ActionContext::for_transition(
        runbook,
        action,
        state.stage,
        to,
        &r.operator,
        &r.reason,
        mode,
    );
    Job {
        id: r.id.clone(),
        kind: JobKind::Action(r.kind),
        ctx,
        rollback: r.trigger.map(|t| (t, r.reason.clone())),
        retried: true,
    }
}

/// One line for the operator about a takeover, or `None` when there was
/// nothing in flight.
pub fn summary(t: &Takeover) -> Option<String> {
    if t.retry.is_empty() && t.journal.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = t
        .retry
        .iter()
        .map(|r| format!("{} run again", r.kind.as_str()))
        .collect();
    parts.extend(t.journal.iter().filter_map(|e| match e {
        EventBody::ActionRan { action, .. } => Some(format!("{action} interrupted")),
        _ => None,
    }));
    Some(format!(
        "took over what was in flight: {}",
        parts.join("; ")
    ))
}
