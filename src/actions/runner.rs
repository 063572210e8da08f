//! Run one shell command for an action or a step.
//!
//! `sh -c CMD` in the runbook's folder, stdin from /dev/null, in its own
//! process group so that a timeout can stop the command *and* everything it
//! started. The context reaches the command only through `WARROOM_*`
//! environment variables; the command text is passed to `sh` untouched.
//! Nothing here blocks the caller's thread: the child is a `tokio::process`
//! child and its pipes are read by tasks.
//!
//! Stopping a run (timeout, a rollback preempting it, a dropped future)
//! stops its whole tree, not only its group: see `tree.rs`.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant as TokioInstant;

use super::context::ActionContext;
use super::tail::Tail;
use super::tree;
use crate::runbook::model::redact;

/// After a timeout: time between SIGTERM to the tree and SIGKILL. Short:
/// everything a timed-out command started must be gone within 2 s.
pub const KILL_GRACE: Duration = Duration::from_secs(1);
/// After SIGKILL: how long to wait for the tree to be gone (and reaped).
const KILL_WAIT: Duration = Duration::from_millis(800);
/// What `RunResult::error` says when a run was stopped by `Stop::stop`.
pub const INTERRUPTED: &str = "interrupted: stopped by a rollback";
/// After the shell exits, how long to keep reading output that its
/// background children may still be writing to the inherited pipes. Those
/// children are left running (a command may start something on purpose);
/// only a timeout or a cancelled run kills the group.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);
/// How often the group is checked for survivors during the grace period.
const GROUP_POLL: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// `None` when the command did not exit normally (killed by a signal,
    /// timed out, or could not start).
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// Last lines of stdout and stderr interleaved, secrets redacted.
    pub output_tail: String,
    pub timed_out: bool,
    /// Stopped on request (a rollback preempted it) before it ended.
    pub interrupted: bool,
    /// Why there is no exit code, redacted; `None` when the command exited.
    pub error: Option<String>,
}

impl RunResult {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Asks a running command to stop at once (its whole tree, SIGKILL).
#[derive(Debug, Clone)]
pub struct Stop(watch::Sender<bool>);

/// The command's side of `Stop`.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

/// A linked pair: `Stop::stop` ends the run holding the `StopSignal`.
pub fn stop_pair() -> (Stop, StopSignal) {
    let (tx, rx) = watch::channel(false);
    (Stop(tx), StopSignal(rx))
}

impl Stop {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl StopSignal {
    /// Never fires.
    pub fn never() -> StopSignal {
        stop_pair().1
    }

    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once `stop` was called; pending forever if it never is
    /// (also when the `Stop` was dropped without stopping).
    pub async fn stopped(&mut self) {
        if self.0.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Kills the process group and every tree member with SIGKILL when dropped
/// while armed: a run that is cancelled (its future dropped) leaves nothing
/// behind.
struct GroupGuard {
    pgid: Pid,
    token: String,
    armed: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = killpg(self.pgid, Signal::SIGKILL);
            tree::signal_all(
                &tree::members(self.pgid.as_raw(), &self.token),
                Signal::SIGKILL,
            );
        }
    }
}

/// SIGKILL the group and the tree until nothing of it is left (bounded by
/// `KILL_WAIT`), reaping what was re-parented to us.
async fn kill_tree(pgid: Pid, token: &str) {
    let end = TokioInstant::now() + KILL_WAIT;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let _ = killpg(pgid, Signal::SIGKILL);
        let live = tree::members(pgid.as_raw(), token);
        tree::signal_all(&live, Signal::SIGKILL);
        seen.extend(live.iter().copied());
        tree::reap(&mut seen, pgid.as_raw());
        // `live` counts the shell too while it runs; its zombie (until
        // tokio reaps it) and reaped children no longer count.
        if live.is_empty() || TokioInstant::now() >= end {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Does any process (zombies included) remain in the group?
fn group_alive(pgid: Pid) -> bool {
    killpg(pgid, None).is_ok()
}

async fn pump(mut reader: impl AsyncRead + Unpin, tx: mpsc::Sender<Vec<u8>>) {
    let mut buf = vec![0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx.send(buf[..n].to_vec()).await.is_err() {
                    break;
                }
            }
        }
    }
}

fn failed_to_start(message: String, started: Instant, secrets: &[String]) -> RunResult {
    RunResult {
        exit_code: None,
        duration_ms: started.elapsed().as_millis() as u64,
        output_tail: String::new(),
        timed_out: false,
        interrupted: false,
        error: Some(redact(&message, secrets)),
    }
}

/// Run `cmd` with `sh -c` in `dir`; see the module doc. Never panics, never
/// returns early without stopping what it started when it times out.
pub async fn run_command(
    cmd: &str,
    dir: &Path,
    ctx: &ActionContext,
    timeout: Duration,
    secrets: &[String],
) -> RunResult {
    run_command_until(cmd, dir, ctx, timeout, secrets, StopSignal::never()).await
}

/// `run_command` that also ends, at once and with its whole tree killed,
/// when `stop` fires (a rollback preempting an expand): `interrupted`.
pub async fn run_command_until(
    cmd: &str,
    dir: &Path,
    ctx: &ActionContext,
    timeout: Duration,
    secrets: &[String],
    mut stop: StopSignal,
) -> RunResult {
    let started = Instant::now();
    tree::become_subreaper();
    let token = ctx.run_token.clone().unwrap_or_else(tree::new_token);
    let mut command = tokio::process::Command::new("sh");
    // An action reads its context from `WARROOM_*`: a variable of that name
    // inherited from the console's own environment (a shell that exported
    // one, a test harness) would read as this run's context.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("WARROOM_") {
            command.env_remove(name);
        }
    }
    command
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .envs(ctx.env_vars())
        .env(tree::TOKEN_VAR, &token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    tree::reap_orphans();
    let mut child = match tree::spawn_shell(|| command.spawn(), |c| c.id()) {
        Ok(c) => c,
        Err(e) => {
            let msg = format!(
                "cannot start `sh -c` in {}: {e}",
                crate::untrusted::show_path(dir)
            );
            return failed_to_start(msg, started, secrets);
        }
    };
    let Some(pid) = child.id() else {
        return failed_to_start(
            "the command exited before it could be tracked".into(),
            started,
            secrets,
        );
    };
    // process_group(0): the group id is the child's pid.
    let mut group = GroupGuard {
        pgid: Pid::from_raw(pid as i32),
        token: token.clone(),
        armed: true,
    };

    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(32);
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        pumps.push(tokio::spawn(pump(out, tx.clone())));
    }
    if let Some(err) = child.stderr.take() {
        pumps.push(tokio::spawn(pump(err, tx.clone())));
    }
    drop(tx);

    let mut tail = Tail::default();
    let deadline = TokioInstant::now() + timeout;
    let mut timed_out = false;
    let mut interrupted = false;
    let mut status: Option<std::io::Result<ExitStatus>> = None;
    {
        let wait = child.wait();
        tokio::pin!(wait);
        let mut output_open = true;
        loop {
            tokio::select! {
                chunk = rx.recv(), if output_open => match chunk {
                    Some(c) => tail.push(&c),
                    None => output_open = false,
                },
                st = &mut wait => { status = Some(st); break; }
                _ = tokio::time::sleep_until(deadline) => { timed_out = true; break; }
                _ = stop.stopped() => { interrupted = true; break; }
            }
        }

        if interrupted {
            // Preempted by a rollback: no grace, the way back must not wait
            // for a flag command that is being overruled.
            kill_tree(group.pgid, &token).await;
            if status.is_none() {
                status = Some((&mut wait).await);
            }
            group.armed = false;
        }

        if timed_out {
            // Stop the whole tree: SIGTERM, a grace period while output is
            // still collected, then SIGKILL for anything left.
            let _ = killpg(group.pgid, Signal::SIGTERM);
            tree::signal_all(&tree::members(pid as i32, &token), Signal::SIGTERM);
            let grace_end = TokioInstant::now() + KILL_GRACE;
            loop {
                if status.is_some()
                    && !group_alive(group.pgid)
                    && tree::members(pid as i32, &token).is_empty()
                {
                    break;
                }
                tokio::select! {
                    chunk = rx.recv(), if output_open => match chunk {
                        Some(c) => tail.push(&c),
                        None => output_open = false,
                    },
                    st = &mut wait, if status.is_none() => status = Some(st),
                    _ = tokio::time::sleep(GROUP_POLL) => {}
                    _ = tokio::time::sleep_until(grace_end) => break,
                }
            }
            kill_tree(group.pgid, &token).await;
            if status.is_none() {
                status = Some(wait.await);
            }
            // Done with the group: once it is empty its id may be reused,
            // so the guard must not signal it again.
            group.armed = false;
        }
    }
    // Exited on its own: what it started in the background is its business
    // (see DRAIN_AFTER_EXIT). Only a dropped (cancelled) run keeps it armed.
    group.armed = false;

    // Collect what is still in the pipes, bounded in time: a background
    // child holding a pipe open must not hold this run open.
    // A preempted run keeps only what is already there: the rollback
    // waiting behind it must not wait on a pipe some survivor holds.
    let drain_end = TokioInstant::now()
        + if interrupted {
            Duration::ZERO
        } else {
            DRAIN_AFTER_EXIT
        };
    while let Ok(Some(c)) = tokio::time::timeout_at(drain_end, rx.recv()).await {
        tail.push(&c);
    }
    for p in pumps {
        p.abort();
    }
    drop(group);
    tree::shell_done(pid as i32);
    tree::reap_orphans();

    let duration_ms = started.elapsed().as_millis() as u64;
    let (exit_code, error) = match status {
        Some(Ok(st)) => match (st.code(), st.signal()) {
            _ if interrupted => (None, Some(INTERRUPTED.to_string())),
            (Some(code), _) if !timed_out => (Some(code), None),
            (_, _) if timed_out => (
                None,
                Some(format!(
                    "timed out after {}: stopped its process group and every process carrying its run token",
                    crate::timefmt::duration(timeout)
                )),
            ),
            (_, Some(sig)) => (None, Some(format!("killed by signal {sig}"))),
            _ => (None, Some("ended without an exit code".to_string())),
        },
        Some(Err(e)) => (None, Some(format!("waiting for the command failed: {e}"))),
        None => (None, Some("the command's status was lost".to_string())),
    };
    RunResult {
        exit_code,
        duration_ms,
        output_tail: tail.finish(secrets),
        timed_out,
        interrupted,
        error: error.map(|e| redact(&e, secrets)),
    }
}
