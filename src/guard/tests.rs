#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::health::PanelState;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::runbook::model::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + TimeDelta::seconds(secs)
}

fn panel(id: &str, every_s: u64) -> Panel {
    Panel {
        id: id.into(),
        title: id.into(),
        source: "svc".into(),
        query: Query::Scrape(id.into()),
        baseline: None,
        fail_ratio: None,
        unit: Unit::Ratio,
        every: Duration::from_secs(every_s),
        warn: None,
        fail: None,
        stale_after: 3,
        rate: false,
        compare: None,
    }
}

fn guard(panel: &str, when: GuardWhen, for_s: u64, then: GuardThen) -> Guard {
    Guard {
        panel: panel.into(),
        when,
        for_: Duration::from_secs(for_s),
        then,
        override_for: Duration::from_secs(600),
    }
}

fn runbook(guards: Vec<Guard>) -> Runbook {
    Runbook {
        path: PathBuf::from("demo.toml"),
        dir: PathBuf::from("."),
        sha256: String::new(),
        text: String::new(),
        cutover: Cutover {
            id: "demo".into(),
            title: "Demo".into(),
            strategy: Strategy::Canary,
            summary: None,
            rollback_deadline: None,
            timezone: Default::default(),
        },
        roles: vec![],
        operators: None,
        sources: vec![],
        panels: vec![panel("errors", 5), panel("mismatch", 5)],
        stages: vec![],
        gates: vec![],
        steps: vec![],
        actions: Actions {
            pause: None,
            resume: None,
            expand: None,
            rollback: Action {
                run: None,
                webhook: None,
                timeout: Duration::from_secs(60),
                two_person: false,
                roles: vec![],
            },
            begin_roles: vec![],
        },
        guards,
        links: Default::default(),
        notify: vec![],
        secrets: vec![],
    }
}

fn state(status: Status) -> State {
    State {
        mode: None,
        runbook_sha256: None,
        status,
        started_at: Some(t(-600)),
        stage: Some(0),
        stage_entered_at: None,
        stage_history: vec![],
        gates: vec![],
        steps: vec![],
        attached: BTreeMap::new(),
        conductor: None,
        conductor_epoch: None,
        conductor_console: None,
        pending: vec![],
        rollback_deadline: None,
        last_seq: 0,
        damage: Vec::new(),
        damage_acknowledged: None,
        completed_at: None,
        ended_at: None,
        rollback_failed: false,
        expand_interrupted: false,
        guard_last_fired: BTreeMap::new(),
        guards_rearmed_at: None,
        guard_silenced_until: BTreeMap::new(),
        notified: BTreeMap::new(),
        attempts: Box::default(),
        canary: Box::default(),
    }
}

fn status_of(id: &str, s: PanelState, since: DateTime<Utc>) -> PanelStatus {
    let mut p = PanelStatus::unknown(id);
    p.state = s;
    p.state_since = Some(since);
    p
}

fn panels(list: &[(&str, PanelState, DateTime<Utc>)]) -> PanelMap {
    list.iter()
        .map(|(id, s, since)| (id.to_string(), status_of(id, *s, *since)))
        .collect()
}

/// One console: a tracker fed every panel update, as the console does.
struct Console {
    tracker: GuardTracker,
    panels: PanelMap,
}

impl Console {
    fn new() -> Self {
        Console {
            tracker: GuardTracker::default(),
            panels: PanelMap::new(),
        }
    }
    fn see(&mut self, rb: &Runbook, id: &str, s: PanelState, at: DateTime<Utc>) {
        let since = match self.panels.get(id) {
            Some(p) if p.state == s => p.state_since.unwrap(),
            _ => at,
        };
        self.panels.insert(id.into(), status_of(id, s, since));
        self.tracker.observe(rb, &self.panels, at);
    }
    fn decide(&self, rb: &Runbook, st: &State, now: DateTime<Utc>) -> Vec<Decision> {
        decide(rb, st, &self.panels, &self.tracker, now)
    }
}

/// What the reducer does with a guard_fired event.
fn record_fired(st: &mut State, d: &Decision, at: DateTime<Utc>) {
    st.guard_last_fired.insert(d.key.clone(), at);
}

#[test]
fn key_is_panel_when_then() {
    let g = guard("errors", GuardWhen::Fail, 30, GuardThen::Pause);
    assert_eq!(guard_key(&g), "errors/fail/pause");
    let g = guard("up", GuardWhen::Stale, 0, GuardThen::Rollback);
    assert_eq!(guard_key(&g), "up/stale/rollback");
}

#[test]
fn condition_table() {
    use PanelState::*;
    // (state, fail, warn, stale)
    let table = [
        (Ok, false, false, false),
        (Warn, false, true, false),
        (Fail, true, true, false),
        (Stale, false, false, true),
        (Error, false, false, true),
        (Unknown, false, false, false),
    ];
    for (s, fail, warn, stale) in table {
        let p = status_of("x", s, t(0));
        let holds = |w| condition_holds(&guard("x", w, 0, GuardThen::Pause), &p);
        assert_eq!(holds(GuardWhen::Fail), fail, "fail on {s}");
        assert_eq!(holds(GuardWhen::Warn), warn, "warn on {s}");
        assert_eq!(holds(GuardWhen::Stale), stale, "stale on {s}");
    }
}

#[test]
fn status_table() {
    use Status::*;
    // (status, pause allowed, rollback allowed)
    let table = [
        (Ready, false, false),
        (Running, true, true),
        (Paused, false, true),
        (RollingBack, false, false),
        (RolledBack, false, false),
        (Complete, false, false),
    ];
    for (s, pause, rollback) in table {
        assert_eq!(status_allows(GuardThen::Pause, s), pause, "pause in {s:?}");
        assert_eq!(
            status_allows(GuardThen::Rollback, s),
            rollback,
            "rollback in {s:?}"
        );

        let rb = runbook(vec![
            guard("errors", GuardWhen::Fail, 0, GuardThen::Pause),
            guard("mismatch", GuardWhen::Fail, 0, GuardThen::Rollback),
        ]);
        let p = panels(&[
            ("errors", PanelState::Fail, t(0)),
            ("mismatch", PanelState::Fail, t(0)),
        ]);
        let got: Vec<_> = decide(&rb, &state(s), &p, &GuardTracker::default(), t(1))
            .into_iter()
            .map(|d| d.then)
            .collect();
        let mut want = vec![];
        if rollback {
            want.push(GuardThen::Rollback);
        }
        if pause {
            want.push(GuardThen::Pause);
        }
        assert_eq!(got, want, "decisions in {s:?} (rollback first)");
    }
}

#[test]
fn fires_only_after_the_condition_held_for_its_duration() {
    let rb = runbook(vec![guard("errors", GuardWhen::Fail, 30, GuardThen::Pause)]);
    let st = state(Status::Running);
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Fail, t(0));
    for (now, fires) in [(0, false), (29, false), (30, true), (45, true)] {
        c.see(&rb, "errors", PanelState::Fail, t(now));
        let d = c.decide(&rb, &st, t(now));
        assert_eq!(!d.is_empty(), fires, "at +{now}s");
        if fires {
            assert_eq!(d[0].breach_since, t(0));
            assert_eq!(d[0].key, "errors/fail/pause");
        }
    }
}

#[test]
fn zero_duration_fires_on_the_first_breaching_sample() {
    let rb = runbook(vec![guard(
        "mismatch",
        GuardWhen::Fail,
        0,
        GuardThen::Rollback,
    )]);
    let mut c = Console::new();
    c.see(&rb, "mismatch", PanelState::Fail, t(7));
    assert_eq!(c.decide(&rb, &state(Status::Running), t(7)).len(), 1);
}

#[test]
fn a_break_in_the_condition_restarts_the_clock() {
    let rb = runbook(vec![guard("errors", GuardWhen::Fail, 30, GuardThen::Pause)]);
    let st = state(Status::Running);
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Fail, t(0));
    c.see(&rb, "errors", PanelState::Warn, t(20));
    c.see(&rb, "errors", PanelState::Fail, t(25));
    assert!(
        c.decide(&rb, &st, t(40)).is_empty(),
        "breach restarted at +25s"
    );
    assert_eq!(c.decide(&rb, &st, t(55)).len(), 1);
}

#[test]
fn warn_breach_spans_warn_to_fail() {
    let rb = runbook(vec![guard("errors", GuardWhen::Warn, 30, GuardThen::Pause)]);
    let st = state(Status::Running);
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Warn, t(0));
    c.see(&rb, "errors", PanelState::Fail, t(10));
    let d = c.decide(&rb, &st, t(30));
    assert_eq!(
        d.len(),
        1,
        "WARN at 0 then FAIL at 10 is one breach since 0"
    );
    assert_eq!(d[0].breach_since, t(0));
}

#[test]
fn stale_breach_spans_error_to_stale() {
    let rb = runbook(vec![guard(
        "errors",
        GuardWhen::Stale,
        15,
        GuardThen::Pause,
    )]);
    let st = state(Status::Running);
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Error, t(0));
    c.see(&rb, "errors", PanelState::Stale, t(10));
    assert_eq!(c.decide(&rb, &st, t(15)).len(), 1);
}

#[test]
fn unknown_panel_never_fires() {
    let rb = runbook(vec![guard(
        "errors",
        GuardWhen::Stale,
        0,
        GuardThen::Rollback,
    )]);
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Unknown, t(0));
    assert!(c.decide(&rb, &state(Status::Running), t(100)).is_empty());
    // A guard on a panel the console has no status for does nothing either.
    let empty = Console::new();
    assert!(
        empty
            .decide(&rb, &state(Status::Running), t(100))
            .is_empty()
    );
}

#[test]
fn fires_once_per_breach_and_rearms_only_after_the_panel_recovers() {
    let rb = runbook(vec![guard(
        "errors",
        GuardWhen::Fail,
        30,
        GuardThen::Rollback,
    )]);
    let mut st = state(Status::Running);
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Fail, t(0));
    let d = c.decide(&rb, &st, t(30));
    assert_eq!(d.len(), 1);
    record_fired(&mut st, &d[0], t(30));
    st.status = Status::Paused; // rollback guards still act while paused

    // The same breach goes on: nothing more, however long it lasts.
    for now in [31, 60, 300] {
        c.see(&rb, "errors", PanelState::Fail, t(now));
        assert!(
            c.decide(&rb, &st, t(now)).is_empty(),
            "same breach at +{now}s"
        );
    }
    // Recovery re-arms; a new breach fires after its own duration.
    c.see(&rb, "errors", PanelState::Ok, t(305));
    c.see(&rb, "errors", PanelState::Fail, t(310));
    assert!(c.decide(&rb, &st, t(339)).is_empty());
    let d = c.decide(&rb, &st, t(340));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].breach_since, t(310));
}

#[test]
fn two_consoles_out_of_phase_fire_once() {
    let rb = runbook(vec![guard("errors", GuardWhen::Fail, 30, GuardThen::Pause)]);
    let mut journal = state(Status::Running);
    // Console A polls first and sees the breach at +0; B polls 3s later
    // (less than the 5s interval) and sees it at +3; C polled earlier.
    let mut a = Console::new();
    let mut b = Console::new();
    let mut c = Console::new();
    a.see(&rb, "errors", PanelState::Fail, t(0));
    b.see(&rb, "errors", PanelState::Fail, t(3));
    c.see(&rb, "errors", PanelState::Fail, t(-4));

    // A fires first, inside the journal's transaction.
    let d = a.decide(&rb, &journal, t(30));
    assert_eq!(d.len(), 1);
    let evs = events_for(&d[0], &rb, &journal, &Evidence::new());
    assert_eq!(evs.len(), 2);
    record_fired(&mut journal, &d[0], t(30));
    journal.status = Status::Running; // even had the pause been resumed at once

    // B and C decided on a state read before A's commit: their decisions
    // are dropped when re-checked on the fresh state.
    let stale = state(Status::Running);
    for (name, console, now) in [("B", &b, 33), ("C", &c, 30)] {
        let d = console.decide(&rb, &stale, t(now));
        assert_eq!(d.len(), 1, "{name} would fire on an old state");
        assert!(
            events_for(&d[0], &rb, &journal, &Evidence::new()).is_empty(),
            "{name} must not fire again"
        );
        assert!(
            console.decide(&rb, &journal, t(now)).is_empty(),
            "{name} on the fresh state"
        );
    }
}

#[test]
fn events_for_a_pause_guard() {
    let rb = runbook(vec![guard("errors", GuardWhen::Fail, 30, GuardThen::Pause)]);
    let st = state(Status::Running);
    let p = panels(&[("errors", PanelState::Fail, t(0))]);
    let d = decide(&rb, &st, &p, &GuardTracker::default(), t(30));
    let mut ev = Evidence::new();
    ev.insert(
        "errors".into(),
        crate::session::event::EvidenceEntry {
            state: PanelState::Fail,
            value: Some(0.07),
            sampled_at: None,
            analysis: None,
        },
    );
    let evs = events_for(&d[0], &rb, &st, &ev);
    assert_eq!(
        evs,
        vec![
            EventBody::GuardFired {
                panel: "errors".into(),
                when: GuardWhen::Fail,
                then: GuardThen::Pause,
                evidence: ev.clone(),
            },
            EventBody::Paused {
                reason: "guard: errors FAIL for 30s".into(),
                trigger: Trigger::Guard,
                evidence: ev.clone(),
                recorded_late: None,
            },
        ]
    );
    // Paused meanwhile by someone else: nothing to do.
    assert!(events_for(&d[0], &rb, &state(Status::Paused), &ev).is_empty());
}

#[test]
fn events_for_a_rollback_guard() {
    let rb = runbook(vec![guard(
        "mismatch",
        GuardWhen::Fail,
        0,
        GuardThen::Rollback,
    )]);
    let p = panels(&[("mismatch", PanelState::Fail, t(0))]);
    let st = state(Status::Paused);
    let d = decide(&rb, &st, &p, &GuardTracker::default(), t(1));
    let evs = events_for(&d[0], &rb, &st, &Evidence::new());
    assert!(matches!(
        evs[0],
        EventBody::GuardFired {
            then: GuardThen::Rollback,
            ..
        }
    ));
    match &evs[1] {
        EventBody::RollbackStarted {
            trigger, reason, ..
        } => {
            assert_eq!(*trigger, Trigger::Guard);
            assert_eq!(reason, "guard: mismatch FAIL for 0s");
        }
        other => panic!("expected rollback_started, got {other:?}"),
    }
    assert!(events_for(&d[0], &rb, &state(Status::RollingBack), &Evidence::new()).is_empty());
}

#[test]
fn rollback_guard_past_the_deadline_pauses_instead() {
    let rb = runbook(vec![guard(
        "mismatch",
        GuardWhen::Fail,
        0,
        GuardThen::Rollback,
    )]);
    let p = panels(&[("mismatch", PanelState::Fail, t(0))]);
    let mut st = state(Status::Running);
    st.rollback_deadline = Some(t(-1));
    let d = decide(&rb, &st, &p, &GuardTracker::default(), t(1));
    let evs = events_for(&d[0], &rb, &st, &Evidence::new());
    assert_eq!(evs.len(), 2);
    match &evs[1] {
        EventBody::Paused {
            reason, trigger, ..
        } => {
            assert_eq!(*trigger, Trigger::Guard);
            assert!(reason.contains("rollback deadline passed"), "{reason}");
        }
        other => panic!("expected paused, got {other:?}"),
    }
    st.status = Status::Paused;
    let evs = events_for(&d[0], &rb, &st, &Evidence::new());
    assert_eq!(evs.len(), 1, "already paused: only the firing is recorded");
}

#[test]
fn rollback_guard_past_the_point_of_no_return_pauses_instead_and_says_why() {
    let rb = runbook(vec![guard(
        "mismatch",
        GuardWhen::Fail,
        0,
        GuardThen::Rollback,
    )]);
    let p = panels(&[("mismatch", PanelState::Fail, t(0))]);
    let mut st = state(Status::Running);
    st.attempts.no_return = Some(crate::session::state::NoReturn {
        step: "drop-legacy-writes".into(),
        by: "bob".into(),
        at: t(-60),
    });
    let d = decide(&rb, &st, &p, &GuardTracker::default(), t(1));
    let evs = events_for(&d[0], &rb, &st, &Evidence::new());
    assert_eq!(evs.len(), 2);
    assert!(
        !evs.iter()
            .any(|e| matches!(e, EventBody::RollbackStarted { .. })),
        "never a rollback past the point of no return: {evs:?}"
    );
    match &evs[1] {
        EventBody::Paused { reason, .. } => {
            assert!(reason.contains("point of no return"), "{reason}");
            assert!(reason.contains("drop-legacy-writes"), "{reason}");
            assert!(reason.contains("bob"), "{reason}");
            assert!(
                reason.contains("paused instead of rolling back"),
                "{reason}"
            );
        }
        other => panic!("expected paused, got {other:?}"),
    }
    st.status = Status::Paused;
    let evs = events_for(&d[0], &rb, &st, &Evidence::new());
    match &evs[..] {
        [EventBody::GuardFired { .. }, EventBody::Note { text }] => {
            assert!(text.contains("no rollback"), "{text}")
        }
        other => panic!("already paused: the firing and why, got {other:?}"),
    }
}

#[test]
fn fail_breach_start_is_the_panels_own_even_if_a_recovery_was_not_observed() {
    let rb = runbook(vec![guard("errors", GuardWhen::Fail, 30, GuardThen::Pause)]);
    let mut st = state(Status::Running);
    let mut tracker = GuardTracker::default();
    tracker.observe(&rb, &panels(&[("errors", PanelState::Fail, t(0))]), t(0));
    st.guard_last_fired
        .insert("errors/fail/pause".into(), t(30));
    // OK at +40 was never observed; FAIL again since +60.
    let p = panels(&[("errors", PanelState::Fail, t(60))]);
    assert!(decide(&rb, &st, &p, &tracker, t(89)).is_empty());
    let d = decide(&rb, &st, &p, &tracker, t(90));
    assert_eq!(d.len(), 1, "a new FAIL run is a new breach");
    assert_eq!(d[0].breach_since, t(60));
}

/// The whole rule, through the real `decide` and `reduce`: a guard pauses;
/// resume is refused while its condition holds; `resume --override`
/// silences it for `override_for` (10 min here); when that runs out the
/// same breach fires it again, because the resume re-armed it.
#[test]
fn an_override_silences_a_guard_for_its_time_and_then_it_fires_again() {
    use crate::session::command::Command;
    use crate::session::decide::{Decision as D, Seen, decide as decide_cmd};
    use crate::session::event::Event;
    use crate::session::reduce::reduce;

    let rb = runbook(vec![guard("errors", GuardWhen::Fail, 30, GuardThen::Pause)]);
    let mut st = State::new(&rb);
    let mut seq = 0;
    let mut fold = |st: &mut State, bodies: Vec<EventBody>, at: DateTime<Utc>| {
        for body in bodies {
            seq += 1;
            let ev = Event {
                seq,
                ts: at,
                operator: "alice".into(),
                body,
            };
            reduce(st, &rb, &ev);
        }
    };
    fold(&mut st, vec![EventBody::CutoverStarted {}], t(0));
    let mut c = Console::new();
    c.see(&rb, "errors", PanelState::Fail, t(10));
    let d = c.decide(&rb, &st, t(40));
    assert_eq!(d.len(), 1, "FAIL for 30 s pauses");
    let evs = events_for(&d[0], &rb, &st, &Evidence::new());
    fold(&mut st, evs, t(40));
    assert_eq!(st.status, Status::Paused);

    let resume = |ovr: Option<&str>| Command::Resume {
        override_reason: ovr.map(str::to_string),
    };
    let seen = Seen::of(&st);
    match decide_cmd(&rb, &st, &resume(None), "alice", &c.panels, t(50), seen) {
        D::Refuse { reason, .. } => {
            assert!(
                reason.starts_with("guard holds: errors is FAIL"),
                "{reason}"
            );
            assert!(reason.contains("--override"), "{reason}");
        }
        other => panic!("resume must be refused while errors FAIL: {other:?}"),
    }
    let ovr = resume(Some("known noise: retry storm from one tenant"));
    let D::Apply(bodies) = decide_cmd(&rb, &st, &ovr, "alice", &c.panels, t(60), seen) else {
        panic!("an override resumes");
    };
    match &bodies[0] {
        EventBody::Resumed {
            override_reason,
            evidence,
            ..
        } => {
            assert!(override_reason.is_some());
            assert_eq!(evidence["errors"].state, PanelState::Fail, "with evidence");
        }
        other => panic!("expected resumed, got {other:?}"),
    }
    fold(&mut st, bodies, t(60));
    assert_eq!(st.status, Status::Running);
    assert_eq!(
        st.guard_silenced_until.get("errors/fail/pause"),
        Some(&(t(60) + chrono::TimeDelta::minutes(10)))
    );
    // The same breach goes on: silent for ten minutes...
    assert!(c.decide(&rb, &st, t(61)).is_empty());
    assert!(c.decide(&rb, &st, t(659)).is_empty());
    // ...then armed again, and it fires for the breach it was silenced on.
    let d = c.decide(&rb, &st, t(661));
    assert_eq!(d.len(), 1, "fires again after the override ran out");
    assert_eq!(events_for(&d[0], &rb, &st, &Evidence::new()).len(), 2);
}
