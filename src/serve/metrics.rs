//! `/metrics`: the session in the Prometheus text format (0.0.4), for the
//! dashboards and alerts a team already runs. Drawn from the same fold as
//! the page (`Live`) plus a tally of the journal's events (counters), so
//! the numbers never disagree with the page.
//!
//! Every name starts with `warroom_`; states are state sets (one series
//! per possible state, 1 for the current one, 0 for the others), so an
//! alert reads `warroom_session_status{status="ROLLING_BACK"} == 1`. Label
//! values come from the runbook and the journal: sanitized (control and
//! bidi characters made visible), cut to `MAX_LABEL` characters, then
//! escaped as the exposition format asks (`\\`, `\"`, `\n`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::live::Live;
use crate::health::PanelState;
use crate::runbook::model::{GuardThen, Runbook};
use crate::session::event::EventBody;
use crate::session::state::{GateStatus, Status};

/// Longest label value, in characters (a journal's action name is outside
/// text).
const MAX_LABEL: usize = 200;

/// What only the events' history tells: counters and durations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// By (panel, then).
    pub guard_firings: BTreeMap<(String, &'static str), u64>,
    /// By reason.
    pub conductor_changes: BTreeMap<&'static str, u64>,
    /// By (action, outcome).
    pub actions: BTreeMap<(String, &'static str), u64>,
    /// By action: seconds summed, runs, the last run's seconds.
    pub durations: BTreeMap<String, (f64, u64, f64)>,
}

impl Tally {
    pub fn apply(&mut self, body: &EventBody) {
        match body {
            EventBody::GuardFired { panel, then, .. } => {
                let then = match then {
                    GuardThen::Pause => "pause",
                    GuardThen::Rollback => "rollback",
                };
                *self.guard_firings.entry((cut(panel), then)).or_default() += 1;
            }
            EventBody::ConductorChanged { reason, .. } => {
                *self.conductor_changes.entry(reason.as_str()).or_default() += 1;
            }
            EventBody::ActionRan {
                action,
                outcome,
                duration_ms,
                ..
            } => {
                let outcome = outcome.map_or("unknown", |o| o.as_str());
                let action = cut(action);
                *self.actions.entry((action.clone(), outcome)).or_default() += 1;
                let secs = *duration_ms as f64 / 1000.0;
                let d = self.durations.entry(action).or_default();
                d.0 += secs;
                d.1 += 1;
                d.2 = secs;
            }
            _ => {}
        }
    }
}

/// Sanitized and cut to `MAX_LABEL` characters.
fn cut(s: &str) -> String {
    crate::untrusted::text::sanitize(s)
        .chars()
        .take(MAX_LABEL)
        .collect()
}

/// A label value as the exposition format writes it, sanitized first.
pub fn label(s: &str) -> String {
    let mut out = String::new();
    for c in cut(s).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: Prometheus spells the non-finite ones its own way.
fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

struct Page {
    out: String,
    cutover: String,
}

impl Page {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP warroom_{name} {help}");
        let _ = writeln!(self.out, "# TYPE warroom_{name} {kind}");
    }

    /// One sample; `labels` already escaped, the cutover's id added first.
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        let _ = write!(self.out, "warroom_{name}{{cutover=\"{}\"", self.cutover);
        for (k, val) in labels {
            let _ = write!(self.out, ",{k}=\"{val}\"");
        }
        let _ = writeln!(self.out, "}} {}", num(v));
    }
}

const STATUSES: [Status; 6] = [
    Status::Ready,
    Status::Running,
    Status::Paused,
    Status::RollingBack,
    Status::RolledBack,
    Status::Complete,
];
const GATE_STATUSES: [GateStatus; 3] = [GateStatus::Open, GateStatus::Go, GateStatus::NoGo];
const PANEL_STATES: [PanelState; 6] = [
    PanelState::Ok,
    PanelState::Warn,
    PanelState::Fail,
    PanelState::Stale,
    PanelState::Error,
    PanelState::Unknown,
];

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The whole page at `now`. `follow_error`: the follower's read error.
pub fn render(
    rb: &Runbook,
    live: &Live,
    tally: &Tally,
    follow_error: Option<&str>,
    now: DateTime<Utc>,
) -> String {
    let st = &live.story.state;
    let mut p = Page {
        out: String::new(),
        cutover: label(&rb.cutover.id),
    };
    p.family(
        "session_info",
        "gauge",
        "The session: its mode and attempt (always 1).",
    );
    let attempt = st.attempts.number.to_string();
    p.sample(
        "session_info",
        &[
            ("mode", st.mode.map_or("unknown", |m| m.as_str())),
            ("attempt", &attempt),
        ],
        1.0,
    );
    p.family(
        "session_status",
        "gauge",
        "The session's status: 1 for the current one, 0 for the others.",
    );
    for s in STATUSES {
        p.sample(
            "session_status",
            &[("status", s.as_str())],
            flag(s == st.status),
        );
    }
    p.family(
        "session_elapsed_seconds",
        "gauge",
        "Seconds since the cutover started (stops at its end; 0 before it starts).",
    );
    let elapsed = st.started_at.map_or(0.0, |t0| {
        (st.elapsed_until(now) - t0).num_milliseconds() as f64 / 1000.0
    });
    p.sample("session_elapsed_seconds", &[], elapsed.max(0.0));

    // Stage and exposure, in the console's words: an interrupted expand
    // leaves the exposure unknown (NaN), no stage is 0.
    let stage = st.stage.and_then(|i| rb.stages.get(i).map(|s| (i, s)));
    p.family(
        "stage",
        "gauge",
        "The current stage, 1-based along the runbook's ladder (0: none).",
    );
    let name = stage.map_or_else(String::new, |(_, s)| label(&s.name));
    p.sample(
        "stage",
        &[("stage", &name)],
        stage.map_or(0.0, |(i, _)| (i + 1) as f64),
    );
    p.family(
        "exposure_ratio",
        "gauge",
        "Share of traffic on the new version, 0 to 1 (NaN while an interrupted expand leaves it unknown).",
    );
    let exposure = if st.expand_interrupted {
        f64::NAN
    } else {
        stage.map_or(0.0, |(_, s)| s.exposure / 100.0)
    };
    p.sample("exposure_ratio", &[], exposure);

    p.family(
        "gate_status",
        "gauge",
        "Each gate's state: 1 for the current one, 0 for the others.",
    );
    for g in &rb.gates {
        let Some(gs) = st.gate(&g.id) else { continue };
        let id = label(&g.id);
        for s in GATE_STATUSES {
            p.sample(
                "gate_status",
                &[("gate", &id), ("status", s.as_str())],
                flag(s == gs.status),
            );
        }
    }

    p.family(
        "panel_state",
        "gauge",
        "Each health panel's state: 1 for the current one, 0 for the others.",
    );
    for panel in &rb.panels {
        let Some(ps) = live.story.panels.get(&panel.id) else {
            continue;
        };
        let id = label(&panel.id);
        for s in PANEL_STATES {
            p.sample(
                "panel_state",
                &[("panel", &id), ("state", s.as_str())],
                flag(s == ps.state),
            );
        }
    }
    p.family(
        "reading_age_seconds",
        "gauge",
        "Seconds since each panel's last reading was taken (NaN: never polled).",
    );
    for panel in &rb.panels {
        let Some(ps) = live.story.panels.get(&panel.id) else {
            continue;
        };
        let age = ps.last_poll.map_or(f64::NAN, |t| {
            ((now - t).num_milliseconds() as f64 / 1000.0).max(0.0)
        });
        p.sample("reading_age_seconds", &[("panel", &label(&panel.id))], age);
    }

    p.family(
        "guard_firings_total",
        "counter",
        "Guards fired, by panel and what they did.",
    );
    for ((panel, then), n) in &tally.guard_firings {
        p.sample(
            "guard_firings_total",
            &[("panel", &label(panel)), ("then", then)],
            *n as f64,
        );
    }
    p.family(
        "conductor_changes_total",
        "counter",
        "Times another console took the conductor's lease, by reason.",
    );
    for (reason, n) in &tally.conductor_changes {
        p.sample(
            "conductor_changes_total",
            &[("reason", &label(reason))],
            *n as f64,
        );
    }
    p.family(
        "actions_total",
        "counter",
        "Actions that ran (rollback, pause, expand, step commands), by outcome.",
    );
    for ((action, outcome), n) in &tally.actions {
        p.sample(
            "actions_total",
            &[("action", &label(action)), ("outcome", outcome)],
            *n as f64,
        );
    }
    p.family(
        "action_duration_seconds",
        "summary",
        "How long actions ran, by action.",
    );
    for (action, (sum, count, _)) in &tally.durations {
        let a = label(action);
        p.sample("action_duration_seconds_sum", &[("action", &a)], *sum);
        p.sample(
            "action_duration_seconds_count",
            &[("action", &a)],
            *count as f64,
        );
    }
    p.family(
        "action_last_duration_seconds",
        "gauge",
        "How long each action's last run took.",
    );
    for (action, (_, _, last)) in &tally.durations {
        p.sample(
            "action_last_duration_seconds",
            &[("action", &label(action))],
            *last,
        );
    }
    p.family(
        "journal_readable",
        "gauge",
        "1 while the journal reads without error, 0 while it does not.",
    );
    p.sample("journal_readable", &[], flag(follow_error.is_none()));
    p.out
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
