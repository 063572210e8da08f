//! The way back always works: the action queue lets a rollback preempt a
//! slow expand, a pause never waits behind one, and nothing a timed-out
//! command started outlives its timeout. Real `sh` commands write a flag
//! log, as a runbook's flag commands would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
include!("common/soak.rs");

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use warroom::actions::queue::{ActionQueue, Executor, Report};
use warroom::actions::{ActionContext, run_command};
use warroom::runbook::model::{Action, Runbook};
use warroom::session::event::{
    ActionOutcome, Event, EventBody, Evidence, RollbackOutcome, SessionMode, Trigger,
};

fn action(run: &str) -> Action {
    Action {
        run: Some(run.into()),
        webhook: None,
        timeout: Duration::from_secs(30),
        two_person: false,
        roles: vec![],
    }
}

/// The common runbook with flag commands that append to `flags.log` in
/// `dir`: the expand takes `expand_secs`.
fn runbook(dir: &Path, expand_secs: f64) -> Arc<Runbook> {
    let mut rb = (*common::runbook()).clone();
    rb.dir = dir.to_path_buf();
    rb.actions.expand = Some(action(&format!(
        "echo expand-start >> flags.log; sleep {expand_secs}; echo \"expand $WARROOM_EXPOSURE\" >> flags.log"
    )));
    rb.actions.rollback = action("echo rollback >> flags.log");
    rb.actions.pause = Some(action("echo pause >> flags.log"));
    Arc::new(rb)
}

fn ev(seq: u64, body: EventBody) -> Event {
    Event {
        seq,
        ts: Utc::now(),
        operator: "alice".into(),
        body,
    }
}

fn expanded() -> EventBody {
    EventBody::Expanded {
        from_stage: None,
        to_stage: "internal".into(),
        exposure: 1.0,
        override_reason: None,
        evidence: Evidence::new(),
        automatic: false,
    }
}

fn guard_rollback() -> EventBody {
    EventBody::RollbackStarted {
        trigger: Trigger::Guard,
        reason: "errors FAIL for 30s".into(),
        override_reason: None,
        evidence: Evidence::new(),
        recorded_late: None,
    }
}

fn paused() -> EventBody {
    EventBody::Paused {
        reason: "hold".into(),
        trigger: Trigger::Operator,
        evidence: Evidence::new(),
        recorded_late: None,
    }
}

fn queue(rb: Arc<Runbook>) -> (ActionQueue, UnboundedReceiver<Report>) {
    let (tx, rx) = unbounded_channel();
    let q = ActionQueue::start(
        Executor {
            runbook: rb,
            mode: SessionMode::Rehearsal,
            execute: true,
            client: reqwest::Client::new(),
        },
        tx,
    );
    (q, rx)
}

/// Every event the queue reported, in order, once `jobs` jobs finished
/// (within 15 s).
async fn collect(rx: &mut UnboundedReceiver<Report>, jobs: usize) -> Vec<EventBody> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut finished = 0;
    let mut out = Vec::new();
    while finished < jobs {
        let r = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("every job reports within 15 s")
            .unwrap();
        finished += usize::from(r.finished);
        out.extend(r.events);
    }
    out
}

fn ran<'a>(events: &'a [EventBody], name: &str) -> &'a EventBody {
    events
        .iter()
        .find(|e| matches!(e, EventBody::ActionRan { action, .. } if action == name))
        .unwrap_or_else(|| panic!("no action_ran for {name}: {events:?}"))
}

fn outcome(e: &EventBody) -> Option<ActionOutcome> {
    match e {
        EventBody::ActionRan { outcome, .. } => *outcome,
        _ => None,
    }
}

fn kinds(events: &[EventBody]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            EventBody::ActionStarted { action, .. } => format!("started:{action}"),
            EventBody::ActionRan { action, .. } => format!("ran:{action}"),
            other => other.kind(),
        })
        .collect()
}

/// The expand's command has begun: it wrote its first line.
async fn wait_for_file(path: &Path) {
    let end = tokio::time::Instant::now() + Duration::from_secs(5);
    while !path.exists() {
        assert!(
            tokio::time::Instant::now() < end,
            "{} never appeared",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A cheap pseudo-random delay per round (no rand dependency).
fn jitter(round: u64, max_ms: u64) -> Duration {
    let x = round
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        ^ u64::from(std::process::id());
    Duration::from_millis((x >> 33) % max_ms)
}

/// Soak rounds (3; `WARROOM_SOAK_ROUNDS` for more): an expand whose flag
/// command takes 1.5 s, a guard rollback at a random moment within its
/// first 600 ms. In every round the expand is journaled interrupted before
/// the rollback starts, and the last flag command in the log is the
/// rollback's, also once the expand's would have finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_rollback_during_a_slow_expand_is_the_last_flag_command_every_round() {
    let tmp = tempfile::tempdir().unwrap();
    let mut logs = Vec::new();
    let started = std::time::Instant::now();
    let mut slowest = Duration::ZERO;
    let rounds = soak_rounds() as u64;
    for round in 0..rounds {
        let dir = tmp.path().join(format!("round{round}"));
        std::fs::create_dir(&dir).unwrap();
        let (q, mut rx) = queue(runbook(&dir, 1.5));
        let log = dir.join("flags.log");
        assert_eq!(q.on_events(&[ev(5, expanded())], None), 1);
        // Wait until the expand's command really runs, then a moment more.
        let end = tokio::time::Instant::now() + Duration::from_secs(5);
        while !log.exists() {
            assert!(
                tokio::time::Instant::now() < end,
                "the expand never started"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(jitter(round, 600)).await;
        assert_eq!(q.on_events(&[ev(7, guard_rollback())], Some(0)), 1);
        let t_rb = std::time::Instant::now();
        let events = collect(&mut rx, 2).await;
        slowest = slowest.max(t_rb.elapsed());
        assert_eq!(
            kinds(&events),
            [
                "started:expand",
                "ran:expand",
                "started:rollback",
                "ran:rollback",
                "rollback_finished"
            ],
            "round {round}"
        );
        assert_eq!(
            outcome(ran(&events, "expand")),
            Some(ActionOutcome::Interrupted)
        );
        assert_eq!(
            outcome(ran(&events, "rollback")),
            Some(ActionOutcome::Succeeded)
        );
        assert!(matches!(
            events.last(),
            Some(EventBody::RollbackFinished {
                outcome: RollbackOutcome::Done,
                ..
            })
        ));
        // Ids tie each start to its end.
        let ids: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                EventBody::ActionStarted { id, .. } => Some(id.clone()),
                EventBody::ActionRan { id, .. } => id.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(ids, ["5/expand", "5/expand", "7/rollback", "7/rollback"]);
        logs.push(log);
    }
    // The slowest expand would have written by now: 1.5 s after the last
    // round's expand started, plus a margin.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    for (round, log) in logs.iter().enumerate() {
        let text = std::fs::read_to_string(log).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            ["expand-start", "rollback"],
            "round {round}"
        );
    }
    eprintln!(
        "{rounds} rounds in {:?}; slowest rollback finished {slowest:?} after it was queued",
        started.elapsed()
    );
}

/// A pause is not queued behind a slow expand: it runs beside it, and the
/// expand (a decision a pause does not overrule) finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_runs_at_once_beside_a_slow_expand() {
    let tmp = tempfile::tempdir().unwrap();
    let (q, mut rx) = queue(runbook(tmp.path(), 1.0));
    q.on_events(&[ev(5, expanded())], None);
    wait_for_file(&tmp.path().join("flags.log")).await;
    q.on_events(&[ev(6, paused())], Some(0));
    let events = collect(&mut rx, 2).await;
    let order: Vec<String> = kinds(&events)
        .into_iter()
        .filter(|k| k.starts_with("ran:"))
        .collect();
    assert_eq!(order, ["ran:pause", "ran:expand"], "{events:?}");
    assert_eq!(
        outcome(ran(&events, "expand")),
        Some(ActionOutcome::Succeeded)
    );
    let log = std::fs::read_to_string(tmp.path().join("flags.log")).unwrap();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        ["expand-start", "pause", "expand 0.5"]
    );
}

/// Forward actions queued behind a running expand are not run once a
/// rollback started: journaled interrupted without running. An expand
/// decided after the rollback waits for it, then runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_forward_actions_are_dropped_by_a_rollback_and_later_ones_wait_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let resumed = EventBody::Resumed {
        reason: "go".into(),
        trigger: Trigger::Operator,
        override_reason: None,
        evidence: Default::default(),
    };
    let mut rb = (*runbook(tmp.path(), 0.5)).clone();
    rb.actions.resume = Some(action("echo resume >> flags.log"));
    let (q2, mut rx2) = queue(Arc::new(rb));
    q2.on_events(&[ev(5, expanded()), ev(6, resumed)], None);
    let log = tmp.path().join("flags.log");
    wait_for_file(&log).await;
    q2.on_events(&[ev(7, guard_rollback()), ev(9, expanded())], Some(0));
    let events = collect(&mut rx2, 4).await;
    assert_eq!(
        kinds(&events),
        [
            "started:expand",
            "ran:resume",
            "ran:expand",
            "started:rollback",
            "ran:rollback",
            "rollback_finished",
            "started:expand",
            "ran:expand",
        ],
        "{events:?}"
    );
    let resume = ran(&events, "resume");
    assert!(
        matches!(
            resume,
            EventBody::ActionRan {
                executed: false,
                outcome: Some(ActionOutcome::Interrupted),
                ..
            }
        ),
        "{resume:?}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["expand-start", "rollback", "expand-start", "expand 0.5"]
    );
}

fn pid_in(dir: &Path, name: &str) -> Option<i32> {
    std::fs::read_to_string(dir.join(name))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Alive: exists and is not a zombie.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

fn proc_state(pid: i32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().next().map(String::from)
}

fn quiet_ctx() -> ActionContext {
    ActionContext {
        cutover: "c".into(),
        action: "step:x".into(),
        stage: None,
        exposure: 0.0,
        previous_exposure: 0.0,
        operator: "alice".into(),
        reason: String::new(),
        mode: "rehearsal".into(),
        fence: None,
        run_token: None,
    }
}

/// Being a subreaper, warroom inherits what a command leaves running in
/// the background; once that exits it is collected, not left a zombie.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_child_left_by_a_command_is_reaped_when_it_exits() {
    let dir = tempfile::tempdir().unwrap();
    let t = Duration::from_secs(10);
    let cmd = "sleep 0.5 >/dev/null 2>&1 & echo $! > bg.pid";
    let r = run_command(cmd, dir.path(), &quiet_ctx(), t, &[]).await;
    assert_eq!(r.exit_code, Some(0), "{r:?}");
    let pid = pid_in(dir.path(), "bg.pid").unwrap();
    assert!(proc_state(pid).is_some(), "the background child runs on");
    // It was re-parented to us and exits on its own (another test's run
    // may collect it first: that is the point too).
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while proc_state(pid).as_deref().is_some_and(|s| s != "Z") {
        assert!(std::time::Instant::now() < end, "never exited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The next command collects it.
    run_command("true", dir.path(), &quiet_ctx(), t, &[]).await;
    assert_eq!(proc_state(pid), None, "still a zombie");
}

/// A command starts a child in a new session (`setsid`) that ignores
/// SIGTERM, and one that also left through a double fork: no process it
/// started is alive 2 s after its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_timed_out_command_started_outlives_it_by_2s() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = quiet_ctx();
    let cmd = r#"
        echo $$ > shell.pid
        setsid sh -c 'trap "" TERM; sleep 60 & echo $! > setsid-child.pid; echo $$ > setsid.pid; wait' &
        ( setsid sh -c 'trap "" TERM; echo $$ > double.pid; exec sleep 60' & ) &
        sleep 60
    "#;
    let timeout = Duration::from_secs(1);
    let started = std::time::Instant::now();
    let r = run_command(cmd, dir.path(), &ctx, timeout, &[]).await;
    assert!(r.timed_out, "{r:?}");
    let names = ["shell.pid", "setsid.pid", "setsid-child.pid", "double.pid"];
    let pids: Vec<i32> = names
        .iter()
        .map(|n| pid_in(dir.path(), n).unwrap_or_else(|| panic!("{n} missing")))
        .collect();
    let deadline = started + timeout + Duration::from_secs(2);
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still alive 2 s after the timeout: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "all gone {:?} after the timeout",
        started.elapsed().saturating_sub(timeout)
    );
}

/// Another console's rollback (followed, not run here) still stops this
/// console's expand decided before it, and nothing decided after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_committed_elsewhere_stops_the_expand_running_here() {
    let tmp = tempfile::tempdir().unwrap();
    let (q, mut rx) = queue(runbook(tmp.path(), 5.0));
    q.on_events(&[ev(5, expanded())], None);
    let log = tmp.path().join("flags.log");
    wait_for_file(&log).await;
    q.preempt(7);
    let events = collect(&mut rx, 1).await;
    assert_eq!(kinds(&events), ["started:expand", "ran:expand"]);
    assert_eq!(
        outcome(ran(&events, "expand")),
        Some(ActionOutcome::Interrupted)
    );
    // A later decision is not touched by the same (echoed) rollback.
    let (q, mut rx) = queue(runbook(tmp.path(), 0.2));
    q.on_events(&[ev(9, expanded())], None);
    q.preempt(7);
    let events = collect(&mut rx, 1).await;
    assert_eq!(
        outcome(ran(&events, "expand")),
        Some(ActionOutcome::Succeeded)
    );
}
