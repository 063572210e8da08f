//! A stage's analysis in the Argo Rollouts sense: `count` measurements
//! spread evenly over the bake (measurement k of n at entry + bake·k/n),
//! each comparing every `compare` panel over the samples from the stage's
//! entry to then (cumulative, as Kayenta's intervals are); a measurement
//! is the worst of its panels. The verdict:
//!
//! - more failed measurements than `failure_limit`: fail, at once (no need
//!   to wait for the rest of the bake);
//! - more inconclusive ones than `inconclusive_limit`: inconclusive, at once;
//! - all `count` taken within the limits: pass (at the end of the bake).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::compare::{Compare, PanelComparison, Verdict, compare};
use super::samples::SampleLog;

/// A stage's `analysis = { ... }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageAnalysis {
    /// Measurements over the bake; at least 1 (default 1).
    pub count: u32,
    /// Failed measurements tolerated (default 0).
    pub failure_limit: u32,
    /// Inconclusive measurements tolerated (default 0).
    pub inconclusive_limit: u32,
}

impl Default for StageAnalysis {
    fn default() -> Self {
        StageAnalysis {
            count: 1,
            failure_limit: 0,
            inconclusive_limit: 0,
        }
    }
}

/// When measurement `k` (1-based) of a stage entered at `entered` is due.
pub fn due_at(
    spec: &StageAnalysis,
    bake: Duration,
    entered: DateTime<Utc>,
    k: u32,
) -> DateTime<Utc> {
    let n = spec.count.max(1);
    let part = bake.mul_f64(f64::from(k.min(n)) / f64::from(n));
    entered + chrono::Duration::from_std(part).unwrap_or(chrono::Duration::MAX)
}

/// One measurement over `[from, to]`: every compared panel, and the worst.
pub fn measure(
    panels: &[(&str, &Compare)],
    samples: &SampleLog,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (Verdict, BTreeMap<String, PanelComparison>) {
    let mut worst = Verdict::Pass;
    let mut out = BTreeMap::new();
    for (id, cfg) in panels {
        let (canary, baseline) = samples.window(id, from, to);
        let c = compare(cfg, &canary, &baseline);
        worst = worst.worst(c.verdict);
        out.insert((*id).to_string(), c);
    }
    (worst, out)
}

/// The verdict from the measurements taken so far, or `None` while it is
/// still open; with its reason in words.
pub fn verdict(spec: &StageAnalysis, results: &[Verdict]) -> Option<(Verdict, String)> {
    let n = |v: Verdict| results.iter().filter(|r| **r == v).count() as u32;
    let (failed, inconclusive, passed) =
        (n(Verdict::Fail), n(Verdict::Inconclusive), n(Verdict::Pass));
    let of = spec.count.max(1);
    let tally = format!(
        "{passed} passed, {failed} failed, {inconclusive} inconclusive of {}/{of} measurements",
        results.len()
    );
    if failed > spec.failure_limit {
        return Some((
            Verdict::Fail,
            format!(
                "{tally}: more failed than failure_limit {}",
                spec.failure_limit
            ),
        ));
    }
    if inconclusive > spec.inconclusive_limit {
        return Some((
            Verdict::Inconclusive,
            format!(
                "{tally}: more inconclusive than inconclusive_limit {}",
                spec.inconclusive_limit
            ),
        ));
    }
    (results.len() as u32 >= of).then(|| (Verdict::Pass, format!("{tally}: within the limits")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn verdicts_in_the_argo_sense_by_table() {
        let spec = |count, failure_limit, inconclusive_limit| StageAnalysis {
            count,
            failure_limit,
            inconclusive_limit,
        };
        // (spec, measurements so far, verdict)
        let table: &[(StageAnalysis, &[Verdict], Option<Verdict>)] = &[
            (spec(3, 0, 0), &[], None),
            (spec(3, 0, 0), &[Pass, Pass], None),
            (spec(3, 0, 0), &[Pass, Pass, Pass], Some(Pass)),
            (spec(3, 0, 0), &[Fail], Some(Fail)),
            (spec(3, 1, 0), &[Fail], None),
            (spec(3, 1, 0), &[Fail, Pass, Pass], Some(Pass)),
            (spec(3, 1, 0), &[Fail, Fail], Some(Fail)),
            (spec(3, 0, 0), &[Pass, Inconclusive], Some(Inconclusive)),
            (spec(3, 0, 1), &[Pass, Inconclusive, Pass], Some(Pass)),
            (
                spec(3, 0, 1),
                &[Inconclusive, Inconclusive],
                Some(Inconclusive),
            ),
            // Failure is judged before inconclusive.
            (spec(2, 0, 0), &[Inconclusive, Fail], Some(Fail)),
        ];
        for (s, results, want) in table {
            let got = verdict(s, results).map(|(v, _)| v);
            assert_eq!(got, *want, "{s:?} {results:?}");
        }
        let (_, why) = verdict(&spec(3, 0, 0), &[Pass, Inconclusive]).unwrap();
        assert_eq!(
            why,
            "1 passed, 0 failed, 1 inconclusive of 2/3 measurements: more inconclusive than inconclusive_limit 0"
        );
    }

    #[test]
    fn measurements_are_spread_over_the_bake() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let spec = StageAnalysis {
            count: 3,
            ..StageAnalysis::default()
        };
        let bake = Duration::from_secs(90);
        let secs: Vec<i64> = (1..=3)
            .map(|k| (due_at(&spec, bake, t0, k) - t0).num_seconds())
            .collect();
        assert_eq!(secs, [30, 60, 90]);
    }
}
