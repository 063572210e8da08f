//! The conductor's judge by table, beside the guard's own tests: what one
//! poll round decides on the canonical panels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::session::event::Event;
use crate::session::reduce::reduce;
use crate::session::testkit::{all_ok, panel_status, sample_runbook};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + TimeDelta::seconds(secs)
}

fn running(rb: &Runbook) -> State {
    let mut s = State::new(rb);
    let ev = Event {
        seq: 1,
        ts: t(0),
        operator: "alice".into(),
        body: EventBody::CutoverStarted {},
    };
    reduce(&mut s, rb, &ev);
    s
}

fn kinds(events: &[EventBody]) -> Vec<String> {
    events.iter().map(EventBody::kind).collect()
}

#[test]
fn a_failing_panel_fires_its_guard_once_the_breach_held_for_its_window() {
    let rb = sample_runbook();
    let state = running(&rb);
    let mut panels = all_ok(&rb, t(0));
    panels.insert(
        "errors".into(),
        panel_status("errors", PanelState::Fail, Some(0.2), Some(t(100))),
    );
    let fires = LocalFires::default();
    // (now, what the round decides): the errors guard is `fail` for 30 s
    // then pause.
    let table = [(t(110), vec![]), (t(131), vec!["guard_fired", "paused"])];
    for (now, want) in table {
        let mut judge = Judge::default();
        let got = judge.judge(&state, &rb, &panels, true, now, &fires);
        assert_eq!(kinds(&got), want, "at {now}");
    }
}

#[test]
fn a_breach_this_console_already_acted_on_during_an_outage_is_not_fired_again() {
    let rb = sample_runbook();
    let state = running(&rb);
    let mut panels = all_ok(&rb, t(0));
    panels.insert(
        "errors".into(),
        panel_status("errors", PanelState::Fail, Some(0.2), Some(t(100))),
    );
    let fires = LocalFires::default();
    let key = crate::session::reduce::guard_key_of(
        "errors",
        crate::runbook::model::GuardWhen::Fail,
        crate::runbook::model::GuardThen::Pause,
    );
    fires.record(&key, t(100));
    let got = Judge::default().judge(&state, &rb, &panels, true, t(200), &fires);
    assert!(!kinds(&got).contains(&"paused".to_string()), "{got:?}");
}

#[test]
fn gate_items_wait_until_this_conductor_watched_an_ok_panel_for_the_items_window() {
    // go-live's automatic item reads `mismatch` for 10 minutes.
    let rb = sample_runbook();
    let panels = all_ok(&rb, t(-3600));
    let mut judge = Judge::default();
    let statuses: Vec<PanelStatus> = panels.values().cloned().collect();
    // This poller's first status: it never vouches for more than it saw,
    // whatever "since" the canonical reading carries.
    let fresh: Vec<PanelStatus> = statuses
        .into_iter()
        .map(|mut s| {
            s.state_since = Some(t(0));
            s
        })
        .collect();
    judge.saw(&fresh, t(0));
    // (now, may gate items be judged)
    let table = [(t(60), false), (t(599), false), (t(600), true)];
    for (now, want) in table {
        assert_eq!(judge.may_judge_gates(&rb, &panels, now), want, "at {now}");
    }
    // A panel in a bad state is judged at once: a gate must close now.
    let mut failing = panels.clone();
    failing.insert(
        "mismatch".into(),
        panel_status("mismatch", PanelState::Fail, Some(3.0), Some(t(50))),
    );
    assert!(judge.may_judge_gates(&rb, &failing, t(60)));
}
