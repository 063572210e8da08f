#![allow(clippy::unwrap_used)]

use chrono::TimeZone;

use super::*;
use crate::health::exposition::{Selector, parse};
use crate::health::reading::Reading;
use crate::journal::Followed;
use crate::runbook::model::GuardWhen;
use crate::session::event::{ActionOutcome, ConductorReason, Event, Evidence};
use crate::session::testkit::sample_runbook;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(s)
}

fn ran(action: &str, outcome: ActionOutcome, ms: u64) -> EventBody {
    EventBody::ActionRan {
        action: action.into(),
        id: None,
        outcome: Some(outcome),
        webhook_status: None,
        executed: true,
        exit_code: Some(0),
        duration_ms: ms,
        output_tail: String::new(),
        webhook: None,
    }
}

fn value(text: &str, selector: &str) -> f64 {
    let samples = parse(text).unwrap();
    Selector::parse(selector).unwrap().pick(&samples).unwrap()
}

/// A session with a started cutover, a guard that fired twice, two
/// conductor changes, three action runs (one with a hostile name) and a
/// reading on the first panel 12 s before `t(60)`.
fn session() -> (Runbook, Live) {
    let rb = sample_runbook();
    let mut live = Live::new(&rb);
    let panel = rb.panels[0].id.clone();
    let fired = || EventBody::GuardFired {
        panel: panel.clone(),
        when: GuardWhen::Fail,
        then: GuardThen::Pause,
        evidence: Evidence::new(),
    };
    let changed = |reason| EventBody::ConductorChanged {
        console: "h:1:2".into(),
        reason,
    };
    let bodies = vec![
        changed(ConductorReason::First),
        EventBody::CutoverStarted {},
        fired(),
        fired(),
        changed(ConductorReason::Lost),
        ran("pause", ActionOutcome::Succeeded, 1500),
        ran("pause", ActionOutcome::Succeeded, 500),
        ran("step:x\"\\\n\u{202e}y", ActionOutcome::Failed, 250),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        let e = Event {
            seq: i as u64 + 1,
            ts: t(i as i64),
            operator: "alice".into(),
            body,
        };
        live.apply(&rb, &Followed::Event(e));
    }
    live.apply(
        &rb,
        &Followed::Reading(Reading {
            id: 1,
            panel,
            state: PanelState::Warn,
            value: Some(3.0),
            baseline: None,
            error: None,
            sampled_at: Some(t(48)),
            state_since: Some(t(48)),
            last_good: Some(t(48)),
        }),
    );
    (rb, live)
}

#[test]
fn the_page_parses_strictly_and_says_what_the_session_did() {
    let (rb, live) = session();
    let text = render(&rb, &live, &live.tally, None, t(60));
    let samples = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(samples.iter().all(|s| s.name.starts_with("warroom_")));
    let cutover = &rb.cutover.id;
    let v = |sel: &str| value(&text, sel);
    assert_eq!(
        v(&format!(
            "warroom_session_status{{cutover=\"{cutover}\",status=\"RUNNING\"}}"
        )),
        1.0
    );
    assert_eq!(v("warroom_session_status{status=\"PAUSED\"}"), 0.0);
    assert_eq!(v("warroom_session_elapsed_seconds"), 59.0);
    assert_eq!(v("warroom_stage"), 0.0, "no stage entered yet");
    assert_eq!(v("warroom_exposure_ratio"), 0.0);
    let panel = &rb.panels[0].id;
    assert_eq!(
        v(&format!(
            "warroom_guard_firings_total{{panel=\"{panel}\",then=\"pause\"}}"
        )),
        2.0
    );
    assert_eq!(v("warroom_conductor_changes_total{reason=\"first\"}"), 1.0);
    assert_eq!(
        v("warroom_conductor_changes_total{reason=\"holder lost\"}"),
        1.0
    );
    assert_eq!(
        v("warroom_actions_total{action=\"pause\",outcome=\"succeeded\"}"),
        2.0
    );
    assert_eq!(
        v("warroom_action_duration_seconds_sum{action=\"pause\"}"),
        2.0
    );
    assert_eq!(
        v("warroom_action_duration_seconds_count{action=\"pause\"}"),
        2.0
    );
    assert_eq!(
        v("warroom_action_last_duration_seconds{action=\"pause\"}"),
        0.5
    );
    assert_eq!(
        v(&format!("warroom_reading_age_seconds{{panel=\"{panel}\"}}")),
        12.0
    );
    assert_eq!(
        v(&format!(
            "warroom_panel_state{{panel=\"{panel}\",state=\"WARN\"}}"
        )),
        1.0
    );
    let never = &rb.panels[1].id;
    assert!(v(&format!("warroom_reading_age_seconds{{panel=\"{never}\"}}")).is_nan());
    assert_eq!(v("warroom_journal_readable"), 1.0);
    for g in &rb.gates {
        assert_eq!(
            v(&format!(
                "warroom_gate_status{{gate=\"{}\",status=\"OPEN\"}}",
                g.id
            )),
            1.0
        );
    }
}

/// A name from the journal with a quote, a backslash, a newline and a
/// bidi override: one line, escaped as the format asks, read back as the
/// sanitized text (the override visible, never applied).
#[test]
fn hostile_label_values_are_sanitized_and_escaped() {
    let (rb, live) = session();
    let text = render(&rb, &live, &live.tally, Some("lost <db>"), t(60));
    assert!(!text.contains('\u{202e}'), "{text}");
    let samples = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let hostile = samples
        .iter()
        .find(|s| s.name == "warroom_actions_total" && s.value == 1.0)
        .unwrap();
    let action = &hostile
        .labels
        .iter()
        .find(|(k, _)| *k == "action")
        .unwrap()
        .1;
    assert!(action.starts_with("step:x\"\\"), "{action}");
    assert!(!action.contains('\n'), "{action}");
    assert!(
        action.contains("\\n") || action.contains("\\x0a"),
        "{action}"
    );
    assert_eq!(value(&text, "warroom_journal_readable"), 0.0);
}

#[test]
fn an_interrupted_expand_is_an_unknown_exposure_not_a_number() {
    let (rb, mut live) = session();
    live.story.state.expand_interrupted = true;
    let text = render(&rb, &live, &live.tally, None, t(60));
    assert!(value(&text, "warroom_exposure_ratio").is_nan(), "{text}");
}
