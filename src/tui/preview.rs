//! What an expand or rollback will do, computed before the operator says
//! `y`: the command, the stage change, the evidence and any refusal. Pure.
//!
//! The refusal rules mirror `runbook-format.md` so the modal can say why
//! before anything is journaled; the session re-checks them inside its
//! write transaction and is the authority (its verdict is what is shown
//! after `y`).

use chrono::{DateTime, Utc};

use super::format;
use crate::health::{PanelMap, PanelState};
use crate::runbook::model::{ActionKind, GuardWhen, Runbook};
use crate::session::command::Command;
use crate::session::state::{GateStatus, State, Status};

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
    /// Two-person: who asked, or that this is the first half.
    pub two_person: Option<String>,
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

/// Guards whose condition holds right now: they block an expand.
pub fn guards_holding(rb: &Runbook, panels: &PanelMap) -> Vec<String> {
    rb.guards
        .iter()
        .filter_map(|g| {
            let st = panels.get(&g.panel)?.state;
            let holds = match g.when {
                GuardWhen::Fail => matches!(st, PanelState::Fail),
                GuardWhen::Warn => matches!(st, PanelState::Warn | PanelState::Fail),
                GuardWhen::Stale => matches!(st, PanelState::Stale | PanelState::Error),
            };
            holds.then(|| format!("guard on `{}` holds ({})", g.panel, st.as_str()))
        })
        .collect()
}

pub fn expand_refusals(
    rb: &Runbook,
    state: &State,
    panels: &PanelMap,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut out = Vec::new();
    match state.status {
        Status::Running => {}
        Status::Paused => out.push("paused: resume first".into()),
        s => out.push(format!("cutover is {}", s.as_str())),
    }
    let next = state.stage.map(|i| i + 1).unwrap_or(0);
    let Some(next_stage) = rb.stages.get(next) else {
        out.push("already at the last stage".into());
        return out;
    };
    if let (Some(cur), Some(entered)) = (
        state.stage.and_then(|i| rb.stages.get(i)),
        state.stage_entered_at,
    ) {
        let bake = chrono::TimeDelta::from_std(cur.bake).unwrap_or_default();
        let left = entered + bake - now;
        if left > chrono::TimeDelta::zero() {
            out.push(format!("bake: {} left", format::short_delta(left)));
        }
    }
    if let Some(gid) = &next_stage.gate {
        let status = state
            .gates
            .iter()
            .find(|g| &g.id == gid)
            .map(|g| g.status)
            .unwrap_or(GateStatus::Open);
        if status != GateStatus::Go {
            out.push(format!("gate `{gid}` is {}", status.as_str()));
        }
    }
    out.extend(guards_holding(rb, panels));
    out
}

pub fn rollback_refusals(state: &State, now: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    match state.status {
        Status::Running | Status::Paused => {}
        Status::RolledBack if state.rollback_failed => {}
        s => out.push(format!("cutover is {}", s.as_str())),
    }
    if let Some(d) = state.rollback_deadline
        && now > d
    {
        out.push(format!(
            "rollback deadline passed at {} UTC",
            format::hhmm(d)
        ));
    }
    out
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
    let (kind, title, stage_change, refusals) = match cmd {
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
            let refusals = if override_reason.is_some() {
                vec![]
            } else {
                expand_refusals(rb, state, panels, now)
            };
            (ActionKind::Expand, title, change, refusals)
        }
        Command::Rollback {
            reason,
            override_reason,
        } => {
            let change = format!("{} → not exposed 0%", stage_label(rb, state.stage));
            let refusals = if override_reason.is_some() {
                vec![]
            } else {
                rollback_refusals(state, now)
            };
            (
                ActionKind::Rollback,
                format!("Roll back: {reason}"),
                Some(change),
                refusals,
            )
        }
        _ => return None,
    };
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
        runs: runs(rb, kind, note),
        stage_change,
        evidence: evidence(rb, panels),
        refusals,
        two_person,
    })
}
