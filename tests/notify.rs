//! Chat notifications: delivery against local servers (200, 500 then 200,
//! a hang), and exactly once per event across several consoles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/pg.rs"]
mod pg;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use chrono::Utc;
use common::*;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc as fmpsc;
use ratatui::Terminal;
use tokio::sync::mpsc;
use warroom::console_session::{OpenOptions, Session};
use warroom::health::{PanelState, PanelStatus};
use warroom::journal::Journal;
use warroom::notify::deliver::{Policy, deliver};
use warroom::runbook::model::{Notify, NotifyFormat, Runbook};
use warroom::session::event::{Event, EventBody, SessionMode};
use warroom::tui::console::{Console, run_loop};
use warroom::tui::{Exit, Theme};

#[derive(Clone, Default)]
struct Received {
    bodies: Arc<Mutex<Vec<String>>>,
    flaky_calls: Arc<AtomicUsize>,
    prom_calls: Arc<AtomicUsize>,
    /// Requests the slow target has begun to answer.
    slow_started: Arc<AtomicUsize>,
}

/// A Prometheus instant query answering `up` = 1.
async fn prom(State(r): State<Received>) -> axum::Json<serde_json::Value> {
    r.prom_calls.fetch_add(1, Ordering::SeqCst);
    axum::Json(serde_json::json!({
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
    }))
}

async fn server_and_metrics() -> (String, Received) {
    server().await
}

async fn ok(State(r): State<Received>, body: String) -> StatusCode {
    r.bodies.lock().unwrap().push(body);
    StatusCode::OK
}

/// 500 on the first call, 200 after.
async fn flaky(State(r): State<Received>, body: String) -> StatusCode {
    if r.flaky_calls.fetch_add(1, Ordering::SeqCst) == 0 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    r.bodies.lock().unwrap().push(body);
    StatusCode::OK
}

async fn always_500() -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

/// Answers 200 after a moment: long enough for a console to be quitting.
async fn slow(State(r): State<Received>, body: String) -> StatusCode {
    r.slow_started.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(400)).await;
    r.bodies.lock().unwrap().push(body);
    StatusCode::OK
}

async fn hang() -> StatusCode {
    tokio::time::sleep(Duration::from_secs(30)).await;
    StatusCode::OK
}

async fn server() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/ok", post(ok))
        .route("/flaky", post(flaky))
        .route("/500/{*secret}", post(always_500))
        .route("/hang", post(hang))
        .route("/slow", post(slow))
        .route("/api/v1/query", axum::routing::get(prom).post(prom))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn fast() -> Policy {
    Policy {
        attempts: 3,
        backoff: Duration::from_millis(50),
        timeout: Duration::from_millis(300),
    }
}

#[tokio::test]
async fn a_200_is_sent_once() {
    let (url, r) = server().await;
    let client = reqwest::Client::new();
    let status = deliver(
        &client,
        &format!("{url}/ok"),
        "{\"text\":\"hi\"}",
        fast(),
        &[],
    )
    .await;
    assert_eq!(status, "HTTP 200");
    assert_eq!(r.bodies.lock().unwrap().as_slice(), ["{\"text\":\"hi\"}"]);
}

#[tokio::test]
async fn a_500_is_retried_and_the_200_after_it_counts() {
    let (url, r) = server().await;
    let client = reqwest::Client::new();
    let status = deliver(&client, &format!("{url}/flaky"), "{}", fast(), &[]).await;
    assert_eq!(status, "HTTP 200 (attempt 2)");
    assert_eq!(r.flaky_calls.load(Ordering::SeqCst), 2);
    assert_eq!(r.bodies.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_lasting_500_gives_up_after_the_attempts_and_never_shows_the_url() {
    let (url, _) = server().await;
    let client = reqwest::Client::new();
    let secret = "T0KEN-abc".to_string();
    let status = deliver(
        &client,
        &format!("{url}/500/{secret}"),
        "{}",
        fast(),
        std::slice::from_ref(&secret),
    )
    .await;
    assert_eq!(status, "FAILED after 3 attempts: HTTP 500");
    assert!(!status.contains(&secret) && !status.contains("127.0.0.1"));
}

#[tokio::test]
async fn a_hanging_endpoint_times_out_within_the_bound() {
    let (url, _) = server().await;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let status = deliver(&client, &format!("{url}/hang"), "{}", fast(), &[]).await;
    assert!(
        status.starts_with("FAILED after 3 attempts: timed out"),
        "{status}"
    );
    // 3 x 300 ms timeouts + 50 + 100 ms backoff; far below the 30 s hang.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

// ---- several consoles ----

type Keys = fmpsc::UnboundedSender<std::io::Result<TermEvent>>;

struct Running {
    keys: Keys,
    panels: mpsc::UnboundedSender<PanelStatus>,
    task: tokio::task::JoinHandle<Exit>,
    /// The screen as of the last draw.
    screen: std::sync::Arc<std::sync::Mutex<String>>,
}

fn start(rb: Arc<Runbook>, path: &std::path::Path, who: &str) -> Running {
    let session = Session::open(
        rb,
        path,
        OpenOptions {
            mode: SessionMode::Rehearsal,
            operator: who.into(),
            host: None,
            read_only: false,
            accept_runbook_change: false,
        },
    )
    .unwrap();
    let mut console = Console::new(session, options(who, Theme::no_color()), false, None).unwrap();
    let (keys, key_rx) = fmpsc::unbounded();
    let (panels, panel_rx) = mpsc::unbounded_channel();
    let (backend, screen) = Watched::new(80, 24);
    let task = tokio::spawn(async move {
        let mut term = Terminal::new(backend).unwrap();
        run_loop(
            &mut term,
            &mut console,
            key_rx,
            panel_rx,
            std::future::pending(),
        )
        .await
        .unwrap()
    });
    Running {
        keys,
        panels,
        task,
        screen,
    }
}

/// Answer the question on screen with `c` once it is drawn: keys typed
/// before a question appears are dropped, as a person's would be.
async fn answer(r: &Running, c: char) {
    wait_until("the question on screen", || {
        r.screen.lock().unwrap().contains("n/esc")
    })
    .await;
    key(r, c);
}

fn key(r: &Running, c: char) {
    r.keys
        .unbounded_send(Ok(TermEvent::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))))
        .unwrap();
}

async fn quit(r: Running) {
    key(&r, 'q');
    key(&r, 'y');
    assert_eq!(r.task.await.unwrap(), Exit::Quit);
}

fn events(path: &std::path::Path) -> Vec<Event> {
    Journal::open_read_only(path)
        .unwrap()
        .read_since(0)
        .unwrap()
}

fn count(ev: &[Event], kind: &str) -> usize {
    ev.iter().filter(|e| e.body.kind() == kind).count()
}

/// Deliveries the cursor table counts (every target).
fn deliveries(path: &std::path::Path) -> u64 {
    warroom::journal::open::notify_cursors(path)
        .unwrap()
        .iter()
        .map(|c| c.attempts)
        .sum()
}

async fn wait_until(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn failing_errors() -> PanelStatus {
    let mut p = healthy_panels().remove(0);
    p.state = PanelState::Fail;
    p.value = Some(0.05);
    p.state_since = Some(Utc::now() - chrono::TimeDelta::seconds(60));
    p
}

fn with_slack(url: &str) -> Arc<Runbook> {
    with_target(&format!("{url}/ok"))
}

fn with_target(url: &str) -> Arc<Runbook> {
    let mut rb = (*runbook()).clone();
    rb.notify = vec![Notify {
        url: url.to_string(),
        format: NotifyFormat::Slack,
        on: vec!["expanded".into(), "guard_fired".into(), "paused".into()],
        kind: Default::default(),
    }];
    Arc::new(rb)
}

fn texts(r: &Received) -> Vec<String> {
    r.bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(b).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_consoles_send_each_event_once() {
    let (url, received) = server().await;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = with_slack(&url);
    let consoles: Vec<Running> = ["alice", "bob", "carol"]
        .into_iter()
        .map(|who| start(Arc::clone(&rb), &path, who))
        .collect();
    key(&consoles[0], 'b');
    wait_until("the start", || {
        count(&events(&path), "cutover_started") == 1
    })
    .await;
    key(&consoles[0], 'e');
    answer(&consoles[0], 'y').await;
    wait_until("the expand", || count(&events(&path), "expanded") == 1).await;
    for c in &consoles {
        c.panels.send(failing_errors()).unwrap();
    }
    wait_until("three delivered", || deliveries(&path) == 3).await;
    for c in consoles {
        quit(c).await;
    }
    let got = texts(&received);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got.iter().all(|t| !t.is_empty()));
    assert!(got[0].contains("EXPANDED to internal"), "{got:#?}");
    // A rehearsal says so in every message.
    assert!(
        got.iter().all(|t| t.starts_with("[REHEARSAL] ")),
        "{got:#?}"
    );
    assert!(
        got[1].starts_with("[REHEARSAL] [billing-v2] guard (errors FAIL"),
        "{got:#?}"
    );
    assert!(got[2].contains("PAUSED by guard"), "{got:#?}");
    let ev = events(&path);
    // Bookkeeping lives in the cursor table, not in the timeline.
    assert_eq!(count(&ev, "notified"), 0);
    assert_eq!(deliveries(&path), 3);
    // The report counts them from the table; its timeline has no
    // delivery lines.
    let mut md = Vec::new();
    warroom::report::run(&path, warroom::report::Format::Markdown, &mut md).unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("slack#1: 3 sent, 0 FAILED"), "{md}");
    assert!(!md.contains("notified"), "{md}");
    assert_eq!(count(&ev, "guard_fired"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_that_takes_over_neither_skips_nor_repeats() {
    let (url, received) = server().await;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let rb = with_slack(&url);
    let a = start(Arc::clone(&rb), &path, "alice");
    key(&a, 'b');
    key(&a, 'e');
    answer(&a, 'y').await;
    wait_until("alice's notification", || deliveries(&path) == 1).await;
    let b = start(Arc::clone(&rb), &path, "bob");
    quit(a).await;
    // Alice is gone and holds nothing: bob takes the conductor's lease at
    // his next heartbeat (only the conductor's polls are stored and
    // judged), then sends what comes next.
    wait_until("bob to conduct", || {
        count(&events(&path), "conductor_changed") == 2
    })
    .await;
    b.panels.send(failing_errors()).unwrap();
    wait_until("bob's notifications", || deliveries(&path) == 3).await;
    quit(b).await;
    let got = texts(&received);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[0].contains("EXPANDED"), "alice's, once: {got:#?}");
    let cursors = warroom::journal::open::notify_cursors(&path).unwrap();
    assert_eq!(cursors.len(), 1, "{cursors:?}");
    assert_eq!((cursors[0].attempts, cursors[0].failures), (3, 0));
    let paused = events(&path)
        .iter()
        .filter(|e| e.body.kind() == "paused")
        .map(|e| e.seq)
        .max()
        .unwrap();
    assert_eq!(cursors[0].seq, paused, "the cursor stands at the last sent");
}

// ---- the runbook section ----

const MINIMAL: &str = r#"[cutover]
id = "fixture"
title = "Fixture"
strategy = "phased"

[sources.prom]
type = "prometheus"
url = "URL"

[[panels]]
id = "errors"
title = "Errors"
source = "prom"
query = "up"
fail = "> 0.02"
dashboard = "DASH"

[[steps]]
id = "freeze"
title = "Freeze"
link = "https://wiki.example/freeze"

[actions.rollback]
run = "echo rollback"
"#;

fn load(
    text: &str,
    env: &[(&str, &str)],
) -> Result<warroom::runbook::Loaded, warroom::runbook::LoadError> {
    let path = std::path::PathBuf::from("notify.toml");
    warroom::runbook::load_str(text, &path, &|name| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
}

#[test]
fn check_refuses_a_bad_notify_section_and_bad_links_at_their_place() {
    let text = MINIMAL
        .replace("URL", "http://127.0.0.1:9090")
        .replace("DASH", "ftp://grafana.example/d/1")
        + "\n[[notify]]\nurl = \"${SLACK_WEBHOOK}\"\nformat = \"slak\"\non = [\"expanded\", \"expandd\"]\n";
    let err = load(&text, &[("SLACK_WEBHOOK", "https://hooks.example/T0KEN")]).unwrap_err();
    let rendered = err.render(false);
    assert!(rendered.contains("notify.toml:16:13"), "{rendered}");
    assert!(
        rendered.contains(
            "dashboard url \"ftp://grafana.example/d/1\" must start with http:// or https://"
        ),
        "{rendered}"
    );
    assert!(
        rendered.contains("invalid notify format \"slak\""),
        "{rendered}"
    );
    assert!(rendered.contains("did you mean \"slack\"?"), "{rendered}");
    assert!(
        rendered.contains("invalid notify event kind \"expandd\""),
        "{rendered}"
    );
    assert!(rendered.contains("notify.toml:28:10"), "{rendered}");
    assert!(rendered.contains("notify.toml:29:19"), "{rendered}");
    assert!(!rendered.contains("T0KEN"), "{rendered}");
}

#[test]
fn a_good_notify_section_loads_with_its_url_a_secret() {
    let text = MINIMAL
        .replace("URL", "http://127.0.0.1:9090")
        .replace("DASH", "https://grafana.example/d/1")
        + "\n[[notify]]\nurl = \"${SLACK_WEBHOOK}\"\nformat = \"teams\"\n";
    let loaded = load(&text, &[("SLACK_WEBHOOK", "https://hooks.example/T0KEN")]).unwrap();
    let rb = loaded.runbook;
    assert_eq!(rb.notify.len(), 1);
    assert_eq!(rb.notify[0].format, NotifyFormat::Teams);
    assert!(
        rb.notify[0].on.contains(&"gate_go".to_string()),
        "default kinds"
    );
    assert_eq!(rb.notify[0].target(0), "teams#1");
    assert!(rb.redact(&rb.notify[0].url).contains("***"));
    assert_eq!(rb.links.dashboards["errors"], "https://grafana.example/d/1");
    assert_eq!(rb.links.steps["freeze"], "https://wiki.example/freeze");
}

#[test]
fn check_probe_posts_nothing() {
    // `probe::run` builds its own runtime; the server gets another one.
    let server = tokio::runtime::Runtime::new().unwrap();
    let (url, received) = server.block_on(server_and_metrics());
    let text = MINIMAL
        .replace("URL", &url)
        .replace("DASH", "https://grafana.example/d/1")
        + &format!(
            "\n[[notify]]\nurl = \"{url}/ok\"\nformat = \"slack\"\non = [\"session_opened\", \"expanded\"]\n"
        );
    let rb = load(&text, &[]).unwrap().runbook;
    warroom::health::probe::run(&rb, false);
    assert!(received.bodies.lock().unwrap().is_empty());
    assert!(
        received.prom_calls.load(Ordering::SeqCst) >= 1,
        "the probe did poll"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_journals_a_notification_already_on_its_way() {
    let (url, received) = server().await;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let a = start(with_target(&format!("{url}/slow")), &path, "alice");
    key(&a, 'b');
    key(&a, 'e');
    answer(&a, 'y').await;
    wait_until("the expand", || count(&events(&path), "expanded") == 1).await;
    // Quit once the notification is on its way and not yet answered.
    wait_until("the post reaching the target", || {
        received.slow_started.load(Ordering::SeqCst) == 1
    })
    .await;
    quit(a).await;
    assert_eq!(deliveries(&path), 1, "recorded before leaving");
    assert_eq!(received.bodies.lock().unwrap().len(), 1);
}

/// A conductor whose console keeps only the latest events (500) still
/// sends what came before them: it reads the journal for the rest, on a
/// blocking task rather than on the terminal loop (issue 26), and feeds
/// what the tail holds after that read, each event once and in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_conductor_sends_what_its_console_no_longer_keeps_in_order() {
    const NOTES: usize = 560;
    let (url, received) = server().await;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("j.db");
    let mut rb = (*with_slack(&url)).clone();
    rb.notify[0].on = vec!["note".into()];
    let rb = Arc::new(rb);
    {
        let mut s = Session::open(
            Arc::clone(&rb),
            &path,
            OpenOptions {
                mode: SessionMode::Rehearsal,
                operator: "bob".into(),
                host: None,
                read_only: false,
                accept_runbook_change: false,
            },
        )
        .unwrap();
        let none = warroom::health::PanelMap::new();
        for i in 1..=NOTES {
            let cmd = warroom::session::command::Command::Note {
                text: format!("note {i}"),
            };
            s.submit(&cmd, &none, Utc::now()).unwrap();
        }
    }
    let a = start(Arc::clone(&rb), &path, "alice");
    wait_until("every note delivered", || {
        received.bodies.lock().unwrap().len() == NOTES
    })
    .await;
    quit(a).await;
    let got = texts(&received);
    assert_eq!(got.len(), NOTES, "each note once");
    for (i, t) in got.iter().enumerate() {
        assert!(t.ends_with(&format!("note {}", i + 1)), "{i}: {t}");
    }
}

/// Issue 26: after ROLLED_BACK, a gate's GO is not announced (it
/// contradicts the end); the end itself and a note are. A rehearsal's
/// JSON says `"mode":"rehearsal"`.
#[tokio::test]
async fn nothing_contradicting_the_end_is_announced_after_it() {
    use warroom::session::event::{RollbackOutcome, Trigger};
    let (url, received) = server().await;
    let mut rb = (*runbook()).clone();
    rb.notify = vec![Notify {
        url: format!("{url}/ok"),
        format: NotifyFormat::Json,
        kind: Default::default(),
        on: vec!["gate_go".into(), "rollback_finished".into(), "note".into()],
    }];
    let rb = Arc::new(rb);
    let (mut notifier, mut sent) =
        warroom::notify::Notifier::start(&rb, fast(), SessionMode::Rehearsal).unwrap();
    let ev = |seq: u64, body: EventBody| Event {
        seq,
        ts: Utc::now(),
        operator: "alice".into(),
        body,
    };
    let go = |seq| {
        ev(
            seq,
            EventBody::GateGo {
                gate: "go-live".into(),
                evidence: Default::default(),
            },
        )
    };
    let batch = vec![
        go(1),
        ev(
            2,
            EventBody::RollbackFinished {
                trigger: Trigger::Operator,
                reason: "errors".into(),
                outcome: RollbackOutcome::Done,
            },
        ),
        go(3),
        ev(
            4,
            EventBody::Note {
                text: "postmortem at 15:00".into(),
            },
        ),
    ];
    notifier.feed(&batch, &Default::default(), true);
    let mut seqs = Vec::new();
    for _ in 0..3 {
        let s = tokio::time::timeout(Duration::from_secs(15), sent.recv())
            .await
            .unwrap()
            .unwrap();
        seqs.push(s.event_seq);
    }
    assert_eq!(seqs, [1, 2, 4]);
    // Nothing more comes: the GO after the end was never handed over.
    assert_eq!(notifier.outstanding(), 3);
    let bodies = received.bodies.lock().unwrap().clone();
    let kinds: Vec<String> = bodies
        .iter()
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(b).unwrap();
            assert_eq!(v["mode"], "rehearsal", "{b}");
            format!("{}#{}", v["kind"].as_str().unwrap(), v["seq"])
        })
        .collect();
    assert_eq!(kinds, ["gate_go#1", "rollback_finished#2", "note#4"]);
}

/// The cursor table on both backends: the cursor never goes back, failures
/// keep their last error; a PostgreSQL journal made before the table (and
/// an account that cannot create it) falls back to `notified` events.
#[test]
fn delivery_cursors_on_sqlite_and_postgresql() {
    use warroom::journal::notify_cursor::{Cursor, Delivery};
    let tmp = tempfile::tempdir().unwrap();
    let mut places: Vec<warroom::journal::JournalLocation> = vec![tmp.path().join("j.db").into()];
    let cluster = pg::cluster();
    if let Some(c) = cluster {
        places.push(pg::at(&c.fresh("cursors")));
    }
    let d = |seq: u64, status: &str| Delivery {
        target: "slack#1".into(),
        event_seq: seq,
        status: status.into(),
        delivered: status == "HTTP 200",
    };
    for place in &places {
        let (mut store, _) = warroom::journal::open::open_store(place, true).unwrap();
        let mut tx = store.begin().unwrap();
        for (seq, status) in [(5, "HTTP 200"), (7, "HTTP 500"), (6, "HTTP 200")] {
            assert!(tx.record_delivery(&d(seq, status)).unwrap());
        }
        tx.commit().unwrap();
        assert_eq!(
            warroom::journal::open::notify_cursors(place).unwrap(),
            [Cursor {
                target: "slack#1".into(),
                seq: 7,
                attempts: 3,
                failures: 1,
                last_error: Some("HTTP 500".into()),
                last_error_seq: Some(7),
            }],
            "{place}"
        );
    }
    if let (Some(c), Some(url)) = (cluster, places.get(1)) {
        c.raw(std::path::Path::new(&url.to_string()))
            .batch_execute("DROP TABLE warroom_notify_cursor")
            .unwrap();
        let (mut store, _) = warroom::journal::open::open_store(url, false).unwrap();
        let mut tx = store.begin().unwrap();
        assert!(!tx.record_delivery(&d(8, "HTTP 200")).unwrap());
        tx.commit().unwrap();
        assert!(
            warroom::journal::open::notify_cursors(url)
                .unwrap()
                .is_empty()
        );
    }
}

/// A console that lost the lease and got it back must not send what the
/// other conductor sent meanwhile: losing it forgets where it stood, and
/// the next time it conducts it starts from the cursors as they are then.
#[tokio::test]
async fn a_console_that_stops_conducting_reads_the_cursors_again() {
    use std::collections::BTreeMap;
    let (url, _received) = server().await;
    let rb = with_slack(&url);
    let (mut n, _sent) = warroom::notify::Notifier::start(&rb, fast(), SessionMode::Live).unwrap();
    let target = rb.notify[0].target(0);
    assert!(n.needs_cursors());
    n.seed(&BTreeMap::from([(target.clone(), 100)]));
    assert!(!n.needs_cursors());
    // Its own position wins over older cursors while it conducts.
    assert_eq!(n.needs_from(&BTreeMap::from([(target.clone(), 90)])), 100);
    n.forget_positions();
    assert!(n.needs_cursors());
    // Another conductor sent up to 150: that is where it starts again.
    assert_eq!(n.needs_from(&BTreeMap::from([(target, 150)])), 150);
}
