//! Rules by table: each row is a situation a user could be in and what the
//! console must say.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::health::{PanelMap, PanelState};
use crate::session::event::{Event, EventBody, Evidence, Trigger};
use crate::session::reduce::reduce;
use crate::session::state::{GateStatus, State};
use crate::session::testkit::{all_ok, panel_status, sample_runbook};
use crate::timefmt::Zone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(secs)
}

/// Build a state from (seconds after t0, operator, body).
fn state_of(rows: &[(i64, &str, EventBody)]) -> State {
    let rb = sample_runbook();
    let mut s = State::new(&rb);
    for (i, (secs, op, body)) in rows.iter().enumerate() {
        let ev = Event {
            seq: i as u64 + 1,
            ts: at(*secs),
            operator: op.to_string(),
            body: body.clone(),
        };
        reduce(&mut s, &rb, &ev);
    }
    s
}

fn signed(gate: &str, item: u32) -> EventBody {
    EventBody::Signed {
        gate: gate.into(),
        item,
        evidence: Evidence::new(),
    }
}

fn expanded(from: Option<&str>, to: &str) -> EventBody {
    EventBody::Expanded {
        from_stage: from.map(str::to_string),
        to_stage: to.into(),
        exposure: 1.0,
        override_reason: None,
        evidence: Evidence::new(),
        automatic: false,
    }
}

fn panels_with(overrides: &[(&str, PanelState, i64)]) -> PanelMap {
    let rb = sample_runbook();
    let mut p = all_ok(&rb, at(-3600));
    for (id, st, since) in overrides {
        p.insert(
            id.to_string(),
            panel_status(id, *st, None, Some(at(*since))),
        );
    }
    p
}

#[test]
fn whole_second_durations_table() {
    for (secs, want) in [
        (0, "0s"),
        (59, "59s"),
        (252, "4m12s"),
        (3600, "1h"),
        (3605, "1h5s"),
        (3725, "1h2m5s"),
    ] {
        assert_eq!(
            crate::timefmt::seconds(Duration::from_secs(secs)),
            want,
            "{secs}s"
        );
    }
}

#[test]
fn gate_status_table() {
    let go_live = 0; // items: 1 ic (manual), 2 auto mismatch 10m, 3 anyone
    let enterprise = 1; // two_person, one billing item
    let veto = EventBody::Vetoed {
        gate: "go-live".into(),
        item: 3,
        reason: "support not briefed".into(),
    };
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        &str,
        usize,
        Vec<(i64, &str, EventBody)>,
        PanelMap,
        i64,
        GateStatus,
    )> = vec![
        (
            "nothing signed",
            go_live,
            vec![],
            panels_with(&[]),
            0,
            GateStatus::Open,
        ),
        (
            "manual items signed, auto item OK for an hour",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
            ],
            panels_with(&[]),
            0,
            GateStatus::Go,
        ),
        (
            "auto item OK for only 9m59s of the 10m",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
            ],
            panels_with(&[("mismatch", PanelState::Ok, -599)]),
            0,
            GateStatus::Open,
        ),
        (
            "auto item OK for exactly 10m",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
            ],
            panels_with(&[("mismatch", PanelState::Ok, -600)]),
            0,
            GateStatus::Go,
        ),
        (
            "auto item panel STALE (a dead metric is never a pass)",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
            ],
            panels_with(&[("mismatch", PanelState::Stale, -7200)]),
            0,
            GateStatus::Open,
        ),
        (
            "auto item panel never polled",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
            ],
            {
                let mut p = panels_with(&[]);
                p.remove("mismatch");
                p
            },
            0,
            GateStatus::Open,
        ),
        (
            "all satisfied but one veto",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
                (1, "carol", veto.clone()),
            ],
            panels_with(&[]),
            1,
            GateStatus::NoGo,
        ),
        (
            "a withdrawn signature reopens",
            go_live,
            vec![
                (0, "alice", signed("go-live", 1)),
                (0, "bob", signed("go-live", 3)),
                (
                    5,
                    "bob",
                    EventBody::Withdrawn {
                        gate: "go-live".into(),
                        item: 3,
                    },
                ),
            ],
            panels_with(&[]),
            5,
            GateStatus::Open,
        ),
        (
            "two-person gate, one signer",
            enterprise,
            vec![(0, "bob", signed("expand-enterprise", 1))],
            panels_with(&[]),
            0,
            GateStatus::Open,
        ),
        (
            "two-person gate, two different signers",
            enterprise,
            vec![
                (0, "bob", signed("expand-enterprise", 1)),
                (1, "carol", signed("expand-enterprise", 1)),
            ],
            panels_with(&[]),
            1,
            GateStatus::Go,
        ),
    ];
    let rb = sample_runbook();
    for (name, gate, events, panels, now, want) in rows {
        let s = state_of(&events);
        assert_eq!(gate_status(&rb, &s, gate, &panels, at(now)), want, "{name}");
    }
}

fn went_go(gate: &str) -> EventBody {
    EventBody::GateGo {
        gate: gate.into(),
        evidence: Evidence::new(),
    }
}

/// A gate the journal says is GO stays GO for a console whose panel view is
/// merely young (OK for less than `for`, or no poll yet); only a panel that
/// is actually not OK reopens it. An OPEN gate still needs the full `for`.
#[test]
fn go_gate_hysteresis_table() {
    let go_live = 0; // items: 1 ic (manual), 2 auto mismatch 10m, 3 anyone
    let signed_both = || {
        vec![
            (0, "alice", signed("go-live", 1)),
            (0, "bob", signed("go-live", 3)),
        ]
    };
    let signed_and_go = || {
        let mut rows = signed_both();
        rows.push((0, "alice", went_go("go-live")));
        rows
    };
    let unknown = |p: &mut PanelMap| {
        p.insert(
            "mismatch".into(),
            panel_status("mismatch", PanelState::Unknown, None, None),
        );
    };
    #[allow(clippy::type_complexity)]
    let rows: Vec<(&str, Vec<(i64, &str, EventBody)>, PanelMap, GateStatus)> = vec![
        (
            "GO gate, auto item panel OK for only 3s of the 10m: stays GO",
            signed_and_go(),
            panels_with(&[("mismatch", PanelState::Ok, -3)]),
            GateStatus::Go,
        ),
        (
            "GO gate, auto item panel UNKNOWN (no poll yet): stays GO",
            signed_and_go(),
            {
                let mut p = panels_with(&[]);
                unknown(&mut p);
                p
            },
            GateStatus::Go,
        ),
        (
            "GO gate, auto item panel absent from this console: stays GO",
            signed_and_go(),
            {
                let mut p = panels_with(&[]);
                p.remove("mismatch");
                p
            },
            GateStatus::Go,
        ),
        (
            "GO gate, auto item panel FAIL: reopened",
            signed_and_go(),
            panels_with(&[("mismatch", PanelState::Fail, -1)]),
            GateStatus::Open,
        ),
        (
            "GO gate, auto item panel WARN: reopened",
            signed_and_go(),
            panels_with(&[("mismatch", PanelState::Warn, -1)]),
            GateStatus::Open,
        ),
        (
            "GO gate, auto item panel ERROR: reopened",
            signed_and_go(),
            panels_with(&[("mismatch", PanelState::Error, -1)]),
            GateStatus::Open,
        ),
        (
            "GO gate, auto item panel STALE: reopened",
            signed_and_go(),
            panels_with(&[("mismatch", PanelState::Stale, -1)]),
            GateStatus::Open,
        ),
        (
            "GO gate, a signature withdrawn, panel OK for 3s: reopened",
            {
                let mut rows = signed_and_go();
                rows.push((
                    0,
                    "bob",
                    EventBody::Withdrawn {
                        gate: "go-live".into(),
                        item: 3,
                    },
                ));
                rows
            },
            panels_with(&[("mismatch", PanelState::Ok, -3)]),
            GateStatus::Open,
        ),
        (
            "GO gate, a veto, panel UNKNOWN: NO-GO",
            {
                let mut rows = signed_and_go();
                rows.push((
                    0,
                    "carol",
                    EventBody::Vetoed {
                        gate: "go-live".into(),
                        item: 3,
                        reason: "support not briefed".into(),
                    },
                ));
                rows
            },
            {
                let mut p = panels_with(&[]);
                unknown(&mut p);
                p
            },
            GateStatus::NoGo,
        ),
        (
            "OPEN gate, auto item panel OK for only 3s of the 10m: stays OPEN",
            signed_both(),
            panels_with(&[("mismatch", PanelState::Ok, -3)]),
            GateStatus::Open,
        ),
        (
            "OPEN gate, auto item panel UNKNOWN: stays OPEN",
            signed_both(),
            {
                let mut p = panels_with(&[]);
                unknown(&mut p);
                p
            },
            GateStatus::Open,
        ),
        (
            "reopened gate, panel OK again for 3s: stays OPEN until the full 10m",
            {
                let mut rows = signed_and_go();
                rows.push((
                    0,
                    "alice",
                    EventBody::GateReopened {
                        gate: "go-live".into(),
                    },
                ));
                rows
            },
            panels_with(&[("mismatch", PanelState::Ok, -3)]),
            GateStatus::Open,
        ),
    ];
    let rb = sample_runbook();
    for (name, events, panels, want) in rows {
        let s = state_of(&events);
        assert_eq!(
            gate_status(&rb, &s, go_live, &panels, at(0)),
            want,
            "{name}"
        );
    }
}

/// What the journal gets: a young console's follow-ups write nothing for a
/// GO gate whose panel it has seen OK only briefly, and `gate_reopened`
/// when the panel fails.
#[test]
fn follow_ups_do_not_reopen_a_go_gate_on_a_young_ok() {
    use crate::session::decide::follow_ups;
    let rb = sample_runbook();
    let s = state_of(&[
        (0, "alice", signed("go-live", 1)),
        (0, "bob", signed("go-live", 3)),
        (0, "alice", went_go("go-live")),
    ]);
    let young = panels_with(&[("mismatch", PanelState::Ok, -1)]);
    let reopened = |panels: &PanelMap| {
        follow_ups(&rb, &s, Some(panels), at(0))
            .iter()
            .filter(|b| matches!(b, EventBody::GateReopened { gate } if gate == "go-live"))
            .count()
    };
    assert_eq!(reopened(&young), 0, "young OK must not reopen");
    let failing = panels_with(&[("mismatch", PanelState::Fail, -1)]);
    assert_eq!(reopened(&failing), 1, "FAIL must reopen");
}

#[test]
fn may_sign_and_may_lift_table() {
    let rb = sample_runbook();
    for (role, op, ok) in [
        (Some("ic"), "alice", true),
        (Some("ic"), "bob", false),
        (Some("billing"), "carol", true),
        (None, "mallory", true),
        (Some("db"), "mallory", false),
    ] {
        assert_eq!(may_sign(&rb, role, op).is_ok(), ok, "{role:?} by {op}");
    }
    assert_eq!(
        may_sign(&rb, Some("ic"), "bob").unwrap_err(),
        "role ic not held by bob"
    );
    for (vetoer, op, ok) in [
        ("bob", "bob", true),    // the vetoer
        ("bob", "alice", true),  // the IC
        ("bob", "carol", false), // anyone else
        ("alice", "bob", false), // the IC's veto is not bob's to lift
    ] {
        assert_eq!(
            may_lift(&rb, vetoer, op).is_ok(),
            ok,
            "{op} lifts {vetoer}'s veto"
        );
    }
    let mut open = rb.clone();
    open.operators = None;
    assert!(
        may_lift(&open, "bob", "carol").is_ok(),
        "no [operators]: everyone is IC"
    );
}

#[test]
fn may_start_table() {
    let rb = sample_runbook();
    let go = vec![
        (0, "alice", signed("go-live", 1)),
        (0, "bob", signed("go-live", 3)),
    ];
    let begun = |mut v: Vec<(i64, &'static str, EventBody)>| {
        v.push((1, "alice", EventBody::CutoverStarted {}));
        v
    };
    let cases: Vec<(&str, Vec<(i64, &str, EventBody)>, usize, Result<(), &str>)> = vec![
        (
            "before begin",
            go.clone(),
            0,
            Err("cutover not started (begin first)"),
        ),
        ("gate open", begun(vec![]), 0, Err("gate go-live is OPEN")),
        ("gate GO, started", begun(go.clone()), 0, Ok(())),
        (
            "after not done",
            begun(go.clone()),
            1,
            Err("waiting for step freeze"),
        ),
        (
            "paused: steps go on",
            {
                let mut v = begun(go.clone());
                v.push((
                    2,
                    "alice",
                    EventBody::Paused {
                        reason: "x".into(),
                        trigger: Trigger::Operator,
                        evidence: Evidence::new(),
                        recorded_late: None,
                    },
                ));
                v
            },
            0,
            Ok(()),
        ),
        (
            "already running",
            {
                let mut v = begun(go.clone());
                v.push((
                    2,
                    "bob",
                    EventBody::StepStarted {
                        step: "freeze".into(),
                    },
                ));
                v
            },
            0,
            Err("step freeze is already running"),
        ),
    ];
    let panels = panels_with(&[]);
    for (name, events, step, want) in cases {
        let s = state_of(&events);
        let got = may_start(&rb, &s, step, &panels, at(10));
        assert_eq!(
            got.as_ref().map_err(String::as_str).copied(),
            want,
            "{name}"
        );
    }
}

#[test]
fn expand_refusals_table() {
    let rb = sample_runbook();
    let started = vec![(0, "alice", EventBody::CutoverStarted {})];
    let with = |extra: Vec<(i64, &'static str, EventBody)>| {
        let mut v = started.clone();
        v.extend(extra);
        v
    };
    let pause = EventBody::Paused {
        reason: "look".into(),
        trigger: Trigger::Operator,
        evidence: Evidence::new(),
        recorded_late: None,
    };
    #[allow(clippy::type_complexity)]
    let cases: Vec<(
        &str,
        Vec<(i64, &str, EventBody)>,
        PanelMap,
        i64,
        Vec<(&str, bool)>,
    )> = vec![
        (
            "not started",
            vec![],
            panels_with(&[]),
            0,
            vec![("cutover not started (begin first)", false)],
        ),
        (
            "started, first stage has no gate",
            started.clone(),
            panels_with(&[]),
            10,
            vec![],
        ),
        (
            "paused and a guard holds: both, in order",
            with(vec![(5, "alice", pause.clone())]),
            panels_with(&[("errors", PanelState::Fail, 0)]),
            10,
            vec![
                ("cutover is PAUSED", true),
                ("guard holds: errors is FAIL (then pause)", true),
            ],
        ),
        (
            "bake not over, next gate open",
            with(vec![(0, "alice", expanded(None, "internal"))]),
            panels_with(&[]),
            348,
            vec![
                ("bake: 4m12s left in stage internal", true),
                (
                    "gate expand-enterprise is OPEN (needed for stage enterprise)",
                    true,
                ),
            ],
        ),
        (
            "bake over, gate GO",
            with(vec![
                (0, "alice", expanded(None, "internal")),
                (1, "bob", signed("expand-enterprise", 1)),
                (2, "carol", signed("expand-enterprise", 1)),
            ]),
            panels_with(&[]),
            600,
            vec![],
        ),
        (
            "at the last stage",
            with(vec![
                (0, "alice", expanded(None, "internal")),
                (1, "alice", expanded(Some("internal"), "enterprise")),
                (2, "alice", expanded(Some("enterprise"), "everyone")),
            ]),
            panels_with(&[]),
            7200,
            vec![("already at the last stage (everyone)", false)],
        ),
        (
            "rolling back",
            with(vec![(
                5,
                "alice",
                EventBody::RollbackStarted {
                    trigger: Trigger::Guard,
                    reason: "mismatch".into(),
                    override_reason: None,
                    evidence: Evidence::new(),
                    recorded_late: None,
                },
            )]),
            panels_with(&[]),
            10,
            vec![("cutover is ROLLING_BACK", false)],
        ),
        (
            "a WARN panel does not hold a fail guard",
            started.clone(),
            panels_with(&[("errors", PanelState::Warn, 0)]),
            10,
            vec![],
        ),
    ];
    for (name, events, panels, now, want) in cases {
        let s = state_of(&events);
        let got: Vec<(String, bool)> = expand_refusals(&rb, &s, &panels, at(now))
            .into_iter()
            .map(|r| (r.reason, r.overridable))
            .collect();
        let want: Vec<(String, bool)> = want.into_iter().map(|(r, o)| (r.to_string(), o)).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn guard_condition_table() {
    use crate::runbook::model::GuardWhen as W;
    use PanelState as P;
    for (when, st, holds) in [
        (W::Fail, P::Fail, true),
        (W::Fail, P::Warn, false),
        (W::Warn, P::Warn, true),
        (W::Warn, P::Fail, true),
        (W::Warn, P::Ok, false),
        (W::Stale, P::Stale, true),
        (W::Stale, P::Ok, false),
        (W::Fail, P::Unknown, false),
    ] {
        assert_eq!(guard_condition(when, st), holds, "{when:?} on {st:?}");
    }
}

#[test]
fn rollback_refusal_table() {
    let started = vec![(0, "alice", EventBody::CutoverStarted {})];
    let s = state_of(&started);
    let four_h = 4 * 3600;
    assert_eq!(
        rollback_refusal(&s, at(four_h), None, Zone::UTC),
        None,
        "at the deadline"
    );
    let late = rollback_refusal(&s, at(four_h + 1), None, Zone::UTC).unwrap();
    assert!(late.overridable);
    assert_eq!(
        late.reason,
        "rollback deadline passed at 2026-11-22 02:00:00 UTC (override with a reason)"
    );
    // The screen of a runbook in Europe/Berlin shows CET: so does the refusal.
    let berlin = Zone::parse("Europe/Berlin").unwrap();
    assert_eq!(
        rollback_refusal(&s, at(four_h + 1), None, berlin)
            .unwrap()
            .reason,
        "rollback deadline passed at 2026-11-22 03:00:00 CET (override with a reason)"
    );
    assert_eq!(
        rollback_refusal(&s, at(four_h + 1), Some("customer data at risk"), Zone::UTC),
        None
    );
    let ready = state_of(&[]);
    assert!(
        !rollback_refusal(&ready, at(0), None, Zone::UTC)
            .unwrap()
            .overridable
    );
    let mut failed = started.clone();
    failed.push((
        5,
        "alice",
        EventBody::RollbackStarted {
            trigger: Trigger::Operator,
            reason: "x".into(),
            override_reason: None,
            evidence: Evidence::new(),
            recorded_late: None,
        },
    ));
    assert_eq!(
        rollback_refusal(&state_of(&failed), at(6), None, Zone::UTC)
            .unwrap()
            .reason,
        "a rollback is already running"
    );
    failed.push((
        9,
        "alice",
        EventBody::RollbackFinished {
            trigger: Trigger::Operator,
            reason: "x".into(),
            outcome: crate::session::event::RollbackOutcome::Failed,
        },
    ));
    assert_eq!(
        rollback_refusal(&state_of(&failed), at(10), None, Zone::UTC),
        None,
        "retry after a failure"
    );
}

/// Step owners, live: the owner role or the IC role acts on a step;
/// rehearsals and demos let anyone; a runbook without [operators] gives
/// everyone every role. A refusal is journaled as `refused`.
#[test]
fn step_owner_table() {
    use crate::session::command::Command;
    use crate::session::decide::{Decision, Seen, decide};
    use crate::session::event::{SessionMode, StepOutcome};
    let rb = sample_runbook();
    let mut open = sample_runbook();
    open.operators = None;
    // freeze: owner db (bob holds it; alice is the IC; carol holds billing).
    let cases: [(&str, Option<SessionMode>, &Runbook, &str, usize, bool); 9] = [
        ("owner, live", Some(SessionMode::Live), &rb, "bob", 0, true),
        ("IC, live", Some(SessionMode::Live), &rb, "alice", 0, true),
        (
            "other role, live",
            Some(SessionMode::Live),
            &rb,
            "carol",
            0,
            false,
        ),
        (
            "unknown operator, live",
            Some(SessionMode::Live),
            &rb,
            "mallory",
            1,
            false,
        ),
        (
            "other role, rehearsal",
            Some(SessionMode::Rehearsal),
            &rb,
            "carol",
            0,
            true,
        ),
        (
            "other role, demo",
            Some(SessionMode::Demo),
            &rb,
            "carol",
            0,
            true,
        ),
        (
            "no [operators], live",
            Some(SessionMode::Live),
            &open,
            "carol",
            0,
            true,
        ),
        ("mode not yet known", None, &rb, "carol", 0, true),
        (
            "no owner",
            Some(SessionMode::Live),
            &{
                let mut r = sample_runbook();
                r.steps[0].owner = None;
                r
            },
            "carol",
            0,
            true,
        ),
    ];
    for (name, mode, rb, operator, step, allowed) in cases {
        let mut s = State::new(rb);
        s.mode = mode;
        let got = may_act_on_step(rb, &s, step, operator);
        assert_eq!(got.is_ok(), allowed, "{name}: {got:?}");
        if let Err(e) = got {
            assert!(
                e.contains(&format!("owned by role db, not held by {operator}")),
                "{e}"
            );
        }
    }
    // Through decide, on both start and finish: refused and journaled.
    let mut s = state_of(&[
        (0, "alice", signed("go-live", 1)),
        (0, "bob", signed("go-live", 3)),
        (1, "alice", EventBody::CutoverStarted {}),
    ]);
    s.mode = Some(SessionMode::Live);
    let panels = panels_with(&[]);
    for cmd in [
        Command::Start {
            step: "freeze".into(),
        },
        Command::Finish {
            step: "freeze".into(),
            outcome: StepOutcome::Skipped,
        },
    ] {
        match decide(&rb, &s, &cmd, "carol", &panels, at(10), Seen::of(&s)) {
            Decision::Refuse {
                event: EventBody::Refused { reason, .. },
                ..
            } => {
                assert!(reason.contains("owned by role db"), "{reason}")
            }
            other => panic!("{cmd:?} by carol: {other:?}"),
        }
        assert!(matches!(
            decide(&rb, &s, &cmd, "bob", &panels, at(10), Seen::of(&s)),
            Decision::Apply(_)
        ));
    }
}

/// The rules of issue 25 through `decide`, one row per refusal (or the
/// allowed case beside it): the point of no return on every rollback
/// path, steps bound to a stage, close steps after the end, who may act in
/// a live session, and a new attempt.
#[test]
fn whole_rules_table() {
    use crate::runbook::model::{StageNeed, Step, StepPhase};
    use crate::session::command::Command;
    use crate::session::decide::{Decision, Seen, decide};
    use crate::session::event::{RollbackOutcome, SessionMode, StepOutcome};

    let mut rb = sample_runbook();
    let extra = |id: &str, stage: Option<(&str, bool)>, phase: StepPhase| Step {
        id: id.into(),
        title: id.into(),
        owner: None,
        expect: None,
        gate: None,
        after: vec![],
        run: None,
        timeout: Duration::from_secs(60),
        notes: None,
        irreversible: false,
        stage: stage.map(|(s, baked)| StageNeed {
            stage: s.into(),
            baked,
        }),
        phase,
    };
    rb.steps.push(extra(
        "verify-ent",
        Some(("enterprise", false)),
        StepPhase::Main,
    ));
    rb.steps.push(extra(
        "soak-check",
        Some(("internal", true)),
        StepPhase::Main,
    ));
    rb.steps.push(extra("close-change", None, StepPhase::Close));
    rb.actions.begin_roles = vec!["ic".into()];
    if let Some(p) = rb.actions.pause.as_mut() {
        p.roles = vec!["ic".into(), "db".into()];
    }

    let live = |mode: SessionMode| {
        (
            0,
            "alice",
            EventBody::SessionOpened {
                runbook: "rb.toml".into(),
                runbook_sha256: "x".into(),
                mode,
                runbook_text: None,
            },
        )
    };
    let begun = vec![
        live(SessionMode::Live),
        (0, "alice", signed("go-live", 1)),
        (0, "bob", signed("go-live", 3)),
        (1, "alice", EventBody::CutoverStarted {}),
    ];
    let with = |base: &Vec<(i64, &'static str, EventBody)>,
                more: Vec<(i64, &'static str, EventBody)>| {
        let mut v = base.clone();
        v.extend(more);
        v
    };
    let start = |s: &str| EventBody::StepStarted { step: s.into() };
    let done = |s: &str| EventBody::StepFinished {
        step: s.into(),
        outcome: StepOutcome::Done,
    };
    let past_no_return = with(
        &begun,
        vec![
            (2, "bob", start("freeze")),
            (3, "bob", done("freeze")),
            (60, "bob", start("backfill")),
        ],
    );
    let requested_then_past = with(
        &begun,
        vec![
            (2, "bob", start("freeze")),
            (3, "bob", done("freeze")),
            (60, "bob", start("backfill")),
            (
                61,
                "bob",
                EventBody::ActionRequested {
                    action: crate::runbook::model::ActionKind::Rollback,
                    reason: "x".into(),
                },
            ),
        ],
    );
    let rollback_pending = with(
        &begun,
        vec![
            (2, "bob", start("freeze")),
            (3, "bob", done("freeze")),
            (
                4,
                "carol",
                EventBody::ActionRequested {
                    action: crate::runbook::model::ActionKind::Rollback,
                    reason: "x".into(),
                },
            ),
        ],
    );
    let at_internal = with(&begun, vec![(100, "alice", expanded(None, "internal"))]);
    let at_enterprise = with(
        &at_internal,
        vec![(800, "alice", expanded(Some("internal"), "enterprise"))],
    );
    let rolled_back = with(
        &at_internal,
        vec![
            (
                200,
                "alice",
                EventBody::RollbackStarted {
                    trigger: Trigger::Operator,
                    reason: "x".into(),
                    override_reason: None,
                    evidence: Evidence::new(),
                    recorded_late: None,
                },
            ),
            (
                201,
                "alice",
                EventBody::RollbackFinished {
                    trigger: Trigger::Operator,
                    reason: "x".into(),
                    outcome: RollbackOutcome::Done,
                },
            ),
        ],
    );
    let rolling_back = with(
        &begun,
        vec![
            (2, "bob", start("freeze")),
            (3, "bob", done("freeze")),
            (
                4,
                "alice",
                EventBody::RollbackStarted {
                    trigger: Trigger::Guard,
                    reason: "x".into(),
                    override_reason: None,
                    evidence: Evidence::new(),
                    recorded_late: None,
                },
            ),
        ],
    );
    let completed = with(
        &at_enterprise,
        vec![(900, "alice", EventBody::Completed {})],
    );
    let ready_live = vec![live(SessionMode::Live)];
    let ready_rehearsal = vec![live(SessionMode::Rehearsal)];
    let rollback = |ovr: Option<&str>| Command::Rollback {
        reason: "mismatches".into(),
        override_reason: ovr.map(str::to_string),
    };
    let start_cmd = |s: &str| Command::Start { step: s.into() };
    let no_return = "past the point of no return: irreversible step backfill started by bob at 2026-11-21 22:01:00 UTC";

    type Row<'a> = (
        &'a str,
        &'a Vec<(i64, &'static str, EventBody)>,
        i64,
        &'a str,
        Command,
        Result<&'a str, &'a str>,
    );
    let rows: Vec<Row> = vec![
        // 1. The point of no return, on every rollback path.
        (
            "rollback before the point: asked",
            &begun,
            70,
            "alice",
            rollback(None),
            Ok("action_requested"),
        ),
        (
            "rollback past the point",
            &past_no_return,
            70,
            "alice",
            rollback(None),
            Err(no_return),
        ),
        (
            "rollback --override past the point",
            &past_no_return,
            70,
            "alice",
            rollback(Some("customers")),
            Err(no_return),
        ),
        (
            "second person confirms a rollback past the point",
            &requested_then_past,
            70,
            "alice",
            rollback(None),
            Err(no_return),
        ),
        (
            "irreversible step while a rollback is asked",
            &rollback_pending,
            70,
            "bob",
            start_cmd("backfill"),
            Err("asked for a rollback"),
        ),
        (
            "irreversible step while a rollback runs",
            &rolling_back,
            70,
            "bob",
            start_cmd("backfill"),
            Err("step backfill is irreversible and a rollback is running"),
        ),
        // 2. Steps bound to the plan.
        (
            "stage not reached",
            &at_internal,
            120,
            "alice",
            start_cmd("verify-ent"),
            Err("needs stage enterprise (now at stage internal)"),
        ),
        (
            "stage not reached, not begun exposure",
            &begun,
            120,
            "alice",
            start_cmd("soak-check"),
            Err("needs stage internal baked (now at stage none)"),
        ),
        (
            "stage reached",
            &at_enterprise,
            900,
            "alice",
            start_cmd("verify-ent"),
            Ok("step_started"),
        ),
        (
            "stage reached, bake not over",
            &at_internal,
            400,
            "alice",
            start_cmd("soak-check"),
            Err("needs stage internal baked: 5m of bake left"),
        ),
        (
            "stage reached and baked",
            &at_internal,
            700,
            "alice",
            start_cmd("soak-check"),
            Ok("step_started"),
        ),
        (
            "a later stage counts as baked",
            &at_enterprise,
            801,
            "alice",
            start_cmd("soak-check"),
            Ok("step_started"),
        ),
        // 5. After the end.
        (
            "main step after COMPLETE",
            &completed,
            901,
            "alice",
            start_cmd("verify-ent"),
            Err("cutover is COMPLETE (only `phase = \"close\"` steps run after the end)"),
        ),
        (
            "close step after COMPLETE",
            &completed,
            901,
            "alice",
            start_cmd("close-change"),
            Ok("step_started"),
        ),
        (
            "new attempt after COMPLETE",
            &completed,
            901,
            "alice",
            Command::NewAttempt {
                reason: "next tenant segment".into(),
            },
            Ok("attempt_opened"),
        ),
        (
            "unlisted account starts a step, live",
            &at_internal,
            300,
            "mallory",
            start_cmd("soak-check"),
            Err("not listed in [operators]"),
        ),
        (
            "unlisted account opens a new attempt, live",
            &rolled_back,
            300,
            "mallory",
            Command::NewAttempt { reason: "x".into() },
            Err("not listed in [operators]"),
        ),
        (
            "main step after ROLLED_BACK",
            &rolled_back,
            300,
            "alice",
            start_cmd("verify-ent"),
            Err("only `phase = \"close\"` steps run after the end"),
        ),
        (
            "close step after ROLLED_BACK",
            &rolled_back,
            300,
            "alice",
            start_cmd("close-change"),
            Ok("step_started"),
        ),
        (
            "close step before begin",
            &ready_live,
            0,
            "alice",
            start_cmd("close-change"),
            Err("cutover not started"),
        ),
        (
            "new attempt while RUNNING",
            &at_internal,
            300,
            "alice",
            Command::NewAttempt {
                reason: "retry".into(),
            },
            Err("attempt 1 is RUNNING: a new attempt opens only after COMPLETE or ROLLED_BACK"),
        ),
        (
            "new attempt after ROLLED_BACK",
            &rolled_back,
            300,
            "alice",
            Command::NewAttempt {
                reason: "retry".into(),
            },
            Ok("attempt_opened"),
        ),
        // 3. Who may act.
        (
            "unlisted account begins, live",
            &ready_live,
            0,
            "mallory",
            Command::Begin,
            Err(
                "mallory is not listed in [operators]: in a live session an unlisted account may watch and note, nothing else",
            ),
        ),
        (
            "unlisted account pauses, live",
            &at_internal,
            300,
            "mallory",
            Command::Pause { reason: "x".into() },
            Err("not listed in [operators]"),
        ),
        (
            "unlisted account rolls back, live",
            &at_internal,
            300,
            "mallory",
            rollback(None),
            Err("not listed in [operators]"),
        ),
        (
            "unlisted account confirms a two-person rollback, live",
            &rollback_pending,
            300,
            "mallory",
            rollback(None),
            Err("not listed in [operators]"),
        ),
        (
            "unlisted account signs, live",
            &ready_live,
            0,
            "mallory",
            Command::Sign {
                gate: "go-live".into(),
                item: 3,
            },
            Err("not listed in [operators]"),
        ),
        (
            "unlisted account notes, live",
            &ready_live,
            0,
            "mallory",
            Command::Note {
                text: "watching".into(),
            },
            Ok("note"),
        ),
        (
            "unlisted account begins, rehearsal",
            &ready_rehearsal,
            0,
            "mallory",
            Command::Begin,
            Ok("cutover_started"),
        ),
        (
            "begin by a role it does not name, live",
            &ready_live,
            0,
            "bob",
            Command::Begin,
            Err("begin is for role ic; bob holds none of them"),
        ),
        (
            "begin by the IC, live",
            &ready_live,
            0,
            "alice",
            Command::Begin,
            Ok("cutover_started"),
        ),
        (
            "begin by another role, rehearsal",
            &ready_rehearsal,
            0,
            "bob",
            Command::Begin,
            Ok("cutover_started"),
        ),
        (
            "pause by a role it does not name, live",
            &at_internal,
            300,
            "carol",
            Command::Pause { reason: "x".into() },
            Err("pause is for role ic or db; carol holds none of them"),
        ),
        (
            "pause by a role it names, live",
            &at_internal,
            300,
            "bob",
            Command::Pause { reason: "x".into() },
            Ok("paused"),
        ),
    ];
    let panels = panels_with(&[]);
    for (name, events, secs, op, cmd, want) in rows {
        let mut s = State::new(&rb);
        for (i, (t, who, body)) in events.iter().enumerate() {
            let ev = Event {
                seq: i as u64 + 1,
                ts: at(*t),
                operator: who.to_string(),
                body: body.clone(),
            };
            reduce(&mut s, &rb, &ev);
        }
        let got = decide(&rb, &s, &cmd, op, &panels, at(secs), Seen::of(&s));
        match (got, want) {
            (Decision::Apply(evs), Ok(kind)) => {
                assert_eq!(evs[0].kind(), kind, "{name}")
            }
            (Decision::Refuse { reason, event }, Err(want)) => {
                assert!(reason.contains(want), "{name}: {reason:?} lacks {want:?}");
                assert!(
                    matches!(event, EventBody::Refused { .. }),
                    "{name}: journaled as refused"
                );
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

/// A new attempt: the ended attempt is kept as a summary, the cutover
/// starts again from READY (gates unsigned, steps pending, the point of
/// no return cleared), and replaying the journal gives the same state.
#[test]
fn a_new_attempt_starts_from_ready_and_keeps_the_old_one() {
    use crate::session::event::RollbackOutcome;
    let rows = vec![
        (0, "alice", signed("go-live", 1)),
        (1, "alice", EventBody::CutoverStarted {}),
        (2, "alice", expanded(None, "internal")),
        (
            3,
            "guard",
            EventBody::RollbackStarted {
                trigger: Trigger::Guard,
                reason: "x".into(),
                override_reason: None,
                evidence: Evidence::new(),
                recorded_late: None,
            },
        ),
        (
            4,
            "guard",
            EventBody::RollbackFinished {
                trigger: Trigger::Guard,
                reason: "x".into(),
                outcome: RollbackOutcome::Done,
            },
        ),
        (
            5,
            "alice",
            EventBody::AttemptOpened {
                attempt: 2,
                reason: "fixed the index".into(),
            },
        ),
        // A stale or doubled attempt_opened is ignored.
        (
            6,
            "bob",
            EventBody::AttemptOpened {
                attempt: 2,
                reason: "again".into(),
            },
        ),
    ];
    let s = state_of(&rows);
    assert_eq!(s.attempts.number, 2);
    assert_eq!(s.status, Status::Ready);
    assert_eq!(s.stage, None);
    assert!(s.stage_history.is_empty());
    assert!(s.gates[0].items[0].signers.is_empty(), "sign again");
    assert_eq!(s.attempts.past.len(), 1);
    assert_eq!(s.attempts.past[0].number, 1);
    assert_eq!(s.attempts.past[0].ended, Status::RolledBack);
    assert_eq!(s.attempts.past[0].started_at, Some(at(1)));
    assert_eq!(s.last_seq, 7);
}

/// A refusal is read beside the screen's clock: its times are in the
/// runbook's zone (Berlin: CET), as decided inside the journal's
/// transaction, not in UTC.
#[test]
fn refusal_times_are_in_the_runbooks_zone() {
    use crate::session::decide::{Decision, Seen, decide};
    let mut rb = sample_runbook();
    rb.cutover.timezone = Zone::parse("Europe/Berlin").unwrap();
    let s = state_of(&[(0, "alice", EventBody::CutoverStarted {})]);
    let cmd = Command::Rollback {
        reason: "mismatches".into(),
        override_reason: None,
    };
    let panels = panels_with(&[]);
    match decide(
        &rb,
        &s,
        &cmd,
        "alice",
        &panels,
        at(4 * 3600 + 1),
        Seen::of(&s),
    ) {
        Decision::Refuse { reason, .. } => assert_eq!(
            reason,
            "rollback deadline passed at 2026-11-22 03:00:00 CET (override with a reason)"
        ),
        got => panic!("{got:?}"),
    }
    let mut past = s.clone();
    past.attempts.no_return = Some(crate::session::state::NoReturn {
        step: "backfill".into(),
        by: "bob".into(),
        at: at(60),
    });
    match decide(&rb, &past, &cmd, "alice", &panels, at(120), Seen::of(&past)) {
        Decision::Refuse { reason, .. } => assert!(
            reason.contains("started by bob at 2026-11-21 23:01:00 CET"),
            "{reason}"
        ),
        got => panic!("{got:?}"),
    }
}
