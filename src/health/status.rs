//! What the console shows for one panel: the evaluator's output.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::PanelState;

/// Recent values kept per panel for the sparkline.
pub const HISTORY: usize = 120;

#[derive(Debug, Clone, PartialEq)]
pub struct PanelStatus {
    pub id: String,
    pub state: PanelState,
    /// Raw unit; `None` when there is no good value.
    pub value: Option<f64>,
    /// The baseline's value when the panel has one.
    pub baseline: Option<f64>,
    /// Last error text (already redacted), kept for the detail view.
    pub error: Option<String>,
    /// Recent good values, oldest first, at most `HISTORY`.
    pub history: VecDeque<f64>,
    /// Value when the cutover started; the tile shows the delta against it.
    pub start_value: Option<f64>,
    /// When the panel entered its current state (guards and auto gate items).
    pub state_since: Option<DateTime<Utc>>,
    pub last_poll: Option<DateTime<Utc>>,
    pub last_good: Option<DateTime<Utc>>,
}

impl PanelStatus {
    pub fn unknown(id: &str) -> Self {
        PanelStatus {
            id: id.to_string(),
            state: PanelState::Unknown,
            value: None,
            baseline: None,
            error: None,
            history: VecDeque::new(),
            start_value: None,
            state_since: None,
            last_poll: None,
            last_good: None,
        }
    }
}

/// Every panel's latest status, keyed by panel id: what rules, guards and
/// evidence read.
pub type PanelMap = std::collections::BTreeMap<String, PanelStatus>;
