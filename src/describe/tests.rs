use chrono::{TimeZone, Utc};

use super::*;
use crate::health::PanelState;
use crate::runbook::model::Unit;
use crate::session::event::EvidenceEntry;
use crate::session::testkit::sample_runbook;

fn ev(operator: &str, body: EventBody) -> Event {
    Event {
        seq: 1,
        ts: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        operator: operator.into(),
        body,
    }
}

fn evidence_of(entries: &[(&str, PanelState, Option<f64>)]) -> Evidence {
    entries
        .iter()
        .map(|(id, state, value)| {
            (
                id.to_string(),
                EvidenceEntry {
                    state: *state,
                    value: *value,
                    sampled_at: None,
                    analysis: None,
                },
            )
        })
        .collect()
}

#[test]
fn evidence_reads_as_the_panel_shows_it() {
    let mut rb = sample_runbook();
    rb.panels[0].unit = Unit::Percent;
    let e = evidence_of(&[
        ("errors", PanelState::Ok, Some(0.004532482944443)),
        ("mismatch", PanelState::Fail, Some(3.0)),
        ("gone", PanelState::Ok, Some(40.02601691099215)),
        ("p99", PanelState::Error, None),
    ]);
    assert_eq!(
        evidence(Some(&rb), &e),
        "errors OK 0.45%, gone OK 40.0, mismatch FAIL 3.00, p99 ERROR –"
    );
}

#[test]
fn a_guard_is_never_a_person_and_people_carry_their_role() {
    let rb = sample_runbook();
    let fired = ev(
        "alice",
        EventBody::GuardFired {
            panel: "errors".into(),
            when: GuardWhen::Fail,
            then: GuardThen::Pause,
            evidence: Evidence::new(),
        },
    );
    let a = actor(Some(&rb), &fired);
    assert!(a.starts_with("guard (errors FAIL for "), "{a}");
    let paused = ev(
        "alice",
        EventBody::Paused {
            reason: "errors FAIL".into(),
            trigger: Trigger::Guard,
            evidence: Evidence::new(),
            recorded_late: None,
        },
    );
    assert_eq!(actor(Some(&rb), &paused), "guard");
    let signed = ev(
        "bob",
        EventBody::Signed {
            gate: "expand-enterprise".into(),
            item: 1,
            evidence: Evidence::new(),
        },
    );
    assert_eq!(actor(Some(&rb), &signed), "bob (billing)");
    assert_eq!(actor(None, &signed), "bob");
    let started = ev("alice", EventBody::CutoverStarted {});
    assert_eq!(actor(Some(&rb), &started), "alice (ic)");
}

#[test]
fn action_results_are_the_actions_wording_with_the_duration_and_the_why() {
    let ran = |exit_code, tail: &str, webhook: Option<(&str, u16)>| EventBody::ActionRan {
        action: "expand".into(),
        id: None,
        outcome: None,
        webhook_status: webhook.map(|w| w.1),
        executed: true,
        exit_code,
        duration_ms: 12,
        output_tail: tail.into(),
        webhook: webhook.map(|w| w.0.to_string()),
    };
    for body in [
        ran(Some(0), "ok", None),
        ran(Some(3), "flagctl: giving up", None),
        ran(Some(0), "", Some(("HTTP 500 from POST http://h:1/x", 500))),
    ] {
        let words = crate::session::outcome::describe(&body).unwrap();
        let (verdict, parts) = words.split_once(": ").unwrap();
        assert_eq!(
            action_result(&body).unwrap(),
            format!("{verdict} in 12 ms: {parts}")
        );
    }
    // A failure carries its last line of output; a success does not.
    let failed = event(None, &ran(Some(3), "flagctl: giving up", None));
    assert!(
        failed.ends_with("command exit 3: flagctl: giving up"),
        "{failed}"
    );
    let ok = event(None, &ran(Some(0), "ok", None));
    assert_eq!(ok, "expand succeeded in 12 ms: command exit 0");
}

#[test]
fn the_command_is_shown_as_the_runbook_writes_it() {
    let rb = sample_runbook();
    let cmd = action_command(&rb, "expand");
    assert!(cmd.is_some_and(|c| c.contains("flagctl")), "expand command");
    assert_eq!(action_command(&rb, "nothing"), None);
}
