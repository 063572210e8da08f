//! What an action ran and what it answered.
//!
//! INTERIM: the 'wayback' branch writes the pure wording of an action's
//! result (exit / signal / timeout, webhook status) in `src/actions/`.
//! When it lands, `action_result` becomes a call to it; nothing else here
//! words a result.

use crate::runbook::model::{ActionKind, Runbook};
use crate::session::event::EventBody;

/// `exit 0 in 12 ms, webhook HTTP 200`; `no exit code (timed out after
/// 60s) in 60000 ms, webhook FAILED (HTTP 500 …)`; `not executed
/// (rehearsal)`. `None` for any other event.
pub fn action_result(body: &EventBody) -> Option<String> {
    let EventBody::ActionRan {
        executed,
        exit_code,
        duration_ms,
        output_tail,
        webhook,
        ..
    } = body
    else {
        return None;
    };
    if !executed {
        return Some("not executed (rehearsal)".into());
    }
    let command_ran = exit_code.is_some() || !output_tail.is_empty();
    let code = match exit_code {
        None if !command_ran => "sent".to_string(),
        Some(0) => "exit 0".to_string(),
        Some(c) => format!("FAILED: exit {c}"),
        None => {
            // The runner journals why there is no code as the tail's last line.
            let why = output_tail
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("[warroom] "))
                .unwrap_or("killed");
            format!("FAILED: no exit code ({why})")
        }
    };
    let hook = match webhook.as_deref() {
        None => String::new(),
        Some(w) if w.starts_with("HTTP 2") && w.len() == 8 => format!(", webhook {w}"),
        Some(w) => format!(", webhook FAILED ({w})"),
    };
    Some(format!("{code} in {duration_ms} ms{hook}"))
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
