//! How long the loop was busy: each frame, from the message that woke the
//! loop to the flushed screen, and each wake, drawn or not (a batch of
//! panel statuses held back by the pacer still runs guards, and keys wait
//! behind it). Kept as fixed histograms so a week-long session costs the
//! same 4 KiB each as a minute. Written at exit only when
//! `WARROOM_FRAME_STATS` names a file: `scripts/measure.sh` reads it to
//! check "no frame over 16 ms"; nobody else pays more than two clock reads.

use std::path::PathBuf;
use std::time::Duration;

/// The environment variable naming the file the summary is written to.
pub const ENV: &str = "WARROOM_FRAME_STATS";

/// Bucket width: 50 µs; 1000 buckets reach 50 ms, beyond which `max` tells.
const BUCKET_US: u64 = 50;
const BUCKETS: usize = 1000;

pub struct FrameStats {
    /// What is counted: `frames` or `wakes`.
    label: &'static str,
    buckets: Box<[u32; BUCKETS]>,
    count: u64,
    max: Duration,
    over_16ms: u64,
}

impl FrameStats {
    pub fn new(label: &'static str) -> FrameStats {
        FrameStats {
            label,
            buckets: Box::new([0; BUCKETS]),
            count: 0,
            max: Duration::ZERO,
            over_16ms: 0,
        }
    }

    pub fn record(&mut self, took: Duration) {
        let i = (took.as_micros() as u64 / BUCKET_US).min(BUCKETS as u64 - 1) as usize;
        self.buckets[i] = self.buckets[i].saturating_add(1);
        self.count += 1;
        self.max = self.max.max(took);
        if took > Duration::from_millis(16) {
            self.over_16ms += 1;
        }
    }

    /// The upper edge of the bucket holding quantile `q` (0..=1); in the
    /// last bucket (50 ms and beyond) the longest seen, never less.
    pub fn quantile(&self, q: f64) -> Duration {
        let want = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += u64::from(*n);
            if seen >= want {
                if i == BUCKETS - 1 {
                    return self.max;
                }
                return Duration::from_micros((i as u64 + 1) * BUCKET_US).min(self.max);
            }
        }
        self.max
    }

    /// One line: `frames 1234 p50 0.35 ms p99 1.20 ms max 3.10 ms over16ms 0`.
    pub fn summary(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        format!(
            "{} {} p50 {:.2} ms p99 {:.2} ms max {:.2} ms over16ms {}",
            self.label,
            self.count,
            ms(self.quantile(0.5)),
            ms(self.quantile(0.99)),
            ms(self.max),
            self.over_16ms
        )
    }
}

/// Write one summary line per histogram where `WARROOM_FRAME_STATS` says,
/// if it says.
pub fn write_if_asked(stats: &[&FrameStats]) {
    if let Some(path) = std::env::var_os(ENV).map(PathBuf::from) {
        let text: String = stats.iter().map(|s| s.summary() + "\n").collect();
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!(
                "warroom: writing frame stats to {}: {e}",
                crate::untrusted::show_path(&path)
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_recorded_frames() {
        let mut s = FrameStats::new("frames");
        for _ in 0..98 {
            s.record(Duration::from_micros(120));
        }
        s.record(Duration::from_millis(5));
        s.record(Duration::from_millis(80));
        assert_eq!(s.quantile(0.5), Duration::from_micros(150));
        // 5 ms falls in the bucket [5.00, 5.05) ms: its upper edge is reported.
        assert_eq!(s.quantile(0.99), Duration::from_micros(5050));
        // Beyond the last bucket's 50 ms: the longest seen, not 50 ms.
        assert_eq!(s.quantile(1.0), Duration::from_millis(80));
        assert_eq!(
            s.summary(),
            "frames 100 p50 0.15 ms p99 5.05 ms max 80.00 ms over16ms 1"
        );
    }

    #[test]
    fn an_empty_session_reports_zero_frames() {
        assert_eq!(
            FrameStats::new("wakes").summary(),
            "wakes 0 p50 0.00 ms p99 0.00 ms max 0.00 ms over16ms 0"
        );
    }
}
