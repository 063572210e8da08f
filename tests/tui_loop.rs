//! The wired console, headless: a real session on a temporary journal,
//! keys and panel statuses sent in, the journal and the screen checked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc as fmpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use warroom::console_session::Session;
use warroom::health::{PanelState, PanelStatus};
use warroom::journal::Journal;
use warroom::runbook::model::Runbook;
use warroom::session::event::{Event, EventBody};
use warroom::tui::console::{Console, run_loop};
use warroom::tui::terminal::Gone;
use warroom::tui::{Exit, Theme};

type Keys = fmpsc::UnboundedSender<std::io::Result<TermEvent>>;

struct Running {
    keys: Keys,
    panels: mpsc::UnboundedSender<PanelStatus>,
    gone: Option<tokio::sync::oneshot::Sender<Gone>>,
    task: tokio::task::JoinHandle<(Exit, Terminal<Watched>)>,
    /// The screen as of the last draw.
    screen: Arc<std::sync::Mutex<String>>,
}

fn open(rb: Arc<Runbook>, path: &std::path::Path, who: &str) -> Session {
    common::open_rehearsal(rb, path, who)
}

fn start(rb: Arc<Runbook>, path: &std::path::Path, who: &str) -> Running {
    start_with(rb, path, who, false)
}

/// `start`, with the runbook's commands executed when `execute`.
fn start_with(rb: Arc<Runbook>, path: &std::path::Path, who: &str, execute: bool) -> Running {
    let session = open(rb, path, who);
    let mut console =
        Console::new(session, options(who, Theme::no_color()), execute, None).unwrap();
    let (keys, key_rx) = fmpsc::unbounded();
    let (panels, panel_rx) = mpsc::unbounded_channel();
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel();
    let (backend, screen) = Watched::new(80, 24);
    let task = tokio::spawn(async move {
        let mut term = Terminal::new(backend).unwrap();
        let gone = async move { gone_rx.await.unwrap_or(Gone::Hangup) };
        let exit = run_loop(&mut term, &mut console, key_rx, panel_rx, gone)
            .await
            .unwrap();
        (exit, term)
    });
    Running {
        keys,
        panels,
        gone: Some(gone_tx),
        task,
        screen,
    }
}

/// Answer the question on screen with `c` once it is drawn: keys typed
/// before a question appears are dropped, as a person's would be.
async fn answer(r: &Running, c: KeyCode) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !r.screen.lock().unwrap().contains("n/esc") {
        assert!(Instant::now() < deadline, "{}", r.screen.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    key(r, c);
}

fn key(r: &Running, c: KeyCode) {
    r.keys
        .unbounded_send(Ok(TermEvent::Key(KeyEvent::new(c, KeyModifiers::NONE))))
        .unwrap();
}

fn typ(r: &Running, text: &str) {
    for c in text.chars() {
        key(r, KeyCode::Char(c));
    }
}

fn events(path: &std::path::Path) -> Vec<Event> {
    Journal::open_read_only(path)
        .unwrap()
        .read_since(0)
        .unwrap()
}

fn kinds(path: &std::path::Path) -> Vec<String> {
    events(path).iter().map(|e| e.body.kind()).collect()
}

/// Wait (with a deadline, never a fixed sleep) until the journal satisfies `f`.
async fn wait_for(path: &std::path::Path, what: &str, f: impl Fn(&[Event]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ev = events(path);
        if f(&ev) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; journal: {:?}",
            kinds(path)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn count(ev: &[Event], kind: &str) -> usize {
    ev.iter().filter(|e| e.body.kind() == kind).count()
}

fn failing_errors() -> PanelStatus {
    let mut p = healthy_panels().remove(0);
    p.state = PanelState::Fail;
    p.value = Some(0.05);
    // Failing for a minute already: past the guard's 30s.
    p.state_since = Some(Utc::now() - chrono::TimeDelta::seconds(60));
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_typed_on_the_command_line_is_journaled_and_shown_then_quit_detaches() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let r = start(runbook(), &path, "alice");
    key(&r, KeyCode::Char(':'));
    typ(&r, "note bank confirmed the freeze");
    key(&r, KeyCode::Enter);
    wait_for(&path, "the note", |ev| count(ev, "note") == 1).await;
    key(&r, KeyCode::Char('q'));
    key(&r, KeyCode::Char('y'));
    let (exit, term) = r.task.await.unwrap();
    assert_eq!(exit, Exit::Quit);
    let ev = events(&path);
    assert_eq!(ev.last().unwrap().body.kind(), "operator_detached");
    let note = ev.iter().find(|e| e.body.kind() == "note").unwrap();
    assert_eq!(note.operator, "alice");
    assert!(buffer_text(term.backend().buffer()).contains("note: bank confirmed the freeze"));
    // Quitting changed nothing about the cutover.
    assert!(!kinds(&path).contains(&"cutover_started".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_breach_seen_by_two_consoles_pauses_once_and_runs_the_pause_action_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = runbook();
    let a = start(Arc::clone(&rb), &path, "alice");
    let b = start(Arc::clone(&rb), &path, "bob");
    key(&a, KeyCode::Char('b'));
    wait_for(&path, "the start", |ev| count(ev, "cutover_started") == 1).await;
    // Both consoles see the same breach, twice each.
    for _ in 0..2 {
        a.panels.send(failing_errors()).unwrap();
        b.panels.send(failing_errors()).unwrap();
    }
    wait_for(&path, "the pause action", |ev| count(ev, "action_ran") >= 1).await;
    // Let both consoles fold everything in, then stop them.
    for r in [&a, &b] {
        key(r, KeyCode::Char('q'));
        key(r, KeyCode::Char('y'));
    }
    let (_, term) = a.task.await.unwrap();
    b.task.await.unwrap();
    let ev = events(&path);
    assert_eq!(count(&ev, "guard_fired"), 1, "{:?}", kinds(&path));
    assert_eq!(count(&ev, "paused"), 1);
    assert_eq!(count(&ev, "action_ran"), 1);
    let ran = ev.iter().find(|e| e.body.kind() == "action_ran").unwrap();
    assert!(
        matches!(&ran.body, EventBody::ActionRan { action, executed: false, .. } if action == "pause")
    );
    let screen = buffer_text(term.backend().buffer());
    assert!(screen.contains("PAUSED"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_rollback_runs_its_action_and_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let mut rb = (*runbook()).clone();
    rb.actions.rollback.two_person = false;
    let r = start(Arc::new(rb), &path, "alice");
    key(&r, KeyCode::Char('b'));
    wait_for(&path, "the start", |ev| count(ev, "cutover_started") == 1).await;
    key(&r, KeyCode::Char('r'));
    typ(&r, "mismatches climbing");
    key(&r, KeyCode::Enter);
    answer(&r, KeyCode::Char('y')).await;
    wait_for(&path, "the rollback to finish", |ev| {
        count(ev, "rollback_finished") == 1
    })
    .await;
    let ev = events(&path);
    let tail: Vec<String> = ev
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| e.body.kind())
        .collect();
    assert_eq!(
        tail,
        ["rollback_started", "action_ran", "rollback_finished"]
    );
    r.gone_and_wait(Gone::Terminate).await;
    assert_eq!(
        events(&path).last().unwrap().body.kind(),
        "operator_detached"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_going_away_detaches_instead_of_spinning() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let r = start(runbook(), &path, "alice");
    r.keys
        .unbounded_send(Err(std::io::Error::from_raw_os_error(5)))
        .unwrap();
    let (exit, _) = r.task.await.unwrap();
    assert_eq!(exit, Exit::TerminalLost);
    assert_eq!(
        events(&path).last().unwrap().body.kind(),
        "operator_detached"
    );
}

impl Running {
    async fn gone_and_wait(mut self, g: Gone) {
        self.gone.take().unwrap().send(g).unwrap();
        let (exit, _) = self.task.await.unwrap();
        assert_eq!(exit, Exit::Signal(g));
    }
}

fn mismatch_ok_since(since: chrono::DateTime<Utc>) -> PanelStatus {
    let mut p = healthy_panels().remove(3);
    p.state_since = Some(since);
    p
}

// `Session::submit` recomputes gates from the submitting console's panels in
// its follow-ups; bob has seen the panel OK for only a second. The rules hold
// a GO gate unless its panel is actually not OK, so bob's note must not
// journal `gate_reopened` (and alice must not journal `gate_go` again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_that_just_attached_does_not_reopen_a_gate_the_others_saw_go() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = runbook();
    let a = start(Arc::clone(&rb), &path, "alice");
    // alice has watched the mismatch panel OK for an hour: the auto item holds.
    a.panels
        .send(mismatch_ok_since(Utc::now() - chrono::TimeDelta::hours(1)))
        .unwrap();
    for line in ["sign go-live 1", "sign go-live 3"] {
        key(&a, KeyCode::Char(':'));
        typ(&a, line);
        key(&a, KeyCode::Enter);
    }
    wait_for(&path, "the gate to go GO", |ev| count(ev, "gate_go") == 1).await;
    // bob's console has only just seen the panel OK: "OK for a second".
    let b = start(Arc::clone(&rb), &path, "bob");
    b.panels.send(mismatch_ok_since(Utc::now())).unwrap();
    key(&b, KeyCode::Char(':'));
    typ(&b, "note bob is here");
    key(&b, KeyCode::Enter);
    wait_for(&path, "bob's note", |ev| count(ev, "note") == 1).await;
    for r in [&a, &b] {
        key(r, KeyCode::Char('q'));
        key(r, KeyCode::Char('y'));
    }
    a.task.await.unwrap();
    b.task.await.unwrap();
    let ev = events(&path);
    assert_eq!(count(&ev, "gate_reopened"), 0, "{:?}", kinds(&path));
    assert_eq!(count(&ev, "gate_go"), 1);
}

/// Readings reach the screen through the follower and the pacer with no
/// key and no clock tick needed: a status from the conductor's poller is
/// stored, followed back and drawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_is_drawn_without_any_other_wake() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let r = start_screened(runbook(), &path, "alice");
    let shows = |text: &str| r.screen.lock().unwrap().contains(text);
    let mut invoices = healthy_panels().remove(2);
    invoices.value = Some(4242.5);
    r.panels.send(invoices).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !shows("4,243") {
        assert!(Instant::now() < deadline, "{}", r.screen.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(r.quit().await, Exit::Quit);
}

struct Screened {
    keys: Keys,
    panels: mpsc::UnboundedSender<PanelStatus>,
    screen: Arc<std::sync::Mutex<String>>,
    task: tokio::task::JoinHandle<Exit>,
}

fn start_screened(rb: Arc<Runbook>, path: &std::path::Path, who: &str) -> Screened {
    let session = open(rb, path, who);
    let mut console = Console::new(session, options(who, Theme::no_color()), false, None).unwrap();
    let screen = Arc::new(std::sync::Mutex::new(String::new()));
    let backend = Watched {
        inner: TestBackend::new(120, 40),
        screen: Arc::clone(&screen),
    };
    let (keys, key_rx) = fmpsc::unbounded();
    let (panels, panel_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut term = Terminal::new(backend).unwrap();
        let gone = std::future::pending::<Gone>();
        run_loop(&mut term, &mut console, key_rx, panel_rx, gone)
            .await
            .unwrap()
    });
    Screened {
        keys,
        panels,
        screen,
        task,
    }
}

impl Screened {
    /// `q`, `y`; how the loop ended.
    async fn quit(self) -> Exit {
        for c in ['q', 'y'] {
            self.keys
                .unbounded_send(Ok(TermEvent::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                ))))
                .unwrap();
        }
        self.task.await.unwrap()
    }
}

/// The screen line holding `needle`.
fn line_with(screen: &str, needle: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .map(str::to_string)
}

/// Only the conductor's polls are stored; every console shows the stored
/// readings. bob's console "polls" other numbers (as a second poller would
/// see a counter that moves every poll): they never reach a screen, and
/// both screens, captured at the same moment, show alice's last value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_captured_at_the_same_moment_show_the_same_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = runbook();
    let a = start_screened(Arc::clone(&rb), &path, "alice");
    wait_for(&path, "alice to conduct", |ev| {
        count(ev, "conductor_changed") == 1
    })
    .await;
    let b = start_screened(Arc::clone(&rb), &path, "bob");
    let base = healthy_panels().remove(2);
    for k in 0..20 {
        let now = Utc::now();
        let mut mine = base.clone();
        mine.value = Some(1000.0 + k as f64);
        mine.last_poll = Some(now);
        mine.last_good = Some(now);
        a.panels.send(mine).unwrap();
        let mut theirs = base.clone();
        theirs.value = Some(7000.0 + k as f64);
        b.panels.send(theirs).unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (sa, sb) = (
            a.screen.lock().unwrap().clone(),
            b.screen.lock().unwrap().clone(),
        );
        if sa.contains("1,019") && sb.contains("1,019") {
            assert!(
                !sa.contains("7,0") && !sb.contains("7,0"),
                "bob's polls shown"
            );
            // The same tile line, value and age, on both screens.
            assert_eq!(line_with(&sa, "1,019"), line_with(&sb, "1,019"));
            break;
        }
        assert!(Instant::now() < deadline, "alice:\n{sa}\nbob:\n{sb}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(a.quit().await, Exit::Quit);
    assert_eq!(b.quit().await, Exit::Quit);
}

/// A runbook whose rollback appends to `flags.log` in `dir` (no webhook).
fn flag_runbook(dir: &std::path::Path) -> Arc<Runbook> {
    let mut rb = (*runbook()).clone();
    rb.dir = dir.to_path_buf();
    rb.actions.rollback.run = Some("echo rollback >> flags.log".into());
    rb.actions.rollback.webhook = None;
    rb.actions.rollback.two_person = false;
    Arc::new(rb)
}

/// A journal whose rollback was left in flight: alice began, a guard
/// started a rollback, its action started, and alice's console went away
/// without its result (it quit while the command still ran). When
/// `detached` is false, alice's console still looks attached.
fn journal_with_rollback_in_flight(rb: &Arc<Runbook>, path: &std::path::Path, detached: bool) {
    use warroom::session::command::Command;
    use warroom::session::event::{Evidence, Trigger};
    let mut s = open(Arc::clone(rb), path, "alice");
    s.submit(&Command::Begin, &Default::default(), Utc::now())
        .unwrap();
    s.transact(
        |_, _| {
            vec![
                EventBody::RollbackStarted {
                    trigger: Trigger::Guard,
                    reason: "errors FAIL for 30s".into(),
                    override_reason: None,
                    evidence: Evidence::new(),
                    recorded_late: None,
                },
                EventBody::ActionStarted {
                    action: "rollback".into(),
                    id: "3/rollback".into(),
                    run_token: None,
                    host: None,
                },
            ]
        },
        "alice",
    )
    .unwrap();
    if detached {
        s.detach().unwrap();
    }
}

/// Bob's executing console opened on a journal with a rollback in flight.
fn takeover_scene(
    detached: bool,
) -> (tempfile::TempDir, std::path::PathBuf, Arc<Runbook>, Running) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = flag_runbook(tmp.path());
    journal_with_rollback_in_flight(&rb, &path, detached);
    let r = start_with(Arc::clone(&rb), &path, "bob", true);
    (tmp, path, rb, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_opened_alone_on_an_unfinished_rollback_finishes_it() {
    let (tmp, path, rb, r) = takeover_scene(true);
    wait_for(&path, "the rollback to finish", |ev| {
        count(ev, "rollback_finished") == 1
    })
    .await;
    let ev = events(&path);
    let tail: Vec<String> = ev
        .iter()
        .skip_while(|e| e.body.kind() != "action_started")
        .map(|e| e.body.kind())
        // Presence and the lease are not the rollback's story.
        .filter(|k| !k.starts_with("operator_") && k != "conductor_changed")
        .collect();
    assert_eq!(
        tail,
        [
            "action_started",
            "action_retried",
            "action_ran",
            "rollback_finished"
        ]
    );
    let retried = ev
        .iter()
        .find(|e| e.body.kind() == "action_retried")
        .unwrap();
    assert_eq!(retried.operator, "bob");
    assert!(matches!(&retried.body, EventBody::ActionRetried { id, .. } if id == "3/rollback"));
    let flags = std::fs::read_to_string(tmp.path().join("flags.log")).unwrap();
    assert_eq!(flags, "rollback\n");
    r.gone_and_wait(Gone::Terminate).await;
    let s = open(rb, &path, "carol");
    assert_eq!(s.state().status.as_str(), "ROLLED_BACK");
}

/// The rollback started long ago: 600 notes came after its
/// `action_started`, more than the tail a console keeps in memory. The
/// console that takes over reads the whole journal, finds it in flight
/// and runs it again under the same id, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_left_in_flight_long_ago_is_still_finished_by_the_takeover() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = flag_runbook(tmp.path());
    journal_with_rollback_in_flight(&rb, &path, true);
    {
        let mut s = open(Arc::clone(&rb), &path, "carol");
        s.transact(
            |_, _| {
                (0..600)
                    .map(|i| EventBody::Note {
                        text: format!("while it rolled back {i}"),
                    })
                    .collect()
            },
            "carol",
        )
        .unwrap();
        s.detach().unwrap();
    }
    let r = start_with(Arc::clone(&rb), &path, "bob", true);
    wait_for(&path, "the old rollback to finish", |ev| {
        count(ev, "rollback_finished") == 1
    })
    .await;
    r.gone_and_wait(Gone::Terminate).await;
    let ev = events(&path);
    let retried: Vec<&Event> = ev
        .iter()
        .filter(|e| e.body.kind() == "action_retried")
        .collect();
    assert_eq!(retried.len(), 1, "run again once");
    assert!(matches!(&retried[0].body, EventBody::ActionRetried { id, .. } if id == "3/rollback"));
    let flags = std::fs::read_to_string(tmp.path().join("flags.log")).unwrap();
    assert_eq!(flags, "rollback\n");
}

/// Alice still looks attached, but no console holds the lease: looking
/// attached no longer matters, the lease does. Bob takes it and only then
/// finishes her rollback, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_finishes_an_unfinished_rollback_once_it_holds_the_lease() {
    let (tmp, path, _rb, r) = takeover_scene(false);
    wait_for(&path, "the rollback to finish", |ev| {
        count(ev, "rollback_finished") == 1
    })
    .await;
    r.gone_and_wait(Gone::Terminate).await;
    let ev = events(&path);
    let order: Vec<String> = ev
        .iter()
        .map(|e| e.body.kind())
        .filter(|k| k == "conductor_changed" || k == "action_retried")
        .collect();
    // Bob's takeover comes with his lease, never before it.
    assert_eq!(order.last().map(String::as_str), Some("action_retried"));
    assert!(order.iter().any(|k| k == "conductor_changed"), "{order:?}");
    assert_eq!(count(&ev, "action_retried"), 1);
    let flags = std::fs::read_to_string(tmp.path().join("flags.log")).unwrap();
    assert_eq!(flags, "rollback\n");
}

/// The mismatch panel failing: its guard rolls back at once.
fn failing_mismatch() -> PanelStatus {
    let mut p = healthy_panels()
        .into_iter()
        .find(|p| p.id == "mismatch")
        .unwrap();
    p.state = PanelState::Fail;
    p.value = Some(50.0);
    p.state_since = Some(Utc::now() - chrono::TimeDelta::seconds(60));
    p
}

fn started(ev: &[Event], action: &str) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match &e.body {
            EventBody::ActionStarted { action: a, .. } if a == action => Some(e.operator.clone()),
            _ => None,
        })
        .collect()
}

/// Only the conductor (alice, the first console) runs actions: bob's
/// expand is run by alice's console, and the guard's rollback alice's
/// console decided runs once though bob sees the same breach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conductor_runs_a_guard_rollback_once_and_another_consoles_expand() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let mut rb = (*flag_runbook(tmp.path())).clone();
    rb.actions.expand = Some(warroom::runbook::model::Action {
        run: Some("echo expand >> flags.log".into()),
        webhook: None,
        timeout: Duration::from_secs(60),
        two_person: false,
        roles: vec![],
    });
    let rb = Arc::new(rb);
    let a = start_with(Arc::clone(&rb), &path, "alice", true);
    wait_for(&path, "alice to conduct", |ev| {
        count(ev, "conductor_changed") == 1
    })
    .await;
    let b = start_with(Arc::clone(&rb), &path, "bob", true);
    wait_for(&path, "bob attached", |ev| {
        count(ev, "operator_attached") == 2
    })
    .await;
    key(&b, KeyCode::Char('b'));
    wait_for(&path, "the start", |ev| count(ev, "cutover_started") == 1).await;
    key(&b, KeyCode::Char('e'));
    answer(&b, KeyCode::Char('y')).await;
    wait_for(&path, "the expand to run", |ev| {
        count(ev, "action_ran") == 1
    })
    .await;
    for _ in 0..2 {
        a.panels.send(failing_mismatch()).unwrap();
        b.panels.send(failing_mismatch()).unwrap();
    }
    wait_for(&path, "the rollback to finish", |ev| {
        count(ev, "rollback_finished") == 1
    })
    .await;
    a.gone_and_wait(Gone::Terminate).await;
    b.gone_and_wait(Gone::Terminate).await;
    let ev = events(&path);
    let expanded = ev.iter().find(|e| e.body.kind() == "expanded").unwrap();
    assert_eq!(expanded.operator, "bob");
    assert_eq!(started(&ev, "expand"), ["alice"]);
    assert_eq!(started(&ev, "rollback"), ["alice"]);
    assert_eq!(count(&ev, "rollback_started"), 1);
    let flags = std::fs::read_to_string(tmp.path().join("flags.log")).unwrap();
    assert_eq!(flags, "expand\nrollback\n");
}

/// The journal file is deleted under the running conductor (issue 24): a
/// pause typed afterwards still runs its command and is journaled into the
/// file the console opened, whose copy beside the path shows it; the
/// header says so. (Forward moves refused: `journal_faults.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_journal_file_deleted_a_console_still_pauses() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let mut rb = (*flag_runbook(tmp.path())).clone();
    if let Some(p) = rb.actions.pause.as_mut() {
        p.run = Some("echo pause >> flags.log".into());
        p.webhook = None;
    }
    let r = start_with(Arc::new(rb), &path, "alice", true);
    key(&r, KeyCode::Char('b'));
    wait_for(&path, "the start", |ev| count(ev, "cutover_started") == 1).await;
    for f in ["j.db", "j.db-wal", "j.db-shm"] {
        std::fs::remove_file(tmp.path().join(f)).unwrap();
    }
    let copy = tmp
        .path()
        .join(format!("j.db.rescued-{}", std::process::id()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !copy.exists() {
        assert!(Instant::now() < deadline, "the deletion was never noticed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    key(&r, KeyCode::Char(':'));
    typ(&r, "pause journal gone");
    key(&r, KeyCode::Enter);
    wait_for(&copy, "the pause's action in the copy", |ev| {
        count(ev, "action_ran") == 1
    })
    .await;
    let flags = std::fs::read_to_string(tmp.path().join("flags.log")).unwrap();
    assert_eq!(flags, "pause\n");
    let ev = events(&copy);
    assert_eq!(count(&ev, "paused"), 1);
    let mut r = r;
    r.gone.take().unwrap().send(Gone::Terminate).unwrap();
    let (_, term) = r.task.await.unwrap();
    let screen = buffer_text(term.backend().buffer());
    assert!(screen.contains("JOURNAL FILE GONE"), "{screen}");
}
