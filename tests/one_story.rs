//! One journal, every reader: the console's header and the status page
//! fold the same events and must say the same thing (issue 26). Two
//! moments the page used to contradict the console:
//! - the conductor died during an expand: the consoles said the exposure
//!   was unknown, the page said 5 %;
//! - after ROLLED_BACK the console's elapsed clock stopped, the page's kept
//!   counting (and said "no stage yet").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::*;
use warroom::journal::Followed;
use warroom::serve::live::Live;
use warroom::serve::page::{At, main as page};
use warroom::session::event::{
    ActionOutcome, Event, EventBody, Evidence, RollbackOutcome, Trigger,
};
use warroom::session::reduce::reduce;
use warroom::session::state::State;
use warroom::timefmt::Zone;

fn journal() -> Vec<Event> {
    let rb = runbook();
    let to = rb.stages[0].name.clone();
    let x = rb.stages[0].exposure;
    let bodies = vec![
        (0, EventBody::CutoverStarted {}),
        (
            60,
            EventBody::Expanded {
                from_stage: None,
                to_stage: to,
                exposure: x,
                override_reason: None,
                evidence: Evidence::new(),
                automatic: false,
            },
        ),
        (
            61,
            EventBody::ActionStarted {
                action: "expand".into(),
                id: "3/expand".into(),
                run_token: None,
                host: None,
            },
        ),
        // The conductor died; the next one journaled it interrupted.
        (
            67,
            EventBody::ActionRan {
                action: "expand".into(),
                id: Some("3/expand".into()),
                outcome: Some(ActionOutcome::Interrupted),
                webhook_status: None,
                executed: true,
                exit_code: None,
                duration_ms: 6000,
                output_tail: String::new(),
                webhook: None,
            },
        ),
    ];
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, (s, body))| event(i as u64 + 1, at(0, s), "alice", body))
        .collect()
}

fn rolled_back(mut events: Vec<Event>) -> Vec<Event> {
    let n = events.len() as u64;
    let more = [
        (
            70,
            EventBody::RollbackStarted {
                trigger: Trigger::Operator,
                reason: "exposure unknown".into(),
                override_reason: None,
                evidence: Evidence::new(),
                recorded_late: None,
            },
        ),
        (
            75,
            EventBody::RollbackFinished {
                trigger: Trigger::Operator,
                reason: "exposure unknown".into(),
                outcome: RollbackOutcome::Done,
            },
        ),
        // Notes long after the end must not move the clock.
        (
            600,
            EventBody::Note {
                text: "change record closed".into(),
            },
        ),
    ];
    for (k, (s, body)) in more.into_iter().enumerate() {
        events.push(event(n + 1 + k as u64, at(0, s), "alice", body));
    }
    events
}

/// The console's screen and the status page for `events` at `now`.
fn both(events: &[Event], now: DateTime<Utc>) -> (String, String) {
    let rb = runbook();
    let mut state = State::new(&rb);
    let mut live = Live::new(&rb);
    for e in events {
        reduce(&mut state, &rb, e);
        live.apply(&rb, &Followed::Event(e.clone()));
    }
    let screen = render(&app(state, vec![], events.to_vec(), now), 160, 50);
    let html = page(
        &rb,
        &live,
        None,
        At {
            now,
            zone: Zone::UTC,
        },
    );
    (screen, html)
}

#[test]
fn an_interrupted_expand_leaves_the_exposure_unknown_on_every_reader() {
    let (screen, html) = both(&journal(), at(1, 30));
    assert!(
        screen.contains("exposure unknown (expand interrupted)"),
        "{screen}"
    );
    assert!(
        html.contains("exposure unknown (expand interrupted)"),
        "{html}"
    );
}

#[test]
fn after_the_rollback_every_reader_stops_the_clock_where_it_ended() {
    // Rolled back 75 s after the start; looked at 20 minutes later.
    let (screen, html) = both(&rolled_back(journal()), at(20, 0));
    assert!(screen.contains("elapsed 0:01:15"), "{screen}");
    assert!(html.contains("elapsed</dt><dd>0:01:15"), "{html}");
    assert!(html.contains("none (rolled back)"), "{html}");
}

/// Who conducts belongs to the session, not to an attempt: a new attempt
/// keeps the conductor's epoch, or its fence would refuse every action of
/// the new attempt.
#[test]
fn a_new_attempt_keeps_who_conducts() {
    use warroom::session::event::ConductorReason;
    let rb = runbook();
    let mut events = vec![event(
        1,
        at(0, 0),
        "alice",
        EventBody::ConductorChanged {
            console: "host:1:a".into(),
            reason: ConductorReason::First,
        },
    )];
    let n = events.len() as u64;
    events.extend(rolled_back(journal()).into_iter().map(|mut e| {
        e.seq += n;
        e
    }));
    let last = events.len() as u64;
    events.push(event(
        last + 1,
        at(30, 0),
        "alice",
        EventBody::AttemptOpened {
            attempt: 2,
            reason: "again".into(),
        },
    ));
    let mut state = State::new(&rb);
    for e in &events {
        reduce(&mut state, &rb, e);
    }
    assert_eq!(state.attempts.number, 2);
    assert_eq!(state.conductor_epoch, Some(1));
    assert_eq!(state.conductor_console.as_deref(), Some("host:1:a"));
}

// ---- one journal through every reader (issue 26, "one fold") ----

/// A reading the conductor stored: `panel` in `state` since `since`,
/// sampled at `sampled`.
fn stored(
    id: i64,
    panel: &str,
    state: warroom::health::PanelState,
    since: DateTime<Utc>,
    sampled: DateTime<Utc>,
) -> warroom::health::reading::Reading {
    warroom::health::reading::Reading {
        id,
        panel: panel.into(),
        state,
        value: Some(0.001),
        baseline: None,
        error: None,
        sampled_at: Some(sampled),
        state_since: Some(since),
        last_good: Some(sampled),
    }
}

/// The interrupted expand of `journal()`, with the takeover that
/// interrupted it (the first conductor died, a second took the lease).
fn with_takeover(events: Vec<Event>) -> Vec<Event> {
    use warroom::session::event::ConductorReason;
    let mut out = vec![event(
        1,
        at(-10, 0),
        "bob",
        EventBody::ConductorChanged {
            console: "host:1:a".into(),
            reason: ConductorReason::First,
        },
    )];
    let mut seq = 1;
    for mut e in events {
        seq += 1;
        e.seq = seq;
        // The takeover comes just before the new conductor journals the
        // expand as interrupted.
        if matches!(e.body, EventBody::ActionRan { .. }) {
            out.push(event(
                seq,
                at(1, 6),
                "alice",
                EventBody::ConductorChanged {
                    console: "host:2:b".into(),
                    reason: ConductorReason::Lost,
                },
            ));
            seq += 1;
            e.seq = seq;
        }
        out.push(e);
    }
    out
}

/// What every reader shows for `events` and `readings` at `now`: the
/// console's screen (its app folds by the shared fold), the status page,
/// the report and the chat messages of every event.
struct Readers {
    screen: String,
    page: String,
    report: String,
    chat: Vec<String>,
}

fn every_reader(
    events: &[Event],
    readings: &[warroom::health::reading::Reading],
    now: DateTime<Utc>,
) -> Readers {
    use warroom::tui::{App, Msg, Theme};
    let rb = runbook();
    let mut console = App::new(
        rb.clone(),
        State::new(&rb),
        options("alice", Theme::no_color()),
        now,
    );
    let mut live = Live::new(&rb);
    for e in events {
        console.update(Msg::Events(vec![e.clone()]));
        live.apply(&rb, &Followed::Event(e.clone()));
    }
    for r in readings {
        console.update(Msg::Reading(r.clone()));
        live.apply(&rb, &Followed::Reading(r.clone()));
    }
    let screen = render(&console, 160, 50);
    let html = page(
        &rb,
        &live,
        None,
        At {
            now,
            zone: Zone::UTC,
        },
    );
    let mut md = Vec::new();
    warroom::report::markdown::write(
        &mut md,
        std::path::Path::new("j.db"),
        events,
        &warroom::report::markdown::Plan::Runbook(&rb),
    )
    .unwrap();
    let chat = events
        .iter()
        .map(|e| warroom::notify::payload::text(&rb, e, warroom::session::event::SessionMode::Live))
        .collect();
    Readers {
        screen,
        page: html,
        report: String::from_utf8(md).unwrap(),
        chat,
    }
}

#[test]
fn one_journal_reads_the_same_on_the_console_the_page_the_report_and_in_chat() {
    use warroom::health::PanelState::Ok;
    // `errors` has been OK since 09:50; the first conductor stored that,
    // and the second conductor's reading after the takeover carries it on.
    let readings = [
        stored(1, "errors", Ok, at(-10, 0), at(1, 0)),
        stored(2, "errors", Ok, at(-10, 0), at(1, 10)),
    ];
    let events = with_takeover(journal());

    // During the cutover, after the takeover: the exposure is unknown.
    let r = every_reader(&events, &readings, at(1, 30));
    let unknown = "exposure unknown (expand interrupted)";
    assert!(r.screen.contains(unknown), "console:\n{}", r.screen);
    assert!(r.page.contains(unknown), "page:\n{}", r.page);
    assert!(r.report.contains(unknown), "report:\n{}", r.report);
    let ran = r.chat.last().unwrap();
    assert!(ran.contains("INTERRUPTED"), "chat: {ran}");
    // The status, everywhere.
    assert!(r.screen.contains("RUNNING"), "{}", r.screen);
    assert!(r.page.contains("RUNNING"), "{}", r.page);
    // The elapsed clock, on the console and the page.
    assert!(r.screen.contains("elapsed 0:01:30"), "{}", r.screen);
    assert!(r.page.contains("elapsed</dt><dd>0:01:30"), "{}", r.page);
    // "OK since" is the stored one, kept across the takeover (09:50), on
    // the console and the page alike.
    let since = at(-10, 0).format("%H:%M").to_string();
    assert!(
        r.screen.contains(&format!("OK since {since}")),
        "{}",
        r.screen
    );
    assert!(r.page.contains(&format!("since {since}")), "{}", r.page);

    // Rolled back, looked at 20 minutes later: the clock stopped at the
    // end on every reader, nothing is exposed, and chat said so.
    let events = with_takeover(rolled_back(journal()));
    let r = every_reader(&events, &readings, at(20, 0));
    assert!(r.screen.contains("ROLLED_BACK"), "{}", r.screen);
    assert!(r.page.contains("ROLLED_BACK"), "{}", r.page);
    assert!(r.screen.contains("elapsed 0:01:15"), "{}", r.screen);
    assert!(r.page.contains("elapsed</dt><dd>0:01:15"), "{}", r.page);
    assert!(!r.screen.contains(unknown), "{}", r.screen);
    assert!(r.page.contains("none (rolled back)"), "{}", r.page);
    assert!(!r.report.contains(unknown), "{}", r.report);
    assert!(
        r.chat.iter().any(|c| c.contains("rollback finished: done")),
        "{:#?}",
        r.chat
    );
}
