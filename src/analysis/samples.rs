//! The canary's and the baseline's samples per panel, as the stored
//! readings carry them (one pair per good poll), kept in time order so a
//! bake window can be read back.
//!
//! Fed by the session from every reading it folds (the stored ones at
//! open, the conductor's own rounds), so a console that takes over the
//! lease compares over the readings the journal still keeps (15 minutes:
//! `journal::conduct`), not only over what it polled itself.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::health::reading::Reading;

/// Pairs kept per panel: a day of 5 s polls is 17,280; a bake longer than
/// the journal keeps readings is compared over what is left anyway.
pub const KEEP: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub value: f64,
    pub baseline: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleLog {
    panels: BTreeMap<String, VecDeque<Sample>>,
}

impl SampleLog {
    /// Keep the reading's pair when it is a good sample of both sides: a
    /// new poll (its value is from the poll that produced it), with a
    /// finite value and baseline. A reading seen twice (same panel and
    /// time) is kept once.
    pub fn push(&mut self, r: &Reading) {
        let (Some(at), Some(value), Some(baseline)) = (r.sampled_at, r.value, r.baseline) else {
            return;
        };
        if r.last_good != Some(at) || !value.is_finite() || !baseline.is_finite() {
            return;
        }
        self.push_sample(
            &r.panel,
            Sample {
                at,
                value,
                baseline,
            },
        );
    }

    pub fn push_sample(&mut self, panel: &str, s: Sample) {
        let q = self.panels.entry(panel.to_string()).or_default();
        if q.back().is_some_and(|last| last.at >= s.at) {
            return;
        }
        if q.len() >= KEEP {
            q.pop_front();
        }
        q.push_back(s);
    }

    /// The canary's and the baseline's values sampled in `(from, to]`: a
    /// sample taken at the instant a stage was entered shows the exposure
    /// before it.
    pub fn window(
        &self,
        panel: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> (Vec<f64>, Vec<f64>) {
        self.panels
            .get(panel)
            .map(|q| {
                q.iter()
                    .filter(|s| s.at > from && s.at <= to)
                    .map(|s| (s.value, s.baseline))
                    .unzip()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::health::PanelState;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn reading(t: i64, value: Option<f64>, baseline: Option<f64>, good: bool) -> Reading {
        Reading {
            id: 0,
            panel: "p".into(),
            state: PanelState::Ok,
            value,
            baseline,
            error: None,
            sampled_at: Some(at(t)),
            state_since: Some(at(0)),
            last_good: Some(at(if good { t } else { 0 })),
        }
    }

    #[test]
    fn only_good_pairs_inside_the_window_are_read_back() {
        let mut log = SampleLog::default();
        log.push(&reading(1, Some(1.0), Some(0.5), true));
        log.push(&reading(2, Some(2.0), None, true)); // no baseline
        log.push(&reading(3, Some(3.0), Some(0.7), false)); // a stale tick
        log.push(&reading(4, Some(4.0), Some(0.9), true));
        log.push(&reading(4, Some(4.0), Some(0.9), true)); // seen again
        log.push(&reading(9, Some(9.0), Some(1.1), true));
        assert_eq!(
            log.window("p", at(0), at(4)),
            (vec![1.0, 4.0], vec![0.5, 0.9])
        );
        assert_eq!(log.window("p", at(1), at(4)), (vec![4.0], vec![0.9]));
        assert_eq!(log.window("q", at(0), at(9)), (vec![], vec![]));
    }
}
