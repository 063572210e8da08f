//! Poll results → panel status. Pure: no I/O, the clock is an argument.
//!
//! The rule that matters: anything that is not a good number is ERROR or
//! STALE, never OK (a dead metric must not count as passing).
//!
//! - No poll yet: UNKNOWN.
//! - A poll that failed (refused, timeout, non-2xx from a data source,
//!   unparsable, no data, several series) or returned NaN/±Inf: ERROR with
//!   the text.
//! - A `http` source answering non-2xx: FAIL, with the status as the text.
//! - A number: `fail` is checked first, then `fail_ratio` against the
//!   baseline, then `warn`; none breached: OK.
//! - Baseline: when the panel declares one, every verdict needs it. A
//!   baseline that is missing, failed or not finite makes the panel ERROR
//!   with text `baseline: ...` (a comparison against nothing is not a pass).
//!   With `fail_ratio`: FAIL when value > fail_ratio × baseline; a baseline
//!   of 0 fails any value above 0 ("baseline is 0") and passes 0.
//! - `rate = true`: the value is the per-second rate between this sample and
//!   the previous good one. The first sample gives no value (UNKNOWN,
//!   "waiting for a second sample"); a counter that went down was reset, so
//!   the rate restarts from that sample the same way; a rate is never
//!   negative.
//! - STALE: no verdict (a value or an HTTP status) for `every × stale_after`
//!   since the last one, or since the evaluator was created. Checked on every
//!   result and on `tick`, so a source that stops answering goes STALE even
//!   when no result arrives at all. STALE wins over ERROR once the window has
//!   passed (the error text is kept): an endpoint that has been failing for
//!   that long is silent, and `when = "stale"` guards must see it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{PanelState, PanelStatus, status::HISTORY};
use crate::runbook::model::{Panel, Threshold};

/// What one poll of a panel produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Poll {
    /// A number; `baseline` is `Some` when the panel has a baseline query.
    Value {
        value: f64,
        baseline: Option<Result<f64, String>>,
    },
    /// A `http` source answered with a non-2xx status.
    HttpStatus(u16),
    /// The poll failed; the text is short, redacted and names the cause.
    Error(String),
}

/// One panel's evaluator: folds poll results and clock ticks into status.
#[derive(Debug, Clone)]
pub struct Evaluator {
    warn: Option<Threshold>,
    fail: Option<Threshold>,
    fail_ratio: Option<f64>,
    has_baseline: bool,
    rate: bool,
    stale_window: chrono::Duration,
    /// The last raw counter sample for `rate`.
    prev: Option<(f64, DateTime<Utc>)>,
    /// When the last verdict (value or HTTP status) came in; creation time
    /// before the first one.
    last_verdict: DateTime<Utc>,
    status: PanelStatus,
}

impl Evaluator {
    pub fn new(panel: &Panel, now: DateTime<Utc>) -> Self {
        let window = panel.every.saturating_mul(panel.stale_after.max(1));
        Evaluator {
            warn: panel.warn,
            fail: panel.fail,
            fail_ratio: panel.fail_ratio,
            has_baseline: panel.baseline.is_some(),
            rate: panel.rate,
            stale_window: to_chrono(window),
            prev: None,
            last_verdict: now,
            status: PanelStatus::unknown(&panel.id),
        }
    }

    pub fn status(&self) -> &PanelStatus {
        &self.status
    }

    /// Fold one poll result in; returns the new status (every result is a
    /// change: at least `last_poll` moved).
    pub fn observe(&mut self, poll: Poll, now: DateTime<Utc>) -> PanelStatus {
        let (before, since) = (self.status.state, self.status.state_since);
        self.status.last_poll = Some(now);
        match poll {
            Poll::Error(text) => self.set_error(text, now),
            Poll::HttpStatus(code) => {
                self.last_verdict = now;
                self.status.value = None;
                self.status.baseline = None;
                self.set(PanelState::Fail, Some(http_status_text(code)), now);
            }
            Poll::Value { value, baseline } => self.observe_value(value, baseline, now),
        }
        self.check_stale(now);
        if self.status.state == before && since.is_some() {
            // Same state as before (e.g. STALE, then an error, then STALE
            // again): it did not begin now.
            self.status.state_since = since;
        }
        self.status.clone()
    }

    /// Called on a clock tick: returns the status only when the state
    /// changed (a source went silent and the panel is now STALE).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Option<PanelStatus> {
        let before = self.status.state;
        self.check_stale(now);
        (self.status.state != before).then(|| self.status.clone())
    }

    fn observe_value(
        &mut self,
        raw: f64,
        baseline: Option<Result<f64, String>>,
        now: DateTime<Utc>,
    ) {
        if !raw.is_finite() {
            return self.set_error(format!("value is {}", non_finite(raw)), now);
        }
        let value = if self.rate {
            match self.rate_from(raw, now) {
                Ok(v) => v,
                Err(why) => {
                    self.status.value = None;
                    self.status.baseline = None;
                    return self.set(PanelState::Unknown, Some(why.to_string()), now);
                }
            }
        } else {
            raw
        };
        let base = match (self.has_baseline, baseline) {
            (false, _) => None,
            (true, None) => return self.set_error("baseline: no result".into(), now),
            (true, Some(Err(e))) => return self.set_error(format!("baseline: {e}"), now),
            (true, Some(Ok(b))) if !b.is_finite() => {
                return self.set_error(format!("baseline: value is {}", non_finite(b)), now);
            }
            (true, Some(Ok(b))) => Some(b),
        };
        let (state, why) = self.verdict(value, base);
        self.last_verdict = now;
        self.status.value = Some(value);
        self.status.baseline = base;
        self.status.last_good = Some(now);
        if self.status.history.len() >= HISTORY {
            self.status.history.pop_front();
        }
        self.status.history.push_back(value);
        self.set(state, why, now);
    }

    /// The per-second rate against the previous sample, or why there is none.
    fn rate_from(&mut self, raw: f64, now: DateTime<Utc>) -> Result<f64, &'static str> {
        let prev = self.prev.replace((raw, now));
        let Some((p, t)) = prev else {
            return Err("waiting for a second sample");
        };
        if raw < p {
            return Err("counter reset: waiting for a second sample");
        }
        let dt = (now - t).num_microseconds().unwrap_or(0) as f64 / 1e6;
        if dt <= 0.0 {
            return Err("waiting for a second sample");
        }
        Ok(((raw - p) / dt).max(0.0))
    }

    fn verdict(&self, value: f64, baseline: Option<f64>) -> (PanelState, Option<String>) {
        if self.fail.is_some_and(|t| t.breached(value)) {
            return (PanelState::Fail, None);
        }
        if let (Some(ratio), Some(b)) = (self.fail_ratio, baseline) {
            if b == 0.0 {
                if value > 0.0 {
                    return (PanelState::Fail, Some("baseline is 0".into()));
                }
            } else if value > ratio * b {
                return (
                    PanelState::Fail,
                    Some(format!("more than {ratio} × baseline ({b})")),
                );
            }
        }
        if self.warn.is_some_and(|t| t.breached(value)) {
            return (PanelState::Warn, None);
        }
        (PanelState::Ok, None)
    }

    fn set_error(&mut self, text: String, now: DateTime<Utc>) {
        self.status.value = None;
        self.status.baseline = None;
        self.set(PanelState::Error, Some(text), now);
    }

    fn set(&mut self, state: PanelState, error: Option<String>, now: DateTime<Utc>) {
        if state != self.status.state || self.status.state_since.is_none() {
            self.status.state_since = Some(now);
        }
        self.status.state = state;
        self.status.error = error;
    }

    fn check_stale(&mut self, now: DateTime<Utc>) {
        if self.status.state == PanelState::Stale {
            return;
        }
        if now - self.last_verdict >= self.stale_window {
            self.status.value = None;
            self.status.state = PanelState::Stale;
            self.status.state_since = Some(now);
        }
    }
}

/// "HTTP 503 Service Unavailable".
pub fn http_status_text(code: u16) -> String {
    let reason = http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(r) => format!("HTTP {code} {r}"),
        None => format!("HTTP {code}"),
    }
}

fn non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "evaluate_tests.rs"]
mod tests;
