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
                    analysis: None,
                },
            )
        })
        .collect()
}

/// Add the current stage's canary comparisons (as journaled) to the
/// evidence of every decision in `bodies`, so a decision records what the
/// analysis said as well as what the panels did.
pub fn attach_analysis(bodies: &mut [super::event::EventBody], state: &super::state::State) {
    use super::event::EventBody as B;
    if state.canary.panels.is_empty() {
        return;
    }
    for b in bodies {
        let ev = match b {
            B::Signed { evidence, .. }
            | B::GateGo { evidence, .. }
            | B::Paused { evidence, .. }
            | B::Resumed { evidence, .. }
            | B::Expanded { evidence, .. }
            | B::RollbackStarted { evidence, .. }
            | B::GuardFired { evidence, .. } => evidence,
            _ => continue,
        };
        for (id, entry) in ev.iter_mut() {
            // A decision of the analysis itself carries its fresh numbers.
            if entry.analysis.is_none() {
                entry.analysis = state.canary.panels.get(id).cloned();
            }
        }
    }
}
