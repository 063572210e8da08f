//! The one wording of an action's result, for the screen, the report and
//! notifications alike: what happened to each part (the command's exit
//! code, signal or timeout; the webhook's HTTP status or error), then
//! whether the action as a whole succeeded.
//!
//! Pure and free of screen or report types: callers add time and layout.

use crate::session::event::{ActionOutcome, EventBody};

/// The runner's own lines in `output_tail` start with this (see
/// `actions::with_error`): they say why a command has no exit code.
const RUNNER_MARK: &str = "[warroom] ";

/// The command's part: `Some("command exit 3")`, `Some("command timed out
/// after 2s: …")`, or `None` when the action has no command.
fn command_part(exit_code: Option<i32>, output_tail: &str) -> Option<String> {
    if let Some(code) = exit_code {
        return Some(format!("command exit {code}"));
    }
    let why = output_tail
        .lines()
        .last()
        .and_then(|l| l.strip_prefix(RUNNER_MARK));
    match why {
        Some(why) => Some(format!("command {why}")),
        None if output_tail.is_empty() => None,
        None => Some("command ended without an exit code".into()),
    }
}

/// The webhook's part: `webhook HTTP 200`, `webhook HTTP 500`, or
/// `webhook failed: <error>` when no answer came.
fn webhook_part(status: Option<u16>, text: &str) -> String {
    if let Some(code) = status {
        return format!("webhook HTTP {code}");
    }
    // Journals written before `webhook_status` existed kept the status
    // only in the text: "HTTP 500 from POST …".
    if let Some(rest) = text.strip_prefix("HTTP ")
        && let Some(code) = rest.split_whitespace().next()
        && code.parse::<u16>().is_ok()
    {
        return format!("webhook HTTP {code}");
    }
    format!("webhook failed: {text}")
}

/// The whole-action verdict word.
fn verdict(outcome: ActionOutcome) -> &'static str {
    match outcome {
        ActionOutcome::Succeeded => "succeeded",
        ActionOutcome::Failed => "FAILED",
        ActionOutcome::Interrupted => "INTERRUPTED",
        ActionOutcome::TimedOut => "TIMED OUT",
    }
}

/// How an `action_ran` ended as a whole; for journals written before
/// `outcome` existed, judged by the same rule as `actions::succeeded`.
pub fn outcome_of(body: &EventBody) -> Option<ActionOutcome> {
    let EventBody::ActionRan {
        outcome,
        output_tail,
        exit_code,
        ..
    } = body
    else {
        return None;
    };
    if let Some(o) = outcome {
        return Some(*o);
    }
    if succeeded(body) {
        Some(ActionOutcome::Succeeded)
    } else if exit_code.is_none() && output_tail.contains("timed out after") {
        Some(ActionOutcome::TimedOut)
    } else {
        Some(ActionOutcome::Failed)
    }
}

/// `expand FAILED: command exit 0, webhook HTTP 500`. `None` for any event
/// other than `action_ran`.
pub fn describe(body: &EventBody) -> Option<String> {
    let EventBody::ActionRan {
        action,
        executed,
        exit_code,
        output_tail,
        webhook,
        webhook_status,
        ..
    } = body
    else {
        return None;
    };
    if !executed {
        let why = output_tail
            .lines()
            .last()
            .and_then(|l| l.strip_prefix(RUNNER_MARK))
            .unwrap_or("rehearsal");
        return Some(format!("{action} not executed ({why})"));
    }
    let mut parts = Vec::new();
    parts.extend(command_part(*exit_code, output_tail));
    if let Some(text) = webhook {
        parts.push(webhook_part(*webhook_status, text));
    }
    if parts.is_empty() {
        parts.push("nothing ran".into());
    }
    let word = verdict(outcome_of(body).unwrap_or(ActionOutcome::Failed));
    Some(format!("{action} {word}: {}", parts.join(", ")))
}

/// Did an `ActionRan` succeed? The one rule everyone uses:
/// - not executed (rehearsal) counts as success: nothing failed;
/// - when a command ran, it must have exited 0 (`exit_code == Some(0)`);
///   a command that ran has `output_tail`/`exit_code` set, a webhook-only
///   action has `exit_code: None` and an empty `output_tail`;
/// - when a webhook was configured, it must have answered 2xx
///   (`webhook` starts with `"HTTP 2"`).
///
/// An `outcome` journaled with the event decides on its own.
/// Any other event is not an action outcome: `false`.
pub fn succeeded(ev: &EventBody) -> bool {
    let EventBody::ActionRan {
        executed,
        exit_code,
        output_tail,
        webhook,
        outcome,
        ..
    } = ev
    else {
        return false;
    };
    if let Some(o) = outcome {
        return *o == ActionOutcome::Succeeded;
    }
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

    fn ran(
        action: &str,
        exit_code: Option<i32>,
        tail: &str,
        webhook: Option<(&str, Option<u16>)>,
        outcome: Option<ActionOutcome>,
    ) -> EventBody {
        EventBody::ActionRan {
            action: action.into(),
            id: Some("7/expand".into()),
            outcome,
            webhook_status: webhook.and_then(|w| w.1),
            executed: true,
            exit_code,
            duration_ms: 12,
            output_tail: tail.into(),
            webhook: webhook.map(|w| w.0.to_string()),
        }
    }

    #[test]
    fn every_part_is_named_and_the_whole_is_judged() {
        use ActionOutcome::*;
        let refused = "POST http://127.0.0.1:9/hook: connection failed: Connection refused";
        let cases = [
            (
                ran("expand", Some(0), "ok", None, Some(Succeeded)),
                "expand succeeded: command exit 0",
            ),
            (
                ran("expand", Some(3), "no", None, Some(Failed)),
                "expand FAILED: command exit 3",
            ),
            (
                ran(
                    "expand",
                    None,
                    "[warroom] timed out after 2s: stopped its process group and every process carrying its run token",
                    None,
                    Some(TimedOut),
                ),
                "expand TIMED OUT: command timed out after 2s: stopped its process group and every process carrying its run token",
            ),
            (
                ran(
                    "expand",
                    Some(0),
                    "",
                    Some(("HTTP 500 from POST http://h:1/hook", Some(500))),
                    Some(Failed),
                ),
                "expand FAILED: command exit 0, webhook HTTP 500",
            ),
            (
                ran("pause", None, "", Some((refused, None)), Some(Failed)),
                "pause FAILED: webhook failed: POST http://127.0.0.1:9/hook: connection failed: Connection refused",
            ),
            (
                ran(
                    "pause",
                    None,
                    "",
                    Some(("HTTP 200", Some(200))),
                    Some(Succeeded),
                ),
                "pause succeeded: webhook HTTP 200",
            ),
            (
                ran(
                    "expand",
                    None,
                    "[warroom] interrupted: stopped by a rollback",
                    None,
                    Some(Interrupted),
                ),
                "expand INTERRUPTED: command interrupted: stopped by a rollback",
            ),
            // Journals from before `outcome` and `webhook_status`.
            (
                ran(
                    "expand",
                    Some(0),
                    "",
                    Some(("HTTP 500 from POST http://h:1/", None)),
                    None,
                ),
                "expand FAILED: command exit 0, webhook HTTP 500",
            ),
            (
                ran("pause", None, "", Some(("HTTP 204", None)), None),
                "pause succeeded: webhook HTTP 204",
            ),
            (
                ran(
                    "rollback",
                    None,
                    "[warroom] timed out after 1s: process group stopped",
                    None,
                    None,
                ),
                "rollback TIMED OUT: command timed out after 1s: process group stopped",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(describe(&body).as_deref(), Some(want));
        }
    }

    #[test]
    fn a_rehearsal_says_not_executed_and_other_events_have_no_wording() {
        // What `actions::not_executed` journals for a rehearsal.
        let body = EventBody::ActionRan {
            action: "rollback".into(),
            id: None,
            outcome: None,
            webhook_status: None,
            executed: false,
            exit_code: None,
            duration_ms: 0,
            output_tail: "(rehearsal: not executed)".into(),
            webhook: None,
        };
        assert_eq!(
            describe(&body).as_deref(),
            Some("rollback not executed (rehearsal)")
        );
        assert_eq!(describe(&EventBody::Note { text: "x".into() }), None);
    }
}
