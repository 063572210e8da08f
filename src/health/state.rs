//! The words a panel can show. Only `Ok` is green.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PanelState {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "FAIL")]
    Fail,
    /// No good sample for `stale_after` intervals.
    #[serde(rename = "STALE")]
    Stale,
    /// The last poll failed; the error text is kept beside it.
    #[serde(rename = "ERROR")]
    Error,
    /// No poll yet.
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

impl PanelState {
    pub fn as_str(self) -> &'static str {
        match self {
            PanelState::Ok => "OK",
            PanelState::Warn => "WARN",
            PanelState::Fail => "FAIL",
            PanelState::Stale => "STALE",
            PanelState::Error => "ERROR",
            PanelState::Unknown => "UNKNOWN",
        }
    }
}

impl PanelState {
    /// The state named `s` as `as_str` writes it.
    pub fn parse(s: &str) -> Option<PanelState> {
        [
            PanelState::Ok,
            PanelState::Warn,
            PanelState::Fail,
            PanelState::Stale,
            PanelState::Error,
            PanelState::Unknown,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for PanelState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
