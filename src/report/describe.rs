//! One line per event, in words: the report's timeline (and usable by the
//! console's journal pane).

use crate::session::event::{EventBody, Evidence, Trigger};

fn trigger(t: Trigger) -> &'static str {
    match t {
        Trigger::Operator => "operator",
        Trigger::Guard => "guard",
    }
}

fn reason_suffix(reason: &str) -> String {
    if reason.trim().is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

/// "errors OK 0.0012, mismatch FAIL 3, p99 ERROR –".
pub fn evidence_line(ev: &Evidence) -> String {
    if ev.is_empty() {
        return "no panels".into();
    }
    ev.iter()
        .map(|(id, e)| match e.value {
            Some(v) => format!("{id} {} {v}", e.state),
            None => format!("{id} {} –", e.state),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What happened, without operator or time.
pub fn describe(body: &EventBody) -> String {
    match body {
        EventBody::SessionOpened {
            runbook,
            runbook_sha256,
            mode,
        } => format!(
            "session opened ({}) with runbook {runbook} (sha256 {})",
            mode.as_str(),
            short(runbook_sha256)
        ),
        EventBody::RunbookChangeAccepted {
            previous_sha256,
            runbook_sha256,
        } => format!(
            "runbook change accepted: sha256 {} → {}",
            short(previous_sha256),
            short(runbook_sha256)
        ),
        EventBody::OperatorAttached { host, read_only } => format!(
            "attached{}{}",
            host.as_deref()
                .map_or(String::new(), |h| format!(" from {h}")),
            if *read_only { " (read-only)" } else { "" }
        ),
        EventBody::OperatorDetached { host, reason } => format!(
            "detached{}{}",
            host.as_deref()
                .map_or(String::new(), |h| format!(" from {h}")),
            reason.map_or(String::new(), |r| format!(" ({})", r.as_str()))
        ),
        EventBody::ConductorChanged { reason, .. } => {
            format!("now conducts the session ({})", reason.as_str())
        }
        EventBody::CutoverStarted {} => "began the cutover".into(),
        EventBody::Signed { gate, item, .. } => format!("signed {gate} item {item}"),
        EventBody::Withdrawn { gate, item } => format!("withdrew sign-off on {gate} item {item}"),
        EventBody::Vetoed { gate, item, reason } => {
            format!("vetoed {gate} item {item}{}", reason_suffix(reason))
        }
        EventBody::VetoLifted { gate, item, reason } => {
            format!(
                "lifted the veto on {gate} item {item}{}",
                reason_suffix(reason)
            )
        }
        EventBody::GateGo { gate, .. } => format!("gate {gate} is GO"),
        EventBody::GateReopened { gate } => format!("gate {gate} reopened"),
        EventBody::Refused { what, reason } => format!("refused `{what}`: {reason}"),
        EventBody::StepStarted { step } => format!("started step {step}"),
        EventBody::StepFinished { step, outcome } => {
            let o = serde_json::to_value(outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!("finished step {step}: {o}")
        }
        EventBody::Paused {
            reason, trigger: t, ..
        } => format!("paused by {}{}", trigger(*t), reason_suffix(reason)),
        EventBody::Resumed { reason, trigger: t } => {
            format!("resumed by {}{}", trigger(*t), reason_suffix(reason))
        }
        EventBody::ActionRequested { action, reason } => format!(
            "requested {} (needs a second operator){}",
            action.as_str(),
            reason_suffix(reason)
        ),
        EventBody::ActionWithdrawn { action } => {
            format!("withdrew the {} request", action.as_str())
        }
        EventBody::Expanded {
            from_stage,
            to_stage,
            exposure,
            override_reason,
            ..
        } => format!(
            "expanded {} → {to_stage} ({exposure}%){}",
            from_stage.as_deref().unwrap_or("start"),
            override_reason
                .as_deref()
                .map_or(String::new(), |r| format!(", OVERRIDE: {r}"))
        ),
        EventBody::ExpandRefused { reason } => format!("expand refused: {reason}"),
        EventBody::RollbackStarted {
            trigger: t,
            reason,
            override_reason,
            ..
        } => format!(
            "rollback started by {}{}{}",
            trigger(*t),
            reason_suffix(reason),
            override_reason
                .as_deref()
                .map_or(String::new(), |r| format!(", OVERRIDE: {r}"))
        ),
        EventBody::RollbackFinished {
            trigger: t,
            outcome,
            ..
        } => format!(
            "rollback ({}) finished: {}",
            trigger(*t),
            match outcome {
                crate::session::event::RollbackOutcome::Done => "done",
                crate::session::event::RollbackOutcome::Failed => "FAILED",
            }
        ),
        EventBody::GuardFired {
            panel, when, then, ..
        } => format!(
            "guard fired: {panel} {} → {}",
            crate::session::reduce::when_str(*when),
            crate::session::reduce::then_str(*then)
        ),
        EventBody::ActionRan {
            action,
            executed,
            exit_code,
            duration_ms,
            ..
        } => {
            if *executed {
                format!(
                    "action {action} ran: exit {} in {duration_ms} ms",
                    exit_code.map_or("none (killed)".to_string(), |c| c.to_string())
                )
            } else {
                format!("action {action} (rehearsal: not executed)")
            }
        }
        EventBody::Note { text } => format!("note: {text}"),
        EventBody::Completed {} => "cutover COMPLETE".into(),
        EventBody::Unknown { kind, .. } => format!("{kind} (unknown to this warroom)"),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
