//! Side effects of the cutover: the commands and webhooks behind pause,
//! resume, expand, rollback, and step commands.
//!
//! Everything here returns an `ActionRan` event for the journal; nothing is
//! journaled or drawn from here. In a rehearsal without `--execute`
//! (`execute = false`) nothing runs and nothing is sent.
//!
//! An action with both `run` and `webhook` runs the command first, then
//! sends the webhook whatever the command's outcome (a webhook is usually a
//! notification or a flag flip that people must hear about either way).
//! `timeout` applies to each of the two separately.

pub mod context;
pub use crate::session::outcome::{self, succeeded};
pub mod queue;
pub mod runner;
pub mod tail;
pub mod takeover;
pub mod tree;
pub mod webhook;

use std::time::Instant;

pub use context::{ActionContext, mode_str};
pub use runner::{RunResult, Stop, StopSignal, run_command, run_command_until, stop_pair};

use crate::runbook::model::{Action, ActionKind, Runbook, Step};
use crate::session::event::{ActionOutcome, EventBody};

/// `output_tail` of an action that was not executed.
pub const NOT_EXECUTED: &str = "(rehearsal: not executed)";

/// Which run of an action this is: the id its `action_started` and
/// `action_ran` share, and what stops it early.
#[derive(Debug, Clone)]
pub struct RunId {
    pub id: Option<String>,
    pub stop: StopSignal,
}

impl RunId {
    /// A run nobody stops and no journal entry ties to (tests, tools).
    pub fn untracked() -> RunId {
        RunId {
            id: None,
            stop: StopSignal::never(),
        }
    }
}

fn not_executed(action: String, id: Option<String>) -> EventBody {
    EventBody::ActionRan {
        action,
        id,
        outcome: None,
        webhook_status: None,
        executed: false,
        exit_code: None,
        duration_ms: 0,
        output_tail: NOT_EXECUTED.to_string(),
        webhook: None,
    }
}

/// Only this module's own runner text says a webhook timed out.
fn webhook_timed_out(err: &str) -> bool {
    err.contains("timed out after")
}

/// The `ActionRan.action` name of a step command.
pub fn step_action_name(step_id: &str) -> String {
    format!("step:{step_id}")
}

/// Run the runbook's action of `kind` (its `run` and/or `webhook`).
///
/// Returns `None` when the runbook configures no such action (or one with
/// neither `run` nor `webhook`): nothing to run, nothing to journal.
/// `ctx.action` is set to `kind`'s name so the command and the webhook
/// always agree with the journal.
pub async fn execute(
    runbook: &Runbook,
    kind: ActionKind,
    mut ctx: ActionContext,
    execute: bool,
    client: &reqwest::Client,
    run: RunId,
) -> Option<EventBody> {
    let action = runbook.actions.get(kind)?;
    if action.run.is_none() && action.webhook.is_none() {
        return None;
    }
    ctx.action = kind.as_str().to_string();
    if !execute {
        return Some(not_executed(ctx.action, run.id));
    }
    Some(run_action(runbook, action, ctx, client, run).await)
}

async fn run_action(
    runbook: &Runbook,
    action: &Action,
    ctx: ActionContext,
    client: &reqwest::Client,
    run: RunId,
) -> EventBody {
    let started = Instant::now();
    let mut exit_code = None;
    let mut output_tail = String::new();
    let mut timed_out = false;
    let mut interrupted = run.stop.is_stopped();
    if let Some(cmd) = &action.run
        && !interrupted
    {
        let r = run_command_until(
            cmd,
            &runbook.dir,
            &ctx,
            action.timeout,
            &runbook.secrets,
            run.stop.clone(),
        )
        .await;
        exit_code = r.exit_code;
        timed_out = r.timed_out;
        interrupted = r.interrupted;
        output_tail = with_error(r.output_tail, r.error);
    }
    let mut webhook = None;
    let mut webhook_status = None;
    // An interrupted action sends nothing more: its webhook may be the very
    // flag flip a rollback is overruling.
    if let Some(hook) = &action.webhook
        && !interrupted
    {
        let mut stop = run.stop.clone();
        tokio::select! {
            sent = webhook::send_full(client, hook, &ctx, action.timeout, &runbook.secrets) => {
                webhook_status = sent.status;
                webhook = Some(match sent.result {
                    Ok(code) => format!("HTTP {code}"),
                    Err(e) => {
                        timed_out |= webhook_timed_out(&e);
                        e
                    }
                });
            }
            _ = stop.stopped() => {
                interrupted = true;
                webhook = Some(format!("not sent: {}", runner::INTERRUPTED));
            }
        }
    }
    let mut body = EventBody::ActionRan {
        action: ctx.action,
        id: run.id,
        outcome: None,
        webhook_status,
        executed: true,
        exit_code,
        duration_ms: started.elapsed().as_millis() as u64,
        output_tail,
        webhook,
    };
    set_outcome(&mut body, interrupted, timed_out);
    body
}

/// Fill `action_ran.outcome`: interrupted, else timed out, else the
/// success rule of `succeeded`.
fn set_outcome(body: &mut EventBody, interrupted: bool, timed_out: bool) {
    let verdict = if interrupted {
        ActionOutcome::Interrupted
    } else if timed_out {
        ActionOutcome::TimedOut
    } else if succeeded(body) {
        ActionOutcome::Succeeded
    } else {
        ActionOutcome::Failed
    };
    if let EventBody::ActionRan { outcome, .. } = body {
        *outcome = Some(verdict);
    }
}

/// The runner's error (timeout, signal, could not start) goes last in the
/// tail, where a reader of the journal looks for why it failed.
fn with_error(tail: String, error: Option<String>) -> String {
    match (tail.is_empty(), error) {
        (_, None) => tail,
        (true, Some(e)) => format!("[warroom] {e}"),
        (false, Some(e)) => format!("{tail}\n[warroom] {e}"),
    }
}

/// Run a step's command (`step.run`) with `step.timeout`.
///
/// Returns `None` for a step without a command. `ctx.action` is set to
/// `step:<id>`.
pub async fn execute_step(
    runbook: &Runbook,
    step: &Step,
    mut ctx: ActionContext,
    execute: bool,
    run: RunId,
) -> Option<EventBody> {
    let cmd = step.run.as_ref()?;
    ctx.action = step_action_name(&step.id);
    if !execute {
        return Some(not_executed(ctx.action, run.id));
    }
    let r = run_command_until(
        cmd,
        &runbook.dir,
        &ctx,
        step.timeout,
        &runbook.secrets,
        run.stop,
    )
    .await;
    let mut body = EventBody::ActionRan {
        action: ctx.action,
        id: run.id,
        outcome: None,
        webhook_status: None,
        executed: true,
        exit_code: r.exit_code,
        duration_ms: r.duration_ms,
        output_tail: with_error(r.output_tail, r.error),
        webhook: None,
    };
    set_outcome(&mut body, r.interrupted, r.timed_out);
    Some(body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ran(exit_code: Option<i32>, tail: &str, webhook: Option<&str>) -> EventBody {
        EventBody::ActionRan {
            action: "pause".into(),
            id: None,
            outcome: None,
            webhook_status: None,
            executed: true,
            exit_code,
            duration_ms: 5,
            output_tail: tail.into(),
            webhook: webhook.map(String::from),
        }
    }

    #[test]
    fn success_rule_table() {
        let cases = [
            (ran(Some(0), "", None), true, "command exit 0"),
            (ran(Some(1), "boom", None), false, "command exit 1"),
            (
                ran(None, "[warroom] timed out after 1s", None),
                false,
                "timed out",
            ),
            (ran(None, "", Some("HTTP 200")), true, "webhook only, 200"),
            (ran(None, "", Some("HTTP 204")), true, "webhook only, 204"),
            (
                ran(None, "", Some("HTTP 500 from POST http://h:1/")),
                false,
                "webhook 500",
            ),
            (
                ran(
                    None,
                    "",
                    Some("POST http://h:1/: connection failed: refused"),
                ),
                false,
                "webhook refused",
            ),
            (
                ran(Some(0), "ok", Some("HTTP 503 from POST")),
                false,
                "command ok, webhook 503",
            ),
            (
                ran(Some(2), "no", Some("HTTP 200")),
                false,
                "command failed, webhook ok",
            ),
            (ran(None, "", None), false, "nothing ran at all"),
            (not_executed("rollback".into(), None), true, "rehearsal"),
            (EventBody::Note { text: "x".into() }, false, "not an action"),
        ];
        for (ev, want, why) in cases {
            assert_eq!(succeeded(&ev), want, "{why}");
        }
    }

    #[test]
    fn runner_errors_are_appended_to_the_tail() {
        assert_eq!(with_error("out".into(), None), "out");
        assert_eq!(with_error(String::new(), Some("x".into())), "[warroom] x");
        assert_eq!(
            with_error("out".into(), Some("x".into())),
            "out\n[warroom] x"
        );
    }
}
