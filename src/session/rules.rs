//! The rules agreed before the cutover, as small pure functions over the
//! runbook, the journaled state, the panels and the time. Tested by table.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::command::Command;
use super::event::SessionMode;
use super::state::{GateStatus, State, Status, StepStatus};
use crate::health::{PanelMap, PanelState};
use crate::runbook::model::{ActionKind, Guard, GuardWhen, Runbook, StageNeed, StepPhase};

/// May `operator` sign items that need `role`? (No role: anyone.)
pub fn may_sign(runbook: &Runbook, role: Option<&str>, operator: &str) -> Result<(), String> {
    match role {
        Some(r) if !runbook.holds_role(operator, r) => {
            Err(format!("role {r} not held by {operator}"))
        }
        _ => Ok(()),
    }
}

/// Is item `item` (0-based) of gate `gate` (0-based) satisfied? Manual
/// items: signed. Automatic items: the panel is OK and has been for `for`.
pub fn item_satisfied(
    runbook: &Runbook,
    state: &State,
    gate: usize,
    item: usize,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> bool {
    let Some(spec) = runbook.gates.get(gate).and_then(|g| g.items.get(item)) else {
        return false;
    };
    match &spec.panel {
        Some(panel) => panel_ok_for(panels, panel, spec.for_, now),
        None => state
            .gates
            .get(gate)
            .and_then(|g| g.items.get(item))
            .is_some_and(|i| !i.signers.is_empty()),
    }
}

/// The panel is OK now and has been OK for at least `for_`. A panel that
/// never polled, or whose OK has no start time, is not satisfied.
pub fn panel_ok_for(panels: &PanelMap, panel: &str, for_: Duration, now: DateTime<Utc>) -> bool {
    let Some(p) = panels.get(panel) else {
        return false;
    };
    if p.state != PanelState::Ok {
        return false;
    }
    let Some(since) = p.state_since else {
        return false;
    };
    match chrono::Duration::from_std(for_) {
        Ok(need) => now - since >= need,
        Err(_) => false,
    }
}

/// Does automatic item `item` of gate `gate` keep an already-GO gate GO?
/// Yes unless its panel is actually not OK (WARN, FAIL, ERROR, STALE). A
/// console that attached late sees a young OK, or no poll yet (UNKNOWN or
/// absent); neither is evidence against what the others journaled, and
/// reopening on it would make the gate flap between consoles. Manual items
/// never hold: a withdrawn signature reopens.
pub fn auto_item_holds_go(runbook: &Runbook, gate: usize, item: usize, panels: &PanelMap) -> bool {
    let Some(panel) = runbook
        .gates
        .get(gate)
        .and_then(|g| g.items.get(item))
        .and_then(|i| i.panel.as_deref())
    else {
        return false;
    };
    panels.get(panel).is_none_or(|p| {
        !matches!(
            p.state,
            PanelState::Warn | PanelState::Fail | PanelState::Error | PanelState::Stale
        )
    })
}

/// A gate's status now: NO-GO on any veto; GO when every item is signed or
/// satisfied (and, for `two_person`, two different operators signed); else
/// OPEN. Hysteresis: once the journal says GO, an automatic item keeps it
/// GO while its panel is not actually failing (`auto_item_holds_go`), so
/// only a real fault (or a manual change) reopens it; an OPEN gate still
/// needs the panel OK for the full `for`.
pub fn gate_status(
    runbook: &Runbook,
    state: &State,
    gate: usize,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> GateStatus {
    let (Some(spec), Some(gs)) = (runbook.gates.get(gate), state.gates.get(gate)) else {
        return GateStatus::Open;
    };
    if gs.items.iter().any(|i| i.veto.is_some()) {
        return GateStatus::NoGo;
    }
    let held = gs.status == GateStatus::Go;
    let all = (0..spec.items.len()).all(|i| {
        item_satisfied(runbook, state, gate, i, panels, now)
            || (held && auto_item_holds_go(runbook, gate, i, panels))
    });
    if !all {
        return GateStatus::Open;
    }
    if spec.two_person {
        let mut ops: Vec<&str> = gs
            .items
            .iter()
            .flat_map(|i| i.signers.iter().map(|s| s.operator.as_str()))
            .collect();
        ops.sort_unstable();
        ops.dedup();
        if ops.len() < 2 {
            return GateStatus::Open;
        }
    }
    GateStatus::Go
}

/// `gate_status` by gate id (unknown: OPEN).
pub fn gate_status_of(
    runbook: &Runbook,
    state: &State,
    gate: &str,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> GateStatus {
    match runbook.gates.iter().position(|g| g.id == gate) {
        Some(i) => gate_status(runbook, state, i, panels, now),
        None => GateStatus::Open,
    }
}

/// Who may lift a veto: the operator who vetoed, or a holder of the IC role.
pub fn may_lift(runbook: &Runbook, vetoer: &str, operator: &str) -> Result<(), String> {
    if vetoer == operator {
        return Ok(());
    }
    match runbook.ic_role() {
        Some(ic) if runbook.holds_role(operator, ic) => Ok(()),
        Some(ic) => Err(format!(
            "only {vetoer} (who vetoed) or the {ic} role may lift this veto"
        )),
        None => Err(format!("only {vetoer} (who vetoed) may lift this veto")),
    }
}

/// May step `step` (0-based) start now? The cutover must have begun (steps
/// are the cutover's work: RUNNING, PAUSED (a pause holds exposure, not
/// hands) or ROLLING_BACK); the step must be pending (or failed: a retry);
/// its gate must be GO and its `after` steps done or skipped.
pub fn may_start(
    runbook: &Runbook,
    state: &State,
    step: usize,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let (Some(spec), Some(ss)) = (runbook.steps.get(step), state.steps.get(step)) else {
        return Err("no such step".into());
    };
    match state.status {
        Status::Ready => return Err("cutover not started (begin first)".into()),
        // Close steps are the follow-up: they outlive the cutover.
        Status::RolledBack | Status::Complete if spec.phase == StepPhase::Close => {}
        Status::RolledBack | Status::Complete => {
            return Err(format!(
                "cutover is {} (only `phase = \"close\"` steps run after the end)",
                state.status.as_str()
            ));
        }
        Status::RollingBack if spec.irreversible => {
            return Err(format!(
                "step {} is irreversible and a rollback is running",
                spec.id
            ));
        }
        Status::Running | Status::Paused | Status::RollingBack => {}
    }
    if spec.irreversible
        && let Some(p) = state
            .pending
            .iter()
            .find(|p| p.action == ActionKind::Rollback)
    {
        return Err(format!(
            "step {} is irreversible and {} asked for a rollback: confirm or withdraw that first",
            spec.id, p.requested_by
        ));
    }
    match ss.status {
        StepStatus::Pending | StepStatus::Failed => {}
        other => return Err(format!("step {} is already {}", spec.id, other.as_str())),
    }
    if let Some(gate) = &spec.gate {
        let st = gate_status_of(runbook, state, gate, panels, now);
        if st != GateStatus::Go {
            return Err(format!("gate {gate} is {}", st.as_str()));
        }
    }
    let waiting: Vec<&str> = spec
        .after
        .iter()
        .filter(|a| {
            !state
                .step(a)
                .is_some_and(|s| matches!(s.status, StepStatus::Done | StepStatus::Skipped))
        })
        .map(String::as_str)
        .collect();
    if !waiting.is_empty() {
        return Err(format!("waiting for step {}", waiting.join(", ")));
    }
    if let Some(need) = &spec.stage {
        stage_reached(runbook, state, need, now)?;
    }
    Ok(())
}

/// Has the cutover reached the stage a step needs (and, with `baked`,
/// baked it)? "Reached" is the exposure now: a later stage counts, a
/// rollback (exposure zero) does not.
pub fn stage_reached(
    runbook: &Runbook,
    state: &State,
    need: &StageNeed,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let Some(want) = runbook.stages.iter().position(|s| s.name == need.stage) else {
        return Err(format!("no stage {}", need.stage));
    };
    let at = state
        .stage
        .and_then(|i| runbook.stages.get(i))
        .map_or("none", |s| s.name.as_str());
    match state.stage {
        Some(cur) if cur > want => Ok(()),
        Some(cur) if cur == want && !need.baked => Ok(()),
        Some(cur) if cur == want => {
            let bake = chrono::Duration::from_std(runbook.stages[want].bake)
                .unwrap_or(chrono::Duration::MAX);
            let elapsed = state
                .stage_entered_at
                .map_or(chrono::Duration::zero(), |e| now - e);
            if elapsed >= bake {
                return Ok(());
            }
            let left = (bake - elapsed).to_std().unwrap_or_default();
            let left = Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0));
            Err(format!(
                "needs stage {} baked: {} of bake left",
                need.stage,
                crate::timefmt::seconds(left)
            ))
        }
        _ => Err(format!(
            "needs stage {}{} (now at stage {at})",
            need.stage,
            if need.baked { " baked" } else { "" }
        )),
    }
}

/// May `operator` give `cmd` at all? In a live session whose runbook has
/// `[operators]`, that list is an allow-list: an account it does not list
/// may watch and note, nothing else. An action (and `begin`) with `roles`
/// is taken only by a holder of one of them. Rehearsals and demos keep
/// the freedom to act as anyone (one person rehearses every role).
pub fn may_command(
    runbook: &Runbook,
    state: &State,
    cmd: &Command,
    operator: &str,
) -> Result<(), String> {
    if state.mode != Some(SessionMode::Live) || matches!(cmd, Command::Note { .. }) {
        return Ok(());
    }
    if !runbook.lists(operator) {
        return Err(format!(
            "{operator} is not listed in [operators]: in a live session an unlisted account may watch and note, nothing else"
        ));
    }
    let (what, roles) = match cmd {
        Command::Begin => ("begin", &runbook.actions.begin_roles),
        Command::Pause { .. } => ("pause", action_roles(runbook, ActionKind::Pause)),
        Command::Resume { .. } => ("resume", action_roles(runbook, ActionKind::Resume)),
        Command::Expand { .. } => ("expand", action_roles(runbook, ActionKind::Expand)),
        Command::Rollback { .. } => ("rollback", action_roles(runbook, ActionKind::Rollback)),
        _ => return Ok(()),
    };
    if roles.is_empty() || roles.iter().any(|r| runbook.holds_role(operator, r)) {
        return Ok(());
    }
    Err(format!(
        "{what} is for role {}; {operator} holds none of them",
        roles.join(" or ")
    ))
}

fn action_roles(runbook: &Runbook, kind: ActionKind) -> &Vec<String> {
    static NONE: Vec<String> = Vec::new();
    runbook.actions.get(kind).map_or(&NONE, |a| &a.roles)
}

/// May `operator` start or finish step `step` (0-based)? In a live session
/// a step with an `owner` is acted on only by a holder of that role or of
/// the IC role (the IC answers for the whole cutover and must be able to
/// unblock a step whose owner is gone). Rehearsals and demos let anyone act
/// on any step: one person often rehearses every role alone.
pub fn may_act_on_step(
    runbook: &Runbook,
    state: &State,
    step: usize,
    operator: &str,
) -> Result<(), String> {
    if state.mode != Some(SessionMode::Live) {
        return Ok(());
    }
    let Some(owner) = runbook.steps.get(step).and_then(|s| s.owner.as_deref()) else {
        return Ok(());
    };
    let ic = runbook.ic_role();
    if runbook.holds_role(operator, owner) || ic.is_some_and(|ic| runbook.holds_role(operator, ic))
    {
        return Ok(());
    }
    Err(format!(
        "step {} is owned by role {owner}, not held by {operator} (the owner or the IC acts on it)",
        runbook.steps[step].id
    ))
}

/// Is a panel in this state inside a guard's `when` condition? The one
/// definition (guards fire on it, expand and resume are refused on it):
/// `warn` includes FAIL (worse than a warning); `stale` includes ERROR (a
/// dead endpoint is caught from its first failed poll, not only after
/// `stale_after` polls).
pub fn guard_condition(when: GuardWhen, state: PanelState) -> bool {
    match when {
        GuardWhen::Fail => state == PanelState::Fail,
        GuardWhen::Warn => matches!(state, PanelState::Warn | PanelState::Fail),
        GuardWhen::Stale => matches!(state, PanelState::Stale | PanelState::Error),
    }
}

/// Guards whose panel is currently in their `when` condition.
pub fn guards_holding<'a>(runbook: &'a Runbook, panels: &PanelMap) -> Vec<&'a Guard> {
    runbook
        .guards
        .iter()
        .filter(|g| {
            panels
                .get(&g.panel)
                .is_some_and(|p| guard_condition(g.when, p.state))
        })
        .collect()
}

/// Is this guard silenced by an override at `now`?
pub fn guard_silenced(state: &State, g: &Guard, now: DateTime<Utc>) -> bool {
    state
        .guard_silenced_until
        .get(&super::reduce::guard_key(g))
        .is_some_and(|until| *until > now)
}

/// Guards whose condition holds now and that no override silences: what
/// refuses a resume or an expand without an override.
pub fn guards_holding_now<'a>(
    runbook: &'a Runbook,
    state: &State,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> Vec<&'a Guard> {
    guards_holding(runbook, panels)
        .into_iter()
        .filter(|g| !guard_silenced(state, g, now))
        .collect()
}

/// Why an expand (or a rollback) may not go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    /// An operator may override it by typing a reason.
    pub overridable: bool,
}

impl Refusal {
    fn hard(reason: impl Into<String>) -> Self {
        Refusal {
            reason: reason.into(),
            overridable: false,
        }
    }
    fn soft(reason: impl Into<String>) -> Self {
        Refusal {
            reason: reason.into(),
            overridable: true,
        }
    }
}

/// Every reason the next expand is refused, in a stable order: not
/// started, paused, rolling back / rolled back / complete, a guard holds,
/// bake not over, next stage's gate not GO, already at the last stage.
/// Empty: expand may go ahead.
pub fn expand_refusals(
    runbook: &Runbook,
    state: &State,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> Vec<Refusal> {
    let mut out = Vec::new();
    match state.status {
        Status::Ready => out.push(Refusal::hard("cutover not started (begin first)")),
        Status::Paused => out.push(Refusal::soft("cutover is PAUSED")),
        Status::RollingBack | Status::RolledBack | Status::Complete => {
            out.push(Refusal::hard(format!(
                "cutover is {}",
                state.status.as_str()
            )));
        }
        Status::Running => {}
    }
    if let Some(d) = state.unacknowledged_damage() {
        out.push(Refusal::hard(format!(
            "{d} (read it, then `acknowledge REASON`)"
        )));
    }
    for g in guards_holding_now(runbook, state, panels, now) {
        let st = panels.get(&g.panel).map_or("?", |p| p.state.as_str());
        out.push(Refusal::soft(format!(
            "guard holds: {} is {st} (then {})",
            g.panel,
            super::reduce::then_str(g.then)
        )));
    }
    if let (Some(idx), Some(entered)) = (state.stage, state.stage_entered_at)
        && let Some(stage) = runbook.stages.get(idx)
    {
        let bake = chrono::Duration::from_std(stage.bake).unwrap_or(chrono::Duration::MAX);
        let elapsed = now - entered;
        if elapsed < bake {
            let left = bake
                .checked_sub(&elapsed)
                .and_then(|l| l.to_std().ok())
                .unwrap_or_default();
            // Round up: "0s left" while still refused would read as a bug.
            let left = Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0));
            out.push(Refusal::soft(format!(
                "bake: {} left in stage {}",
                crate::timefmt::seconds(left),
                stage.name
            )));
        }
    }
    if let Some(r) = analysis_refusal(runbook, state, now) {
        out.push(r);
    }
    let next = state.stage.map_or(0, |i| i + 1);
    match runbook.stages.get(next) {
        Some(stage) => {
            if let Some(gate) = &stage.gate {
                let st = gate_status_of(runbook, state, gate, panels, now);
                if st != GateStatus::Go {
                    out.push(Refusal::soft(format!(
                        "gate {gate} is {} (needed for stage {})",
                        st.as_str(),
                        stage.name
                    )));
                }
            }
        }
        None => {
            let at = state
                .stage
                .and_then(|i| runbook.stages.get(i))
                .map_or("none".to_string(), |s| s.name.clone());
            out.push(Refusal::hard(format!("already at the last stage ({at})")));
        }
    }
    out
}

/// The current stage's analysis, when it holds the expand back: not
/// finished after the bake (its last measurement comes with the next poll
/// round), failed, or inconclusive. Overridable: a person may judge the
/// canary on what the panels show.
fn analysis_refusal(runbook: &Runbook, state: &State, now: DateTime<Utc>) -> Option<Refusal> {
    let idx = state.stage?;
    let stage = runbook.stages.get(idx)?;
    let spec = stage.analysis.as_ref()?;
    let canary = &state.canary;
    match &canary.verdict {
        Some(v) if v.verdict == crate::analysis::Verdict::Pass => None,
        Some(v) => Some(Refusal::soft(format!(
            "analysis of stage {} is {}: {}",
            stage.name,
            v.verdict.as_str(),
            v.reason
        ))),
        None => {
            let baked = state.stage_entered_at.is_some_and(|e| {
                now - e >= chrono::Duration::from_std(stage.bake).unwrap_or(chrono::Duration::MAX)
            });
            baked.then(|| {
                Refusal::soft(format!(
                    "analysis of stage {}: {} of {} measurements taken",
                    stage.name,
                    canary.measurements.len(),
                    spec.count
                ))
            })
        }
    }
}

/// May a rollback start now? Refused before the start, while one runs
/// (unless the last one failed: a retry), after it is done, and after the
/// rollback deadline unless overridden with a reason. Times in the
/// reason are in `zone` (the runbook's, what every screen shows): the
/// refusal is journaled and read beside the screen's clock.
pub fn rollback_refusal(
    state: &State,
    now: DateTime<Utc>,
    override_reason: Option<&str>,
    zone: crate::timefmt::Zone,
) -> Option<Refusal> {
    match state.status {
        Status::Ready => return Some(Refusal::hard("cutover not started")),
        Status::RolledBack => return Some(Refusal::hard("already rolled back")),
        _ => {}
    }
    // Never overridable: what the irreversible step did cannot be undone
    // by the rollback action, so running it would only mislead.
    if let Some(nr) = &state.attempts.no_return {
        return Some(Refusal::hard(format!(
            "{}: rollback is refused (pause, or roll forward)",
            nr.describe(zone)
        )));
    }
    match state.status {
        Status::RollingBack if !state.rollback_failed => {
            return Some(Refusal::hard("a rollback is already running"));
        }
        _ => {}
    }
    if let Some(deadline) = state.rollback_deadline
        && now > deadline
        && override_reason.is_none()
    {
        return Some(Refusal::soft(format!(
            "rollback deadline passed at {} {} (override with a reason)",
            zone.date_time(deadline),
            zone.abbrev(deadline)
        )));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]
#[path = "rules_tests.rs"]
mod tests;
