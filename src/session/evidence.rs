//! Evidence: what every panel said at the moment of a decision.

use super::event::{Evidence, EvidenceEntry};
use crate::health::PanelMap;

/// One entry per panel: its state and raw value (`None` without a value).
pub fn evidence(panels: &PanelMap) -> Evidence {
    panels
        .iter()
        .map(|(id, p)| {
            (
                id.clone(),
                EvidenceEntry {
                    state: p.state,
                    value: p.value.filter(|v| v.is_finite()),
                    sampled_at: p.last_poll,
                },
            )
        })
        .collect()
}
