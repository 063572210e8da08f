//! The simulated service: a canary of a checkout/billing build beside the
//! stable one. Pure state and arithmetic; the server ticks it and renders it.
//!
//! Traffic is ~200 req/s split by exposure. Each track has an error ratio,
//! latency quantiles and counters that grow with simulated time. The faults
//! change the canary's parameters, so what a panel shows depends on how
//! much of the traffic a faulty build gets, as in a real canary.

use serde::Serialize;

use super::faults::{Fault, Faults};

/// Requests per second across both tracks.
pub const TRAFFIC: f64 = 200.0;
/// A healthy build's error ratio.
pub const BASE_ERROR_RATIO: f64 = 0.002;
/// The canary's error ratio under `error-spike`.
pub const SPIKE_ERROR_RATIO: f64 = 0.08;
/// Healthy latency quantiles, seconds.
pub const BASE_P50: f64 = 0.045;
pub const BASE_P99: f64 = 0.12;
/// The canary's latency under `latency`.
pub const SLOW_P50: f64 = 0.25;
pub const SLOW_P99: f64 = 1.2;
/// Invoices per successful request.
pub const INVOICES_PER_REQUEST: f64 = 0.2;
/// Relative noise on gauges (±).
const NOISE: f64 = 0.2;

/// xorshift64*: small, seeded, good enough for jitter.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// `base` ± `spread` (relative).
    pub fn jitter(&mut self, base: f64, spread: f64) -> f64 {
        base * (1.0 + spread * (2.0 * self.unit() - 1.0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    Canary,
    Stable,
}

impl Track {
    pub fn as_str(self) -> &'static str {
        match self {
            Track::Canary => "canary",
            Track::Stable => "stable",
        }
    }
}

/// The share of traffic the canary gets at `exposure` percent.
pub fn canary_share(exposure: f64) -> f64 {
    (exposure / 100.0).clamp(0.0, 1.0)
}

/// A track's error ratio before noise.
pub fn error_ratio(track: Track, faults: Faults) -> f64 {
    match (track, faults.error_spike) {
        (Track::Canary, true) => SPIKE_ERROR_RATIO,
        _ => BASE_ERROR_RATIO,
    }
}

/// A track's (p50, p99) latency in seconds before noise.
pub fn latency(track: Track, faults: Faults) -> (f64, f64) {
    match (track, faults.latency) {
        (Track::Canary, true) => (SLOW_P50, SLOW_P99),
        _ => (BASE_P50, BASE_P99),
    }
}

/// New reconciliation mismatches per second: only with the `mismatch`
/// fault and only while the new build gets traffic, more with more traffic.
pub fn mismatch_rate(faults: Faults, exposure: f64) -> f64 {
    if faults.mismatch && exposure > 0.0 {
        0.5 + 20.0 * canary_share(exposure)
    } else {
        0.0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackStats {
    /// Counters (monotonic).
    pub ok: f64,
    pub errors: f64,
    pub duration_sum: f64,
    /// Gauges (last tick).
    pub error_ratio: f64,
    pub p50: f64,
    pub p99: f64,
}

/// What `/flags` shows and the demo reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flags {
    pub exposure: f64,
    pub paused: bool,
    pub faults: Vec<&'static str>,
    /// Webhook calls received on `/hook`.
    pub hooks: u64,
    pub last_action: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Sim {
    pub exposure: f64,
    pub paused: bool,
    pub faults: Faults,
    pub canary: TrackStats,
    pub stable: TrackStats,
    pub invoices: f64,
    pub mismatches: f64,
    pub checked: f64,
    pub hooks: u64,
    pub last_action: Option<String>,
    rng: Rng,
}

impl Sim {
    pub fn new(seed: u64) -> Sim {
        let mut sim = Sim {
            exposure: 0.0,
            paused: false,
            faults: Faults::default(),
            canary: TrackStats::default(),
            stable: TrackStats::default(),
            invoices: 0.0,
            mismatches: 0.0,
            checked: 0.0,
            hooks: 0,
            last_action: None,
            rng: Rng::new(seed),
        };
        // Gauges hold values from the first scrape on.
        sim.tick(0.0);
        sim
    }

    /// Advance simulated time by `dt` seconds.
    pub fn tick(&mut self, dt: f64) {
        let share = canary_share(self.exposure);
        let faults = self.faults;
        let mut served_ok = 0.0;
        for (track, rps) in [
            (Track::Canary, TRAFFIC * share),
            (Track::Stable, TRAFFIC * (1.0 - share)),
        ] {
            let ratio = self.rng.jitter(error_ratio(track, faults), NOISE);
            let (p50, p99) = latency(track, faults);
            let (p50, p99) = (
                self.rng.jitter(p50, NOISE / 2.0),
                self.rng.jitter(p99, NOISE / 2.0),
            );
            let n = rps * dt;
            let stats = match track {
                Track::Canary => &mut self.canary,
                Track::Stable => &mut self.stable,
            };
            stats.error_ratio = ratio;
            stats.p50 = p50;
            stats.p99 = p99;
            stats.ok += n * (1.0 - ratio);
            stats.errors += n * ratio;
            stats.duration_sum += n * p50;
            served_ok += n * (1.0 - ratio);
        }
        let new_invoices = served_ok * self.rng.jitter(INVOICES_PER_REQUEST, NOISE);
        self.invoices += new_invoices;
        self.checked += new_invoices;
        self.mismatches += mismatch_rate(faults, self.exposure) * dt;
    }

    /// Apply a webhook from warroom's actions (`/hook`). Returns whether the
    /// action was one the flag service knows; others (step commands,
    /// notifications) are accepted and ignored.
    pub fn apply_hook(&mut self, action: &str, exposure: Option<f64>) -> bool {
        self.hooks += 1;
        self.last_action = Some(action.to_string());
        match action {
            "expand" => {
                if let Some(e) = exposure.filter(|e| e.is_finite()) {
                    self.exposure = e.clamp(0.0, 100.0);
                }
                self.paused = false;
            }
            "pause" => self.paused = true,
            "resume" => self.paused = false,
            "rollback" => {
                self.exposure = 0.0;
                self.paused = false;
            }
            _ => return false,
        }
        true
    }

    pub fn inject(&mut self, f: Fault) {
        self.faults = self.faults.with(f);
        if f == Fault::Clear {
            self.mismatches = 0.0;
        }
    }

    pub fn flags(&self) -> Flags {
        Flags {
            exposure: self.exposure,
            paused: self.paused,
            faults: self.faults.active(),
            hooks: self.hooks,
            last_action: self.last_action.clone(),
        }
    }

    /// `/reconcile`: `{"mismatches": N, "checked": M}`.
    pub fn reconcile_json(&self) -> serde_json::Value {
        serde_json::json!({
            "mismatches": self.mismatches.floor() as u64,
            "checked": self.checked.floor() as u64,
        })
    }

    /// `/metrics`: Prometheus text exposition (version 0.0.4).
    pub fn render_metrics(&self) -> String {
        use std::fmt::Write as _;
        let tracks = [(Track::Canary, &self.canary), (Track::Stable, &self.stable)];
        let mut out = String::with_capacity(2048);
        let _ = writeln!(
            out,
            "# HELP http_requests_total Requests served, by track and status code."
        );
        let _ = writeln!(out, "# TYPE http_requests_total counter");
        for (t, s) in tracks {
            for (code, v) in [("200", s.ok), ("500", s.errors)] {
                let _ = writeln!(
                    out,
                    "http_requests_total{{track=\"{}\",code=\"{code}\"}} {}",
                    t.as_str(),
                    v.floor() as u64
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds Request latency, by track."
        );
        let _ = writeln!(out, "# TYPE http_request_duration_seconds summary");
        for (t, s) in tracks {
            let name = t.as_str();
            let _ = writeln!(
                out,
                "http_request_duration_seconds{{track=\"{name}\",quantile=\"0.5\"}} {:.4}",
                s.p50
            );
            // `baseline-gap`: the stable track's p99 is missing.
            if !(t == Track::Stable && self.faults.baseline_gap) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds{{track=\"{name}\",quantile=\"0.99\"}} {:.4}",
                    s.p99
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{track=\"{name}\"}} {:.3}",
                s.duration_sum
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{track=\"{name}\"}} {}",
                (s.ok + s.errors).floor() as u64
            );
        }
        let _ = writeln!(
            out,
            "# HELP billing_error_ratio Share of billing requests failing now, by track."
        );
        let _ = writeln!(out, "# TYPE billing_error_ratio gauge");
        for (t, s) in tracks {
            let _ = writeln!(
                out,
                "billing_error_ratio{{track=\"{}\"}} {:.5}",
                t.as_str(),
                s.error_ratio
            );
        }
        let _ = writeln!(out, "# HELP billing_invoices_total Invoices issued.");
        let _ = writeln!(out, "# TYPE billing_invoices_total counter");
        let _ = writeln!(
            out,
            "billing_invoices_total {}",
            self.invoices.floor() as u64
        );
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn run(sim: &mut Sim, seconds: u32) {
        for _ in 0..seconds * 4 {
            sim.tick(0.25);
        }
    }

    #[test]
    fn rng_is_seeded_and_in_range() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..1000 {
            let u = a.unit();
            assert!((0.0..1.0).contains(&u));
            assert_eq!(u, b.unit());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn traffic_splits_by_exposure() {
        let mut sim = Sim::new(1);
        sim.apply_hook("expand", Some(25.0));
        run(&mut sim, 10);
        let canary = sim.canary.ok + sim.canary.errors;
        let stable = sim.stable.ok + sim.stable.errors;
        assert!((canary - 500.0).abs() < 1.0, "canary {canary}");
        assert!((stable - 1500.0).abs() < 1.0, "stable {stable}");
    }

    #[test]
    fn no_exposure_means_no_canary_traffic() {
        let mut sim = Sim::new(1);
        sim.inject(Fault::ErrorSpike);
        run(&mut sim, 10);
        assert_eq!(sim.canary.ok + sim.canary.errors, 0.0);
    }

    #[test]
    fn a_faulty_build_hurts_more_the_more_it_is_exposed() {
        let errors_at = |exposure: f64| {
            let mut sim = Sim::new(3);
            sim.inject(Fault::ErrorSpike);
            sim.apply_hook("expand", Some(exposure));
            run(&mut sim, 30);
            sim.canary.errors + sim.stable.errors
        };
        let (e1, e5, e25) = (errors_at(1.0), errors_at(5.0), errors_at(25.0));
        assert!(e1 < e5 && e5 < e25, "{e1} {e5} {e25}");
        let mut sim = Sim::new(3);
        sim.inject(Fault::ErrorSpike);
        run(&mut sim, 1);
        assert!(
            sim.canary.error_ratio > 0.05,
            "canary gauge {}",
            sim.canary.error_ratio
        );
        assert!(
            sim.stable.error_ratio < 0.01,
            "stable gauge {}",
            sim.stable.error_ratio
        );
    }

    #[test]
    fn latency_fault_slows_only_the_canary() {
        let mut sim = Sim::new(5);
        sim.inject(Fault::Latency);
        sim.tick(0.25);
        assert!(sim.canary.p99 > 0.9, "{}", sim.canary.p99);
        assert!(sim.stable.p99 < 0.2, "{}", sim.stable.p99);
    }

    #[test]
    fn mismatches_grow_only_with_the_fault_and_exposure_and_clear_repairs() {
        let mut sim = Sim::new(9);
        sim.inject(Fault::Mismatch);
        run(&mut sim, 5);
        assert_eq!(sim.mismatches, 0.0, "no exposure, no mismatch");
        sim.apply_hook("expand", Some(5.0));
        run(&mut sim, 5);
        assert!(sim.mismatches >= 1.0);
        sim.inject(Fault::Clear);
        run(&mut sim, 5);
        assert_eq!(sim.reconcile_json()["mismatches"], 0);
    }

    #[test]
    fn hooks_drive_the_flag() {
        let mut sim = Sim::new(1);
        assert!(sim.apply_hook("expand", Some(5.0)));
        assert!(sim.apply_hook("pause", None));
        assert_eq!((sim.exposure, sim.paused), (5.0, true));
        assert!(sim.apply_hook("resume", None));
        assert!(!sim.paused);
        assert!(sim.apply_hook("rollback", Some(5.0)));
        assert_eq!(sim.exposure, 0.0);
        assert!(!sim.apply_hook("step:freeze", None));
        assert_eq!(sim.flags().hooks, 5);
        assert_eq!(sim.flags().last_action.as_deref(), Some("step:freeze"));
    }

    #[test]
    fn counters_never_decrease() {
        let mut sim = Sim::new(11);
        sim.apply_hook("expand", Some(50.0));
        let mut last = sim.clone();
        for _ in 0..200 {
            sim.tick(0.25);
            assert!(sim.canary.ok >= last.canary.ok && sim.canary.errors >= last.canary.errors);
            assert!(sim.invoices >= last.invoices);
            last = sim.clone();
        }
    }
}
