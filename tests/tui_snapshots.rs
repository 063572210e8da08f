//! Whole-screen snapshots of the console after scripted states, at 80x24
//! (compact) and 120x40 (roomy). The clock is fixed by passing `now`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use warroom::health::PanelState;
use warroom::runbook::model::ActionKind;
use warroom::session::event::{EventBody, SessionMode, Trigger};
use warroom::session::state::{GateStatus, PendingAction, Status};
use warroom::tui::{App, Msg, Theme};

fn key(app: &mut App, c: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

fn opened_events() -> Vec<warroom::session::event::Event> {
    vec![
        event(
            1,
            at(-20, 0),
            "alice",
            EventBody::SessionOpened {
                runbook: "runbooks/billing-v2.toml".into(),
                runbook_sha256: "ab".repeat(32),
                mode: SessionMode::Rehearsal,
                runbook_text: None,
            },
        ),
        event(
            2,
            at(-20, 0),
            "alice",
            EventBody::OperatorAttached {
                host: None,
                read_only: false,
            },
        ),
        event(
            3,
            at(-15, 0),
            "bob",
            EventBody::OperatorAttached {
                host: Some("10.0.0.7".into()),
                read_only: false,
            },
        ),
    ]
}

/// Nothing polled, nothing signed: every panel says UNKNOWN, never OK.
fn empty_app() -> App {
    let rb = runbook();
    let mut s = ready_state(&rb);
    attach(&mut s, "alice", false);
    app(s, vec![], vec![], at(-20, 5))
}

#[test]
fn empty_session() {
    let app = empty_app();
    both("empty", &app);
    let text = render(&app, 80, 24);
    assert!(
        text.contains("UNKNOWN"),
        "unpolled panels read UNKNOWN:\n{text}"
    );
    assert!(text.contains("READY"));
}

fn half_signed_app() -> App {
    let rb = runbook();
    let mut s = ready_state(&rb);
    attach(&mut s, "alice", false);
    attach(&mut s, "bob", false);
    sign(&mut s, 0, 0, "alice", at(-12, 0));
    let mut ev = opened_events();
    ev.push(event(
        4,
        at(-12, 0),
        "alice",
        EventBody::Signed {
            gate: "go-live".into(),
            item: 1,
            evidence: Default::default(),
        },
    ));
    ev.push(event(
        5,
        at(-11, 0),
        "bob",
        EventBody::Refused {
            what: "sign go-live 1".into(),
            reason: "role ic not held by bob".into(),
        },
    ));
    let mut panels = healthy_panels();
    // The automatic item is waiting: mismatch OK for only 4 of 10 minutes.
    panels[3].state_since = Some(at(-4, 0));
    let mut a = app(s, panels, ev, at(0, 0));
    a.ui.focus = warroom::tui::mode::Pane::Gates;
    a.ui.sel_item = 2;
    a
}

#[test]
fn gates_half_signed() {
    let app = half_signed_app();
    both("half_signed", &app);
    let text = render(&app, 80, 24);
    assert!(
        text.contains("alice 01:48"),
        "the signer and time show:\n{text}"
    );
    assert!(
        text.contains("waiting"),
        "the auto item is not met yet:\n{text}"
    );
}

fn failing_app() -> App {
    let rb = runbook();
    let mut s = running_state(&rb);
    s.status = Status::Paused;
    let mut panels = healthy_panels();
    panels[0] = status(
        "errors",
        PanelState::Fail,
        Some(0.034),
        &[0.001, 0.0012, 0.002, 0.004, 0.009, 0.018, 0.027, 0.034],
        at(24, 30),
    );
    panels[4] = status(
        "legacy_up",
        PanelState::Error,
        None,
        &[0.03, 0.031],
        at(25, 0),
    );
    panels[4].error = Some("GET http://127.0.0.1:9200/healthz: connection refused".into());
    let mut ev = opened_events();
    ev.push(event(4, at(0, 0), "alice", EventBody::CutoverStarted {}));
    ev.push(event(
        5,
        at(14, 0),
        "bob",
        EventBody::StepStarted {
            step: "backfill".into(),
        },
    ));
    ev.push(event(
        6,
        at(20, 0),
        "alice",
        EventBody::Expanded {
            from_stage: None,
            to_stage: "internal".into(),
            exposure: 0.5,
            override_reason: None,
            evidence: Default::default(),
            automatic: false,
        },
    ));
    ev.push(event(
        7,
        at(25, 0),
        "alice",
        EventBody::GuardFired {
            panel: "errors".into(),
            when: warroom::runbook::model::GuardWhen::Fail,
            then: warroom::runbook::model::GuardThen::Pause,
            evidence: Default::default(),
        },
    ));
    ev.push(event(
        8,
        at(25, 0),
        "alice",
        EventBody::Paused {
            reason: "guard errors FAIL for 30s".into(),
            trigger: Trigger::Guard,
            evidence: Default::default(),
            recorded_late: None,
        },
    ));
    let mut a = app(s, panels, ev, at(25, 10));
    // Start values as captured when the cutover started.
    a.start_values.insert("errors".into(), 0.0011);
    a.story.panels.get_mut("errors").unwrap().start_value = Some(0.0011);
    a
}

#[test]
fn a_fail_panel() {
    let app = failing_app();
    both("fail_panel", &app);
    let text = render(&app, 80, 24);
    assert!(text.contains("FAIL") && text.contains("3.40%"), "{text}");
    assert!(text.contains("ERROR"), "a dead endpoint is ERROR:\n{text}");
    assert!(text.contains("PAUSED"));
}

fn pending_app() -> App {
    let rb = runbook();
    let mut s = running_state(&rb);
    s.pending.push(PendingAction {
        action: ActionKind::Rollback,
        requested_by: "bob".into(),
        reason: "mismatches climbing".into(),
        at: at(30, 0),
    });
    let mut ev = opened_events();
    ev.push(event(
        4,
        at(30, 0),
        "bob",
        EventBody::ActionRequested {
            action: ActionKind::Rollback,
            reason: "mismatches climbing".into(),
        },
    ));
    app(s, healthy_panels(), ev, at(31, 0))
}

#[test]
fn a_pending_two_person_request() {
    let app = pending_app();
    both("pending_two_person", &app);
    let text = render(&app, 80, 24);
    assert!(text.contains("TWO-PERSON"), "{text}");
    assert!(text.contains("rollback asked by bob 02:30"), "{text}");
}

#[test]
fn the_expand_confirm_modal_shows_refusals() {
    let mut app = failing_app();
    app.story.state.status = Status::Running;
    app.story.state.gates[1].status = GateStatus::Open;
    key(&mut app, KeyCode::Char('e'));
    both("confirm_expand", &app);
    let text = render(&app, 80, 24);
    assert!(text.contains("internal 0.5% → enterprise 5%"), "{text}");
    assert!(
        text.contains("bake: 4m50s left in stage internal"),
        "{text}"
    );
    assert!(text.contains("gate expand-enterprise is OPEN"), "{text}");
    assert!(text.contains("flagctl set billing-v2"), "{text}");
}

#[test]
fn the_rollback_confirm_modal_redacts_the_webhook() {
    let mut app = pending_app();
    // bob asked; alice's `r` goes straight to the confirmation of his request.
    key(&mut app, KeyCode::Char('r'));
    let text = render(&app, 120, 40);
    insta::assert_snapshot!("confirm_rollback_120x40", text);
    assert!(text.contains("confirms bob's request"), "{text}");
    assert!(
        text.contains("hooks/***") && !text.contains("SECRET123"),
        "{text}"
    );
}

#[test]
fn help_overlay() {
    let mut app = half_signed_app();
    key(&mut app, KeyCode::Char('?'));
    both("help", &app);
}

#[test]
fn a_read_only_observer() {
    let rb = runbook();
    let mut s = running_state(&rb);
    attach(&mut s, "carol", true);
    let mut opts = options("carol", Theme::color());
    opts.read_only = true;
    let mut app = App::new(rb, s.clone(), opts, at(40, 0));
    for p in healthy_panels() {
        app.update(Msg::Panel(p));
    }
    app.update(Msg::Journal {
        events: opened_events(),
        state: s,
    });
    both("read_only", &app);
    let text = render(&app, 80, 24);
    assert!(text.contains("READ-ONLY"), "{text}");
    let footer = text.lines().nth(23).unwrap();
    assert!(
        !footer.contains("pause") && !footer.contains("rollback"),
        "observers are offered no actions: {footer}"
    );
}

#[test]
fn details_of_a_failing_panel() {
    let mut app = failing_app();
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    let text = render(&app, 120, 40);
    insta::assert_snapshot!("detail_panel_120x40", text);
    assert!(text.contains("connection refused"), "{text}");
}

#[test]
fn wide_layout_shows_thresholds() {
    let app = failing_app();
    let text = render(&app, 200, 60);
    insta::assert_snapshot!("fail_panel_200x60", text);
    assert!(text.contains("fail > 2.00%"), "{text}");
}

#[test]
fn too_small_says_so() {
    let app = empty_app();
    let text = render(&app, 60, 20);
    assert!(
        text.contains("enlarge the terminal (need 80x24, have 60x20)"),
        "{text}"
    );
}

#[test]
fn no_color_theme_emits_no_colour() {
    let mut app = failing_app();
    app.opts.theme = Theme::no_color();
    app.opts.mode = SessionMode::Live;
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = render_buffer(&app, w, h);
        for cell in buf.content() {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "cell {:?} has colour",
                cell.symbol()
            );
        }
    }
    // And the colour theme does colour LIVE red, so the test can fail.
    app.opts.theme = Theme::color();
    let buf = render_buffer(&app, 80, 24);
    assert!(buf.content().iter().any(|c| c.bg == Color::Red));
}

#[test]
fn only_ok_is_green() {
    let app = failing_app();
    let buf = render_buffer(&app, 120, 40);
    let area = buf.area;
    for y in 0..area.height {
        let row: String = (0..area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        for x in 0..area.width {
            if buf[(x, y)].fg == Color::Green {
                // Green cells belong to an OK or GO word, or the "all OK" summary.
                let start = x.saturating_sub(8) as usize;
                let around: String = row.chars().skip(start).take(20).collect();
                assert!(
                    around.contains("OK") || around.contains("GO") || around.contains("met"),
                    "green outside OK: {around:?}"
                );
            }
        }
    }
}

/// Stage `internal` passed its canary analysis and the conductor announced
/// the automatic expand: every console's header counts it down with the
/// key that stops it; the health pane shows each compared panel's verdict
/// and p.
fn auto_expand_app() -> App {
    use warroom::analysis::{PanelComparison, Verdict};
    use warroom::session::canary::{AutoExpand, StageVerdict};
    let rb = runbook();
    let mut s = running_state(&rb);
    let cmp = |verdict, p, effect| PanelComparison {
        verdict,
        n_canary: 24,
        n_baseline: 24,
        p: Some(p),
        effect: Some(effect),
        shift: Some(0.0),
        why: "effect within ±0.3".into(),
    };
    s.canary.stage = s.stage;
    s.canary.measurements = vec![Verdict::Pass, Verdict::Pass];
    s.canary
        .panels
        .insert("errors".into(), cmp(Verdict::Pass, 0.41, 0.08));
    s.canary
        .panels
        .insert("mismatch".into(), cmp(Verdict::Pass, 0.0004, -0.62));
    s.canary.verdict = Some(StageVerdict {
        verdict: Verdict::Pass,
        reason: "2 passed".into(),
        at: at(30, 0),
    });
    s.canary.auto = AutoExpand::Announced {
        to_stage: "enterprise".into(),
        expand_at: at(30, 42),
    };
    app(s, healthy_panels(), opened_events(), at(30, 30))
}

#[test]
fn an_automatic_expand_counting_down() {
    let app = auto_expand_app();
    both("auto_expand", &app);
    let small = render(&app, 80, 24);
    assert!(
        small.contains("AUTO-EXPAND to enterprise in 12s: h holds"),
        "{small}"
    );
    assert!(small.contains("pass .41"), "{small}");
    assert!(small.contains("pass <.001"), "{small}");
    assert!(render(&app, 120, 40).contains("h hold"));
}
