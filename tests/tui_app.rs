//! The console driven headless: keys and messages in, effects and the
//! drawn screen out. Also the `:` line's parser and completion, by table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use crossterm::event::KeyCode;
use warroom::session::command::Command;
use warroom::session::event::{EventBody, StepOutcome};
use warroom::session::state::Status;
use warroom::tui::command_line::{Parsed, parse};
use warroom::tui::completion::complete;
use warroom::tui::mode::{Mode, Pane};
use warroom::tui::{App, Effect, ExtraKey, Msg};

fn run_line(app: &mut App, line: &str) {
    press(app, KeyCode::Char(':'));
    typ(app, line);
    press(app, KeyCode::Enter);
}

fn running_app() -> App {
    let rb = runbook();
    app(running_state(&rb), healthy_panels(), vec![], at(30, 0))
}

#[test]
fn parses_every_command() {
    let rb = runbook();
    let s = |x: &str| x.to_string();
    let table: Vec<(&str, Parsed)> = vec![
        ("begin", Parsed::Run(Command::Begin)),
        (
            "sign go-live 1",
            Parsed::Run(Command::Sign {
                gate: s("go-live"),
                item: 1,
            }),
        ),
        (
            ":withdraw go-live 3",
            Parsed::Run(Command::Withdraw {
                gate: s("go-live"),
                item: 3,
            }),
        ),
        (
            "veto go-live 3  support  not   briefed",
            Parsed::Run(Command::Veto {
                gate: s("go-live"),
                item: 3,
                reason: s("support  not   briefed"),
            }),
        ),
        (
            "lift go-live 3",
            Parsed::Run(Command::Lift {
                gate: s("go-live"),
                item: 3,
            }),
        ),
        (
            "start freeze",
            Parsed::Run(Command::Start { step: s("freeze") }),
        ),
        (
            "finish freeze",
            Parsed::Run(Command::Finish {
                step: s("freeze"),
                outcome: StepOutcome::Done,
            }),
        ),
        (
            "finish freeze failed",
            Parsed::Run(Command::Finish {
                step: s("freeze"),
                outcome: StepOutcome::Failed,
            }),
        ),
        (
            "finish freeze skipped",
            Parsed::Run(Command::Finish {
                step: s("freeze"),
                outcome: StepOutcome::Skipped,
            }),
        ),
        (
            "pause",
            Parsed::Run(Command::Pause {
                reason: s("operator"),
            }),
        ),
        (
            "pause latency looks odd",
            Parsed::Run(Command::Pause {
                reason: s("latency looks odd"),
            }),
        ),
        (
            "resume",
            Parsed::Run(Command::Resume {
                override_reason: None,
            }),
        ),
        (
            "expand",
            Parsed::Run(Command::Expand {
                override_reason: None,
            }),
        ),
        (
            "expand --override IC accepts the bake",
            Parsed::Run(Command::Expand {
                override_reason: Some(s("IC accepts the bake")),
            }),
        ),
        (
            "rollback mismatches",
            Parsed::Run(Command::Rollback {
                reason: s("mismatches"),
                override_reason: None,
            }),
        ),
        (
            "rollback --override past deadline, data at risk",
            Parsed::Run(Command::Rollback {
                reason: s("past deadline, data at risk"),
                override_reason: Some(s("past deadline, data at risk")),
            }),
        ),
        (
            "note called the bank",
            Parsed::Run(Command::Note {
                text: s("called the bank"),
            }),
        ),
        ("as bob", Parsed::As(s("bob"))),
        ("help", Parsed::Help),
        ("quit", Parsed::Quit),
    ];
    for (line, want) in table {
        assert_eq!(parse(line, &rb), Ok(want), "parsing {line:?}");
    }
}

#[test]
fn parse_errors_say_what_was_meant() {
    let rb = runbook();
    let table = [
        (
            "sign go-lve 1",
            "unknown gate `go-lve`: did you mean `go-live`?",
        ),
        (
            "sign go-live 4",
            "gate `go-live` has items 1..3; `4` is not one of them",
        ),
        (
            "sign go-live 0",
            "gate `go-live` has items 1..3; `0` is not one of them",
        ),
        ("sign go-live", "usage: sign GATE ITEM"),
        (
            "start backfil",
            "unknown step `backfil`: did you mean `backfill`?",
        ),
        (
            "finish freeze maybe",
            "unknown outcome `maybe`: use done, failed or skipped",
        ),
        (
            "veto go-live 1",
            "a veto needs a reason: veto GATE ITEM REASON",
        ),
        ("rollback", "a rollback needs a reason: rollback REASON"),
        (
            "expand --override",
            "an override needs a reason: expand --override REASON",
        ),
        (
            "expand now",
            "unexpected `now`: usage: expand [--override REASON]",
        ),
        (
            "sgin go-live 1",
            "unknown command `sgin`: did you mean `sign`?",
        ),
        ("", "type a command; `help` lists them"),
    ];
    for (line, want) in table {
        assert_eq!(parse(line, &rb), Err(want.to_string()), "parsing {line:?}");
    }
}

#[test]
fn completes_commands_ids_items_and_outcomes() {
    let rb = runbook();
    let table: &[(&str, &[&str], &str)] = &[
        ("si", &["sign"], "sign "),
        ("s", &["sign", "start"], "s"),
        (
            "sign ",
            &["go-live", "expand-enterprise", "expand-all"],
            "sign ",
        ),
        (
            "sign exp",
            &["expand-enterprise", "expand-all"],
            "sign expand-",
        ),
        ("sign go-live ", &["1", "2", "3"], "sign go-live "),
        ("start b", &["backfill"], "start backfill "),
        ("finish freeze f", &["failed"], "finish freeze failed "),
        ("expand --", &["--override"], "expand --override "),
        ("as ", &["alice", "bob"], "as "),
        ("note anything", &[], "note anything"),
        // A no-break space pasted from chat is whitespace too (it used to
        // slice inside its two bytes and panic).
        ("start\u{a0}b", &["backfill"], "start\u{a0}backfill "),
    ];
    for (line, cands, applied) in table {
        let c = complete(line, &rb);
        assert_eq!(&c.candidates, cands, "candidates for {line:?}");
        assert_eq!(c.apply(line), *applied, "applying to {line:?}");
    }
}

#[test]
fn tab_on_the_command_line_completes_in_place() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char(':'));
    typ(&mut app, "sign go");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.ui.cmdline.text(), "sign go-live ");
    let text = render(&app, 80, 24);
    assert!(text.contains(":sign go-live"), "{text}");
}

#[test]
fn a_typo_stays_on_the_line_with_a_suggestion() {
    let mut app = running_app();
    run_line(&mut app, "sign go-lve 1");
    assert_eq!(app.ui.mode, Mode::CommandLine);
    assert!(app.take_effects().is_empty());
    let text = render(&app, 80, 24);
    assert!(text.contains("did you mean `go-live`?"), "{text}");
}

#[test]
fn history_recalls_the_last_command() {
    let mut app = running_app();
    run_line(&mut app, "note one");
    run_line(&mut app, "note two");
    app.take_effects();
    press(&mut app, KeyCode::Char(':'));
    press(&mut app, KeyCode::Up);
    assert_eq!(app.ui.cmdline.text(), "note two");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.ui.cmdline.text(), "note one");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Note { text: "one".into() })]
    );
}

#[test]
fn pause_acts_at_once_and_resume_when_paused() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Pause {
            reason: "operator".into()
        })]
    );
    let mut s = app.story.state.clone();
    s.status = Status::Paused;
    app.update(Msg::Journal {
        events: vec![],
        state: s,
    });
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Resume {
            override_reason: None
        })]
    );
    assert!(
        render(&app, 80, 24)
            .lines()
            .last()
            .unwrap()
            .contains("p resume")
    );
}

#[test]
fn expand_asks_first_and_anything_but_y_cancels() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.ui.mode, Mode::Confirm(_)));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.ui.mode, Mode::Normal);
    assert!(app.take_effects().is_empty());
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Expand {
            override_reason: None
        })]
    );
}

#[test]
fn a_refused_expand_can_be_overridden_with_a_typed_reason() {
    let mut app = running_app();
    // Stage entered at 00:20, bake 10m, now 00:25: refused by the bake.
    app.now = at(25, 0);
    press(&mut app, KeyCode::Char('e'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("refused: bake: 5m left in stage internal"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('o'));
    typ(&mut app, "IC accepts");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Expand {
            override_reason: Some("IC accepts".into())
        })]
    );
}

#[test]
fn rollback_asks_a_reason_then_confirmation() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char('r'));
    assert!(matches!(app.ui.mode, Mode::TextInput(_)));
    press(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("type something, or esc to cancel"));
    typ(&mut app, "mismatches");
    press(&mut app, KeyCode::Enter);
    let text = render(&app, 80, 24);
    assert!(text.contains("Roll back: mismatches"), "{text}");
    assert!(text.contains("two-person: this is a request"), "{text}");
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Rollback {
            reason: "mismatches".into(),
            override_reason: None
        })]
    );
}

#[test]
fn space_signs_and_withdraws_the_selected_item() {
    let rb = runbook();
    let mut app = app(ready_state(&rb), healthy_panels(), vec![], at(0, 0));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.ui.focus, Pane::Gates);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Sign {
            gate: "go-live".into(),
            item: 1
        })]
    );
    let mut s = app.story.state.clone();
    sign(&mut s, 0, 0, "alice", at(0, 0));
    app.update(Msg::Journal {
        events: vec![],
        state: s,
    });
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Withdraw {
            gate: "go-live".into(),
            item: 1
        })]
    );
    // Item 2 is automatic: nothing to sign.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char(' '));
    assert!(app.take_effects().is_empty());
    assert!(render(&app, 80, 24).contains("automatic item"));
}

#[test]
fn veto_takes_a_reason() {
    let rb = runbook();
    let mut app = app(ready_state(&rb), vec![], vec![], at(0, 0));
    app.ui.focus = Pane::Gates;
    app.ui.sel_item = 2;
    press(&mut app, KeyCode::Char('x'));
    typ(&mut app, "not briefed");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Veto {
            gate: "go-live".into(),
            item: 3,
            reason: "not briefed".into()
        })]
    );
}

#[test]
fn an_irreversible_step_starts_only_when_its_id_is_typed() {
    let rb = runbook();
    let mut s = running_state(&rb);
    s.steps[1] = ready_state(&rb).steps[1].clone();
    let mut app = app(s, vec![], vec![], at(30, 0));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('s'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("POINT OF NO RETURN: type `backfill`"),
        "{text}"
    );
    typ(&mut app, "backfil");
    press(&mut app, KeyCode::Enter);
    assert!(app.take_effects().is_empty());
    assert!(render(&app, 80, 24).contains("typed `backfil`, not `backfill`: not started"));
    press(&mut app, KeyCode::Char('s'));
    typ(&mut app, "backfill");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Start {
            step: "backfill".into()
        })]
    );
}

#[test]
fn finishing_a_running_step_asks_the_outcome() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('s'));
    assert!(render(&app, 80, 24).contains("Finish step"));
    press(&mut app, KeyCode::Char('f'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Finish {
            step: "backfill".into(),
            outcome: StepOutcome::Failed
        })]
    );
}

#[test]
fn quit_asks_and_never_submits_anything() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char('q'));
    assert!(render(&app, 80, 24).contains("The cutover goes on"));
    press(&mut app, KeyCode::Esc);
    assert!(!app.quit);
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
    assert_eq!(app.take_effects(), vec![Effect::Quit]);
}

#[test]
fn an_observer_cannot_act_by_key_or_command() {
    let mut app = running_app();
    app.opts.read_only = true;
    for c in ['p', 'e', 'r', 'n', 'b'] {
        press(&mut app, KeyCode::Char(c));
        assert_eq!(app.ui.mode, Mode::Normal, "key {c} opened something");
    }
    run_line(&mut app, "note hi");
    assert!(app.take_effects().is_empty());
    assert!(render(&app, 80, 24).contains("read-only: an observer cannot act"));
}

#[test]
fn as_is_refused_live_and_allowed_in_rehearsal() {
    let mut app = running_app();
    run_line(&mut app, "as bob");
    assert_eq!(app.take_effects(), vec![Effect::SetOperator("bob".into())]);
    app.update(Msg::Operator("bob".into()));
    // (At 80 columns the operators may be only a count: 120 shows names.)
    assert!(render(&app, 120, 40).contains("ops: bob (you)"));
    app.opts.allow_as = false;
    run_line(&mut app, "as alice");
    assert!(app.take_effects().is_empty());
    assert!(render(&app, 80, 24).contains("`as` works only in rehearse and demo"));
}

#[test]
fn demo_keys_are_offered_and_handed_back() {
    let mut app = running_app();
    app.opts.extra_keys = vec![ExtraKey {
        key: '1',
        label: "error spike".into(),
        id: "spike".into(),
    }];
    assert!(render(&app, 120, 40).contains("1 error spike"));
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.take_effects(), vec![Effect::Extra("spike".into())]);
}

#[test]
fn refusals_and_other_consoles_events_show_up() {
    let mut app = running_app();
    app.update(Msg::Refused("role ic not held by bob".into()));
    assert!(render(&app, 80, 24).contains("refused: role ic not held by bob"));
    let s = app.story.state.clone();
    let e = event(
        9,
        at(30, 0),
        "bob",
        EventBody::Note {
            text: "bank confirmed".into(),
        },
    );
    app.update(Msg::Journal {
        events: vec![e.clone()],
        state: s.clone(),
    });
    // The same event again (our own echo via the follower) is not doubled.
    app.update(Msg::Journal {
        events: vec![e],
        state: s,
    });
    assert_eq!(app.story.tail.len(), 1);
    assert!(render(&app, 120, 40).contains("bob       note: bank confirmed"));
}

#[test]
fn start_values_are_taken_when_the_cutover_starts() {
    let rb = runbook();
    let mut app = app(ready_state(&rb), healthy_panels(), vec![], at(0, 0));
    let started = running_state(&rb);
    app.update(Msg::Journal {
        events: vec![event(5, at(0, 0), "alice", EventBody::CutoverStarted {})],
        state: started,
    });
    let mut p = healthy_panels().remove(0);
    p.value = Some(0.0112);
    app.update(Msg::Panel(p));
    assert_eq!(app.story.panels["errors"].start_value, Some(0.0012));
    // The tiles (120x40) show the change since start; one-line rows do not.
    assert!(render(&app, 120, 40).contains("Δ+1.00%"));
}

#[test]
fn the_clock_redraws_only_when_the_second_changes() {
    let mut app = running_app();
    assert!(!app.update(Msg::Tick(at(30, 0) + chrono::TimeDelta::milliseconds(400))));
    assert!(app.update(Msg::Tick(at(30, 1))));
}

#[test]
fn the_requester_of_a_two_person_rollback_is_told_to_wait() {
    let rb = runbook();
    let mut s = running_state(&rb);
    s.pending.push(warroom::session::state::PendingAction {
        action: warroom::runbook::model::ActionKind::Rollback,
        requested_by: "alice".into(),
        reason: "mismatches".into(),
        at: at(30, 0),
    });
    let mut app = app(s, vec![], vec![], at(31, 0));
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.ui.mode, Mode::Normal);
    assert!(app.take_effects().is_empty());
    let text = render(&app, 80, 24);
    assert!(text.contains("waiting for a different operator"), "{text}");
}

#[test]
fn the_rollback_deadline_turns_red_in_its_last_half_hour_and_says_when_it_passed() {
    use ratatui::style::Color;
    let rb = runbook();
    // Started at 02:00 with a 4h window: the deadline is 06:00.
    let mut app = app(running_state(&rb), vec![], vec![], at(179, 0));
    let red_at = |app: &App, needle: &str| {
        let buf = render_buffer(app, 120, 40);
        let text = buffer_text(&buf);
        let row = text
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not on screen:\n{text}"));
        let col = text.lines().nth(row).unwrap().find(needle).unwrap();
        let col = text.lines().nth(row).unwrap()[..col].chars().count() as u16;
        buf[(col, row as u16)].fg == Color::Red
    };
    assert!(!red_at(&app, "rollback in 1:01:00"));
    app.update(Msg::Tick(at(211, 0)));
    assert!(red_at(&app, "rollback in 0:29:00"));
    app.update(Msg::Tick(at(241, 0)));
    assert!(red_at(&app, "ROLLBACK DEADLINE PASSED (06:00 UTC)"));
}

/// The countdown stops once the cutover is over, either way.
#[test]
fn the_rollback_deadline_stops_once_rolled_back_or_complete() {
    let rb = runbook();
    for status in [Status::RolledBack, Status::Complete] {
        let mut state = running_state(&rb);
        state.status = status;
        for now in [at(179, 0), at(241, 0)] {
            let text = render(&app(state.clone(), vec![], vec![], now), 120, 40);
            assert!(text.contains("rollback deadline stopped"), "{text}");
            assert!(!text.contains("rollback in"), "{text}");
            assert!(!text.contains("DEADLINE PASSED"), "{text}");
        }
    }
}

/// An interrupted expand leaves the exposure unknown on screen, at 80
/// columns too, instead of the stage it was moving to.
#[test]
fn an_interrupted_expand_shows_the_exposure_as_unknown() {
    let rb = runbook();
    let mut state = running_state(&rb);
    state.expand_interrupted = true;
    for (w, h) in [(80, 24), (160, 50)] {
        let text = render(&app(state.clone(), vec![], vec![], at(10, 0)), w, h);
        assert!(text.contains("unknown (expand interrupted)"), "{text}");
    }
}

#[test]
fn enter_on_the_journal_shows_an_actions_whole_output() {
    let mut app = running_app();
    let s = app.story.state.clone();
    let ran = event(
        7,
        at(29, 0),
        "alice",
        EventBody::ActionRan {
            id: None,
            outcome: None,
            webhook_status: None,
            action: "pause".into(),
            executed: true,
            exit_code: Some(3),
            duration_ms: 1200,
            output_tail:
                "flagctl: connecting\nflagctl: token SECRET123 rejected\nflagctl: giving up".into(),
            webhook: None,
        },
    );
    let note = event(
        8,
        at(29, 30),
        "bob",
        EventBody::Note {
            text: "looking".into(),
        },
    );
    app.update(Msg::Journal {
        events: vec![ran, note],
        state: s,
    });
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(app.ui.focus, Pane::Journal);
    // The newest line is selected; up moves to the action.
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter);
    let text = render(&app, 120, 40);
    insta::assert_snapshot!("detail_event_120x40", text);
    assert!(text.contains("#7 action_ran"), "{text}");
    assert!(
        text.contains("flagctl: connecting") && text.contains("flagctl: giving up"),
        "{text}"
    );
    assert!(
        text.contains("token *** rejected") && !text.contains("SECRET123"),
        "{text}"
    );
}

#[test]
fn a_step_with_a_command_shows_it_and_asks_first() {
    let rb = runbook();
    let mut s = running_state(&rb);
    s.steps[0] = ready_state(&rb).steps[0].clone();
    let mut app = app(s, vec![], vec![], at(30, 0));
    press(&mut app, KeyCode::Char('s'));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Start freeze: Freeze writes on legacy billing"),
        "{text}"
    );
    assert!(
        text.contains("$ ./scripts/freeze-writes.sh (timeout 5m)"),
        "{text}"
    );
    assert!(app.take_effects().is_empty());
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Start {
            step: "freeze".into()
        })]
    );
    // The same from the command line.
    run_line(&mut app, "start freeze");
    assert!(matches!(app.ui.mode, Mode::Confirm(_)));
}

#[test]
fn a_long_evidence_list_never_pushes_the_keys_off_a_small_screen() {
    let mut rb = (*runbook()).clone();
    let extra = rb.panels[1].clone();
    for i in 0..12 {
        let mut p = extra.clone();
        p.id = format!("extra{i}");
        p.title = format!("Extra panel {i}");
        rb.panels.push(p);
    }
    let rb = std::sync::Arc::new(rb);
    let s = running_state(&rb);
    let mut app = App::new(
        rb,
        s,
        options("alice", warroom::tui::Theme::color()),
        at(40, 0),
    );
    let mut failing = healthy_panels().remove(0);
    failing.state = warroom::health::PanelState::Fail;
    app.update(Msg::Panel(failing));
    press(&mut app, KeyCode::Char('e'));
    let text = render(&app, 80, 24);
    insta::assert_snapshot!("confirm_long_evidence_80x24", text);
    assert!(
        text.contains("5xx ratio, billing v2") && text.contains("FAIL"),
        "the failing panel is listed:\n{text}"
    );
    assert!(text.contains("more panels"), "{text}");
    assert!(
        text.contains("n/esc cancel"),
        "the keys stay on screen:\n{text}"
    );
}

#[test]
fn details_scroll_and_close() {
    let mut app = running_app();
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.ui.mode, Mode::Detail(_)));
    let text = render(&app, 80, 24);
    assert!(
        text.contains("Check replication lag is under 1s first.")
            && text.contains("state     done"),
        "{text}"
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.ui.detail_scroll, 2);
    assert!(
        !render(&app, 80, 24).contains("state     done"),
        "scrolled past the first line"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.ui.mode, Mode::Normal);
}

#[test]
fn gate_and_step_keys_in_the_wrong_pane_say_where_to_go() {
    let mut app = running_app();
    app.ui.focus = Pane::Health;
    press(&mut app, KeyCode::Char(' '));
    assert!(render(&app, 120, 40).contains("select a gate item first (tab to Gates)"));
    press(&mut app, KeyCode::Char('x'));
    assert!(render(&app, 120, 40).contains("select a gate item first (tab to Gates)"));
    press(&mut app, KeyCode::Char('s'));
    assert!(render(&app, 120, 40).contains("select a step first (tab to Runbook)"));
}

#[test]
fn an_irreversible_step_asks_its_id_on_every_path_and_only_after_the_rules_say_yes() {
    let rb = runbook();
    // Allowed: freeze is done, backfill pending.
    let mut s = running_state(&rb);
    s.steps[1] = ready_state(&rb).steps[1].clone();
    let mut first = app(s.clone(), vec![], vec![], at(30, 0));
    let app_ = &mut first;
    run_line(app_, "start backfill");
    assert!(
        render(app_, 80, 24).contains("POINT OF NO RETURN: type `backfill`"),
        "`:start` asks for the id like `s` does"
    );
    assert!(app_.take_effects().is_empty());
    typ(app_, "backfill");
    press(app_, KeyCode::Enter);
    assert_eq!(
        app_.take_effects(),
        vec![Effect::Submit(Command::Start {
            step: "backfill".into()
        })]
    );
    // Refused (the cutover has not begun): submitted at once, so the
    // refusal and its reason come before anything is asked, on both paths.
    let _ = s;
    let refused = ready_state(&rb);
    for via_key in [false, true] {
        let mut app = app(refused.clone(), vec![], vec![], at(30, 0));
        if via_key {
            press(&mut app, KeyCode::Char('j'));
            press(&mut app, KeyCode::Char('s'));
        } else {
            run_line(&mut app, "start backfill");
        }
        assert!(
            matches!(app.ui.mode, Mode::Normal),
            "nothing asked (key: {via_key}): {:?}",
            app.ui.mode
        );
        assert_eq!(
            app.take_effects(),
            vec![Effect::Submit(Command::Start {
                step: "backfill".into()
            })]
        );
    }
}

#[test]
fn an_irreversible_step_with_a_command_asks_the_id_then_shows_the_command() {
    let mut rb = (*runbook()).clone();
    rb.steps[1].run = Some("./scripts/backfill.sh".into());
    let mut s = running_state(&rb);
    s.steps[1] = ready_state(&rb).steps[1].clone();
    let mut app = warroom::tui::App::new(
        std::sync::Arc::new(rb),
        s.clone(),
        options("alice", warroom::tui::Theme::color()),
        at(30, 0),
    );
    app.update(Msg::Journal {
        events: vec![],
        state: s,
    });
    run_line(&mut app, "start backfill");
    typ(&mut app, "backfill");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.ui.mode, Mode::Confirm(_)));
    assert!(render(&app, 80, 24).contains("$ ./scripts/backfill.sh"));
    assert!(app.take_effects().is_empty());
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Submit(Command::Start {
            step: "backfill".into()
        })]
    );
}

/// In a confirmation only its own keys act: a command line typed into it
/// is ignored with a hint, the question stays, nothing is submitted and
/// no hotkey behind the dialog runs (`r` would open a rollback).
#[test]
fn a_confirmation_ignores_every_key_but_its_own() {
    let mut app = running_app();
    press(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.ui.mode, Mode::Confirm(_)));
    typ(&mut app, ":start backfill r");
    assert!(
        matches!(app.ui.mode, Mode::Confirm(_)),
        "still asking: {:?}",
        app.ui.mode
    );
    assert!(app.take_effects().is_empty());
    assert!(
        render(&app, 120, 40).contains("ignored: this question takes only y, o, n or esc"),
        "{}",
        render(&app, 120, 40)
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.ui.mode, Mode::Normal);
    assert!(app.take_effects().is_empty());
    // The finish dialog: only d, f, k, n, esc.
    let rb = runbook();
    let mut s = running_state(&rb);
    s.steps[1].status = warroom::session::state::StepStatus::Running;
    let mut fin = common::app(s, vec![], vec![], at(30, 0));
    press(&mut fin, KeyCode::Char('j'));
    press(&mut fin, KeyCode::Char('s'));
    assert!(matches!(fin.ui.mode, Mode::Confirm(_)));
    press(&mut fin, KeyCode::Char('y'));
    assert!(matches!(fin.ui.mode, Mode::Confirm(_)), "y is not a finish");
    assert!(fin.take_effects().is_empty());
}

/// Live, `b` (and `:begin`) asks first, showing the gates, the first
/// stage and where the point of no return is; rehearsals begin at once.
#[test]
fn begin_asks_first_in_a_live_session() {
    let rb = runbook();
    let mut live = app(ready_state(&rb), healthy_panels(), vec![], at(30, 0));
    live.opts.mode = warroom::session::event::SessionMode::Live;
    for open in [":begin", "b"] {
        if open == "b" {
            press(&mut live, KeyCode::Char('b'));
        } else {
            run_line(&mut live, "begin");
        }
        assert!(matches!(live.ui.mode, Mode::Confirm(_)), "{open}");
        let text = render(&live, 120, 40);
        assert!(text.contains("Begin the LIVE cutover"), "{text}");
        assert!(text.contains("go-live OPEN"), "{text}");
        assert!(text.contains("First      internal 0.5%"), "{text}");
        assert!(text.contains("No return  at step backfill"), "{text}");
        assert!(live.take_effects().is_empty());
        press(&mut live, KeyCode::Char('n'));
    }
    press(&mut live, KeyCode::Char('b'));
    press(&mut live, KeyCode::Char('y'));
    assert_eq!(live.take_effects(), vec![Effect::Submit(Command::Begin)]);
    let mut rehearsal = app(ready_state(&rb), healthy_panels(), vec![], at(30, 0));
    press(&mut rehearsal, KeyCode::Char('b'));
    assert_eq!(
        rehearsal.take_effects(),
        vec![Effect::Submit(Command::Begin)]
    );
}

/// Past the point of no return the header says so instead of a rollback
/// countdown, and `r` shows a refusal that cannot be overridden, naming
/// the step, who started it and when.
#[test]
fn past_the_point_of_no_return_the_header_says_so_and_rollback_is_refused() {
    let rb = runbook();
    let mut s = running_state(&rb);
    s.attempts.no_return = Some(warroom::session::state::NoReturn {
        step: "backfill".into(),
        by: "bob".into(),
        at: at(14, 0),
    });
    let mut app = app(s, healthy_panels(), vec![], at(30, 0));
    let text = render(&app, 80, 24);
    assert!(text.contains("PAST NO RETURN"), "{text}");
    assert!(!text.contains("rollback in"), "{text}");
    press(&mut app, KeyCode::Char('r'));
    typ(&mut app, "mismatches");
    press(&mut app, KeyCode::Enter);
    let text = render(&app, 80, 24);
    insta::assert_snapshot!("rollback_past_no_return_80x24", text);
    assert!(
        text.contains("past the point of no return: irreversible step backfill")
            && text.contains("started by bob at"),
        "{text}"
    );
    assert!(
        text.contains("This refusal cannot be overridden."),
        "{text}"
    );
    press(&mut app, KeyCode::Char('o'));
    assert!(
        matches!(app.ui.mode, Mode::Confirm(_)),
        "o is no answer to a hard refusal"
    );
    assert!(app.take_effects().is_empty());
}

/// The details of an accepted runbook change show the unified diff from
/// the text the journal held before (issue 26: "two hashes and no
/// difference").
#[test]
fn details_of_a_runbook_change_show_the_diff() {
    use sha2::Digest;
    let sha = |t: &str| hex::encode(sha2::Sha256::digest(t.as_bytes()));
    let before = "[cutover]\nid = \"billing-v2\"\ntitle = \"Billing\"\n";
    let after = "[cutover]\nid = \"billing-v2\"\ntitle = \"Billing (v2)\"\n";
    let ev = |seq: u64, body: EventBody| warroom::session::event::Event {
        seq,
        ts: at(1, 0),
        operator: "alice".into(),
        body,
    };
    let events = vec![
        ev(
            1,
            EventBody::SessionOpened {
                runbook: "billing.toml".into(),
                runbook_sha256: sha(before),
                mode: warroom::session::event::SessionMode::Live,
                runbook_text: Some(before.into()),
            },
        ),
        ev(
            2,
            EventBody::RunbookChangeAccepted {
                previous_sha256: sha(before),
                runbook_sha256: sha(after),
                runbook_text: Some(after.into()),
            },
        ),
    ];
    let rb = runbook();
    let mut app = app(running_state(&rb), healthy_panels(), events, at(30, 0));
    app.ui.mode = Mode::Detail(warroom::tui::mode::DetailTarget::Event(2));
    let text = render(&app, 160, 50);
    assert!(
        text.contains("-title = \"Billing\"") && text.contains("+title = \"Billing (v2)\""),
        "{text}"
    );
}

#[test]
fn a_reading_that_changes_a_panel_asks_for_a_redraw() {
    let mut app = running_app();
    let fail = warroom::health::reading::Reading {
        id: 1,
        panel: "errors".into(),
        state: warroom::health::PanelState::Fail,
        value: Some(0.09),
        baseline: None,
        error: None,
        sampled_at: Some(at(30, 0)),
        state_since: Some(at(30, 0)),
        // Not a good sample: no sparkline point, so a replay is a no-op.
        last_good: Some(at(29, 0)),
    };
    assert!(
        app.update(Msg::Reading(fail.clone())),
        "a new FAIL is drawn"
    );
    assert_eq!(
        app.story.panels["errors"].state,
        warroom::health::PanelState::Fail
    );
    // The same reading again (a replay) changes nothing on screen.
    assert!(!app.update(Msg::Reading(fail.clone())));
    let unknown_panel = warroom::health::reading::Reading {
        panel: "gone".into(),
        ..fail
    };
    assert!(!app.update(Msg::Reading(unknown_panel)));
}
