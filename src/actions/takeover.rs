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
    /// What its processes carry, and where they run (journals before run
    /// tokens were recorded have neither).
    pub run_token: Option<String>,
    pub host: Option<String>,
    /// seq of its `action_started`/`action_retried` (0: inferred from the
    /// state, never journaled as started).
    pub seq: u64,
}

/// In journal order.
pub fn in_flight(events: &[Event]) -> Vec<InFlight> {
    let mut open: Vec<InFlight> = Vec::new();
    for ev in events {
        match &ev.body {
            EventBody::ActionStarted {
                action,
                id,
                run_token,
                host,
            }
            | EventBody::ActionRetried {
                action,
                id,
                run_token,
                host,
            } => {
                open.retain(|f| &f.id != id);
                open.push(InFlight {
                    action: action.clone(),
                    id: id.clone(),
                    seq: ev.seq,
                    run_token: run_token.clone(),
                    host: host.clone(),
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
    /// seq of the decision (`rollback_started`, `paused`) it carries out.
    pub seq: u64,
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
            Some((k, (seq, operator, reason, trigger))) => t.retry.push(Retry {
                kind: k,
                id: f.id.clone(),
                seq,
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
            seq,
            operator,
            reason,
            trigger: Some(trigger),
        });
    }
    t
}

/// The lane a job runs in: true for the way back (pause, rollback).
fn way_back(action: &str) -> bool {
    matches!(action, "pause" | "rollback")
}

/// Decisions in `events` whose action the conductor that went away never
/// started: no `action_started`, `action_retried` or `action_ran` carries
/// their id, and they come after the last traced job of their lane (each
/// lane starts its jobs in journal order, so a job after a traced one was
/// still queued). The new conductor runs them, once, in journal order:
/// an expand an operator committed while no console conducted is run.
/// Left out: jobs with nothing to run, rollbacks (the ROLLING_BACK rule of
/// `resolve` retries them), forward work decided before the last
/// `rollback_started` (that rollback overruled it), a pause no longer
/// wanted (the cutover is not PAUSED, or a later pause decided).
pub fn unstarted(
    runbook: &Runbook,
    mode: SessionMode,
    events: &[Event],
    state: &State,
) -> Vec<Job> {
    let mut traced = std::collections::HashSet::new();
    let (mut last_fwd, mut last_back, mut last_rollback) = (0u64, 0u64, 0u64);
    for ev in events {
        let (action, id) = match &ev.body {
            EventBody::ActionStarted { action, id, .. }
            | EventBody::ActionRetried { action, id, .. } => (action, Some(id)),
            EventBody::ActionRan { action, id, .. } => (action, id.as_ref()),
            EventBody::RollbackStarted { .. } => {
                last_rollback = ev.seq;
                continue;
            }
            _ => continue,
        };
        // A journal older than ids bounds the lane at the entry itself.
        let decided = id
            .and_then(|i| i.split('/').next()?.parse::<u64>().ok())
            .unwrap_or(ev.seq);
        let lane = if way_back(action) {
            &mut last_back
        } else {
            &mut last_fwd
        };
        *lane = (*lane).max(decided);
        if let Some(id) = id {
            traced.insert(id.clone());
        }
    }
    let last_pause = events
        .iter()
        .rev()
        .find(|e| matches!(e.body, EventBody::Paused { .. }))
        .map(|e| e.seq);
    super::queue::plan(runbook, mode, events, None)
        .into_iter()
        .filter(|j| !traced.contains(&j.id) && super::queue::has_work(runbook, &j.kind))
        .filter(|j| match &j.kind {
            JobKind::Action(ActionKind::Rollback) => false,
            JobKind::Action(ActionKind::Pause) => {
                j.seq > last_back && state.status == Status::Paused && Some(j.seq) == last_pause
            }
            _ => j.seq > last_fwd && j.seq > last_rollback,
        })
        .collect()
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
        seq: r.seq,
        kind: JobKind::Action(r.kind),
        ctx,
        rollback: r.trigger.map(|t| (t, r.reason.clone())),
        retried: true,
        fence: super::queue::Fence::Free,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]
mod tests {
    use super::*;
    use crate::session::event::{Evidence, RollbackOutcome};
    use crate::session::reduce::reduce;
    use crate::session::testkit::sample_runbook;

    fn started(action: &str, id: &str) -> EventBody {
        EventBody::ActionStarted {
            action: action.into(),
            id: id.into(),
            run_token: None,
            host: None,
        }
    }

    fn ran(action: &str, id: &str) -> EventBody {
        EventBody::ActionRan {
            action: action.into(),
            id: Some(id.into()),
            outcome: Some(ActionOutcome::Succeeded),
            webhook_status: None,
            executed: true,
            exit_code: Some(0),
            duration_ms: 1,
            output_tail: String::new(),
            webhook: None,
        }
    }

    fn expanded() -> EventBody {
        EventBody::Expanded {
            from_stage: None,
            to_stage: "internal".into(),
            exposure: 1.0,
            override_reason: None,
            evidence: Evidence::new(),
            automatic: false,
        }
    }

    fn rollback() -> EventBody {
        EventBody::RollbackStarted {
            trigger: Trigger::Guard,
            reason: "errors FAIL".into(),
            override_reason: None,
            evidence: Evidence::new(),
            recorded_late: None,
        }
    }

    fn paused() -> EventBody {
        EventBody::Paused {
            reason: "hold".into(),
            trigger: Trigger::Operator,
            evidence: Evidence::new(),
            recorded_late: None,
        }
    }

    /// The journal `bodies` (seq from 1, by alice) and the state it folds to.
    fn journal(bodies: Vec<EventBody>) -> (Vec<Event>, State) {
        let rb = sample_runbook();
        let mut state = State::new(&rb);
        let t0 = chrono::Utc::now();
        let mut events = Vec::new();
        for (i, body) in bodies.into_iter().enumerate() {
            let ev = Event {
                seq: i as u64 + 1,
                ts: t0,
                operator: "alice".into(),
                body,
            };
            reduce(&mut state, &rb, &ev);
            events.push(ev);
        }
        (events, state)
    }

    /// (retried "kind/id", journaled kinds "kind:action")
    fn outcome(t: &Takeover) -> (Vec<String>, Vec<String>) {
        let retry = t
            .retry
            .iter()
            .map(|r| format!("{}/{}", r.kind.as_str(), r.id))
            .collect();
        let journal = t
            .journal
            .iter()
            .map(|e| match e {
                EventBody::ActionRan {
                    action, outcome, ..
                } => format!("ran:{action}:{}", outcome.map_or("-", |o| o.as_str())),
                other => other.kind(),
            })
            .collect();
        (retry, journal)
    }

    #[test]
    fn what_is_in_flight_and_what_a_takeover_does_with_it() {
        let begin = || vec![EventBody::CutoverStarted {}];
        let with = |more: Vec<EventBody>| {
            let mut v = begin();
            v.extend(more);
            v
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let cases: Vec<(&str, Vec<EventBody>, Vec<String>, Vec<String>)> = vec![
            ("nothing started", with(vec![]), s(&[]), s(&[])),
            (
                "an action that ended is not in flight",
                with(vec![
                    expanded(),
                    started("expand", "2/expand"),
                    ran("expand", "2/expand"),
                ]),
                s(&[]),
                s(&[]),
            ),
            (
                "an interrupted rollback is run again with its id",
                with(vec![rollback(), started("rollback", "2/rollback")]),
                s(&["rollback/2/rollback"]),
                s(&[]),
            ),
            (
                "a rollback whose console died before action_started is found by its state",
                with(vec![expanded(), rollback()]),
                s(&["rollback/3/rollback"]),
                s(&[]),
            ),
            (
                "a retried rollback that was interrupted again is retried again",
                with(vec![
                    rollback(),
                    started("rollback", "2/rollback"),
                    EventBody::ActionRetried {
                        action: "rollback".into(),
                        id: "2/rollback".into(),
                        run_token: None,
                        host: None,
                    },
                ]),
                s(&["rollback/2/rollback"]),
                s(&[]),
            ),
            (
                "a rollback that finished is not rerun",
                with(vec![
                    rollback(),
                    EventBody::RollbackFinished {
                        trigger: Trigger::Guard,
                        reason: "x".into(),
                        outcome: RollbackOutcome::Done,
                    },
                ]),
                s(&[]),
                s(&[]),
            ),
            (
                "an interrupted pause is run again",
                with(vec![paused(), started("pause", "2/pause")]),
                s(&["pause/2/pause"]),
                s(&[]),
            ),
            (
                "a pause no longer wanted (resumed since) is not paused again",
                with(vec![
                    paused(),
                    started("pause", "2/pause"),
                    EventBody::Resumed {
                        reason: "ok".into(),
                        trigger: Trigger::Operator,
                        override_reason: None,
                        evidence: Default::default(),
                    },
                ]),
                s(&[]),
                s(&["ran:pause:interrupted"]),
            ),
            (
                "an interrupted expand is not re-run: journaled interrupted",
                with(vec![expanded(), started("expand", "2/expand")]),
                s(&[]),
                s(&["ran:expand:interrupted"]),
            ),
            (
                "an interrupted step command fails its running step",
                with(vec![
                    EventBody::StepStarted {
                        step: "freeze".into(),
                    },
                    started("step:freeze", "2/step:freeze"),
                ]),
                s(&[]),
                s(&["ran:step:freeze:interrupted", "step_finished"]),
            ),
            (
                "expand and rollback both in flight: the expand is closed, the rollback rerun",
                with(vec![
                    expanded(),
                    started("expand", "2/expand"),
                    rollback(),
                    started("rollback", "4/rollback"),
                ]),
                s(&["rollback/4/rollback"]),
                s(&["ran:expand:interrupted"]),
            ),
        ];
        for (why, bodies, retry, journaled) in cases {
            let (events, state) = journal(bodies);
            let t = resolve(&events, &state);
            assert_eq!(outcome(&t), (retry, journaled), "{why}");
        }
    }

    #[test]
    fn an_interrupted_expand_leaves_the_exposure_unknown_until_a_rollback() {
        let (events, mut state) = journal(vec![
            EventBody::CutoverStarted {},
            expanded(),
            started("expand", "2/expand"),
        ]);
        let t = resolve(&events, &state);
        let rb = sample_runbook();
        let mut seq = events.len() as u64;
        let mut fold = |state: &mut State, body: EventBody| {
            seq += 1;
            let ev = Event {
                seq,
                ts: chrono::Utc::now(),
                operator: "bob".into(),
                body,
            };
            reduce(state, &rb, &ev);
        };
        for body in t.journal {
            fold(&mut state, body);
        }
        assert!(state.expand_interrupted);
        fold(&mut state, rollback());
        assert!(state.expand_interrupted, "still unknown while rolling back");
        fold(
            &mut state,
            EventBody::RollbackFinished {
                trigger: Trigger::Guard,
                reason: "x".into(),
                outcome: RollbackOutcome::Done,
            },
        );
        assert!(!state.expand_interrupted);
        assert_eq!(state.stage, None);
    }

    #[test]
    fn a_decision_whose_action_never_started_is_run_by_the_new_conductor_once() {
        let legacy = EventBody::ActionRan {
            action: "expand".into(),
            id: None,
            outcome: Some(ActionOutcome::Succeeded),
            webhook_status: None,
            executed: true,
            exit_code: Some(0),
            duration_ms: 1,
            output_tail: String::new(),
            webhook: None,
        };
        let table: Vec<(&str, Vec<EventBody>, Vec<&str>)> = vec![
            ("never started: run", vec![expanded()], vec!["1/expand"]),
            (
                "started (in flight): resolve's business",
                vec![expanded(), started("expand", "1/expand")],
                vec![],
            ),
            (
                "ran: done",
                vec![expanded(), ran("expand", "1/expand")],
                vec![],
            ),
            (
                "behind a later traced job of its lane: dropped by design",
                vec![expanded(), expanded(), started("expand", "2/expand")],
                vec![],
            ),
            (
                "overruled by a later rollback; the rollback is resolve's",
                vec![expanded(), rollback()],
                vec![],
            ),
            (
                "a pause still wanted",
                vec![EventBody::CutoverStarted {}, paused()],
                vec!["2/pause"],
            ),
            (
                "a pause no longer wanted",
                vec![EventBody::CutoverStarted {}, paused(), rollback()],
                vec![],
            ),
            (
                "a journal older than ids bounds the lane",
                vec![expanded(), legacy],
                vec![],
            ),
        ];
        let rb = sample_runbook();
        for (what, bodies, want) in table {
            let (events, state) = journal(bodies);
            let got: Vec<String> = unstarted(&rb, SessionMode::Live, &events, &state)
                .into_iter()
                .map(|j| j.id)
                .collect();
            assert_eq!(got, want, "{what}");
        }
    }
}
