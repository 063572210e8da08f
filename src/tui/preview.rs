//! What an expand or rollback will do, computed before the operator says
//! `y`: the command, the stage change, the evidence and any refusal. Pure.
//!
//! The refusals come from the session's own rules (`session::rules`), so
//! the modal says exactly why before anything is journaled; the session
//! re-checks them inside its write transaction and is the authority.

use chrono::{DateTime, Utc};

use super::format;
use crate::health::{PanelMap, PanelState};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::command::Command;
use crate::session::rules::{self, Refusal};
use crate::session::state::State;

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub title: String,
    /// The action's `run` text and webhook target (redacted), or a note that
    /// nothing runs.
    pub runs: Vec<String>,
    /// `internal 0.5% → enterprise 5%`.
    pub stage_change: Option<String>,
    /// (panel title, state, value as shown), in runbook order.
    pub evidence: Vec<(String, PanelState, String)>,
    pub refusals: Vec<String>,
    /// Every refusal may be overridden with a typed reason.
    pub overridable: bool,
    /// Two-person: who asked, or that this is the first half.
    pub two_person: Option<String>,
    /// What else the operator must know before `y`: the gates and first
    /// stage of a begin, the point of no return of an irreversible step.
    pub notes: Vec<String>,
}

fn stage_label(rb: &Runbook, idx: Option<usize>) -> String {
    match idx.and_then(|i| rb.stages.get(i)) {
        Some(s) => format!("{} {}", s.name, format::exposure(s.exposure)),
        None => "not exposed 0%".into(),
    }
}

pub fn evidence(rb: &Runbook, panels: &PanelMap) -> Vec<(String, PanelState, String)> {
    rb.panels
        .iter()
        .map(|p| {
            let st = panels.get(&p.id);
            let state = st.map(|s| s.state).unwrap_or(PanelState::Unknown);
            let value = st
                .and_then(|s| s.value)
                .map(|v| format::value(v, p.unit))
                .unwrap_or_else(|| "—".into());
            (p.title.clone(), state, value)
        })
        .collect()
}

fn runs(rb: &Runbook, kind: ActionKind, mode_note: Option<&str>) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(a) = rb.actions.get(kind) {
        if let Some(r) = &a.run {
            v.push(format!("$ {}", rb.redact(r)));
        }
        if let Some(w) = &a.webhook {
            v.push(format!("webhook {} {}", w.method, rb.redact(&w.url)));
        }
    }
    if v.is_empty() {
        v.push("(no command: the journal records it)".into());
    } else if let Some(n) = mode_note {
        v.push(n.to_string());
    }
    v
}

/// The values the command will see for the move (passed in the
/// environment, never spliced into the command text).
fn exposure_env(rb: &Runbook, from: Option<usize>, to: Option<usize>) -> String {
    let exp = |i: Option<usize>| i.and_then(|i| rb.stages.get(i)).map_or(0.0, |s| s.exposure);
    let stage = to
        .and_then(|i| rb.stages.get(i))
        .map_or("", |s| s.name.as_str());
    format!(
        "with WARROOM_STAGE={stage} WARROOM_EXPOSURE={} WARROOM_PREVIOUS_EXPOSURE={}",
        exp(to),
        exp(from)
    )
}

/// The preview for an expand or rollback command; `None` for other commands.
pub fn preview(
    rb: &Runbook,
    state: &State,
    panels: &PanelMap,
    operator: &str,
    cmd: &Command,
    rehearsal: bool,
    now: DateTime<Utc>,
) -> Option<Preview> {
    let note = rehearsal.then_some("(rehearsal: not executed)");
    // Who may act comes first: the same rule the session applies.
    let who: Vec<Refusal> = rules::may_command(rb, state, cmd, operator)
        .err()
        .map(|reason| Refusal {
            reason,
            overridable: false,
        })
        .into_iter()
        .collect();
    let (kind, title, stage_change, refusals, to) = match cmd {
        Command::Expand { override_reason } => {
            let next = state.stage.map(|i| i + 1).unwrap_or(0);
            let change = (next < rb.stages.len()).then(|| {
                format!(
                    "{} → {}",
                    stage_label(rb, state.stage),
                    stage_label(rb, Some(next))
                )
            });
            let title = match override_reason {
                Some(r) => format!("Expand (override: {r})"),
                None => "Expand".into(),
            };
            let refusals = match override_reason {
                // With an override only the hard refusals remain.
                Some(_) => rules::expand_refusals(rb, state, panels, now)
                    .into_iter()
                    .filter(|r| !r.overridable)
                    .collect(),
                None => rules::expand_refusals(rb, state, panels, now),
            };
            let to = (next < rb.stages.len()).then_some(next);
            (ActionKind::Expand, title, change, refusals, to)
        }
        Command::Rollback {
            reason,
            override_reason,
        } => {
            let change = format!("{} → not exposed 0%", stage_label(rb, state.stage));
            let refusals: Vec<Refusal> = rules::rollback_refusal(
                state,
                now,
                override_reason.as_deref(),
                rb.cutover.timezone,
            )
            .into_iter()
            .collect();
            (
                ActionKind::Rollback,
                format!("Roll back: {reason}"),
                Some(change),
                refusals,
                None,
            )
        }
        Command::Start { step } => {
            return start_preview(rb, state, panels, operator, step, rehearsal, now);
        }
        Command::Begin => return Some(begin_preview(rb, state, panels, who, now)),
        _ => return None,
    };
    let refusals: Vec<Refusal> = who.into_iter().chain(refusals).collect();
    let two_person = rb.actions.get(kind).filter(|a| a.two_person).map(|_| {
        match state.pending.iter().find(|p| p.action == kind) {
            Some(p) if p.requested_by != operator => {
                format!(
                    "two-person: confirms {}'s request ({})",
                    p.requested_by, p.reason
                )
            }
            Some(_) => "two-person: you asked; waiting for a different operator".into(),
            None => "two-person: this is a request; a different operator must confirm".into(),
        }
    });
    Some(Preview {
        title,
        runs: {
            let mut r = runs(rb, kind, note);
            if rb
                .actions
                .get(kind)
                .is_some_and(|a| a.run.is_some() || a.webhook.is_some())
            {
                r.insert(1.min(r.len()), exposure_env(rb, state.stage, to));
            }
            r
        },
        stage_change,
        evidence: evidence(rb, panels),
        overridable: refusals.iter().all(|r| r.overridable),
        refusals: refusals.into_iter().map(|r| r.reason).collect(),
        two_person,
        notes: Vec::new(),
    })
}

/// Beginning a live cutover: what it starts under (every gate's status
/// and the first stage an expand will reach), and where the point of no
/// return is. Nothing runs; exposure stays 0 % until the first expand.
fn begin_preview(
    rb: &Runbook,
    state: &State,
    panels: &PanelMap,
    who: Vec<Refusal>,
    now: DateTime<Utc>,
) -> Preview {
    let mut refusals: Vec<String> = who.into_iter().map(|r| r.reason).collect();
    if state.status != crate::session::state::Status::Ready {
        refusals.push("already started".into());
    }
    let gates = rb
        .gates
        .iter()
        .map(|g| {
            let st = rules::gate_status_of(rb, state, &g.id, panels, now);
            format!("{} {}", g.id, st.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut notes = vec![format!(
        "Gates      {}",
        if gates.is_empty() { "none" } else { &gates }
    )];
    notes.push(format!(
        "First      {} (on the first expand)",
        stage_label(rb, rb.stages.first().map(|_| 0))
    ));
    if let Some(step) = rb.point_of_no_return() {
        notes.push(format!(
            "No return  at step {}: once it starts, rollback is refused",
            step.id
        ));
    }
    Preview {
        title: format!("Begin the LIVE cutover {}", rb.cutover.id),
        runs: vec!["(nothing runs: the clock and the rollback deadline start)".into()],
        stage_change: None,
        evidence: evidence(rb, panels),
        overridable: refusals.is_empty(),
        refusals,
        two_person: None,
        notes,
    }
}

/// Starting a step that runs a command: show the command before `y`.
/// Steps without a command start at once (no preview).
fn start_preview(
    rb: &Runbook,
    state: &State,
    panels: &PanelMap,
    operator: &str,
    step: &str,
    rehearsal: bool,
    now: DateTime<Utc>,
) -> Option<Preview> {
    let idx = rb.steps.iter().position(|s| s.id == step)?;
    let spec = &rb.steps[idx];
    let run = spec.run.as_ref()?;
    let mut runs = vec![format!(
        "$ {} (timeout {})",
        rb.redact(run),
        crate::timefmt::rounded(spec.timeout)
    )];
    if rehearsal {
        runs.push("(rehearsal: not executed)".into());
    }
    let refusals: Vec<String> = rules::may_act_on_step(rb, state, idx, operator)
        .and_then(|()| rules::may_start(rb, state, idx, panels, now))
        .err()
        .into_iter()
        .collect();
    let notes = if spec.irreversible {
        vec![
            "POINT OF NO RETURN: once this step starts, rollback is refused on every path (keys, :rollback, --override, guards)".into(),
        ]
    } else {
        Vec::new()
    };
    Some(Preview {
        title: format!("Start {}: {}", spec.id, spec.title),
        runs,
        stage_change: None,
        evidence: evidence(rb, panels),
        overridable: refusals.is_empty(),
        refusals,
        two_person: None,
        notes,
    })
}
