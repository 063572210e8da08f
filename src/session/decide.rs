//! Command → events: what one command means against the current state.
//! Pure; `Session::submit` calls it inside the write transaction, after
//! folding in every event other consoles committed, so the decision is
//! made on the journal as it is, not as this console last saw it.

use chrono::{DateTime, Utc};

use super::command::Command;
use super::event::{EventBody, StepOutcome, Trigger};
use super::evidence::evidence;
use super::reduce::reduce;
use super::rules;
use super::state::{GateStatus, State, Status, StepStatus};
use crate::health::PanelMap;
use crate::runbook::model::{ActionKind, Runbook, StepPhase};

/// What the console showed when the operator acted: if another console
/// changed it in the meantime, an expand is refused rather than applied
/// to a stage the operator never saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub stage: Option<usize>,
    pub status: Status,
}

impl Seen {
    pub fn of(state: &State) -> Seen {
        Seen {
            stage: state.stage,
            status: state.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Apply(Vec<EventBody>),
    /// Journaled as-is (`refused` or `expand_refused`).
    Refuse {
        reason: String,
        event: EventBody,
    },
}

fn refuse(cmd: &Command, reason: impl Into<String>) -> Decision {
    let reason = reason.into();
    Decision::Refuse {
        event: EventBody::Refused {
            what: cmd.describe(),
            reason: reason.clone(),
        },
        reason,
    }
}

/// Decide one command.
pub fn decide(
    runbook: &Runbook,
    state: &State,
    cmd: &Command,
    operator: &str,
    panels: &PanelMap,
    now: DateTime<Utc>,
    seen: Seen,
) -> Decision {
    let mut d = decide_command(runbook, state, cmd, operator, panels, now, seen);
    if let Decision::Apply(bodies) = &mut d {
        super::evidence::attach_analysis(bodies, state);
    }
    d
}

fn decide_command(
    runbook: &Runbook,
    state: &State,
    cmd: &Command,
    operator: &str,
    panels: &PanelMap,
    now: DateTime<Utc>,
    seen: Seen,
) -> Decision {
    if let Err(e) = rules::may_command(runbook, state, cmd, operator) {
        return refuse(cmd, e);
    }
    match cmd {
        Command::NewAttempt { reason } => {
            if !state.status.is_final() {
                return refuse(
                    cmd,
                    format!(
                        "attempt {} is {}: a new attempt opens only after COMPLETE or ROLLED_BACK",
                        state.attempts.number,
                        state.status.as_str()
                    ),
                );
            }
            Decision::Apply(vec![EventBody::AttemptOpened {
                attempt: state.attempts.number + 1,
                reason: reason.clone(),
            }])
        }
        Command::Begin => match state.status {
            Status::Ready => Decision::Apply(vec![EventBody::CutoverStarted {}]),
            _ => refuse(cmd, "already started"),
        },
        Command::Sign { gate, item } => {
            let (g, i) = match locate(runbook, gate, *item) {
                Ok(x) => x,
                Err(e) => return refuse(cmd, e),
            };
            let spec = &runbook.gates[g];
            let it = &spec.items[i];
            if let Some(panel) = &it.panel {
                return refuse(
                    cmd,
                    format!("item {item} is automatic: satisfied by panel {panel}"),
                );
            }
            if let Err(e) = rules::may_sign(runbook, it.role.as_deref(), operator) {
                return refuse(cmd, e);
            }
            let signers = &state.gates[g].items[i].signers;
            if signers.iter().any(|s| s.operator == operator) {
                return refuse(cmd, "already signed by you");
            }
            if let Some(first) = signers.first()
                && !spec.two_person
            {
                return refuse(cmd, format!("already signed by {}", first.operator));
            }
            Decision::Apply(vec![EventBody::Signed {
                gate: gate.clone(),
                item: *item,
                evidence: evidence(panels),
            }])
        }
        Command::Withdraw { gate, item } => {
            let (g, i) = match locate(runbook, gate, *item) {
                Ok(x) => x,
                Err(e) => return refuse(cmd, e),
            };
            if !state.gates[g].items[i]
                .signers
                .iter()
                .any(|s| s.operator == operator)
            {
                return refuse(cmd, "not signed by you");
            }
            Decision::Apply(vec![EventBody::Withdrawn {
                gate: gate.clone(),
                item: *item,
            }])
        }
        Command::Veto { gate, item, reason } => {
            let (g, i) = match locate(runbook, gate, *item) {
                Ok(x) => x,
                Err(e) => return refuse(cmd, e),
            };
            if reason.trim().is_empty() {
                return refuse(cmd, "a veto needs a reason");
            }
            if let Some(v) = &state.gates[g].items[i].veto {
                return refuse(cmd, format!("already vetoed by {}", v.operator));
            }
            Decision::Apply(vec![EventBody::Vetoed {
                gate: gate.clone(),
                item: *item,
                reason: reason.clone(),
            }])
        }
        Command::Lift { gate, item } => {
            let (g, i) = match locate(runbook, gate, *item) {
                Ok(x) => x,
                Err(e) => return refuse(cmd, e),
            };
            let Some(v) = &state.gates[g].items[i].veto else {
                return refuse(cmd, format!("item {item} is not vetoed"));
            };
            if let Err(e) = rules::may_lift(runbook, &v.operator, operator) {
                return refuse(cmd, e);
            }
            let reason = if v.operator == operator {
                "lifted by the operator who vetoed".to_string()
            } else {
                format!("lifted by the IC over {}'s veto", v.operator)
            };
            Decision::Apply(vec![EventBody::VetoLifted {
                gate: gate.clone(),
                item: *item,
                reason,
            }])
        }
        Command::Start { step } => {
            let Some(idx) = runbook.steps.iter().position(|s| &s.id == step) else {
                return refuse(cmd, format!("no step {step}"));
            };
            let allowed = rules::may_act_on_step(runbook, state, idx, operator)
                .and_then(|()| rules::may_start(runbook, state, idx, panels, now));
            match allowed {
                Ok(()) => Decision::Apply(vec![EventBody::StepStarted { step: step.clone() }]),
                Err(e) => refuse(cmd, e),
            }
        }
        Command::Finish { step, outcome } => {
            let Some(ss) = state.step(step) else {
                return refuse(cmd, format!("no step {step}"));
            };
            let idx = runbook.steps.iter().position(|s| &s.id == step);
            if let Some(Err(e)) = idx.map(|i| rules::may_act_on_step(runbook, state, i, operator)) {
                return refuse(cmd, e);
            }
            let ok = match outcome {
                // Skipping needs no start: a step judged unnecessary.
                StepOutcome::Skipped => {
                    matches!(ss.status, StepStatus::Pending | StepStatus::Running)
                }
                _ => ss.status == StepStatus::Running,
            };
            if !ok {
                return refuse(cmd, format!("step {step} is {}", ss.status.as_str()));
            }
            Decision::Apply(vec![EventBody::StepFinished {
                step: step.clone(),
                outcome: *outcome,
            }])
        }
        Command::Pause { reason } => {
            match state.status {
                Status::Running => {}
                Status::Ready => return refuse(cmd, "cutover not started"),
                Status::Paused => return refuse(cmd, "already paused"),
                other => return refuse(cmd, format!("cutover is {}", other.as_str())),
            }
            if let Some(d) = two_person(runbook, state, cmd, ActionKind::Pause, operator, reason) {
                return d;
            }
            Decision::Apply(vec![EventBody::Paused {
                reason: reason.clone(),
                trigger: Trigger::Operator,
                evidence: evidence(panels),
                recorded_late: None,
            }])
        }
        Command::Resume { override_reason } => {
            if state.status != Status::Paused {
                return refuse(cmd, format!("not paused ({})", state.status.as_str()));
            }
            let ovr = override_reason
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            // A resume re-arms every guard: resuming into a breach that is
            // still there would only be paused again (or, worse, not).
            let holding = rules::guards_holding_now(runbook, state, panels, now);
            if ovr.is_none()
                && let Some(g) = holding.first()
            {
                let st = panels.get(&g.panel).map_or("?", |p| p.state.as_str());
                return refuse(
                    cmd,
                    format!(
                        "guard holds: {} is {st}; resume --override REASON silences it {}",
                        g.panel,
                        crate::timefmt::seconds(g.override_for)
                    ),
                );
            }
            let why = ovr.unwrap_or_default();
            if let Some(d) = two_person(runbook, state, cmd, ActionKind::Resume, operator, why) {
                return d;
            }
            Decision::Apply(vec![EventBody::Resumed {
                reason: why.to_string(),
                trigger: Trigger::Operator,
                override_reason: ovr.map(str::to_string),
                evidence: if ovr.is_some() {
                    evidence(panels)
                } else {
                    Default::default()
                },
            }])
        }
        Command::Expand { override_reason } => decide_expand(
            runbook,
            state,
            cmd,
            operator,
            panels,
            now,
            seen,
            override_reason,
        ),
        Command::Rollback {
            reason,
            override_reason,
        } => {
            let ovr = override_reason
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            if seen.status != Status::RollingBack && state.status == Status::RollingBack {
                return refuse(cmd, "a rollback was just started by another operator");
            }
            if let Some(r) = rules::rollback_refusal(state, now, ovr, runbook.cutover.timezone) {
                return refuse(cmd, r.reason);
            }
            if let Some(d) = two_person(runbook, state, cmd, ActionKind::Rollback, operator, reason)
            {
                return d;
            }
            Decision::Apply(vec![EventBody::RollbackStarted {
                trigger: Trigger::Operator,
                reason: reason.clone(),
                override_reason: ovr.map(str::to_string),
                evidence: evidence(panels),
                recorded_late: None,
            }])
        }
        Command::Acknowledge { reason } => {
            let Some(last) = state.damage.last() else {
                return refuse(cmd, "the journal has no damage to acknowledge");
            };
            if state.unacknowledged_damage().is_none() {
                return refuse(cmd, "the journal's damage is already acknowledged");
            }
            if reason.trim().is_empty() {
                return refuse(cmd, "acknowledging damage needs a reason");
            }
            Decision::Apply(vec![EventBody::DamageAcknowledged {
                through_seq: last.seq,
                reason: reason.clone(),
            }])
        }
        Command::Note { text } => {
            if text.trim().is_empty() {
                return refuse(cmd, "empty note");
            }
            Decision::Apply(vec![EventBody::Note { text: text.clone() }])
        }
        Command::Hold { reason } => {
            let Some((to, _)) = state.canary.announced() else {
                return refuse(cmd, "no automatic expand is announced");
            };
            let reason = match reason.trim() {
                "" => "held by an operator".to_string(),
                r => r.to_string(),
            };
            Decision::Apply(vec![EventBody::AutoExpandStopped {
                to_stage: to.to_string(),
                reason,
            }])
        }
        Command::WithdrawRequest { action } => {
            let mine = state
                .pending
                .iter()
                .any(|p| p.action == *action && p.requested_by == operator);
            if !mine {
                return refuse(
                    cmd,
                    format!("no pending {} request of yours", action.as_str()),
                );
            }
            Decision::Apply(vec![EventBody::ActionWithdrawn { action: *action }])
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn decide_expand(
    runbook: &Runbook,
    state: &State,
    cmd: &Command,
    operator: &str,
    panels: &PanelMap,
    now: DateTime<Utc>,
    seen: Seen,
    override_reason: &Option<String>,
) -> Decision {
    // Only an expand moves the stage forward while RUNNING or PAUSED; other
    // changes (a rollback) are refused by the rules below with their own words.
    if seen.stage != state.stage
        && state.stage.is_some()
        && matches!(state.status, Status::Running | Status::Paused)
    {
        let at = state
            .stage
            .and_then(|i| runbook.stages.get(i))
            .map_or("none", |s| s.name.as_str());
        return refuse(
            cmd,
            format!("already at stage {at}: another operator expanded just now"),
        );
    }
    let ovr = override_reason
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let refusals = rules::expand_refusals(runbook, state, panels, now);
    let blocking: Vec<&rules::Refusal> = match ovr {
        Some(_) if refusals.iter().all(|r| r.overridable) => Vec::new(),
        Some(_) => refusals.iter().filter(|r| !r.overridable).collect(),
        None => refusals.iter().collect(),
    };
    if !blocking.is_empty() {
        let reason = blocking
            .iter()
            .map(|r| r.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return Decision::Refuse {
            event: EventBody::ExpandRefused {
                reason: reason.clone(),
            },
            reason,
        };
    }
    let next = state.stage.map_or(0, |i| i + 1);
    let Some(to) = runbook.stages.get(next) else {
        return refuse(cmd, "already at the last stage");
    };
    let why = ovr.unwrap_or_default();
    if let Some(d) = two_person(runbook, state, cmd, ActionKind::Expand, operator, why) {
        return d;
    }
    Decision::Apply(vec![EventBody::Expanded {
        from_stage: state
            .stage
            .and_then(|i| runbook.stages.get(i))
            .map(|s| s.name.clone()),
        to_stage: to.name.clone(),
        exposure: to.exposure,
        override_reason: ovr.map(str::to_string),
        evidence: evidence(panels),
        automatic: false,
    }])
}

/// Two-person actions: the first operator's command is journaled as
/// `action_requested`; the same operator again is refused; a different
/// operator's same command goes ahead (returns `None`).
fn two_person(
    runbook: &Runbook,
    state: &State,
    cmd: &Command,
    kind: ActionKind,
    operator: &str,
    reason: &str,
) -> Option<Decision> {
    if !runbook.actions.get(kind).is_some_and(|a| a.two_person) {
        return None;
    }
    match state.pending.iter().find(|p| p.action == kind) {
        None => Some(Decision::Apply(vec![EventBody::ActionRequested {
            action: kind,
            reason: reason.to_string(),
        }])),
        Some(p) if p.requested_by == operator => Some(refuse(
            cmd,
            format!(
                "needs a second operator: {} was requested by you; another operator must confirm it",
                kind.as_str()
            ),
        )),
        Some(_) => None,
    }
}

/// Gate id and 1-based item → 0-based indexes, or why not.
fn locate(runbook: &Runbook, gate: &str, item: u32) -> Result<(usize, usize), String> {
    let Some(g) = runbook.gates.iter().position(|g| g.id == gate) else {
        return Err(format!("no gate {gate}"));
    };
    let n = runbook.gates[g].items.len();
    match (item as usize).checked_sub(1) {
        Some(i) if i < n => Ok((g, i)),
        _ => Err(format!("gate {gate} has items 1..{n}, not {item}")),
    }
}

/// Events that follow from the state itself after other events: a gate
/// whose computed status differs from the journaled one (`gate_go` with
/// evidence, or `gate_reopened`), and `completed` when the last stage is
/// reached and every step is done or skipped. `gate_status` holds a GO gate
/// unless a panel is actually failing, so a console that attached late
/// (young OK, or no poll yet) does not journal a reopen the others undo.
pub fn follow_ups(
    runbook: &Runbook,
    state: &State,
    panels: Option<&PanelMap>,
    now: DateTime<Utc>,
) -> Vec<EventBody> {
    let mut out = Vec::new();
    if let Some(panels) = panels {
        for (i, g) in state.gates.iter().enumerate() {
            let computed = rules::gate_status(runbook, state, i, panels, now);
            if computed == GateStatus::Go && g.status != GateStatus::Go {
                out.push(EventBody::GateGo {
                    gate: g.id.clone(),
                    evidence: evidence(panels),
                });
            } else if computed != GateStatus::Go && g.status == GateStatus::Go {
                out.push(EventBody::GateReopened { gate: g.id.clone() });
            }
        }
    }
    let last_stage = runbook.stages.len().checked_sub(1);
    let at_last = last_stage.is_none() || state.stage == last_stage;
    // Close steps are the follow-up after the end: not needed to complete.
    let steps_done = state
        .steps
        .iter()
        .zip(&runbook.steps)
        .filter(|(_, spec)| spec.phase == StepPhase::Main)
        .all(|(s, _)| matches!(s.status, StepStatus::Done | StepStatus::Skipped));
    if state.status == Status::Running && at_last && steps_done {
        out.push(EventBody::Completed {});
    }
    out
}

/// Apply `bodies` to a copy of `state` and return the follow-ups (for
/// deciding them inside the same transaction before anything is written).
pub fn follow_ups_after(
    runbook: &Runbook,
    state: &State,
    bodies: &[EventBody],
    operator: &str,
    panels: Option<&PanelMap>,
    now: DateTime<Utc>,
) -> Vec<EventBody> {
    let mut scratch = state.clone();
    for (k, b) in bodies.iter().enumerate() {
        let ev = super::event::Event {
            seq: state.last_seq + 1 + k as u64,
            ts: now,
            operator: operator.to_string(),
            body: b.clone(),
        };
        reduce(&mut scratch, runbook, &ev);
    }
    // Every gate transition is journaled once, whatever caused it: a veto
    // on a GO gate makes it NO-GO in the fold, so say so in the journal. A
    // new attempt starts every gate unsigned: that is no reopening.
    let new_attempt = bodies
        .iter()
        .any(|b| matches!(b, EventBody::AttemptOpened { .. }));
    let mut out: Vec<EventBody> = state
        .gates
        .iter()
        .zip(&scratch.gates)
        .filter(|(before, after)| {
            !new_attempt
                && before.status == GateStatus::Go
                && after.status != GateStatus::Go
                && !bodies
                    .iter()
                    .any(|b| matches!(b, EventBody::GateReopened { gate } if *gate == before.id))
        })
        .map(|(before, _)| EventBody::GateReopened {
            gate: before.id.clone(),
        })
        .collect();
    out.extend(follow_ups(runbook, &scratch, panels, now));
    out
}
