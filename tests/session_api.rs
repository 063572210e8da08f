//! The Session API: replay determinism under random commands from several
//! consoles, races between consoles in real threads, guards firing once,
//! runbook changes, modes, observers, the follower feeding a console.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use warroom::console_session::{OpenOptions, Session, SessionError};
use warroom::health::{PanelMap, PanelState};
use warroom::journal::Journal;
use warroom::runbook::model::{ActionKind, GuardThen, GuardWhen, Runbook};
use warroom::session::command::{Command, Outcome};
use warroom::session::event::{EventBody, SessionMode, StepOutcome, Trigger};
use warroom::session::state::{State, Status};
use warroom::session::testkit::{all_ok, panel_status, sample_runbook};
use warroom::session::{evidence, guard_key};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

fn opts(op: &str) -> OpenOptions {
    OpenOptions {
        mode: SessionMode::Live,
        operator: op.into(),
        host: None,
        read_only: false,
        accept_runbook_change: false,
    }
}

fn open(rb: &Arc<Runbook>, path: &Path, op: &str, now: DateTime<Utc>) -> Session {
    Session::open_at(Arc::clone(rb), path, opts(op), now).unwrap()
}

fn replay_from_disk(rb: &Runbook, path: &Path) -> State {
    let events = Journal::open_read_only(path)
        .unwrap()
        .read_since(0)
        .unwrap();
    State::replay(rb, &events)
}

fn arb_command() -> impl Strategy<Value = Command> {
    let gate = prop_oneof![
        Just("go-live".to_string()),
        Just("expand-enterprise".to_string()),
        Just("expand-all".to_string()),
        Just("nope".to_string()),
    ];
    let step = prop_oneof![Just("freeze".to_string()), Just("backfill".to_string())];
    prop_oneof![
        Just(Command::Begin),
        (gate.clone(), 0u32..5).prop_map(|(gate, item)| Command::Sign { gate, item }),
        (gate.clone(), 1u32..4).prop_map(|(gate, item)| Command::Withdraw { gate, item }),
        (gate.clone(), 1u32..4).prop_map(|(gate, item)| Command::Veto {
            gate,
            item,
            reason: "no".into()
        }),
        (gate, 1u32..4).prop_map(|(gate, item)| Command::Lift { gate, item }),
        step.clone().prop_map(|step| Command::Start { step }),
        (
            step,
            prop_oneof![
                Just(StepOutcome::Done),
                Just(StepOutcome::Failed),
                Just(StepOutcome::Skipped)
            ]
        )
            .prop_map(|(step, outcome)| Command::Finish { step, outcome }),
        Just(Command::Pause {
            reason: "look".into()
        }),
        Just(Command::Resume {
            override_reason: None
        }),
        Just(Command::Expand {
            override_reason: None
        }),
        Just(Command::Expand {
            override_reason: Some("vp said so".into())
        }),
        Just(Command::Rollback {
            reason: "bad".into(),
            override_reason: None
        }),
        Just(Command::Note { text: "n".into() }),
        Just(Command::WithdrawRequest {
            action: ActionKind::Rollback
        }),
    ]
}

#[derive(Debug, Clone)]
struct Act {
    console: usize,
    operator: usize,
    advance: i64,
    mismatch: Option<PanelState>,
    cmd: Option<Command>,
}

fn arb_act() -> impl Strategy<Value = Act> {
    (
        0usize..2,
        0usize..4,
        0i64..400,
        prop::option::weighted(
            0.2,
            prop_oneof![Just(PanelState::Ok), Just(PanelState::Fail)],
        ),
        prop::option::weighted(0.9, arb_command()),
    )
        .prop_map(|(console, operator, advance, mismatch, cmd)| Act {
            console,
            operator,
            advance,
            mismatch,
            cmd,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever operators do at two consoles, each console's live state
    /// equals the state rebuilt from the journal on disk.
    #[test]
    fn live_state_equals_replay(acts in prop::collection::vec(arb_act(), 1..40)) {
        let ops = ["alice", "bob", "carol", "dave"];
        let rb = Arc::new(sample_runbook());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.db");
        let mut now = 0i64;
        let mut panels = all_ok(&rb, t(-3600));
        let mut consoles = [open(&rb, &path, "alice", t(0)), open(&rb, &path, "bob", t(0))];
        for act in acts {
            now += act.advance;
            if let Some(st) = act.mismatch {
                panels.insert("mismatch".into(), panel_status("mismatch", st, Some(1.0), Some(t(now))));
            }
            let c = &mut consoles[act.console];
            c.set_operator(ops[act.operator]);
            match &act.cmd {
                Some(cmd) => { c.submit(cmd, &panels, t(now)).unwrap(); }
                None => { c.observe(&panels, t(now)).unwrap(); }
            }
            // What this console shows is the journal up to its last seq.
            let upto = c.state().last_seq;
            let events = Journal::open_read_only(&path).unwrap().read_since(0).unwrap();
            let prefix = State::replay(&rb, events.iter().take_while(|e| e.seq <= upto));
            prop_assert_eq!(c.state(), &prefix);
        }
        for c in consoles.iter_mut() {
            c.refresh().unwrap();
            prop_assert_eq!(c.state(), &replay_from_disk(&rb, &path));
        }
    }
}

/// Set up: go-live GO, begun, at stage internal, bake over, enterprise gate GO.
fn ready_to_expand(rb: &Arc<Runbook>, path: &Path) -> PanelMap {
    let panels = all_ok(rb, t(-3600));
    let mut s = open(rb, path, "alice", t(0));
    for (op, cmd) in [
        ("alice", Command::Begin),
        (
            "alice",
            Command::Expand {
                override_reason: None,
            },
        ),
        (
            "bob",
            Command::Sign {
                gate: "expand-enterprise".into(),
                item: 1,
            },
        ),
        (
            "carol",
            Command::Sign {
                gate: "expand-enterprise".into(),
                item: 1,
            },
        ),
    ] {
        s.set_operator(op);
        assert!(
            matches!(s.submit(&cmd, &panels, t(1)).unwrap(), Outcome::Applied(_)),
            "{cmd:?}"
        );
    }
    panels
}

#[test]
fn two_consoles_expanding_at_once_expand_once() {
    for _ in 0..5 {
        let rb = Arc::new(sample_runbook());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.db");
        let panels = ready_to_expand(&rb, &path);
        let barrier = Arc::new(Barrier::new(2));
        let outcomes: Vec<Outcome> = std::thread::scope(|sc| {
            let hs: Vec<_> = ["alice", "bob"]
                .into_iter()
                .map(|op| {
                    let mut s = open(&rb, &path, op, t(700));
                    let (b, p) = (Arc::clone(&barrier), panels.clone());
                    sc.spawn(move || {
                        b.wait();
                        s.submit(
                            &Command::Expand {
                                override_reason: None,
                            },
                            &p,
                            t(700),
                        )
                        .unwrap()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let applied = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Applied(_)))
            .count();
        assert_eq!(applied, 1, "{outcomes:?}");
        let refused = outcomes
            .iter()
            .find_map(|o| match o {
                Outcome::Refused { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .unwrap();
        assert!(refused.contains("already at stage enterprise"), "{refused}");
        let events = Journal::open_read_only(&path)
            .unwrap()
            .read_since(0)
            .unwrap();
        let expanded = events
            .iter()
            .filter(|e| matches!(&e.body, EventBody::Expanded { to_stage, .. } if to_stage == "enterprise"))
            .count();
        assert_eq!(expanded, 1);
    }
}

#[test]
fn a_guard_seen_by_three_consoles_fires_once() {
    let rb = Arc::new(sample_runbook());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut panels = all_ok(&rb, t(-3600));
    open(&rb, &path, "alice", t(0))
        .submit(&Command::Begin, &panels, t(1))
        .unwrap();
    let breach = t(100);
    panels.insert(
        "errors".into(),
        panel_status("errors", PanelState::Fail, Some(0.09), Some(breach)),
    );
    let guard = rb.guards[0].clone();
    let key = guard_key(&guard);
    assert_eq!(key, "errors/fail/pause");
    let barrier = Arc::new(Barrier::new(3));
    std::thread::scope(|sc| {
        for op in ["alice", "bob", "carol"] {
            let mut s = open(&rb, &path, op, t(130));
            let (b, p, key) = (Arc::clone(&barrier), panels.clone(), key.clone());
            sc.spawn(move || {
                b.wait();
                // The guard module's decision, made inside the write lock:
                // fire once per breach.
                s.transact_at(
                    |state, _| {
                        let fired = state
                            .guard_last_fired
                            .get(&key)
                            .is_some_and(|at| *at >= breach);
                        if fired || state.status != Status::Running {
                            return vec![];
                        }
                        vec![
                            EventBody::GuardFired {
                                panel: "errors".into(),
                                when: GuardWhen::Fail,
                                then: GuardThen::Pause,
                                evidence: evidence(&p),
                            },
                            EventBody::Paused {
                                reason: "guard errors fail".into(),
                                trigger: Trigger::Guard,
                                evidence: evidence(&p),
                                recorded_late: None,
                            },
                        ]
                    },
                    "guard",
                    t(130),
                )
                .unwrap();
            });
        }
    });
    let state = replay_from_disk(&rb, &path);
    assert_eq!(state.status, Status::Paused);
    let events = Journal::open_read_only(&path)
        .unwrap()
        .read_since(0)
        .unwrap();
    let fired = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::GuardFired { .. }))
        .count();
    assert_eq!(fired, 1, "three consoles, one breach, one firing");
    assert_eq!(state.guard_last_fired.get(&key), Some(&t(130)));
}

#[test]
fn a_changed_runbook_is_refused_unless_accepted() {
    let rb = Arc::new(sample_runbook());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut s = open(&rb, &path, "alice", t(0));
    s.detach_at(t(1), warroom::session::event::DetachReason::Quit)
        .unwrap();
    let mut changed = sample_runbook();
    changed.sha256 = "b".repeat(64);
    let changed = Arc::new(changed);
    let err = Session::open_at(Arc::clone(&changed), &path, opts("alice"), t(2)).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SessionError::RunbookChanged { .. }));
    assert!(
        msg.contains(&"a".repeat(64)) && msg.contains(&"b".repeat(64)),
        "{msg}"
    );
    assert!(msg.contains("--accept-runbook-change"), "{msg}");
    let before = Journal::open_read_only(&path).unwrap().last_seq().unwrap();
    assert_eq!(before, 3, "a refused open journals nothing");
    let mut o = opts("alice");
    o.accept_runbook_change = true;
    let s = Session::open_at(Arc::clone(&changed), &path, o, t(3)).unwrap();
    let kinds: Vec<String> = s.events().iter().skip(3).map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["runbook_change_accepted", "operator_attached"]);
    drop(s);
    // Accepted once: the next console opens without the flag.
    Session::open_at(Arc::clone(&changed), &path, opts("bob"), t(4)).unwrap();
}

#[test]
fn modes_do_not_mix_and_observers_only_join() {
    let rb = Arc::new(sample_runbook());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rehearsal-1.db");
    let mut observer = opts("dave");
    observer.read_only = true;
    observer.mode = SessionMode::Rehearsal;
    let err = Session::open_at(Arc::clone(&rb), &path, observer.clone(), t(0)).unwrap_err();
    assert!(matches!(err, SessionError::NoSession { .. }), "{err}");
    assert!(!path.exists(), "an observer creates nothing");
    let mut o = opts("alice");
    o.mode = SessionMode::Rehearsal;
    Session::open_at(Arc::clone(&rb), &path, o, t(0)).unwrap();
    let err = Session::open_at(Arc::clone(&rb), &path, opts("alice"), t(1)).unwrap_err();
    assert!(err.to_string().contains("is a rehearsal session"), "{err}");
    let mut watcher = Session::open_at(Arc::clone(&rb), &path, observer, t(2)).unwrap();
    assert!(watcher.state().attached["dave"].read_only);
    let before = watcher.state().last_seq;
    let out = watcher
        .submit(&Command::Begin, &all_ok(&rb, t(0)), t(3))
        .unwrap();
    assert!(matches!(out, Outcome::Refused { ref events, .. } if events.is_empty()));
    assert_eq!(
        Journal::open_read_only(&path).unwrap().last_seq().unwrap(),
        before
    );
}

#[test]
fn follower_feeds_another_console() {
    let rb = Arc::new(sample_runbook());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let panels = all_ok(&rb, t(-3600));
    let mut alice = open(&rb, &path, "alice", t(0));
    let mut bob = open(&rb, &path, "bob", t(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _h = warroom::journal::follow(&path, bob.state().last_seq, 0, tx).unwrap();
    alice.submit(&Command::Begin, &panels, t(5)).unwrap();
    alice
        .submit(
            &Command::Note {
                text: "hello bob".into(),
            },
            &panels,
            t(6),
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while bob.state().last_seq < alice.state().last_seq {
        match rx.try_recv() {
            Ok(warroom::journal::Followed::Event(ev)) => {
                bob.apply_followed(&ev);
            }
            Ok(_) => {}
            Err(_) => {
                assert!(Instant::now() < deadline, "bob never saw alice's events");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    assert_eq!(bob.state(), alice.state());
    assert_eq!(bob.state().status, Status::Running);
    assert_eq!(bob.events().back().unwrap().operator, "alice");
}
