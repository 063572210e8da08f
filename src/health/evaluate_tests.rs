//! Table tests for the evaluator: each row is a sequence of polls at given
//! seconds and the state/value/text the panel must show after the last one.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::runbook::model::{Op, Query, Unit};

fn t(secs: f64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().unwrap()
        + chrono::Duration::milliseconds((secs * 1000.0) as i64)
}

fn th(op: Op, value: f64) -> Option<Threshold> {
    Some(Threshold { op, value })
}

fn panel() -> Panel {
    Panel {
        id: "p".into(),
        title: "P".into(),
        source: "s".into(),
        query: Query::Prometheus("up".into()),
        baseline: None,
        fail_ratio: None,
        unit: Unit::Ratio,
        every: Duration::from_secs(5),
        warn: th(Op::Gt, 0.5),
        fail: th(Op::Gt, 0.8),
        stale_after: 3,
        rate: false,
        compare: None,
    }
}

fn v(value: f64) -> Poll {
    Poll::Value {
        value,
        baseline: None,
    }
}

fn vb(value: f64, baseline: Result<f64, &str>) -> Poll {
    Poll::Value {
        value,
        baseline: Some(baseline.map_err(str::to_string)),
    }
}

fn err(text: &str) -> Poll {
    Poll::Error(text.into())
}

struct Row {
    name: &'static str,
    panel: Panel,
    polls: Vec<(f64, Poll)>,
    state: PanelState,
    value: Option<f64>,
    text: Option<&'static str>,
}

fn row(
    name: &'static str,
    panel: Panel,
    polls: Vec<(f64, Poll)>,
    state: PanelState,
    value: Option<f64>,
    text: Option<&'static str>,
) -> Row {
    Row {
        name,
        panel,
        polls,
        state,
        value,
        text,
    }
}

fn rate_panel() -> Panel {
    Panel {
        rate: true,
        warn: None,
        fail: th(Op::Lt, 5.0),
        ..panel()
    }
}

fn ratio_panel() -> Panel {
    Panel {
        baseline: Some("base".into()),
        fail_ratio: Some(1.5),
        warn: None,
        fail: None,
        ..panel()
    }
}

#[test]
fn evaluator_by_table() {
    use PanelState::*;
    let rows = vec![
        row("no poll yet", panel(), vec![], Unknown, None, None),
        row("ok", panel(), vec![(0.0, v(0.1))], Ok, Some(0.1), None),
        row("warn", panel(), vec![(0.0, v(0.6))], Warn, Some(0.6), None),
        row(
            "fail checked first",
            panel(),
            vec![(0.0, v(0.9))],
            Fail,
            Some(0.9),
            None,
        ),
        row(
            "threshold edge is not a breach",
            panel(),
            vec![(0.0, v(0.5))],
            Ok,
            Some(0.5),
            None,
        ),
        row(
            "error keeps text",
            panel(),
            vec![(0.0, v(0.1)), (5.0, err("timed out after 2s"))],
            Error,
            None,
            Some("timed out after 2s"),
        ),
        row(
            "NaN is an error",
            panel(),
            vec![(0.0, v(f64::NAN))],
            Error,
            None,
            Some("value is NaN"),
        ),
        row(
            "+Inf is an error",
            panel(),
            vec![(0.0, v(f64::INFINITY))],
            Error,
            None,
            Some("value is +Inf"),
        ),
        row(
            "-Inf is an error",
            panel(),
            vec![(0.0, v(f64::NEG_INFINITY))],
            Error,
            None,
            Some("value is -Inf"),
        ),
        row(
            "http non-2xx fails",
            panel(),
            vec![(0.0, Poll::HttpStatus(503))],
            Fail,
            None,
            Some("HTTP 503 Service Unavailable"),
        ),
        row(
            "recovers after error",
            panel(),
            vec![(0.0, err("x")), (5.0, v(0.1))],
            Ok,
            Some(0.1),
            None,
        ),
        row(
            "stale after window of errors",
            panel(),
            vec![
                (0.0, v(0.1)),
                (5.0, err("refused")),
                (10.0, err("refused")),
                (15.0, err("refused")),
            ],
            Stale,
            None,
            Some("refused"),
        ),
        row(
            "errors inside window stay ERROR",
            panel(),
            vec![(0.0, v(0.1)), (14.0, err("refused"))],
            Error,
            None,
            Some("refused"),
        ),
        row(
            "stale from creation with only errors",
            panel(),
            vec![(15.0, err("refused"))],
            Stale,
            None,
            Some("refused"),
        ),
        row(
            "stale clears on a good value",
            panel(),
            vec![(20.0, err("x")), (21.0, v(0.1))],
            Ok,
            Some(0.1),
            None,
        ),
        row(
            "rate first sample",
            rate_panel(),
            vec![(0.0, v(100.0))],
            Unknown,
            None,
            Some("waiting for a second sample"),
        ),
        row(
            "rate per second",
            rate_panel(),
            vec![(0.0, v(100.0)), (5.0, v(150.0))],
            Ok,
            Some(10.0),
            None,
        ),
        row(
            "rate under threshold fails",
            rate_panel(),
            vec![(0.0, v(100.0)), (5.0, v(110.0))],
            Fail,
            Some(2.0),
            None,
        ),
        row(
            "counter reset restarts",
            rate_panel(),
            vec![(0.0, v(100.0)), (5.0, v(150.0)), (10.0, v(3.0))],
            Unknown,
            None,
            Some("counter reset: waiting for a second sample"),
        ),
        row(
            "rate after reset",
            rate_panel(),
            vec![
                (0.0, v(100.0)),
                (5.0, v(150.0)),
                (10.0, v(3.0)),
                (15.0, v(53.0)),
            ],
            Ok,
            Some(10.0),
            None,
        ),
        row(
            "flat counter is zero, not negative",
            rate_panel(),
            vec![(0.0, v(7.0)), (5.0, v(7.0))],
            Fail,
            Some(0.0),
            None,
        ),
        row(
            "rate spans an error",
            rate_panel(),
            vec![(0.0, v(0.0)), (5.0, err("x")), (10.0, v(100.0))],
            Ok,
            Some(10.0),
            None,
        ),
        row(
            "ratio within",
            ratio_panel(),
            vec![(0.0, vb(0.01, Result::Ok(0.01)))],
            Ok,
            Some(0.01),
            None,
        ),
        row(
            "ratio breached",
            ratio_panel(),
            vec![(0.0, vb(0.02, Result::Ok(0.01)))],
            Fail,
            Some(0.02),
            Some("more than 1.5 × baseline (0.01)"),
        ),
        row(
            "ratio edge",
            ratio_panel(),
            vec![(0.0, vb(0.015, Result::Ok(0.01)))],
            Ok,
            Some(0.015),
            None,
        ),
        row(
            "baseline 0, value 0",
            ratio_panel(),
            vec![(0.0, vb(0.0, Result::Ok(0.0)))],
            Ok,
            Some(0.0),
            None,
        ),
        row(
            "baseline 0, value > 0",
            ratio_panel(),
            vec![(0.0, vb(0.001, Result::Ok(0.0)))],
            Fail,
            Some(0.001),
            Some("baseline is 0"),
        ),
        row(
            "baseline errored",
            ratio_panel(),
            vec![(0.0, vb(0.01, Err("no data")))],
            Error,
            None,
            Some("baseline: no data"),
        ),
        row(
            "baseline missing",
            ratio_panel(),
            vec![(0.0, v(0.01))],
            Error,
            None,
            Some("baseline: no result"),
        ),
        row(
            "baseline NaN",
            ratio_panel(),
            vec![(0.0, vb(0.01, Result::Ok(f64::NAN)))],
            Error,
            None,
            Some("baseline: value is NaN"),
        ),
        row(
            "fail threshold before ratio",
            Panel {
                fail: th(Op::Gt, 0.5),
                ..ratio_panel()
            },
            vec![(0.0, vb(0.9, Result::Ok(0.01)))],
            Fail,
            Some(0.9),
            None,
        ),
    ];
    for r in rows {
        let mut e = Evaluator::new(&r.panel, t(0.0));
        for (at, p) in r.polls {
            e.observe(p, t(at));
        }
        let s = e.status();
        assert_eq!(s.state, r.state, "{}: state", r.name);
        assert_eq!(s.value, r.value, "{}: value", r.name);
        assert_eq!(s.error.as_deref(), r.text, "{}: text", r.name);
    }
}

#[test]
fn tick_turns_silent_panel_stale_once() {
    let mut e = Evaluator::new(&panel(), t(0.0));
    e.observe(v(0.1), t(1.0));
    assert_eq!(
        e.tick(t(15.0)),
        None,
        "window is 15 s from the last good sample"
    );
    let s = e.tick(t(16.0)).expect("stale after 3 × 5 s");
    assert_eq!(s.state, PanelState::Stale);
    assert_eq!(s.value, None);
    assert_eq!(s.state_since, Some(t(16.0)));
    assert_eq!(e.tick(t(30.0)), None, "no second message while still stale");
}

#[test]
fn never_polled_goes_stale_on_tick() {
    let mut e = Evaluator::new(&panel(), t(0.0));
    assert_eq!(e.tick(t(14.0)), None);
    assert_eq!(e.tick(t(15.0)).map(|s| s.state), Some(PanelState::Stale));
}

#[test]
fn state_since_holds_while_state_is_unchanged() {
    let mut e = Evaluator::new(&panel(), t(0.0));
    e.observe(v(0.1), t(1.0));
    e.observe(v(0.2), t(6.0));
    let s = e.observe(v(0.3), t(11.0));
    assert_eq!(s.state_since, Some(t(1.0)));
    assert_eq!(s.last_poll, Some(t(11.0)));
    assert_eq!(s.last_good, Some(t(11.0)));
    let s = e.observe(v(0.6), t(16.0));
    assert_eq!(s.state, PanelState::Warn);
    assert_eq!(s.state_since, Some(t(16.0)));
    // Stale, then another error: still stale since the first time.
    e.tick(t(40.0));
    let s = e.observe(err("refused"), t(45.0));
    assert_eq!(s.state, PanelState::Stale);
    assert_eq!(s.state_since, Some(t(40.0)));
    assert_eq!(s.last_good, Some(t(16.0)));
}

#[test]
fn history_keeps_the_last_good_values() {
    let mut e = Evaluator::new(&panel(), t(0.0));
    for i in 0..(HISTORY + 10) {
        e.observe(v(i as f64 / 1000.0), t(i as f64));
        if i % 7 == 0 {
            e.observe(err("x"), t(i as f64 + 0.5));
        }
    }
    let h = &e.status().history;
    assert_eq!(h.len(), HISTORY);
    assert_eq!(h.front(), Some(&0.01));
    assert_eq!(h.back(), Some(&((HISTORY + 9) as f64 / 1000.0)));
}

fn any_poll() -> impl Strategy<Value = Poll> {
    let num = prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(0.0),
        -1e6..1e6f64
    ];
    prop_oneof![
        (
            num.clone(),
            proptest::option::of(proptest::result::maybe_ok(num, ".{0,8}"))
        )
            .prop_map(|(value, baseline)| Poll::Value { value, baseline }),
        any::<u16>().prop_map(Poll::HttpStatus),
        ".{0,20}".prop_map(Poll::Error),
    ]
}

proptest! {
    #[test]
    fn evaluator_never_panics_and_never_greens_a_non_number(
        polls in proptest::collection::vec((0u32..100_000, any_poll()), 0..30),
        rate in any::<bool>(),
        ratio in proptest::option::of(0.0..10.0f64),
    ) {
        let p = Panel { rate, baseline: ratio.map(|_| "b".into()), fail_ratio: ratio, ..panel() };
        let mut e = Evaluator::new(&p, t(0.0));
        let mut at = 0.0;
        for (dt, poll) in polls {
            at += f64::from(dt) / 1000.0;
            let bad = !matches!(&poll, Poll::Value { value, .. } if value.is_finite());
            let s = e.observe(poll, t(at));
            if bad {
                prop_assert_ne!(s.state, PanelState::Ok);
            }
            if let Some(v) = s.value {
                prop_assert!(v.is_finite());
                if rate { prop_assert!(v >= 0.0); }
            }
            e.tick(t(at + 1.0));
        }
    }
}
