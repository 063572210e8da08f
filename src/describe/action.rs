//! What an action ran and what it answered. The wording of a result is
//! the session's (`session::outcome::describe`); this adds the
//! duration and finds the command as the runbook writes it.

use crate::runbook::model::{ActionKind, Runbook};
use crate::session::event::EventBody;

/// `expand succeeded in 12 ms: command exit 0, webhook HTTP 200`;
/// `pause TIMED OUT in 60000 ms: command timed out after 1m`. `None` for
/// any other event.
pub fn action_result(body: &EventBody) -> Option<String> {
    let words = crate::session::outcome::describe(body)?;
    match body {
        EventBody::ActionRan {
            executed: true,
            duration_ms,
            ..
        } => Some(match words.split_once(": ") {
            Some((verdict, parts)) => format!("{verdict} in {duration_ms} ms: {parts}"),
            None => format!("{words} in {duration_ms} ms"),
        }),
        _ => Some(words),
    }
}

/// The command (and webhook method) the runbook says `action` runs,
/// exactly as written there: `pause`, `expand`, … or `step:<id>`.
pub fn action_command(rb: &Runbook, action: &str) -> Option<String> {
    if let Some(step) = action.strip_prefix("step:") {
        return rb.step(step)?.run.clone();
    }
    let kind = [
        ActionKind::Pause,
        ActionKind::Resume,
        ActionKind::Expand,
        ActionKind::Rollback,
    ]
    .into_iter()
    .find(|k| k.as_str() == action)?;
    let a = rb.actions.get(kind)?;
    let hook = a.webhook.as_ref().map(|w| format!("webhook {}", w.method));
    match (a.run.clone(), hook) {
        (Some(r), Some(h)) => Some(format!("{r} (then {h})")),
        (Some(r), None) => Some(r),
        (None, h) => h,
    }
}
