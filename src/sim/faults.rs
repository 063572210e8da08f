//! The faults a demo user can inject, and what each does to the service.
//! Pure: the simulation reads these flags on every tick.

use serde::Serialize;

/// One injection, as named in `POST /faults/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The canary build starts failing: its error ratio jumps from ~0.2 %
    /// to ~8 %, so every extra percent exposed adds errors overall.
    ErrorSpike,
    /// The canary build gets slow: p99 ~0.12 s → ~1.2 s.
    Latency,
    /// The service dies: `/metrics` and `/healthz` answer 503, so panels
    /// reading them show ERROR (never a stale green).
    Dead,
    /// Dual writes diverge: reconciliation mismatches grow while any
    /// traffic is exposed to the new build.
    Mismatch,
    /// The stable track's p99 drops out of `/metrics` (its scrape target
    /// was lost): the latency panel has no baseline, so the canary
    /// analysis gets no samples to compare and turns inconclusive (too few
    /// samples) instead of passing on nothing.
    BaselineGap,
    /// Remove every fault; the reconciler repairs the mismatches.
    Clear,
}

impl Fault {
    pub const NAMES: [&'static str; 6] = [
        "error-spike",
        "latency",
        "dead",
        "mismatch",
        "baseline-gap",
        "clear",
    ];

    pub fn parse(name: &str) -> Option<Fault> {
        match name {
            "error-spike" => Some(Fault::ErrorSpike),
            "latency" => Some(Fault::Latency),
            "dead" => Some(Fault::Dead),
            "mismatch" => Some(Fault::Mismatch),
            "baseline-gap" => Some(Fault::BaselineGap),
            "clear" => Some(Fault::Clear),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::ErrorSpike => "error-spike",
            Fault::Latency => "latency",
            Fault::Dead => "dead",
            Fault::Mismatch => "mismatch",
            Fault::BaselineGap => "baseline-gap",
            Fault::Clear => "clear",
        }
    }
}

/// The faults active now; several may be on at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    pub error_spike: bool,
    pub latency: bool,
    pub dead: bool,
    pub mismatch: bool,
    pub baseline_gap: bool,
}

impl Faults {
    /// The faults after injecting `f` (injections add up; `clear` resets).
    pub fn with(self, f: Fault) -> Faults {
        let mut out = self;
        match f {
            Fault::ErrorSpike => out.error_spike = true,
            Fault::Latency => out.latency = true,
            Fault::Dead => out.dead = true,
            Fault::Mismatch => out.mismatch = true,
            Fault::BaselineGap => out.baseline_gap = true,
            Fault::Clear => out = Faults::default(),
        }
        out
    }

    /// Names of the active faults, for `/flags` and the demo's header.
    pub fn active(self) -> Vec<&'static str> {
        [
            (self.error_spike, "error-spike"),
            (self.latency, "latency"),
            (self.dead, "dead"),
            (self.mismatch, "mismatch"),
            (self.baseline_gap, "baseline-gap"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in Fault::NAMES {
            assert_eq!(Fault::parse(n).unwrap().name(), n);
        }
        assert_eq!(Fault::parse("meteor"), None);
    }

    #[test]
    fn injections_add_up_and_clear_resets() {
        let f = Faults::default().with(Fault::ErrorSpike).with(Fault::Dead);
        assert_eq!(f.active(), vec!["error-spike", "dead"]);
        assert_eq!(f.with(Fault::Clear), Faults::default());
    }
}
