//! What the conductor decides by itself about the canary analysis, after
//! each poll round (pure: the state, the panels, the samples and the time
//! in; events out, decided inside the journal's write transaction):
//!
//! 1. A measurement that is due is taken (`analysis_measured`) and, once
//!    the verdict is in, journaled (`analysis_verdict`) with the evidence.
//! 2. A verdict that is not a pass on a stage with `advance = "auto"`
//!    pauses a RUNNING cutover and says why (`paused`, trigger
//!    `analysis`): a person decides.
//! 3. A passing verdict on such a stage, with every expand rule satisfied
//!    (the next stage's gate GO, no guard holding, not paused, ...),
//!    announces the expand with its countdown (`auto_expand_announced`).
//!    While the rules refuse, it waits (nothing is journaled).
//! 4. At the end of the countdown the expand goes through the same rules:
//!    `expanded` with `automatic = true` and the evidence, or
//!    `auto_expand_stopped` with the refusal (a person expands then).
//!
//! Any operator stops a countdown with `hold` (`decide`); a pause or a
//! rollback stops it too (`canary::Canary::fold`).

/// How late after its countdown an automatic expand may still run: a
/// takeover (lease 3 s) plus a slow poll round. Later than that, nobody
/// was watching when it came due, and it is stopped instead.
pub const COUNTDOWN_GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(15);

use chrono::{DateTime, Utc};

use super::canary::AutoExpand;
use super::event::{EventBody, Trigger};
use super::evidence::evidence;
use super::rules;
use super::state::{State, Status};
use crate::analysis::{SampleLog, Verdict, stage as analysis};
use crate::health::PanelMap;
use crate::runbook::model::{Advance, Runbook};

pub fn conduct(
    runbook: &Runbook,
    state: &State,
    panels: &PanelMap,
    samples: &SampleLog,
    now: DateTime<Utc>,
) -> Vec<EventBody> {
    if !matches!(state.status, Status::Running | Status::Paused) {
        return Vec::new();
    }
    let (Some(idx), Some(entered)) = (state.stage, state.stage_entered_at) else {
        return Vec::new();
    };
    let Some(stage) = runbook.stages.get(idx) else {
        return Vec::new();
    };
    let Some(spec) = stage.analysis.as_ref() else {
        return Vec::new();
    };
    let canary = &state.canary;
    let Some(verdict) = &canary.verdict else {
        return measure(runbook, state, panels, samples, now, entered);
    };
    if stage.advance != Advance::Auto || verdict.verdict != Verdict::Pass {
        return Vec::new();
    }
    let _ = spec;
    let Some(next) = runbook.stages.get(idx + 1) else {
        return Vec::new();
    };
    // A pause or rollback asked for and waiting for its second person: the
    // way back is under way, nothing goes forward by itself meanwhile.
    let way_back_asked = state.pending.iter().any(|p| {
        matches!(
            p.action,
            crate::runbook::model::ActionKind::Pause | crate::runbook::model::ActionKind::Rollback
        )
    });
    match &canary.auto {
        AutoExpand::Stopped { .. } => Vec::new(),
        AutoExpand::Idle if way_back_asked => Vec::new(),
        AutoExpand::Announced { .. } if way_back_asked => vec![EventBody::AutoExpandStopped {
            to_stage: next.name.clone(),
            reason: "a pause or rollback is asked for and waits for its second person".into(),
        }],
        // The countdown ran out while no console conducted (all quit, the
        // conductor frozen): nobody watched it end, so a person decides.
        AutoExpand::Announced { expand_at, .. } if now - *expand_at > COUNTDOWN_GRACE => {
            vec![EventBody::AutoExpandStopped {
                to_stage: next.name.clone(),
                reason: format!(
                    "the countdown ended {} ago while no console conducted: expand by hand",
                    crate::timefmt::rounded_delta(now - *expand_at)
                ),
            }]
        }
        AutoExpand::Idle => {
            if !rules::expand_refusals(runbook, state, panels, now).is_empty() {
                return Vec::new();
            }
            let countdown = chrono::Duration::from_std(stage.auto_countdown)
                .unwrap_or(chrono::Duration::zero());
            vec![EventBody::AutoExpandAnnounced {
                from_stage: stage.name.clone(),
                to_stage: next.name.clone(),
                expand_at: now + countdown,
                reason: format!(
                    "analysis of stage {} passed: {}",
                    stage.name, verdict.reason
                ),
            }]
        }
        AutoExpand::Announced { expand_at, .. } if now >= *expand_at => {
            let refusals = rules::expand_refusals(runbook, state, panels, now);
            if refusals.is_empty() {
                vec![EventBody::Expanded {
                    from_stage: Some(stage.name.clone()),
                    to_stage: next.name.clone(),
                    exposure: next.exposure,
                    override_reason: None,
                    evidence: evidence(panels),
                    automatic: true,
                }]
            } else {
                let why: Vec<&str> = refusals.iter().map(|r| r.reason.as_str()).collect();
                vec![EventBody::AutoExpandStopped {
                    to_stage: next.name.clone(),
                    reason: format!(
                        "expand refused at the end of the countdown: {}",
                        why.join("; ")
                    ),
                }]
            }
        }
        AutoExpand::Announced { .. } => Vec::new(),
    }
}

/// Take the next measurement when it is due; with it the verdict once it
/// is in, and the pause a stage that advances by itself needs when it is
/// not a pass.
fn measure(
    runbook: &Runbook,
    state: &State,
    panels: &PanelMap,
    samples: &SampleLog,
    now: DateTime<Utc>,
    entered: DateTime<Utc>,
) -> Vec<EventBody> {
    let Some(stage) = state.stage.and_then(|i| runbook.stages.get(i)) else {
        return Vec::new();
    };
    let Some(spec) = stage.analysis.as_ref() else {
        return Vec::new();
    };
    let taken = state.canary.measurements.len() as u32;
    let k = taken + 1;
    if k > spec.count.max(1) || now < analysis::due_at(spec, stage.bake, entered, k) {
        return Vec::new();
    }
    let (result, comparisons) =
        analysis::measure(&runbook.compared_panels(), samples, entered, now);
    let mut out = vec![EventBody::AnalysisMeasured {
        stage: stage.name.clone(),
        measurement: k,
        count: spec.count,
        result,
        panels: comparisons.clone(),
    }];
    // The evidence of what follows carries this measurement's numbers.
    let mut judged = evidence(panels);
    for (id, e) in judged.iter_mut() {
        e.analysis = comparisons.get(id).cloned();
    }
    let mut results = state.canary.measurements.clone();
    results.push(result);
    let Some((verdict, reason)) = analysis::verdict(spec, &results) else {
        return out;
    };
    out.push(EventBody::AnalysisVerdict {
        stage: stage.name.clone(),
        verdict,
        reason: reason.clone(),
        panels: comparisons.clone(),
        evidence: judged.clone(),
    });
    if verdict != Verdict::Pass && stage.advance == Advance::Auto && state.status == Status::Running
    {
        let worst: Vec<String> = comparisons
            .iter()
            .filter(|(_, c)| c.verdict == verdict)
            .map(|(id, c)| format!("{id}: {}", c.why))
            .collect();
        out.push(EventBody::Paused {
            reason: format!(
                "analysis of stage {} is {} ({reason}; {}): a person decides",
                stage.name,
                verdict.as_str(),
                worst.join("; ")
            ),
            trigger: Trigger::Analysis,
            evidence: judged,
            recorded_late: None,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]
#[path = "auto_tests.rs"]
mod tests;
