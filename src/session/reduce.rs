//! `reduce`: fold one journaled event into the state. Pure: no I/O, no
//! clock (every time comes from an event), so replaying a journal rebuilds
//! exactly the state the consoles showed.
//!
//! Reduce records what happened; it does not judge. The rules were checked
//! before the event was appended (inside the write lock), so an event that
//! would be invalid now (a step already started, an unknown gate) is
//! ignored rather than trusted to corrupt the state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::event::{ActionOutcome, Event, EventBody, RollbackOutcome};
use super::state::{
    Attached, GateState, GateStatus, ItemState, PendingAction, Signature, StageVisit, State,
    Status, StepState, StepStatus, Veto,
};
use crate::runbook::model::{ActionKind, Deadline, Guard, Runbook};

/// The key of a guard in `State::guard_last_fired`: `"panel/when/then"`,
/// e.g. `"errors/fail/pause"`. Built only here (from the runbook's guard
/// or from a journaled `guard_fired`): fire-once depends on both agreeing.
pub fn guard_key(guard: &Guard) -> String {
    guard_key_of(&guard.panel, guard.when, guard.then)
}

/// `guard_key` from its parts (a journaled `guard_fired`).
pub fn guard_key_of(
    panel: &str,
    when: crate::runbook::model::GuardWhen,
    then: crate::runbook::model::GuardThen,
) -> String {
    format!("{panel}/{}/{}", when_str(when), then_str(then))
}

pub fn when_str(w: crate::runbook::model::GuardWhen) -> &'static str {
    use crate::runbook::model::GuardWhen;
    match w {
        GuardWhen::Fail => "fail",
        GuardWhen::Warn => "warn",
        GuardWhen::Stale => "stale",
    }
}

pub fn then_str(t: crate::runbook::model::GuardThen) -> &'static str {
    use crate::runbook::model::GuardThen;
    match t {
        GuardThen::Pause => "pause",
        GuardThen::Rollback => "rollback",
    }
}

impl State {
    /// Before any event: READY, gates and steps in runbook order.
    pub fn new(runbook: &Runbook) -> State {
        State {
            mode: None,
            runbook_sha256: None,
            status: Status::Ready,
            started_at: None,
            stage: None,
            stage_entered_at: None,
            stage_history: Vec::new(),
            gates: runbook
                .gates
                .iter()
                .map(|g| GateState {
                    id: g.id.clone(),
                    items: vec![ItemState::default(); g.items.len()],
                    status: GateStatus::Open,
                    went_go_at: None,
                })
                .collect(),
            steps: runbook
                .steps
                .iter()
                .map(|s| StepState {
                    id: s.id.clone(),
                    status: StepStatus::Pending,
                    started_at: None,
                    finished_at: None,
                    started_by: None,
                })
                .collect(),
            attached: BTreeMap::new(),
            conductor: None,
            conductor_epoch: None,
            conductor_console: None,
            pending: Vec::new(),
            rollback_deadline: match runbook.cutover.rollback_deadline {
                Some(Deadline::At(t)) => Some(t),
                _ => None,
            },
            last_seq: 0,
            damage: Vec::new(),
            damage_acknowledged: None,
            completed_at: None,
            ended_at: None,
            rollback_failed: false,
            expand_interrupted: false,
            guard_last_fired: BTreeMap::new(),
            guards_rearmed_at: None,
            guard_silenced_until: BTreeMap::new(),
            notified: BTreeMap::new(),
            attempts: Box::default(),
            canary: Box::default(),
        }
    }

    /// Replay a whole journal.
    pub fn replay<'a>(runbook: &Runbook, events: impl IntoIterator<Item = &'a Event>) -> State {
        let mut s = State::new(runbook);
        for e in events {
            reduce(&mut s, runbook, e);
        }
        s
    }

    pub fn gate(&self, id: &str) -> Option<&GateState> {
        self.gates.iter().find(|g| g.id == id)
    }

    pub fn step(&self, id: &str) -> Option<&StepState> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// Fold one event into `state`.
/// An operator overrode the guards whose condition held by `evidence`
/// (the panels as the deciding console knew them): each is silent for its
/// `override_for` from `at`, then armed again.
fn silence_overridden(
    state: &mut State,
    runbook: &Runbook,
    evidence: &crate::session::event::Evidence,
    at: DateTime<Utc>,
) {
    for g in &runbook.guards {
        let holds = evidence
            .get(&g.panel)
            .is_some_and(|e| super::rules::guard_condition(g.when, e.state));
        if !holds {
            continue;
        }
        let until = chrono::Duration::from_std(g.override_for)
            .ok()
            .and_then(|d| at.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        state.guard_silenced_until.insert(guard_key(g), until);
    }
}

pub fn reduce(state: &mut State, runbook: &Runbook, event: &Event) {
    // A damaged row outside the seqs (below 1, above the limit) comes as
    // seq 0 and is never a position.
    state.last_seq = state.last_seq.max(event.seq);
    let at = event.ts;
    let op = event.operator.as_str();
    match &event.body {
        EventBody::SessionOpened {
            runbook_sha256,
            mode,
            ..
        } => {
            state.mode = Some(*mode);
            state.runbook_sha256 = Some(runbook_sha256.clone());
        }
        EventBody::RunbookChangeAccepted { runbook_sha256, .. } => {
            state.runbook_sha256 = Some(runbook_sha256.clone());
        }
        EventBody::OperatorAttached { host, read_only } => {
            let a = state
                .attached
                .entry(op.to_string())
                .or_insert_with(|| Attached {
                    operator: op.to_string(),
                    host: None,
                    read_only: *read_only,
                    consoles: 0,
                });
            // Any writing console makes the operator more than an observer.
            a.read_only = if a.consoles == 0 {
                *read_only
            } else {
                a.read_only && *read_only
            };
            a.consoles += 1;
            if host.is_some() {
                a.host = host.clone();
            }
        }
        EventBody::OperatorDetached { .. } => {
            if let Some(a) = state.attached.get_mut(op) {
                a.consoles = a.consoles.saturating_sub(1);
                if a.consoles == 0 {
                    state.attached.remove(op);
                    if state.conductor.as_deref() == Some(op) {
                        state.conductor = None;
                    }
                }
            }
        }
        EventBody::ConductorChanged { console, .. } => {
            state.conductor = Some(op.to_string());
            state.conductor_epoch = Some(event.seq);
            state.conductor_console = Some(console.clone());
        }
        EventBody::CutoverStarted {} => {
            if state.status == Status::Ready {
                state.status = Status::Running;
                state.started_at = Some(at);
                state.rollback_deadline = match runbook.cutover.rollback_deadline {
                    Some(Deadline::After(d)) => chrono::Duration::from_std(d)
                        .ok()
                        .and_then(|d| at.checked_add_signed(d)),
                    Some(Deadline::At(t)) => Some(t),
                    None => None,
                };
            }
        }
        EventBody::Signed {
            gate,
            item,
            evidence,
        } => {
            if let Some(it) = item_mut(state, gate, *item) {
                if it.signers.iter().all(|s| s.operator != op) {
                    it.signers.push(Signature {
                        operator: op.to_string(),
                        at,
                        evidence: evidence.clone(),
                    });
                }
                it.signed = it.signers.first().cloned();
            }
        }
        EventBody::Withdrawn { gate, item } => {
            if let Some(it) = item_mut(state, gate, *item) {
                it.signers.retain(|s| s.operator != op);
                it.signed = it.signers.first().cloned();
            }
        }
        EventBody::Vetoed { gate, item, reason } => {
            if let Some(it) = item_mut(state, gate, *item) {
                it.veto = Some(Veto {
                    operator: op.to_string(),
                    at,
                    reason: reason.clone(),
                });
            }
            if let Some(g) = gate_mut(state, gate) {
                g.status = GateStatus::NoGo;
            }
        }
        EventBody::VetoLifted { gate, item, .. } => {
            if let Some(it) = item_mut(state, gate, *item) {
                it.veto = None;
            }
            if let Some(g) = gate_mut(state, gate)
                && g.status == GateStatus::NoGo
                && g.items.iter().all(|i| i.veto.is_none())
            {
                g.status = GateStatus::Open;
            }
        }
        EventBody::GateGo { gate, .. } => {
            if let Some(g) = gate_mut(state, gate) {
                g.status = GateStatus::Go;
                g.went_go_at = Some(at);
            }
        }
        EventBody::GateReopened { gate } => {
            if let Some(g) = gate_mut(state, gate) {
                g.status = if g.items.iter().any(|i| i.veto.is_some()) {
                    GateStatus::NoGo
                } else {
                    GateStatus::Open
                };
            }
        }
        EventBody::StepStarted { step } => {
            if let Some(s) = state.steps.iter_mut().find(|s| &s.id == step) {
                s.status = StepStatus::Running;
                s.started_at = Some(at);
                s.finished_at = None;
                s.started_by = Some(op.to_string());
            }
            // The first start of an irreversible step is the point of no
            // return; a retry of it after a failure does not move it.
            if state.attempts.no_return.is_none()
                && runbook.step(step).is_some_and(|s| s.irreversible)
            {
                state.attempts.no_return = Some(super::state::NoReturn {
                    step: step.clone(),
                    by: op.to_string(),
                    at,
                });
            }
        }
        EventBody::StepFinished { step, outcome } => {
            if let Some(s) = state.steps.iter_mut().find(|s| &s.id == step) {
                s.status = (*outcome).into();
                s.finished_at = Some(at);
            }
        }
        EventBody::Paused { .. } => {
            clear_pending(state, ActionKind::Pause);
            if state.status == Status::Running {
                state.status = Status::Paused;
            }
        }
        EventBody::Resumed {
            override_reason,
            evidence,
            ..
        } => {
            clear_pending(state, ActionKind::Resume);
            if state.status == Status::Paused {
                state.status = Status::Running;
                state.guards_rearmed_at = Some(at);
            }
            if override_reason.is_some() {
                silence_overridden(state, runbook, evidence, at);
            }
        }
        EventBody::ActionRequested { action, reason } => {
            clear_pending(state, *action);
            state.pending.push(PendingAction {
                action: *action,
                requested_by: op.to_string(),
                reason: reason.clone(),
                at,
            });
        }
        EventBody::ActionWithdrawn { action } => clear_pending(state, *action),
        EventBody::Expanded {
            to_stage,
            override_reason,
            evidence,
            ..
        } => {
            clear_pending(state, ActionKind::Expand);
            if override_reason.is_some() {
                silence_overridden(state, runbook, evidence, at);
            }
            state.expand_interrupted = false;
            if let Some(idx) = runbook.stages.iter().position(|s| &s.name == to_stage) {
                if let Some(last) = state.stage_history.last_mut()
                    && last.left_at.is_none()
                {
                    last.left_at = Some(at);
                }
                state.stage = Some(idx);
                state.stage_entered_at = Some(at);
                state.stage_history.push(StageVisit {
                    stage: idx,
                    entered_at: at,
                    left_at: None,
                });
            }
        }
        EventBody::RollbackStarted { .. } => {
            clear_pending(state, ActionKind::Rollback);
            state.status = Status::RollingBack;
            state.rollback_failed = false;
        }
        EventBody::RollbackFinished { outcome, .. } => {
            if state.status == Status::RollingBack {
                match outcome {
                    RollbackOutcome::Done => {
                        // Exposure is back to zero; the history keeps the visits.
                        state.status = Status::RolledBack;
                        state.ended_at = Some(at);
                        state.expand_interrupted = false;
                        close_stage(state, at);
                        state.stage = None;
                        state.stage_entered_at = None;
                    }
                    RollbackOutcome::Failed => state.rollback_failed = true,
                }
            }
        }
        EventBody::GuardFired {
            panel, when, then, ..
        } => {
            let key = guard_key_of(panel, *when, *then);
            state.guard_last_fired.insert(key, at);
        }
        EventBody::Completed {} => {
            if matches!(state.status, Status::Running | Status::Paused) {
                state.status = Status::Complete;
                state.completed_at = Some(at);
                state.ended_at = Some(at);
            }
        }
        EventBody::AttemptOpened { attempt, .. } => {
            if state.status.is_final() && *attempt == state.attempts.number + 1 {
                open_attempt(state, runbook, event.seq, at, *attempt);
            }
        }
        EventBody::Notified {
            event_seq, target, ..
        } => {
            let c = state.notified.entry(target.clone()).or_default();
            *c = (*c).max(*event_seq);
        }
        EventBody::Damaged { seq, what } => {
            let d = super::state::Damage {
                seq: *seq,
                what: what.clone(),
            };
            // A re-read (refresh after a gap) meets the same damage again.
            if !state.damage.contains(&d) {
                state.damage.push(d);
            }
        }
        EventBody::DamageAcknowledged { through_seq, .. } => {
            state.damage_acknowledged = state.damage_acknowledged.max(Some(*through_seq));
        }
        EventBody::ActionRan {
            action, outcome, ..
        } => {
            if action == "expand" && *outcome == Some(ActionOutcome::Interrupted) {
                state.expand_interrupted = true;
            }
        }
        EventBody::AnalysisMeasured { .. }
        | EventBody::AnalysisVerdict { .. }
        | EventBody::AutoExpandAnnounced { .. }
        | EventBody::AutoExpandStopped { .. } => {}
        EventBody::Refused { .. }
        | EventBody::ExpandRefused { .. }
        | EventBody::ActionStarted { .. }
        | EventBody::ActionRetried { .. }
        | EventBody::Note { .. }
        | EventBody::Unknown { .. } => {}
    }
    let stage = state.stage;
    state.canary.fold(runbook, stage, &event.body, op, at);
}

/// A new attempt: what the session knows of its people, its journal and
/// its notifications stays; the cutover itself starts again from READY.
fn open_attempt(state: &mut State, runbook: &Runbook, seq: u64, at: DateTime<Utc>, attempt: u32) {
    let past = super::state::PastAttempt {
        number: state.attempts.number,
        started_at: state.started_at,
        ended: state.status,
        closed_at: at,
        closed_seq: seq,
    };
    let fresh = State::new(runbook);
    let mut past_attempts = std::mem::take(&mut state.attempts.past);
    past_attempts.push(past);
    let attempts = Box::new(super::state::Attempts {
        number: attempt,
        no_return: None,
        past: past_attempts,
    });
    *state = State {
        mode: state.mode,
        runbook_sha256: state.runbook_sha256.take(),
        attached: std::mem::take(&mut state.attached),
        conductor: state.conductor.take(),
        // Who conducts is the session's, not the attempt's: the fence must
        // hold across a new attempt or no action would run in it.
        conductor_epoch: state.conductor_epoch,
        conductor_console: state.conductor_console.take(),
        last_seq: state.last_seq,
        notified: std::mem::take(&mut state.notified),
        damage: std::mem::take(&mut state.damage),
        damage_acknowledged: state.damage_acknowledged,
        attempts,
        ..fresh
    };
}

fn close_stage(state: &mut State, at: DateTime<Utc>) {
    if let Some(last) = state.stage_history.last_mut()
        && last.left_at.is_none()
    {
        last.left_at = Some(at);
    }
}

fn clear_pending(state: &mut State, action: ActionKind) {
    state.pending.retain(|p| p.action != action);
}

fn gate_mut<'a>(state: &'a mut State, gate: &str) -> Option<&'a mut GateState> {
    state.gates.iter_mut().find(|g| g.id == gate)
}

/// `item` is 1-based, as in events.
fn item_mut<'a>(state: &'a mut State, gate: &str, item: u32) -> Option<&'a mut ItemState> {
    let idx = (item as usize).checked_sub(1)?;
    gate_mut(state, gate)?.items.get_mut(idx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::session::event::{Evidence, Trigger};
    use crate::session::testkit::sample_runbook;

    fn fold(rows: Vec<(&str, EventBody)>) -> State {
        let rb = sample_runbook();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap();
        let events: Vec<Event> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (op, body))| Event {
                seq: i as u64 + 1,
                ts: t0 + chrono::Duration::minutes(i as i64),
                operator: op.into(),
                body,
            })
            .collect();
        State::replay(&rb, &events)
    }

    #[test]
    fn consoles_are_counted_per_operator() {
        let attach = |ro| EventBody::OperatorAttached {
            host: Some("10.0.0.9".into()),
            read_only: ro,
        };
        let s = fold(vec![
            ("alice", attach(false)),
            ("alice", attach(false)),
            ("dave", attach(true)),
            (
                "alice",
                EventBody::OperatorDetached {
                    host: None,
                    reason: None,
                },
            ),
        ]);
        assert_eq!(s.attached["alice"].consoles, 1);
        assert!(s.attached["dave"].read_only);
        let s = fold(vec![
            ("dave", attach(true)),
            (
                "dave",
                EventBody::OperatorDetached {
                    host: None,
                    reason: None,
                },
            ),
        ]);
        assert!(s.attached.is_empty(), "the last console gone: not attached");
    }

    #[test]
    fn deadline_is_fixed_at_start_and_unknown_kinds_are_ignored() {
        let s = fold(vec![
            (
                "alice",
                EventBody::Unknown {
                    kind: "from_the_future".into(),
                    fields: serde_json::json!({"x": 1}),
                },
            ),
            ("alice", EventBody::CutoverStarted {}),
            ("alice", EventBody::CutoverStarted {}),
        ]);
        assert_eq!(s.last_seq, 3);
        let started = s.started_at.unwrap();
        assert_eq!(started.to_rfc3339(), "2026-11-21T22:01:00+00:00");
        assert_eq!(
            s.rollback_deadline,
            Some(started + chrono::Duration::hours(4))
        );
    }

    #[test]
    fn a_finished_rollback_closes_the_stage_and_exposure_is_zero() {
        let s = fold(vec![
            ("alice", EventBody::CutoverStarted {}),
            (
                "alice",
                EventBody::Expanded {
                    from_stage: None,
                    to_stage: "internal".into(),
                    exposure: 0.5,
                    override_reason: None,
                    evidence: Evidence::new(),
                    automatic: false,
                },
            ),
            (
                "guard",
                EventBody::RollbackStarted {
                    trigger: Trigger::Guard,
                    reason: "mismatch".into(),
                    override_reason: None,
                    evidence: Evidence::new(),
                    recorded_late: None,
                },
            ),
            (
                "guard",
                EventBody::RollbackFinished {
                    trigger: Trigger::Guard,
                    reason: "mismatch".into(),
                    outcome: RollbackOutcome::Done,
                },
            ),
        ]);
        assert_eq!(s.status, Status::RolledBack);
        assert_eq!(s.stage, None);
        assert_eq!(s.stage_history.len(), 1);
        assert!(s.stage_history[0].left_at.is_some());
    }
}
