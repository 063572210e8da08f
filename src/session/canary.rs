//! The current stage's canary analysis as the journal says it is: its
//! measurements, verdict and the automatic expand's countdown. Folded by
//! `reduce` (pure); judged by `session::auto`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::event::EventBody;
use crate::analysis::{PanelComparison, Verdict};
use crate::runbook::model::Runbook;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Canary {
    /// The stage (index into `runbook.stages`) these belong to: the one
    /// the cutover is in.
    pub stage: Option<usize>,
    /// Each measurement's result, in order.
    pub measurements: Vec<Verdict>,
    /// The latest comparison of every compared panel (shown on the panel).
    pub panels: BTreeMap<String, PanelComparison>,
    pub verdict: Option<StageVerdict>,
    pub auto: AutoExpand,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageVerdict {
    pub verdict: Verdict,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The automatic expand of the current stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub enum AutoExpand {
    /// Nothing announced.
    #[default]
    Idle,
    /// It expands to `to_stage` at `expand_at` unless stopped.
    Announced {
        to_stage: String,
        expand_at: DateTime<Utc>,
    },
    /// Stopped by `by` (a person's `hold`, a pause, a rollback, or the
    /// conductor's rules at the end of the countdown): a person expands.
    Stopped { by: String, reason: String },
}

impl Canary {
    /// Fold one event (the stage index after it is `stage`).
    pub fn fold(
        &mut self,
        runbook: &Runbook,
        stage: Option<usize>,
        body: &EventBody,
        op: &str,
        at: DateTime<Utc>,
    ) {
        let named = |name: &str| runbook.stages.iter().position(|s| s.name == name);
        if self.stage != stage {
            // Another stage (an expand, a finished rollback): its own analysis.
            *self = Canary {
                stage,
                ..Canary::default()
            };
        }
        match body {
            EventBody::Expanded { .. } | EventBody::AttemptOpened { .. } => {
                *self = Canary {
                    stage,
                    ..Canary::default()
                };
            }
            EventBody::AnalysisMeasured {
                stage: s,
                result,
                panels,
                ..
            } if named(s) == stage && stage.is_some() => {
                self.stage = stage;
                self.measurements.push(*result);
                self.panels = panels.clone();
            }
            EventBody::AnalysisVerdict {
                stage: s,
                verdict,
                reason,
                panels,
                ..
            } if named(s) == stage && stage.is_some() => {
                self.stage = stage;
                self.panels = panels.clone();
                self.verdict = Some(StageVerdict {
                    verdict: *verdict,
                    reason: reason.clone(),
                    at,
                });
            }
            EventBody::AutoExpandAnnounced {
                to_stage,
                expand_at,
                ..
            } => {
                self.auto = AutoExpand::Announced {
                    to_stage: to_stage.clone(),
                    expand_at: *expand_at,
                };
            }
            EventBody::AutoExpandStopped { reason, .. } => {
                self.auto = AutoExpand::Stopped {
                    by: op.to_string(),
                    reason: reason.clone(),
                };
            }
            // The way back stops the countdown: nobody expects a pause or
            // a rollback to be followed by an expand nobody typed.
            EventBody::Paused { .. } | EventBody::RollbackStarted { .. }
                if matches!(self.auto, AutoExpand::Announced { .. }) =>
            {
                let what = if matches!(body, EventBody::Paused { .. }) {
                    "paused"
                } else {
                    "rollback started"
                };
                self.auto = AutoExpand::Stopped {
                    by: op.to_string(),
                    reason: what.to_string(),
                };
            }
            _ => {}
        }
    }

    /// The countdown, when one runs: where to and when.
    pub fn announced(&self) -> Option<(&str, DateTime<Utc>)> {
        match &self.auto {
            AutoExpand::Announced {
                to_stage,
                expand_at,
            } => Some((to_stage.as_str(), *expand_at)),
            _ => None,
        }
    }
}
