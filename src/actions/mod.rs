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
pub mod runner;
pub mod tail;
pub mod webhook;

use std::time::Instant;

pub use context::{ActionContext, mode_str};
pub use runner::{RunResult, run_command};

use crate::runbook::model::{Action, ActionKind, Runbook, Step};
use crate::session::event::EventBody;

/// `output_tail` of an action that was not executed.
pub const NOT_EXECUTED: &str = "(rehearsal: not executed)";

fn not_executed(action: String) -> EventBody {
    EventBody::ActionRan {
        action,
        executed: false,
        exit_code: None,
        duration_ms: 0,
        output_tail: NOT_EXECUTED.to_string(),
        webhook: None,
    }
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
) -> Option<EventBody> {
    let action = runbook.actions.get(kind)?;
    if action.run.is_none() && action.webhook.is_none() {
        return None;
    }
    ctx.action = kind.as_str().to_string();
    if !execute {
        return Some(not_executed(ctx.action));
    }
    Some(run_action(runbook, action, ctx, client).await)
}

async fn run_action(
    runbook: &Runbook,
    action: &Action,
    ctx: ActionContext,
    client: &reqwest::Client,
) -> EventBody {
    let started = Instant::now();
    let mut exit_code = None;
    let mut output_tail = String::new();
    if let Some(cmd) = &action.run {
        let r = run_command(cmd, &runbook.dir, &ctx, action.timeout, &runbook.secrets).await;
        exit_code = r.exit_code;
        output_tail = with_error(r.output_tail, r.error);
    }
    let webhook = match &action.webhook {
        Some(hook) => Some(
            match webhook::send(client, hook, &ctx, action.timeout, &runbook.secrets).await {
                Ok(code) => format!("HTTP {code}"),
                Err(e) => e,
            },
        ),
        None => None,
    };
    EventBody::ActionRan {
        action: ctx.action,
        executed: true,
        exit_code,
        duration_ms: started.elapsed().as_millis() as u64,
        output_tail,
        webhook,
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
) -> Option<EventBody> {
    let cmd = step.run.as_ref()?;
    ctx.action = step_action_name(&step.id);
    if !execute {
        return Some(not_executed(ctx.action));
    }
    let r = run_command(cmd, &runbook.dir, &ctx, step.timeout, &runbook.secrets).await;
    Some(EventBody::ActionRan {
        action: ctx.action,
        executed: true,
        exit_code: r.exit_code,
        duration_ms: r.duration_ms,
        output_tail: with_error(r.output_tail, r.error),
        webhook: None,
    })
}

/// Did an `ActionRan` succeed? The one rule everyone uses:
/// - not executed (rehearsal) counts as success: nothing failed;
/// - when a command ran, it must have exited 0 (`exit_code == Some(0)`);
///   a command that ran has `output_tail`/`exit_code` set, a webhook-only
///   action has `exit_code: None` and an empty `output_tail`;
/// - when a webhook was configured, it must have answered 2xx
///   (`webhook` starts with `"HTTP 2"`).
///
/// Any other event is not an action outcome: `false`.
pub fn succeeded(ev: &EventBody) -> bool {
    let EventBody::ActionRan {
        executed,
        exit_code,
        output_tail,
        webhook,
        ..
    } = ev
    else {
        return false;
    };
    if !executed {
        return true;
    }
    let command_ran = exit_code.is_some() || !output_tail.is_empty();
    let command_ok = !command_ran || *exit_code == Some(0);
    let webhook_ok = webhook.as_deref().is_none_or(|w| w.starts_with("HTTP 2"));
    let something_ran = command_ran || webhook.is_some();
    command_ok && webhook_ok && something_ran
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ran(exit_code: Option<i32>, tail: &str, webhook: Option<&str>) -> EventBody {
        EventBody::ActionRan {
            action: "pause".into(),
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
            (not_executed("rollback".into()), true, "rehearsal"),
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
