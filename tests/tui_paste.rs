//! Pastes into the prompts (issue 27): a bracketed paste is one event, a
//! note or reason holds at most 4 KiB (cut with a message), and a paste
//! the terminal sends as a burst of keys costs one frame, not one per key.
//! The wired console, headless, as in `tui_loop.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc as fmpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use warroom::journal::Journal;
use warroom::session::event::{Event, EventBody};
use warroom::tui::app::Msg;
use warroom::tui::console::{Console, run_loop};
use warroom::tui::input::MAX_INPUT_BYTES;
use warroom::tui::terminal::Gone;
use warroom::tui::{Exit, Theme};

type Keys = fmpsc::UnboundedSender<std::io::Result<TermEvent>>;

struct Running {
    keys: Keys,
    _panels: mpsc::UnboundedSender<warroom::health::PanelStatus>,
    _gone: tokio::sync::oneshot::Sender<Gone>,
    task: tokio::task::JoinHandle<(Exit, Terminal<TestBackend>)>,
}

fn start(path: &std::path::Path) -> Running {
    let session = open_rehearsal(runbook(), path, "alice");
    let mut console =
        Console::new(session, options("alice", Theme::no_color()), false, None).unwrap();
    let (keys, key_rx) = fmpsc::unbounded();
    let (panels, panel_rx) = mpsc::unbounded_channel();
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let gone = async move { gone_rx.await.unwrap_or(Gone::Hangup) };
        let exit = run_loop(&mut term, &mut console, key_rx, panel_rx, gone)
            .await
            .unwrap();
        (exit, term)
    });
    Running {
        keys,
        _panels: panels,
        _gone: gone_tx,
        task,
    }
}

fn send(r: &Running, ev: TermEvent) {
    r.keys.unbounded_send(Ok(ev)).unwrap();
}

fn key(r: &Running, c: KeyCode) {
    send(r, TermEvent::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn notes(path: &std::path::Path) -> Vec<String> {
    Journal::open_read_only(path)
        .unwrap()
        .read_since(0)
        .unwrap()
        .into_iter()
        .filter_map(|e: Event| match e.body {
            EventBody::Note { text } => Some(text),
            _ => None,
        })
        .collect()
}

/// Wait with a deadline until a note is journaled; the loop must get
/// through everything sent before it.
async fn first_note(path: &std::path::Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(n) = notes(path).into_iter().next() {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "no note within 10 s: the paste is still being handled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn quit(r: Running) -> Terminal<TestBackend> {
    key(&r, KeyCode::Char('q'));
    key(&r, KeyCode::Char('y'));
    let (exit, term) = r.task.await.unwrap();
    assert_eq!(exit, Exit::Quit);
    term
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bracketed_paste_of_a_megabyte_is_one_event_cut_to_the_limit_and_enter_after_it_is_handled()
 {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let r = start(&path);
    key(&r, KeyCode::Char('n'));
    // Lines, tabs and an escape sequence, a megabyte of them.
    let chunk = "bank ok\r\nfreeze\tconfirmed \u{1b}]0;X\u{7}\n";
    let big = chunk.repeat(1_000_000 / chunk.len() + 1);
    send(&r, TermEvent::Paste(big));
    key(&r, KeyCode::Enter);
    let note = first_note(&path).await;
    assert!(note.len() <= MAX_INPUT_BYTES, "{} bytes", note.len());
    assert!(note.len() > MAX_INPUT_BYTES - 64, "{} bytes", note.len());
    assert!(
        note.starts_with("bank ok freeze confirmed \\x1b]0;X\\x07 bank ok"),
        "{note:.80}"
    );
    assert!(!note.contains(['\n', '\r', '\t', '\u{1b}', '\u{7}']));
    quit(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paste_sent_as_twenty_thousand_keys_is_bounded_and_handled_without_a_frame_per_key() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let r = start(&path);
    key(&r, KeyCode::Char(':'));
    for c in "note ".chars().chain(std::iter::repeat_n('x', 20_000)) {
        key(&r, KeyCode::Char(c));
    }
    key(&r, KeyCode::Enter);
    let note = first_note(&path).await;
    assert_eq!(note.len(), MAX_INPUT_BYTES - "note ".len());
    assert!(note.chars().all(|c| c == 'x'));
    quit(r).await;
}

#[test]
fn the_prompt_says_what_it_did_not_take() {
    let mut app = app(ready_state(&runbook()), vec![], vec![], t0());
    press(&mut app, KeyCode::Char('n'));
    app.update(Msg::Paste("y".repeat(10_000)));
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("pasted 10000 bytes: kept what fits in 4 KiB"),
        "{screen}"
    );
    // Full: one more key is refused, and said so.
    press(&mut app, KeyCode::Char('z'));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("the line is full"), "{screen}");
    // With no prompt open a paste is dropped, never read as command keys.
    press(&mut app, KeyCode::Esc);
    app.update(Msg::Paste("ey".into()));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("paste ignored"), "{screen}");
}
