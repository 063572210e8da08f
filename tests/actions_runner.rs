#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Actions against real shells and a real HTTP server on loopback.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use warroom::actions::{self, ActionContext, run_command, succeeded, webhook};
use warroom::runbook::model::*;
use warroom::session::event::EventBody;

fn ctx(reason: &str) -> ActionContext {
    ActionContext {
        cutover: "checkout-v2".into(),
        action: "expand".into(),
        stage: Some("five".into()),
        exposure: 5.0,
        previous_exposure: 1.0,
        operator: "alice".into(),
        reason: reason.into(),
        mode: "rehearsal".into(),
        fence: None,
        run_token: None,
    }
}

const NASTY: &str = "ok $(touch PWNED1) `touch PWNED2`; touch PWNED3 && echo \"hi\" 'there'\n$HOME\ttouch PWNED4 | touch PWNED5";

fn no_pwned(dir: &Path) {
    for i in 1..=5 {
        assert!(
            !dir.join(format!("PWNED{i}")).exists(),
            "PWNED{i} was created"
        );
    }
}

fn action(run: Option<&str>, hook: Option<Webhook>) -> Action {
    Action {
        run: run.map(String::from),
        webhook: hook,
        timeout: Duration::from_secs(10),
        two_person: false,
        roles: vec![],
    }
}

fn runbook(dir: &Path, actions: Actions, steps: Vec<Step>, secrets: Vec<String>) -> Runbook {
    Runbook {
        path: dir.join("rb.toml"),
        dir: dir.to_path_buf(),
        sha256: String::new(),
        text: String::new(),
        cutover: Cutover {
            id: "checkout-v2".into(),
            title: "Checkout v2".into(),
            strategy: Strategy::Canary,
            summary: None,
            rollback_deadline: None,
            timezone: Default::default(),
        },
        roles: vec![],
        operators: None,
        sources: vec![],
        panels: vec![],
        stages: vec![],
        gates: vec![],
        steps,
        actions,
        guards: vec![],
        links: Default::default(),
        notify: vec![],
        secrets,
    }
}

fn only_pause(a: Action) -> Actions {
    Actions {
        pause: Some(a),
        resume: None,
        expand: None,
        rollback: action(Some("true"), None),
        begin_roles: vec![],
    }
}

/// Is the process alive (a zombie nobody reaped counts as gone)?
fn alive(pid: i32) -> bool {
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

async fn until(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + deadline;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn read_pid(p: PathBuf) -> i32 {
    std::fs::read_to_string(&p).unwrap().trim().parse().unwrap()
}

#[tokio::test]
async fn context_reaches_the_command_as_env_vars() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_command(
        "env | grep '^WARROOM_' | sort > env.txt; echo done",
        dir.path(),
        &ctx("bake passed"),
        Duration::from_secs(10),
        &[],
    )
    .await;
    assert_eq!(r.exit_code, Some(0), "{r:?}");
    assert_eq!(r.output_tail, "done");
    assert!(!r.timed_out);
    let env = std::fs::read_to_string(dir.path().join("env.txt")).unwrap();
    assert_eq!(
        env,
        "WARROOM_ACTION=expand\nWARROOM_CUTOVER=checkout-v2\nWARROOM_EXPOSURE=5\n\
         WARROOM_FENCE=\nWARROOM_MODE=rehearsal\nWARROOM_OPERATOR=alice\nWARROOM_PREVIOUS_EXPOSURE=1\n\
         WARROOM_REASON=bake passed\nWARROOM_STAGE=five\n"
    );
}

#[test]
fn context_for_stage_transitions() {
    use warroom::session::event::SessionMode;
    let dir = tempfile::tempdir().unwrap();
    let mut rb = runbook(dir.path(), only_pause(action(None, None)), vec![], vec![]);
    rb.stages = [("one", 1.0), ("five", 5.0)]
        .into_iter()
        .map(|(name, exposure)| Stage {
            name: name.into(),
            exposure,
            bake: Duration::ZERO,
            gate: None,
            analysis: None,
            advance: Advance::Manual,
            auto_countdown: DEFAULT_AUTO_COUNTDOWN,
        })
        .collect();
    let c = ActionContext::for_transition(
        &rb,
        "expand",
        Some(0),
        Some(1),
        "bob",
        "bake ok",
        SessionMode::Live,
    );
    assert_eq!(
        (
            c.cutover.as_str(),
            c.stage.as_deref(),
            c.exposure,
            c.previous_exposure,
            c.mode.as_str()
        ),
        ("checkout-v2", Some("five"), 5.0, 1.0, "live")
    );
    let c =
        ActionContext::for_transition(&rb, "expand", None, Some(0), "bob", "", SessionMode::Demo);
    assert_eq!(
        (c.previous_exposure, c.exposure, c.mode.as_str()),
        (0.0, 1.0, "rehearsal")
    );
    let c = ActionContext::for_transition(
        &rb,
        "rollback",
        Some(1),
        None,
        "bob",
        "errors",
        SessionMode::Rehearsal,
    );
    assert_eq!((c.stage, c.exposure, c.previous_exposure), (None, 0.0, 5.0));
}

#[tokio::test]
async fn exit_code_and_stderr_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_command(
        "echo out; echo err >&2; exit 3",
        dir.path(),
        &ctx(""),
        Duration::from_secs(10),
        &[],
    )
    .await;
    assert_eq!(r.exit_code, Some(3));
    assert!(
        r.output_tail.contains("out") && r.output_tail.contains("err"),
        "{r:?}"
    );
    assert!(!r.success());
}

#[tokio::test]
async fn a_hostile_reason_is_inert_in_the_command() {
    let dir = tempfile::tempdir().unwrap();
    // Quoted and unquoted uses: neither evaluates what the value contains.
    let r = run_command(
        "printf '%s' \"$WARROOM_REASON\" > reason.txt; echo $WARROOM_REASON > unquoted.txt",
        dir.path(),
        &ctx(NASTY),
        Duration::from_secs(10),
        &[],
    )
    .await;
    assert_eq!(r.exit_code, Some(0), "{r:?}");
    no_pwned(dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("reason.txt")).unwrap(),
        NASTY
    );
}

#[tokio::test]
async fn timeout_kills_the_command_and_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_command(
        "echo $$ > leader.pid; sleep 60 & echo $! > child.pid; echo started; sleep 60",
        dir.path(),
        &ctx(""),
        Duration::from_millis(500),
        &[],
    )
    .await;
    assert!(r.timed_out, "{r:?}");
    assert_eq!(r.exit_code, None);
    assert!(r.output_tail.contains("started"), "{r:?}");
    assert!(
        r.error.as_deref().unwrap_or("").contains("timed out"),
        "{r:?}"
    );
    let leader = read_pid(dir.path().join("leader.pid"));
    let child = read_pid(dir.path().join("child.pid"));
    until(
        "the shell and its background child to be gone",
        Duration::from_secs(5),
        || !alive(leader) && !alive(child),
    )
    .await;
}

#[tokio::test]
async fn a_child_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_command(
        "sh -c 'trap \"\" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' & sleep 60",
        dir.path(),
        &ctx(""),
        Duration::from_millis(500),
        &[],
    )
    .await;
    assert!(r.timed_out);
    until("stubborn.pid written", Duration::from_secs(5), || {
        dir.path().join("stubborn.pid").exists()
    })
    .await;
    let stubborn = read_pid(dir.path().join("stubborn.pid"));
    until(
        "the TERM-ignoring child to be killed",
        Duration::from_secs(5),
        || !alive(stubborn),
    )
    .await;
}

#[tokio::test]
async fn a_cancelled_run_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let c = ctx("");
    let run = run_command(
        "echo $$ > leader.pid; sleep 60",
        &path,
        &c,
        Duration::from_secs(60),
        &[],
    );
    tokio::select! {
        _ = run => panic!("the command cannot finish"),
        _ = until("leader.pid written", Duration::from_secs(5), || path.join("leader.pid").exists()) => {}
    }
    let leader = read_pid(dir.path().join("leader.pid"));
    until(
        "the cancelled command to be killed",
        Duration::from_secs(5),
        || !alive(leader),
    )
    .await;
}

#[tokio::test]
async fn big_output_is_bounded_to_the_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_command(
        "seq 1 200000",
        dir.path(),
        &ctx(""),
        Duration::from_secs(30),
        &[],
    )
    .await;
    assert_eq!(r.exit_code, Some(0));
    assert!(r.output_tail.ends_with("\n200000"), "{}", r.output_tail);
    assert!(r.output_tail.lines().count() <= 20);
    assert!(r.output_tail.len() <= 4100);
    assert!(r.output_tail.contains("199990"));
}

#[tokio::test]
async fn secrets_are_redacted_from_output() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "hunter2-very-secret".to_string();
    let r = run_command(
        "echo \"using token hunter2-very-secret\"; echo hunter2-very-secret >&2",
        dir.path(),
        &ctx(""),
        Duration::from_secs(10),
        std::slice::from_ref(&secret),
    )
    .await;
    assert!(!r.output_tail.contains(&secret), "{}", r.output_tail);
    assert!(r.output_tail.contains("using token ***"));
}

#[tokio::test]
async fn a_missing_folder_is_an_error_not_a_panic() {
    let r = run_command(
        "true",
        Path::new("/nonexistent/warroom"),
        &ctx(""),
        Duration::from_secs(5),
        &[],
    )
    .await;
    assert_eq!(r.exit_code, None);
    let err = r.error.unwrap();
    assert!(err.contains("/nonexistent/warroom"), "{err}");
}

// ---- webhooks ---------------------------------------------------------

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, serde_json::Value)>>>);

impl Received {
    fn calls(&self) -> Vec<(HeaderMap, serde_json::Value)> {
        self.0.lock().unwrap().clone()
    }
}

async fn record(State(r): State<Received>, headers: HeaderMap, body: String) -> StatusCode {
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    r.0.lock().unwrap().push((headers, json));
    StatusCode::OK
}

async fn fail(
    State(r): State<Received>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    record(State(r), headers, body).await;
    (StatusCode::INTERNAL_SERVER_ERROR, "boom: database on fire")
}

async fn hang() -> StatusCode {
    tokio::time::sleep(Duration::from_secs(30)).await;
    StatusCode::OK
}

async fn server() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/ok", post(record).put(record))
        .route("/fail/{*rest}", post(fail))
        .route("/hang", post(hang))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn hook(url: String) -> Webhook {
    Webhook {
        url,
        method: "POST".into(),
        headers: vec![("X-Team".into(), "payments".into())],
    }
}

#[tokio::test]
async fn webhook_posts_the_context_as_json_with_headers() {
    let (url, received) = server().await;
    let mut h = hook(format!("{url}/ok"));
    h.method = "put".into();
    let client = reqwest::Client::new();
    let got = webhook::send(&client, &h, &ctx(NASTY), Duration::from_secs(5), &[]).await;
    assert_eq!(got, Ok(200));
    let calls = received.calls();
    assert_eq!(calls.len(), 1);
    let (headers, body) = &calls[0];
    assert_eq!(headers["x-team"], "payments");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body, &ctx(NASTY).webhook_body());
    assert_eq!(
        body["reason"], NASTY,
        "the reason arrives verbatim, as data"
    );
    assert_eq!(body["exposure"], 5.0);
}

#[tokio::test]
async fn webhook_500_is_an_error_without_the_secret_url() {
    let (url, received) = server().await;
    let secret = "T0K3N-abc".to_string();
    let h = hook(format!("{url}/fail/hooks/{secret}?sig={secret}"));
    let client = reqwest::Client::new();
    let err = webhook::send(
        &client,
        &h,
        &ctx(""),
        Duration::from_secs(5),
        std::slice::from_ref(&secret),
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("HTTP 500 from POST http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("/fail/hooks/***"), "{err}");
    assert!(err.contains("database on fire"), "{err}");
    assert!(!err.contains(&secret) && !err.contains("sig="), "{err}");
    assert_eq!(received.calls().len(), 1);
}

#[tokio::test]
async fn refused_connection_is_reported() {
    // A port that was free a moment ago and has no listener now.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let h = hook(format!("http://127.0.0.1:{port}/hook"));
    let client = reqwest::Client::new();
    let err = webhook::send(&client, &h, &ctx(""), Duration::from_secs(5), &[])
        .await
        .unwrap_err();
    assert!(
        err.contains(&format!("POST http://127.0.0.1:{port}/hook")),
        "{err}"
    );
    assert!(err.contains("connection failed"), "{err}");
}

#[tokio::test]
async fn a_hanging_webhook_times_out() {
    let (url, _) = server().await;
    let h = hook(format!("{url}/hang"));
    let client = reqwest::Client::new();
    let err = webhook::send(&client, &h, &ctx(""), Duration::from_millis(200), &[])
        .await
        .unwrap_err();
    assert!(err.ends_with("/hang: timed out after 200ms"), "{err}");
}

// ---- execute: what the journal gets ----------------------------------

#[tokio::test]
async fn execute_runs_command_then_webhook_and_reports_both() {
    let (url, received) = server().await;
    let dir = tempfile::tempdir().unwrap();
    let rb = runbook(
        dir.path(),
        only_pause(action(
            Some("echo pausing \"$WARROOM_ACTION\"; touch paused"),
            Some(hook(format!("{url}/ok"))),
        )),
        vec![],
        vec![],
    );
    let client = reqwest::Client::new();
    let ev = actions::execute(
        &rb,
        ActionKind::Pause,
        ctx("errors up"),
        true,
        &client,
        actions::RunId::untracked(),
    )
    .await
    .unwrap();
    match &ev {
        EventBody::ActionRan {
            action,
            executed,
            exit_code,
            output_tail,
            webhook,
            ..
        } => {
            assert_eq!(action, "pause");
            assert!(executed);
            assert_eq!(*exit_code, Some(0));
            assert_eq!(output_tail, "pausing pause", "ctx.action follows the kind");
            assert_eq!(webhook.as_deref(), Some("HTTP 200"));
        }
        other => panic!("{other:?}"),
    }
    assert!(succeeded(&ev));
    assert!(
        dir.path().join("paused").exists(),
        "the command ran in the runbook's folder"
    );
    assert_eq!(received.calls()[0].1["action"], "pause");
    assert_eq!(received.calls()[0].1["reason"], "errors up");
}

#[tokio::test]
async fn a_failing_webhook_fails_the_action() {
    let (url, _) = server().await;
    let dir = tempfile::tempdir().unwrap();
    let rb = runbook(
        dir.path(),
        only_pause(action(None, Some(hook(format!("{url}/fail/x"))))),
        vec![],
        vec![],
    );
    let client = reqwest::Client::new();
    let ev = actions::execute(
        &rb,
        ActionKind::Pause,
        ctx(""),
        true,
        &client,
        actions::RunId::untracked(),
    )
    .await
    .unwrap();
    match &ev {
        EventBody::ActionRan {
            exit_code, webhook, ..
        } => {
            assert_eq!(*exit_code, None, "webhook-only: no exit code");
            assert!(
                webhook.as_deref().unwrap().starts_with("HTTP 500"),
                "{webhook:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!succeeded(&ev));
    // Recorded as it happened: the status as a number, the whole as failed,
    // and the one wording says so (no "exit none (killed)").
    assert!(matches!(
        ev,
        EventBody::ActionRan {
            webhook_status: Some(500),
            outcome: Some(warroom::session::event::ActionOutcome::Failed),
            ..
        }
    ));
    assert_eq!(
        actions::outcome::describe(&ev).as_deref(),
        Some("pause FAILED: webhook HTTP 500")
    );
}

#[tokio::test]
async fn rehearsal_executes_nothing() {
    let (url, received) = server().await;
    let dir = tempfile::tempdir().unwrap();
    let steps = vec![Step {
        id: "freeze".into(),
        title: "Freeze".into(),
        owner: None,
        expect: None,
        gate: None,
        after: vec![],
        run: Some("touch step-ran".into()),
        timeout: Duration::from_secs(5),
        notes: None,
        irreversible: false,
        stage: None,
        phase: Default::default(),
    }];
    let rb = runbook(
        dir.path(),
        only_pause(action(
            Some("touch action-ran"),
            Some(hook(format!("{url}/ok"))),
        )),
        steps,
        vec![],
    );
    let client = reqwest::Client::new();
    let ev = actions::execute(
        &rb,
        ActionKind::Pause,
        ctx(""),
        false,
        &client,
        actions::RunId::untracked(),
    )
    .await
    .unwrap();
    assert_eq!(
        ev,
        EventBody::ActionRan {
            id: None,
            outcome: None,
            webhook_status: None,
            action: "pause".into(),
            executed: false,
            exit_code: None,
            duration_ms: 0,
            output_tail: "(rehearsal: not executed)".into(),
            webhook: None,
        }
    );
    assert!(succeeded(&ev));
    let ev = actions::execute_step(
        &rb,
        &rb.steps[0],
        ctx(""),
        false,
        actions::RunId::untracked(),
    )
    .await
    .unwrap();
    assert!(
        matches!(&ev, EventBody::ActionRan { action, executed: false, .. } if action == "step:freeze")
    );
    assert!(!dir.path().join("action-ran").exists());
    assert!(!dir.path().join("step-ran").exists());
    assert!(received.calls().is_empty(), "no webhook in a rehearsal");

    // Unconfigured actions have nothing to run or journal.
    assert!(
        actions::execute(
            &rb,
            ActionKind::Expand,
            ctx(""),
            true,
            &client,
            actions::RunId::untracked()
        )
        .await
        .is_none()
    );
}

#[tokio::test]
async fn step_commands_use_the_step_timeout_and_report_it() {
    let dir = tempfile::tempdir().unwrap();
    let step = Step {
        id: "backfill".into(),
        title: "Backfill".into(),
        owner: None,
        expect: None,
        gate: None,
        after: vec![],
        run: Some("echo \"$WARROOM_ACTION\"; sleep 60".into()),
        timeout: Duration::from_millis(300),
        notes: None,
        irreversible: true,
        stage: None,
        phase: Default::default(),
    };
    let rb = runbook(
        dir.path(),
        only_pause(action(None, None)),
        vec![step],
        vec![],
    );
    let ev = actions::execute_step(
        &rb,
        &rb.steps[0],
        ctx(""),
        true,
        actions::RunId::untracked(),
    )
    .await
    .unwrap();
    match &ev {
        EventBody::ActionRan {
            action,
            executed,
            exit_code,
            output_tail,
            ..
        } => {
            assert_eq!(action, "step:backfill");
            assert!(executed);
            assert_eq!(*exit_code, None);
            assert!(
                output_tail.starts_with("step:backfill\n[warroom] timed out after 300ms"),
                "{output_tail}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!succeeded(&ev));
}
