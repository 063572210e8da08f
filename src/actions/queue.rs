//! One action queue per console: committed events in, in journal order;
//! actions out, one at a time per lane, each journaled when it starts
//! (`action_started`) and when it ends (`action_ran`, same `id`).
//!
//! Two lanes, so the way back never waits behind the way forward:
//! - **forward**: expand, resume and step commands, one at a time, in order;
//! - **way back**: pause and rollback, one at a time, in order, never
//!   queued behind a forward action.
//!
//! A `rollback_started` preempts: the running forward action is stopped at
//! once (its whole process tree, SIGKILL) and journaled `interrupted`, and
//! the forward actions still queued are journaled `interrupted` without
//! running (`not run: a rollback started first`). Only then does the
//! rollback's own command start, so the last flag command to run is the
//! rollback's. Forward actions decided *after* the `rollback_started` (a
//! later operator decision: the rules accept an expand only once an
//! operator has brought the cutover back to RUNNING) wait until the
//! rollback's action has ended, then run.
//!
//! A pause does not preempt: it runs at once beside a running expand. A
//! pause holds the cutover where it is; killing the expand halfway would
//! leave the exposure unknown, which is worse for the incident commander
//! than a known stage on hold. Only a rollback overrules an expand.
//!
//! `on_events` is the one entry point, and only the session's conductor
//! feeds it: every event it folds (its own commits, other consoles'
//! decisions, guards), in journal order. A console that is not the
//! conductor never starts an action; one demoted while running lets the
//! running job finish and journal, drops the queued ones (`stand_down`)
//! and only stops forward work on a later `rollback_started` (`preempt`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::outcome;
use super::{ActionContext, RunId, Stop, StopSignal, execute, execute_step, stop_pair};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::event::{
    ActionOutcome, Event, EventBody, RollbackOutcome, SessionMode, StepOutcome, Trigger,
};

/// Under whose authority a job's reports are journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fence {
    /// Queued by the conductor holding this epoch (the seq of its
    /// `conductor_changed`): its start is committed, and so the job runs,
    /// only while that epoch still holds the lease; its results are
    /// journaled only then too.
    Epoch(u64),
    /// A way-back job that ran before the journal could confirm its start
    /// (the journal did not answer within `WAY_BACK_WAIT`): what it did is
    /// journaled as it happened, whoever conducts by then.
    Late,
    /// Not tied to a session (tests, tools): runs at once.
    Free,
}

impl Fence {
    /// The epoch to check before committing (`None`: nothing to check).
    pub fn epoch(self) -> Option<u64> {
        match self {
            Fence::Epoch(e) => Some(e),
            Fence::Late | Fence::Free => None,
        }
    }
}

/// The journal's answer to a job's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAck {
    /// `action_started` is committed under the job's fence: run.
    Go,
    /// Another console holds the lease now (or the journal refused the
    /// start): do not run; the reason is shown.
    Refused(String),
}

/// How long a pause or rollback waits for the journal to confirm its start
/// before it runs anyway (and is journaled `recorded_late` once the
/// journal answers). Forward work always waits.
pub const WAY_BACK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What a job asks the loop to journal. Every job sends exactly one
/// report with `finished: true`, and before it at most one with
/// `finished: false` (its `action_started` or `action_retried`).
#[derive(Debug)]
pub struct Report {
    /// In order: `action_started`/`action_retried`; or `action_ran`, then
    /// `rollback_finished` for a rollback or `step_finished` for a step.
    pub events: Vec<EventBody>,
    /// A line for the operator when something failed.
    pub failure: Option<String>,
    pub finished: bool,
    pub fence: Fence,
    /// A fenced job's start: the loop hands `events` to the journal writer,
    /// which commits them only while the fence holds and answers here.
    pub start: Option<tokio::sync::oneshot::Sender<StartAck>>,
    /// Set by the job when it stopped waiting for `start`'s answer and
    /// ran anyway (the way back after `WAY_BACK_WAIT`): the writer then
    /// journals the start as it happened. A job that ended without running
    /// leaves it unset, so its start is never journaled.
    pub went_late: Arc<AtomicBool>,
}

impl Report {
    fn done(events: Vec<EventBody>, failure: Option<String>, fence: Fence) -> Report {
        Report::note(events, failure, fence, true)
    }

    fn note(
        events: Vec<EventBody>,
        failure: Option<String>,
        fence: Fence,
        finished: bool,
    ) -> Report {
        Report {
            events,
            failure,
            finished,
            fence,
            start: None,
            went_late: Arc::default(),
        }
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    Action(ActionKind),
    /// A step's `run` command, by step id.
    Step(String),
}

/// One action to run, with the id its journal entries share.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// `<seq of the deciding event>/<action>`, e.g. `12/rollback`.
    pub id: String,
    /// seq of the deciding event: a rollback at seq N stops the forward
    /// jobs decided before N, never those decided after it.
    pub seq: u64,
    pub kind: JobKind,
    pub ctx: ActionContext,
    /// For a rollback: what its `rollback_finished` repeats.
    pub rollback: Option<(Trigger, String)>,
    /// Run again by a console that took over: journaled `action_retried`.
    pub retried: bool,
    pub fence: Fence,
}

impl Job {
    pub fn action_name(&self) -> String {
        match &self.kind {
            JobKind::Action(k) => k.as_str().to_string(),
            JobKind::Step(s) => super::step_action_name(s),
        }
    }

    fn is_rollback(&self) -> bool {
        self.kind == JobKind::Action(ActionKind::Rollback)
    }

    /// Pause and rollback: the way back.
    fn way_back(&self) -> bool {
        matches!(
            self.kind,
            JobKind::Action(ActionKind::Pause | ActionKind::Rollback)
        )
    }
}

/// The id of the action `action` called for by the event `seq`.
pub fn job_id(seq: u64, action: &str) -> String {
    format!("{seq}/{action}")
}

fn stage_index(rb: &Runbook, name: Option<&str>) -> Option<usize> {
    name.and_then(|n| rb.stages.iter().position(|s| s.name == n))
}

/// The jobs `events` call for, in journal order. Pure. `stage_before` is
/// the stage index before the first of them; an `expanded` among them
/// moves it for the ones after.
pub fn plan(
    runbook: &Runbook,
    mode: SessionMode,
    events: &[Event],
    stage_before: Option<usize>,
) -> Vec<Job> {
    let mut stage = stage_before;
    let mut jobs = Vec::new();
    for ev in events {
        let ctx = |action: &str, from, to, reason: &str| {
            ActionContext::for_transition(runbook, action, from, to, &ev.operator, reason, mode)
        };
        let job = |kind: JobKind, ctx: ActionContext| Job {
            id: job_id(ev.seq, &ctx.action),
            seq: ev.seq,
            kind,
            ctx,
            rollback: None,
            retried: false,
            fence: Fence::Free,
        };
        match &ev.body {
            // Ran already where it was pressed, while the journal could not
            // answer: recorded late, never run a second time.
            EventBody::Paused {
                recorded_late: Some(_),
                ..
            }
            | EventBody::RollbackStarted {
                recorded_late: Some(_),
                ..
            } => {}
            EventBody::Paused { reason, .. } => jobs.push(job(
                JobKind::Action(ActionKind::Pause),
                ctx("pause", stage, stage, reason),
            )),
            EventBody::Resumed { reason, .. } => jobs.push(job(
                JobKind::Action(ActionKind::Resume),
                ctx("resume", stage, stage, reason),
            )),
            EventBody::Expanded {
                from_stage,
                to_stage,
                override_reason,
                ..
            } => {
                let from = stage_index(runbook, from_stage.as_deref());
                let to = stage_index(runbook, Some(to_stage));
                let reason = override_reason.clone().unwrap_or_default();
                jobs.push(job(
                    JobKind::Action(ActionKind::Expand),
                    ctx("expand", from, to, &reason),
                ));
                stage = to;
            }
            EventBody::RollbackStarted {
                trigger, reason, ..
            } => {
                let mut j = job(
                    JobKind::Action(ActionKind::Rollback),
                    ctx("rollback", stage, None, reason),
                );
                j.rollback = Some((*trigger, reason.clone()));
                jobs.push(j);
            }
            EventBody::StepStarted { step }
                if runbook.step(step).is_some_and(|s| s.run.is_some()) =>
            {
                let mut c = ctx("step", stage, stage, "");
                c.action = super::step_action_name(step);
                jobs.push(job(JobKind::Step(step.clone()), c));
            }
            EventBody::RollbackFinished {
                outcome: RollbackOutcome::Done,
                ..
            } => stage = None,
            _ => {}
        }
    }
    jobs
}

/// Everything a job needs to run.
pub struct Executor {
    pub runbook: Arc<Runbook>,
    pub mode: SessionMode,
    /// False in a rehearsal without `--execute`: journal "not executed".
    pub execute: bool,
    pub client: reqwest::Client,
}

/// What the dispatcher is told.
enum Order {
    Run(Box<Job>),
    /// A rollback at this seq started elsewhere (another console ran it):
    /// stop and drop the forward jobs decided before it.
    Preempt(u64),
    /// Before anything else runs: stop what actions left in flight by
    /// another console still run on this host (their run tokens), and
    /// journal what was waited for.
    Reap {
        orphans: Vec<super::takeover::InFlight>,
        fence: Fence,
    },
    /// This console lost the conductor's lease: drop every job not started
    /// yet (the new conductor runs them) and stop the running ones (their
    /// whole trees): a console frozen past its lease must not go on acting
    /// beside the new conductor.
    StandDown,
}

/// The console's handle on its queue.
#[derive(Clone)]
pub struct ActionQueue {
    exec: Arc<Executor>,
    tx: UnboundedSender<Order>,
}

impl ActionQueue {
    /// Start the dispatcher; reports go to `reports`. Needs a tokio runtime.
    pub fn start(exec: Executor, reports: UnboundedSender<Report>) -> ActionQueue {
        let exec = Arc::new(exec);
        let (tx, rx) = unbounded_channel();
        tokio::spawn(dispatch(rx, Arc::clone(&exec), reports));
        ActionQueue { exec, tx }
    }

    /// The one entry point: queue the actions `events` call for (committed,
    /// in journal order). Returns how many jobs were queued: each sends
    /// exactly one finished `Report`.
    pub fn on_events(&self, events: &[Event], stage_before: Option<usize>) -> usize {
        self.on_events_fenced(events, stage_before, Fence::Free)
    }

    /// `on_events` for the conductor holding `fence`: every job asks the
    /// journal to commit its start under that fence before it runs.
    pub fn on_events_fenced(
        &self,
        events: &[Event],
        stage_before: Option<usize>,
        fence: Fence,
    ) -> usize {
        let jobs = plan(&self.exec.runbook, self.exec.mode, events, stage_before);
        let n = jobs.len();
        for mut j in jobs {
            j.fence = fence;
            self.push(j);
        }
        n
    }

    /// Queue one job (a takeover's retry). Counts as one finished report.
    pub fn push(&self, job: Job) {
        // The dispatcher only ends when every handle is dropped.
        let _ = self.tx.send(Order::Run(Box::new(job)));
    }

    /// A `rollback_started` at `seq` that this queue does not run (another
    /// console committed it): the forward work decided before it stops
    /// all the same, so no expand of ours lands after someone's rollback.
    pub fn preempt(&self, seq: u64) {
        let _ = self.tx.send(Order::Preempt(seq));
    }

    /// A takeover: stop the processes `orphans` left running on this host
    /// before any job queued after this runs (see `Order::Reap`).
    pub fn reap(&self, orphans: Vec<super::takeover::InFlight>, fence: Fence) {
        if !orphans.is_empty() {
            let _ = self.tx.send(Order::Reap { orphans, fence });
        }
    }

    /// This console is no longer the conductor: start nothing more (see
    /// `Order::StandDown`).
    pub fn stand_down(&self) {
        let _ = self.tx.send(Order::StandDown);
    }

    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.exec.runbook
    }

    pub fn mode(&self) -> SessionMode {
        self.exec.mode
    }
}

struct Running {
    handle: JoinHandle<()>,
    stop: Option<Stop>,
    rollback: bool,
    seq: u64,
    /// Runs without the journal's word (a pause or rollback it did not
    /// confirm in time): a stand-down leaves it running, since nobody else
    /// knows to run it again.
    late: Arc<AtomicBool>,
}

/// Wait for a running job's task; forever when none runs.
async fn join(r: &mut Option<Running>) {
    match r {
        Some(r) => {
            let _ = (&mut r.handle).await;
        }
        None => std::future::pending().await,
    }
}

async fn dispatch(
    mut rx: UnboundedReceiver<Order>,
    exec: Arc<Executor>,
    out: UnboundedSender<Report>,
) {
    let mut forward: VecDeque<Job> = VecDeque::new();
    let mut back: VecDeque<Job> = VecDeque::new();
    let mut fwd: Option<Running> = None;
    let mut bk: Option<Running> = None;
    let mut open = true;
    loop {
        if bk.is_none()
            && let Some(job) = back.pop_front()
        {
            let (rollback, seq) = (job.is_rollback(), job.seq);
            // Only a stand-down stops the way back (never a preemption).
            let (stop, signal) = stop_pair();
            let late = Arc::new(AtomicBool::new(job.fence == Fence::Late));
            let task = run_job(
                job,
                Arc::clone(&exec),
                out.clone(),
                signal,
                Arc::clone(&late),
            );
            bk = Some(Running {
                handle: tokio::spawn(task),
                stop: Some(stop),
                rollback,
                seq,
                late,
            });
        }
        // Forward work waits while a rollback runs or is queued.
        let rollback_pending =
            bk.as_ref().is_some_and(|r| r.rollback) || back.iter().any(Job::is_rollback);
        if fwd.is_none()
            && !rollback_pending
            && let Some(job) = forward.pop_front()
        {
            let (stop, signal) = stop_pair();
            let seq = job.seq;
            let late = Arc::new(AtomicBool::new(false));
            let task = run_job(
                job,
                Arc::clone(&exec),
                out.clone(),
                signal,
                Arc::clone(&late),
            );
            fwd = Some(Running {
                handle: tokio::spawn(task),
                stop: Some(stop),
                rollback: false,
                seq,
                late,
            });
        }
        if !open && fwd.is_none() && bk.is_none() && forward.is_empty() && back.is_empty() {
            break;
        }
        tokio::select! {
            order = rx.recv(), if open => match order {
                None => open = false,
                Some(Order::Preempt(seq)) => preempt(seq, &mut forward, &mut fwd, &out).await,
                Some(Order::Reap { orphans, fence }) => reap(orphans, fence, &out).await,
                Some(Order::StandDown) => {
                    // Each dropped job still owes its one finished report. A
                    // pause or rollback this console runs without the
                    // journal's word stays: nobody else would run it.
                    let (keep, drop): (VecDeque<Job>, VecDeque<Job>) =
                        back.drain(..).partition(|j| j.fence == Fence::Late);
                    back = keep;
                    for j in forward.drain(..).chain(drop) {
                        let _ = out.send(Report::done(vec![], None, j.fence));
                    }
                    for r in [fwd.as_ref(), bk.as_ref()].into_iter().flatten() {
                        if let Some(stop) = r.stop.as_ref().filter(|_| !r.late.load(Ordering::Acquire)) {
                            stop.stop();
                        }
                    }
                }
                Some(Order::Run(job)) => {
                    let job = *job;
                    if job.is_rollback() {
                        preempt(job.seq, &mut forward, &mut fwd, &out).await;
                    }
                    if job.way_back() {
                        back.push_back(job);
                    } else {
                        forward.push_back(job);
                    }
                }
            },
            _ = join(&mut fwd) => fwd = None,
            _ = join(&mut bk) => bk = None,
        }
    }
}

/// A rollback at `seq` started: drop the queued forward jobs decided
/// before it (journaled as not run) and stop the running one, waiting
/// until its tree is gone and its `action_ran … interrupted` is reported.
/// Forward jobs decided after the rollback are a later decision: kept.
async fn preempt(
    seq: u64,
    forward: &mut VecDeque<Job>,
    fwd: &mut Option<Running>,
    out: &UnboundedSender<Report>,
) {
    let (before, after): (VecDeque<Job>, VecDeque<Job>) =
        forward.drain(..).partition(|j| j.seq < seq);
    *forward = after;
    for job in before {
        let _ = out.send(not_run(job));
    }
    if fwd.as_ref().is_some_and(|r| r.seq < seq)
        && let Some(r) = fwd.take()
    {
        if let Some(stop) = &r.stop {
            stop.stop();
        }
        let _ = r.handle.await;
    }
}

/// How long a takeover lets an orphaned run end after SIGTERM before
/// SIGKILL (and as long again before it gives up and says so).
const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Stop and wait for what `orphans` left running (same host: by run token;
/// another host: say plainly it cannot be seen), one note each.
async fn reap(
    orphans: Vec<super::takeover::InFlight>,
    fence: Fence,
    out: &UnboundedSender<Report>,
) {
    let here = super::tree::host_name();
    for f in orphans {
        let text = match (&f.run_token, &f.host) {
            (Some(token), Some(host)) if Some(host) == here.as_ref() => {
                let token = token.clone();
                let r = tokio::task::spawn_blocking(move || {
                    super::tree::stop_carriers(&token, ORPHAN_GRACE)
                })
                .await;
                match r {
                    Ok(r) if r.found == 0 => format!(
                        "takeover: {} ({}) left no process carrying its run token on this host",
                        f.action, f.id
                    ),
                    Ok(r) if r.left == 0 => format!(
                        "takeover: waited {:.1} s for {} process(es) of {} ({}) carrying its run token to end before acting",
                        r.waited.as_secs_f64(),
                        r.found,
                        f.action,
                        f.id
                    ),
                    Ok(r) => format!(
                        "takeover: {} of {} process(es) of {} ({}) were still running after {:.1} s (SIGKILL sent)",
                        r.left,
                        r.found,
                        f.action,
                        f.id,
                        r.waited.as_secs_f64()
                    ),
                    Err(e) => format!("takeover: could not look for {}'s processes: {e}", f.id),
                }
            }
            (Some(_), Some(host)) => format!(
                "takeover: {} ({}) ran on host {host}: this console cannot see or stop its processes there",
                f.action, f.id
            ),
            _ => continue,
        };
        let _ = out.send(Report::note(
            vec![EventBody::Note { text }],
            None,
            fence,
            false,
        ));
    }
}

/// `[warroom] …` so the wording says why it did not run.
const NOT_RUN: &str = "[warroom] not run: a rollback started first";

fn not_run(job: Job) -> Report {
    let action = job.action_name();
    let ran = EventBody::ActionRan {
        action,
        id: Some(job.id),
        outcome: Some(ActionOutcome::Interrupted),
        webhook_status: None,
        executed: false,
        exit_code: None,
        duration_ms: 0,
        output_tail: NOT_RUN.into(),
        webhook: None,
    };
    let mut events = vec![];
    let failure = outcome::describe(&ran);
    events.push(ran);
    if let JobKind::Step(step) = job.kind {
        events.push(EventBody::StepFinished {
            step,
            outcome: StepOutcome::Failed,
        });
    }
    Report::done(events, failure, job.fence)
}

/// Ask the journal to commit `start` under the job's fence, and wait for
/// the answer: `Ok(fence)` to run (the fence its results are journaled
/// under), `Err(reason)` not to. Free jobs run at once. A way-back job
/// whose journal does not answer within `WAY_BACK_WAIT` runs anyway and is
/// journaled late; forward work waits for the journal however long.
async fn confirm_start(
    job: &Job,
    start: Vec<EventBody>,
    out: &UnboundedSender<Report>,
    stop: &mut StopSignal,
    went_late: &Arc<AtomicBool>,
) -> Result<Fence, String> {
    // Free jobs, and way-back jobs a console runs because the journal did
    // not answer in time (Late), run at once: their start is journaled
    // when the journal takes it.
    if matches!(job.fence, Fence::Free | Fence::Late) {
        if !start.is_empty() {
            let _ = out.send(Report::note(start, None, job.fence, false));
        }
        return Ok(job.fence);
    }
    let (ack, mut answer) = tokio::sync::oneshot::channel();
    let mut report = Report::note(start, None, job.fence, false);
    report.start = Some(ack);
    report.went_late = Arc::clone(went_late);
    let _ = out.send(report);
    // The wait counts only time this process runs: slices of 100 ms, so a
    // console frozen (SIGSTOP) while it waited still gives its writer the
    // whole wait after it wakes, and the writer's refusal (another console
    // conducts now) wins over running late.
    let slices = if job.way_back() {
        Some(WAY_BACK_WAIT.as_millis() / 100)
    } else {
        None
    };
    let mut waited = 0u128;
    let answer = loop {
        tokio::select! {
            a = &mut answer => break a,
            // Stopped while waiting (a rollback preempts, the console
            // stands down): nothing ran, nothing is journaled.
            _ = stop.stopped() => return Err("stopped before it started".into()),
            _ = tokio::time::sleep(std::time::Duration::from_millis(100)), if slices.is_some() => {
                waited += 1;
                if slices.is_some_and(|n| waited >= n) {
                    // The journal is busy, full or away: the way back never
                    // waits on it longer. Its start is journaled when the
                    // journal answers.
                    went_late.store(true, Ordering::Release);
                    return Ok(Fence::Late);
                }
            }
        }
    };
    match answer {
        Ok(StartAck::Go) => Ok(job.fence),
        Ok(StartAck::Refused(why)) => Err(why),
        Err(_) => Err("the journal writer has stopped".into()),
    }
}

/// Does the runbook give this job anything to run?
pub fn has_work(rb: &Runbook, kind: &JobKind) -> bool {
    match kind {
        JobKind::Action(k) => rb
            .actions
            .get(*k)
            .is_some_and(|a| a.run.is_some() || a.webhook.is_some()),
        JobKind::Step(s) => rb.step(s).is_some_and(|s| s.run.is_some()),
    }
}

async fn run_job(
    job: Job,
    exec: Arc<Executor>,
    out: UnboundedSender<Report>,
    stop: StopSignal,
    went_late: Arc<AtomicBool>,
) {
    let rb = &exec.runbook;
    let run = RunId {
        id: Some(job.id.clone()),
        stop,
    };
    // A rehearsal without `--execute` starts nothing: only its
    // "not executed" `action_ran` is journaled.
    let mut start = Vec::new();
    let token = super::tree::new_token();
    if exec.execute && has_work(rb, &job.kind) {
        let (action, id) = (job.action_name(), job.id.clone());
        let (run_token, host) = (Some(token.clone()), super::tree::host_name());
        start.push(if job.retried {
            EventBody::ActionRetried {
                action,
                id,
                run_token,
                host,
            }
        } else {
            EventBody::ActionStarted {
                action,
                id,
                run_token,
                host,
            }
        });
    }
    let mut stop = run.stop.clone();
    let fence = match confirm_start(&job, start, &out, &mut stop, &went_late).await {
        Ok(f) => f,
        Err(why) => {
            let line = format!("{} not run: {why}", job.action_name());
            let _ = out.send(Report::done(vec![], Some(line), job.fence));
            return;
        }
    };
    let mut ctx = job.ctx.clone();
    ctx.run_token = Some(token);
    ctx.fence = fence.epoch();
    let ran = match &job.kind {
        JobKind::Action(k) => execute(rb, *k, ctx, exec.execute, &exec.client, run).await,
        JobKind::Step(s) => match rb.step(s) {
            Some(step) => execute_step(rb, step, ctx, exec.execute, run).await,
            None => None,
        },
    };
    let mut done = Report::done(vec![], None, fence);
    // Nothing to run counts as done (a rollback without an action).
    let ok = ran.as_ref().is_none_or(super::succeeded);
    let executed = matches!(ran, Some(EventBody::ActionRan { executed: true, .. }));
    if let Some(body) = ran {
        if !ok {
            done.failure = outcome::describe(&body);
        }
        done.events.push(body);
    }
    if let Some((trigger, reason)) = job.rollback {
        done.events.push(EventBody::RollbackFinished {
            trigger,
            reason,
            outcome: if ok {
                RollbackOutcome::Done
            } else {
                RollbackOutcome::Failed
            },
        });
    }
    // The command's result is the step's outcome; a command a rehearsal
    // did not execute leaves the step to the people.
    if let JobKind::Step(step) = job.kind
        && executed
    {
        done.events.push(EventBody::StepFinished {
            step,
            outcome: if ok {
                StepOutcome::Done
            } else {
                StepOutcome::Failed
            },
        });
    }
    let _ = out.send(done);
}
