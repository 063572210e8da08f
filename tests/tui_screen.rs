//! The screen at every size: ids whole at 80x24, the journal's spare rows,
//! scroll and search, the runbook's time zone, cues that end, wide dialogs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use crossterm::event::KeyCode;
use ratatui::style::Modifier;
use warroom::runbook::{self, model::Runbook};
use warroom::session::event::{EventBody, Trigger};
use warroom::session::state::Status;
use warroom::timefmt::Zone;
use warroom::tui::{App, Msg, Theme};

fn shipped_runbooks() -> Vec<Runbook> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join("runbooks")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            out.push(runbook::load(&path).unwrap().runbook);
        }
    }
    let env =
        |name: &str| (name == warroom::sim::DEMO_URL_VAR).then(|| "http://127.0.0.1:1".to_string());
    let demo = root.join("assets/demo.toml");
    out.push(
        runbook::load_str(warroom::sim::DEMO_RUNBOOK, &demo, &env)
            .unwrap()
            .runbook,
    );
    assert!(out.len() >= 4, "three shipped runbooks and the demo's");
    out
}

/// The runbook pane's rows: what lies between the first two `┃` (the pane
/// has the focus, so its border is thick).
fn runbook_pane(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split('┃');
            parts.next()?;
            Some(parts.next()?.to_string())
        })
        .collect()
}

/// The count in the runbook pane's `▼ N more` marker (its bottom border).
fn runbook_more(text: &str) -> usize {
    text.lines()
        .find(|l| l.starts_with('┗'))
        .and_then(|l| l.split('┛').next())
        .and_then(|l| l.split("▼ ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Every step id shows whole, or is counted below the pane: a long
/// runbook scrolls and says how many steps are out of view.
#[test]
fn every_step_id_of_every_shipped_runbook_is_whole_at_80x24() {
    for rb in shipped_runbooks() {
        let state = ready_state(&rb);
        let app = App::new(
            Arc::new(rb.clone()),
            state,
            options("alice", Theme::color()),
            t0(),
        );
        let text = render(&app, 80, 24);
        let pane = runbook_pane(&text);
        let whole = rb
            .steps
            .iter()
            .filter(|step| {
                pane.iter()
                    .any(|row| row.split_whitespace().any(|w| w == step.id))
            })
            .count();
        assert_eq!(
            whole + runbook_more(&text),
            rb.steps.len(),
            "{}: every step id whole or counted in `▼ N more`:\n{text}",
            rb.cutover.id,
        );
        assert!(whole >= 5.min(rb.steps.len()), "{text}");
    }
}

fn notes_app(n: usize) -> App {
    let rb = runbook();
    let mut s = ready_state(&rb);
    attach(&mut s, "alice", false);
    let events = (1..=n as u64)
        .map(|i| {
            event(
                i,
                at(i as i64, 0),
                "alice",
                EventBody::Note {
                    text: format!("note number {i:02}"),
                },
            )
        })
        .collect();
    app(s, vec![], events, at(30, 0))
}

#[test]
fn at_160x50_twenty_notes_show_at_least_fifteen_and_search_finds_the_rest() {
    let app = notes_app(20);
    let text = render(&app, 160, 50);
    let shown = (1..=20)
        .filter(|i| text.contains(&format!("note number {i:02}")))
        .count();
    assert!(shown >= 15, "{shown} of 20 notes visible:\n{text}");
    // Twenty more: the first ones scroll out of view.
    let mut app = notes_app(40);
    let text = render(&app, 160, 50);
    assert!(!text.contains("note number 01"), "the oldest scrolled out");

    // `/` searches the pane it is pressed on: the journal.
    app.ui.focus = warroom::tui::mode::Pane::Journal;
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "number 01");
    press(&mut app, KeyCode::Enter);
    let text = render(&app, 160, 50);
    assert!(text.contains("note number 01"), "{text}");
    assert!(
        text.contains("/number 01 (1)"),
        "the pane says what it searches:\n{text}"
    );
    // The match is highlighted (colour block; underlined bold without colour).
    let buf = render_buffer(&app, 160, 50);
    let hl = (0..buf.area.height).any(|y| {
        (0..buf.area.width).any(|x| {
            let c = &buf[(x, y)];
            c.symbol() == "n" && c.bg == ratatui::style::Color::Yellow
        })
    });
    assert!(hl, "the match is highlighted");
    insta::assert_snapshot!("search_160x50", text);

    // esc: back to live, the newest line again, the oldest gone.
    press(&mut app, KeyCode::Esc);
    let text = render(&app, 160, 50);
    assert!(text.contains("note number 20") && !text.contains("note number 01"));
    assert_eq!(app.ui.search, None);
}

#[test]
fn n_and_capital_n_walk_the_matches_and_page_keys_scroll() {
    let mut app = notes_app(40);
    // `/` searches the pane it is pressed on: the journal.
    app.ui.focus = warroom::tui::mode::Pane::Journal;
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "number 1");
    press(&mut app, KeyCode::Enter);
    // The newest match first (19), then older ones with n, newer with N.
    assert_eq!(app.selected_event().unwrap().seq, 19);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.selected_event().unwrap().seq, 18);
    press(&mut app, KeyCode::Char('N'));
    assert_eq!(app.selected_event().unwrap().seq, 19);
    // n while searching never opens the note prompt.
    assert_eq!(app.ui.mode, warroom::tui::mode::Mode::Normal);
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.selected_event().unwrap().seq, 1);
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(app.selected_event().unwrap().seq, 40);
    render(&app, 80, 24);
    let page = app.ui.journal_page.get() as u64;
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.selected_event().unwrap().seq, 40 - (page - 1));
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.selected_event().unwrap().seq, 40);
    // Without a search, n is a note again.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    assert!(matches!(
        app.ui.mode,
        warroom::tui::mode::Mode::TextInput(_)
    ));
}

#[test]
fn a_line_found_stays_in_view_while_new_events_arrive() {
    let mut app = notes_app(30);
    // `/` searches the pane it is pressed on: the journal.
    app.ui.focus = warroom::tui::mode::Pane::Journal;
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "number 05");
    press(&mut app, KeyCode::Enter);
    let state = app.story.state.clone();
    let more = (31..=35)
        .map(|i| {
            event(
                i,
                at(40, 0),
                "bob",
                EventBody::Note {
                    text: "later".into(),
                },
            )
        })
        .collect();
    app.update(Msg::Journal {
        events: more,
        state,
    });
    assert_eq!(app.selected_event().unwrap().seq, 5);
}

#[test]
fn zoom_gives_the_journal_the_screen_and_wraps_long_lines() {
    let rb = runbook();
    let mut s = ready_state(&rb);
    attach(&mut s, "alice", false);
    let long = "the quick brown fox jumps over the lazy dog ".repeat(4) + "END-OF-NOTE";
    let events = vec![event(1, at(1, 0), "alice", EventBody::Note { text: long })];
    let mut app = app(s, vec![], events, at(2, 0));
    let text = render(&app, 80, 24);
    assert!(!text.contains("END-OF-NOTE"), "cut in the pane:\n{text}");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('z'));
    let text = render(&app, 80, 24);
    assert!(text.contains("END-OF-NOTE"), "whole when zoomed:\n{text}");
    assert!(!text.contains("Gates"), "the journal has the body:\n{text}");
}

#[test]
fn the_runbooks_zone_shows_with_its_abbreviation() {
    let mut rb = (*runbook()).clone();
    rb.cutover.timezone = Zone::parse("America/New_York").unwrap();
    let state = ready_state(&rb);
    // t0 is 2026-11-21 02:00 UTC: 21:00 EST the day before.
    let mut app = App::new(Arc::new(rb), state, options("alice", Theme::color()), t0());
    let text = render(&app, 80, 24);
    assert!(
        text.lines().next().unwrap().ends_with("21:00:00 EST"),
        "{text}"
    );
    app.opts.tz = Some(Zone::parse("Europe/Berlin").unwrap());
    let text = render(&app, 120, 40);
    assert!(
        text.lines().next().unwrap().ends_with("03:00:00 CET"),
        "--tz wins:\n{text}"
    );
}

#[test]
fn after_rollback_no_countdown_is_shown() {
    let rb = runbook();
    let mut s = ready_state(&rb);
    attach(&mut s, "alice", false);
    s.status = Status::RolledBack;
    s.started_at = Some(at(0, 0));
    // The rollback finished at 5:00 (what `reduce` records): the clock
    // stops there, whatever is journaled later.
    s.ended_at = Some(at(5, 0));
    s.rollback_deadline = Some(at(240, 0));
    let events = vec![event(
        1,
        at(5, 0),
        "alice",
        EventBody::Paused {
            reason: "x".into(),
            trigger: Trigger::Operator,
            evidence: Default::default(),
            recorded_late: None,
        },
    )];
    let app = app(s, vec![], events, at(60, 0));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = render(&app, w, h);
        assert!(!text.contains("rollback in"), "{text}");
        assert!(text.contains("rollback deadline stopped"), "{text}");
        assert!(text.contains("elapsed 0:05:00"), "elapsed stops:\n{text}");
    }
}

/// Running since t0, in the first stage (internal, bakes 10 minutes) since t0.
fn running_in_first_stage() -> warroom::session::state::State {
    let rb = runbook();
    let mut s = ready_state(&rb);
    attach(&mut s, "alice", false);
    s.status = Status::Running;
    s.started_at = Some(at(0, 0));
    s.stage = Some(0);
    s.stage_entered_at = Some(at(0, 0));
    s
}

#[test]
fn bake_over_shows_once_in_header_and_journal() {
    let s = running_in_first_stage();
    // Internal bakes 10 minutes.
    let mut app = app(s, vec![], vec![], at(9, 0));
    assert!(render(&app, 120, 40).contains("bake 0:01:00 left"));
    app.update(Msg::Tick(at(11, 0)));
    let text = render(&app, 120, 40);
    assert_eq!(
        text.matches("bake over: expand allowed").count(),
        2,
        "{text}"
    );
    // The header's cue ends; the journal's line stays where it happened.
    app.update(Msg::Tick(at(40, 0)));
    let text = render(&app, 120, 40);
    assert_eq!(
        text.matches("bake over: expand allowed").count(),
        1,
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("02:10:00") && l.contains("bake over")),
        "at the time the bake ended:\n{text}"
    );
}

#[test]
fn a_newer_event_replaces_the_bottom_lines_message() {
    let mut app = notes_app(1);
    app.update(Msg::Info("demo: injected fault `error-spike`".into()));
    assert!(render(&app, 80, 24).contains("demo: injected fault"));
    let state = app.story.state.clone();
    app.update(Msg::Journal {
        events: vec![event(
            2,
            at(3, 0),
            "alice",
            EventBody::Paused {
                reason: "guard: errors FAIL for 30s".into(),
                trigger: Trigger::Guard,
                evidence: Default::default(),
                recorded_late: None,
            },
        )],
        state,
    });
    let text = render(&app, 80, 24);
    let bottom = text.lines().nth(22).unwrap();
    assert!(bottom.contains("PAUSED by guard"), "{text}");
    assert!(!text.contains("demo: injected fault"), "{text}");
}

#[test]
fn the_selection_shows_without_colour_and_j_visits_every_gate_item() {
    let rb = runbook();
    let state = ready_state(&rb);
    let mut app = App::new(rb.clone(), state, options("alice", Theme::no_color()), t0());
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let items: usize = rb.gates.iter().map(|g| g.items.len()).sum();
    let mut seen = Vec::new();
    for _ in 0..items {
        seen.push(app.selected_item().unwrap());
        press(&mut app, KeyCode::Char('j'));
    }
    seen.dedup();
    assert_eq!(seen.len(), items, "automatic items included: {seen:?}");
    let auto = rb
        .gates
        .iter()
        .enumerate()
        .flat_map(|(g, gate)| gate.items.iter().enumerate().map(move |(i, it)| (g, i, it)))
        .find(|(_, _, it)| it.panel.is_some())
        .map(|(g, i, _)| (g, i))
        .unwrap();
    assert!(seen.contains(&auto));
    // Reverse video marks the selected row with no colour at all.
    let buf = render_buffer(&app, 80, 24);
    let reversed = (0..buf.area.height)
        .filter(|y| buf[(5, *y)].modifier.contains(Modifier::REVERSED))
        .count();
    assert_eq!(reversed, 1, "one row in reverse video");
}

#[test]
fn dialogs_grow_with_the_screen() {
    let s = running_in_first_stage();
    let mut app = app(s, vec![], vec![], at(5, 0));
    press(&mut app, KeyCode::Char('e'));
    let text = render(&app, 200, 60);
    let top = text.lines().find(|l| l.contains("╔ Expand")).unwrap();
    let width = top.trim().chars().count();
    assert!(width > 110, "{width}: {top}");
    insta::assert_snapshot!("confirm_expand_200x60", text);
}

#[test]
fn a_damaged_journal_shows_a_banner_line() {
    let mut app = notes_app(3);
    app.damaged_at = Some(2);
    let text = render(&app, 80, 24);
    assert!(
        text.contains("JOURNAL DAMAGED  journal damaged at seq 2"),
        "{text}"
    );
    insta::assert_snapshot!("damaged_banner_80x24", text);
    // The reader's damage in the state shows the same way until acknowledged.
    let mut app = notes_app(3);
    app.story
        .state
        .damage
        .push(warroom::session::state::Damage {
            seq: 7,
            what: "unreadable row".into(),
        });
    assert!(render(&app, 120, 40).contains("journal damaged at seq 7: unreadable row"));
    app.story.state.damage_acknowledged = Some(7);
    assert!(!render(&app, 120, 40).contains("JOURNAL DAMAGED"));
}

/// At 80 columns the operators may not fit on the header's second line:
/// it then says how many are on the call, or leaves them out, and never
/// shows a bare `ops:` label with its names cut off.
#[test]
fn a_narrow_header_counts_the_operators_instead_of_cutting_their_names() {
    let rb = runbook();
    let mut s = ready_state(&rb);
    for (who, ro) in [("alice", false), ("bob", false), ("carol", true)] {
        attach(&mut s, who, ro);
    }
    // 69 cells come before the operators without a conductor (the
    // `⚠ 1 OPEN` item included): room for the count only. With a
    // conductor the operators give way first (lowest priority), whole.
    for (conductor, want) in [
        (None, Some("ops: 3")),
        (Some("al"), None),
        (Some("alice"), None),
    ] {
        s.conductor = conductor.map(String::from);
        let app = app(s.clone(), vec![], vec![], at(1, 0));
        let text = render(&app, 80, 24);
        let line2 = text.lines().nth(1).unwrap_or_default().trim_end();
        match want {
            Some(w) => assert!(line2.ends_with(w), "{line2:?} should end with {w:?}"),
            None => assert!(
                !line2.contains("ops") && !line2.contains("conductor: a"),
                "no room, no label: {line2:?}"
            ),
        }
        let wide = render(&app, 160, 50);
        let wide2 = wide.lines().nth(1).unwrap_or_default();
        assert!(
            wide2.contains("ops: alice (you), bob, carol (ro)"),
            "{wide2:?}"
        );
    }
}

/// The journal's clock is the one shown; a host whose own clock is more
/// than 2 s off says so after it, and a console whose journal file is gone
/// says so before the status (issue 24).
#[test]
fn a_skewed_host_clock_and_a_lost_journal_file_show_in_the_header() {
    let rb = runbook();
    let mut app = App::new(
        Arc::clone(&rb),
        ready_state(&rb),
        options("alice", Theme::color()),
        t0(),
    );
    let text = render(&app, 120, 24);
    assert!(!text.contains("host") && !text.contains("JOURNAL FILE GONE"));
    // The journal's clock runs 2 h behind this host's.
    app.clock_skew = Some(chrono::TimeDelta::hours(-2));
    app.journal_lost = true;
    for w in [80, 120] {
        let text = render(&app, w, 24);
        let mut lines = text.lines();
        let line = lines.next().unwrap();
        assert!(line.ends_with("02:00:00 UTC (host +2h)"), "{w}: {line}");
        let line = lines.next().unwrap();
        assert!(
            line.starts_with(" JOURNAL FILE GONE: forward moves refused"),
            "{w}: {line}"
        );
    }
}
