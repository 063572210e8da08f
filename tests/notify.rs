//! Chat notifications: delivery against local servers (200, 500 then 200,
//! a hang), and exactly once per event across several consoles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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
    wait_until("three notified", || count(&events(&path), "notified") == 3).await;
    for c in consoles {
        quit(c).await;
    }
    let got = texts(&received);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got.iter().all(|t| !t.is_empty()));
    assert!(got[0].contains("EXPANDED to internal"), "{got:#?}");
    assert!(
        got[1].starts_with("[billing-v2] guard (errors FAIL"),
        "{got:#?}"
    );
    assert!(got[2].contains("PAUSED by guard"), "{got:#?}");
    let ev = events(&path);
    assert_eq!(count(&ev, "notified"), 3);
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
    wait_until("alice's notification", || {
        count(&events(&path), "notified") == 1
    })
    .await;
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
    wait_until("bob's notifications", || {
        count(&events(&path), "notified") == 3
    })
    .await;
    quit(b).await;
    let got = texts(&received);
    assert_eq!(got.len(), 3, "{got:#?}");
    let ev = events(&path);
    let senders: Vec<&str> = ev
        .iter()
        .filter(|e| e.body.kind() == "notified")
        .map(|e| e.operator.as_str())
        .collect();
    assert_eq!(senders, ["alice", "bob", "bob"]);
    assert!(matches!(
        &ev.iter().find(|e| e.body.kind() == "notified").unwrap().body,
        EventBody::Notified { status, .. } if status == "HTTP 200"
    ));
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
    let ev = events(&path);
    assert_eq!(count(&ev, "notified"), 1, "journaled before leaving");
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
    wait_until("every note notified", || {
        count(&events(&path), "notified") == NOTES
    })
    .await;
    quit(a).await;
    let got = texts(&received);
    assert_eq!(got.len(), NOTES, "each note once");
    for (i, t) in got.iter().enumerate() {
        assert!(t.ends_with(&format!("note {}", i + 1)), "{i}: {t}");
    }
}
