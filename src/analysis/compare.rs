//! One panel's comparison over a window: the canary's samples against the
//! baseline's, judged pass, fail or inconclusive with the numbers.
//!
//! - Fewer than `min_samples` on either side: inconclusive (too few).
//! - p ≤ alpha and the effect is on the bad side (`worse`) and not small:
//!   fail.
//! - |effect| ≤ `small_effect`: pass, whatever p says (a difference too
//!   small to matter, or none).
//! - Otherwise: p ≤ alpha on the good side passes (the canary is better);
//!   p above alpha with an effect that is not small is inconclusive (the
//!   samples cannot tell yet).
//!
//! The effect is the rank-biserial correlation (from U): +1 when every
//! canary sample is above every baseline sample.

use serde::{Deserialize, Serialize};

use super::mann_whitney;

/// Which direction of the canary against the baseline is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Worse {
    Higher,
    Lower,
}

impl Worse {
    pub fn as_str(self) -> &'static str {
        match self {
            Worse::Higher => "higher",
            Worse::Lower => "lower",
        }
    }
}

/// A panel's `compare = { ... }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compare {
    pub worse: Worse,
    /// Significance level, in (0, 1); default 0.05.
    pub alpha: f64,
    /// Samples needed on each side; default 8.
    pub min_samples: u32,
    /// |rank-biserial| at or below this is no difference that matters;
    /// default 0.3.
    pub small_effect: f64,
}

pub const DEFAULT_ALPHA: f64 = 0.05;
pub const DEFAULT_MIN_SAMPLES: u32 = 8;
pub const DEFAULT_SMALL_EFFECT: f64 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
    /// The worse of two: fail, then inconclusive, then pass.
    pub fn worst(self, other: Verdict) -> Verdict {
        let rank = |v: Verdict| match v {
            Verdict::Pass => 0,
            Verdict::Inconclusive => 1,
            Verdict::Fail => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// One panel's comparison, as journaled in the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelComparison {
    pub verdict: Verdict,
    pub n_canary: u32,
    pub n_baseline: u32,
    /// Two-sided p-value (absent with too few samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// Rank-biserial correlation: positive when the canary runs higher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<f64>,
    /// Hodges-Lehmann shift canary − baseline, in the panel's raw unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<f64>,
    /// Why, in words: "p 0.002 at or below alpha 0.05, effect +0.92 on the
    /// bad side (canary higher is worse)".
    pub why: String,
}

impl PanelComparison {
    /// "FAIL p=0.002 r=+0.92 n=30/30": the panel's one-line summary.
    pub fn summary(&self) -> String {
        match (self.p, self.effect) {
            (Some(p), Some(r)) => format!(
                "{} p={} r={:+.2} n={}/{}",
                self.verdict.as_str(),
                fmt_p(p),
                r,
                self.n_canary,
                self.n_baseline
            ),
            _ => format!(
                "{} n={}/{}",
                self.verdict.as_str(),
                self.n_canary,
                self.n_baseline
            ),
        }
    }
}

/// p to three significant places, "<0.001" below.
pub fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// Judge the canary's samples against the baseline's.
pub fn compare(cfg: &Compare, canary: &[f64], baseline: &[f64]) -> PanelComparison {
    let (n1, n2) = (count(canary), count(baseline));
    let base = PanelComparison {
        verdict: Verdict::Inconclusive,
        n_canary: n1,
        n_baseline: n2,
        p: None,
        effect: None,
        shift: None,
        why: String::new(),
    };
    if n1 < cfg.min_samples || n2 < cfg.min_samples {
        return PanelComparison {
            why: format!(
                "too few samples: {n1} canary, {n2} baseline (needs {} each)",
                cfg.min_samples
            ),
            ..base
        };
    }
    let Some(mw) = mann_whitney::test(canary, baseline) else {
        return PanelComparison {
            why: "a sample is not a finite number".into(),
            ..base
        };
    };
    let r = mw.rank_biserial;
    let bad_side = match cfg.worse {
        Worse::Higher => r > 0.0,
        Worse::Lower => r < 0.0,
    };
    let small = r.abs() <= cfg.small_effect;
    let significant = mw.p <= cfg.alpha;
    let dir = format!("canary {} is worse", cfg.worse.as_str());
    let (verdict, why) = if significant && bad_side && !small {
        (
            Verdict::Fail,
            format!(
                "p {} at or below alpha {}, effect {r:+.2} on the bad side ({dir})",
                fmt_p(mw.p),
                cfg.alpha
            ),
        )
    } else if small {
        (
            Verdict::Pass,
            format!(
                "effect {r:+.2} within ±{} (p {})",
                cfg.small_effect,
                fmt_p(mw.p)
            ),
        )
    } else if significant {
        (
            Verdict::Pass,
            format!(
                "p {} at or below alpha {}, effect {r:+.2} on the good side ({dir})",
                fmt_p(mw.p),
                cfg.alpha
            ),
        )
    } else {
        (
            Verdict::Inconclusive,
            format!(
                "p {} above alpha {} but effect {r:+.2} is not small (beyond ±{})",
                fmt_p(mw.p),
                cfg.alpha,
                cfg.small_effect
            ),
        )
    };
    PanelComparison {
        verdict,
        p: Some(mw.p),
        effect: Some(r),
        shift: Some(mw.hodges_lehmann),
        why,
        ..base
    }
}

fn count(s: &[f64]) -> u32 {
    u32::try_from(s.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::type_complexity)]
mod tests {
    use super::*;

    const CFG: Compare = Compare {
        worse: Worse::Higher,
        alpha: 0.05,
        min_samples: 8,
        small_effect: 0.3,
    };

    #[test]
    fn verdicts_by_table() {
        let low = [1.0, 1.1, 0.9, 1.0, 1.2, 0.8, 1.0, 1.1];
        let high = [2.0, 2.1, 1.9, 2.0, 2.2, 1.8, 2.0, 2.1];
        let mixed = [1.0, 2.0, 1.1, 2.1, 0.9, 1.9, 1.0, 2.0];
        let lower = Compare {
            worse: Worse::Lower,
            ..CFG
        };
        let few = [1.0, 2.0, 3.0];
        // (config, canary, baseline, verdict, words in why)
        let table: &[(&Compare, &[f64], &[f64], Verdict, &str)] = &[
            (&CFG, &high, &low, Verdict::Fail, "bad side"),
            (&CFG, &low, &high, Verdict::Pass, "good side"),
            (&lower, &low, &high, Verdict::Fail, "canary lower is worse"),
            (&CFG, &low, &low, Verdict::Pass, "within ±0.3"),
            (
                &CFG,
                &few,
                &low,
                Verdict::Inconclusive,
                "too few samples: 3 canary",
            ),
            (&CFG, &mixed, &low, Verdict::Inconclusive, "is not small"),
        ];
        for (cfg, c, b, want, words) in table {
            let got = compare(cfg, c, b);
            assert_eq!(got.verdict, *want, "{c:?} vs {b:?}: {}", got.why);
            assert!(got.why.contains(words), "{}", got.why);
        }
    }

    #[test]
    fn the_summary_carries_the_numbers() {
        let c = compare(
            &CFG,
            &[2.0, 2.1, 1.9, 2.0, 2.2, 1.8, 2.0, 2.1],
            &[1.0, 1.1, 0.9, 1.0, 1.2, 0.8, 1.0, 1.1],
        );
        assert_eq!(c.summary(), "fail p=<0.001 r=+1.00 n=8/8");
        assert_eq!(c.shift, Some(1.0));
    }
}
