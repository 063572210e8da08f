//! One describer of events: the journal pane, the details view, the
//! Markdown and HTML reports and chat notifications all word an event
//! here, so it reads the same everywhere. Values are shown in their
//! panel's unit exactly as on screen (`health::units`); the raw numbers
//! stay in JSON Lines.
//!
//! Everything takes the runbook as `Option`: the report of a journal whose
//! runbook is gone still describes every event (values then in three
//! significant digits, no titles).

mod action;

pub use action::{action_command, action_result};

use crate::health::units::format_value;
use crate::runbook::model::{GuardThen, GuardWhen, Runbook, Unit};
use crate::session::event::{Event, EventBody, Evidence, RollbackOutcome, StepOutcome, Trigger};

/// A stage's exposure: `0.5%`, `5%`, `100%`.
pub fn exposure(pct: f64) -> String {
    let s = format!("{pct:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// `v` (raw) as panel `panel` shows it; a panel the runbook does not know
/// gets three significant digits.
pub fn value(rb: Option<&Runbook>, panel: &str, v: f64) -> String {
    let unit = rb
        .and_then(|r| r.panel(panel))
        .map_or(Unit::Ratio, |p| p.unit);
    format_value(v, unit)
}

/// A threshold in its panel's unit: `> 2.00%`, `> 800 ms`.
pub fn threshold(t: &crate::runbook::model::Threshold, unit: Unit) -> String {
    crate::health::units::format_threshold(t, unit)
}

/// "errors OK 0.12%, mismatch FAIL 3, p99 ERROR –".
pub fn evidence(rb: Option<&Runbook>, ev: &Evidence) -> String {
    if ev.is_empty() {
        return "no panels".into();
    }
    ev.iter()
        .map(|(id, e)| {
            let judged = e
                .analysis
                .as_ref()
                .map_or(String::new(), |a| format!(" (vs baseline {})", a.summary()));
            match e.value {
                Some(v) => format!("{id} {} {}{judged}", e.state, value(rb, id, v)),
                None => format!("{id} {} –{judged}", e.state),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn when_word(w: GuardWhen) -> &'static str {
    match w {
        GuardWhen::Fail => "FAIL",
        GuardWhen::Warn => "WARN",
        GuardWhen::Stale => "STALE",
    }
}

pub fn then_word(t: GuardThen) -> &'static str {
    match t {
        GuardThen::Pause => "pause",
        GuardThen::Rollback => "rollback",
    }
}

/// `errors FAIL for 30s`: a guard's condition, with its `for` when the
/// runbook still has that guard.
pub fn guard_condition(
    rb: Option<&Runbook>,
    panel: &str,
    when: GuardWhen,
    then: GuardThen,
) -> String {
    let for_ = rb
        .and_then(|r| {
            r.guards
                .iter()
                .find(|g| g.panel == panel && g.when == when && g.then == then)
        })
        .map_or(String::new(), |g| {
            format!(" for {}", crate::timefmt::seconds(g.for_))
        });
    format!("{panel} {}{for_}", when_word(when))
}

/// Who caused the event, as people should read it: a guard is never a
/// person (`guard (errors FAIL for 30s)`), a result an action or a
/// notifier journaled belongs to the console that ran it, and a person
/// carries the role they acted in (`bob (billing)`).
pub fn actor(rb: Option<&Runbook>, e: &Event) -> String {
    match &e.body {
        EventBody::GuardFired {
            panel, when, then, ..
        } => format!("guard ({})", guard_condition(rb, panel, *when, *then)),
        EventBody::Paused {
            trigger: Trigger::Guard,
            ..
        }
        | EventBody::Resumed {
            trigger: Trigger::Guard,
            ..
        }
        | EventBody::RollbackStarted {
            trigger: Trigger::Guard,
            ..
        } => "guard".into(),
        EventBody::ActionRan { .. }
        | EventBody::Notified { .. }
        | EventBody::RollbackFinished { .. } => format!("{}'s console", e.operator),
        _ => match role(rb, e) {
            Some(r) => format!("{} ({r})", e.operator),
            None => e.operator.clone(),
        },
    }
}

/// The role an operator acted in: the item's role for a sign-off, else
/// the roles `[operators]` gives them (none without `[operators]`:
/// everyone holds every role, so naming one would be a guess).
pub fn role(rb: Option<&Runbook>, e: &Event) -> Option<String> {
    let rb = rb?;
    if let EventBody::Signed { gate, item, .. }
    | EventBody::Vetoed { gate, item, .. }
    | EventBody::VetoLifted { gate, item, .. } = &e.body
        && let Some(r) = rb
            .gate(gate)
            .and_then(|g| g.items.get((*item as usize).checked_sub(1)?))
            .and_then(|i| i.role.clone())
    {
        return Some(r);
    }
    let held = &rb
        .operators
        .as_ref()?
        .iter()
        .find(|o| o.name == e.operator)?
        .roles;
    (!held.is_empty()).then(|| held.join("/"))
}

fn item_text(rb: Option<&Runbook>, gate: &str, item: u32) -> String {
    rb.and_then(|r| r.gate(gate))
        .and_then(|g| g.items.get(item.saturating_sub(1) as usize))
        .map(|i| format!(" “{}”", i.text))
        .unwrap_or_default()
}

fn by(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Operator => "",
        Trigger::Guard => " by guard",
        Trigger::Analysis => " by the canary analysis",
    }
}

fn colon(reason: &str) -> String {
    if reason.trim().is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

fn outcome(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Done => "done",
        StepOutcome::Failed => "FAILED",
        StepOutcome::Skipped => "skipped",
    }
}

/// A way-back decision the journal took late (it ran while the journal
/// did not answer): when it really ran, in the runbook's zone (the
/// event's own time is when the journal took it).
fn late(rb: Option<&Runbook>, at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    let zone = rb.map_or(crate::timefmt::Zone::UTC, |r| r.cutover.timezone);
    at.map_or(String::new(), |t| {
        format!(" (recorded late: ran at {})", zone.clock_abbrev(t))
    })
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// ": errors pass p=0.41 r=+0.05 n=30/30, latency fail ...": each
/// compared panel's numbers.
fn comparisons(
    panels: &std::collections::BTreeMap<String, crate::analysis::PanelComparison>,
) -> String {
    if panels.is_empty() {
        return String::new();
    }
    let each: Vec<String> = panels
        .iter()
        .map(|(id, c)| format!("{id} {}", c.summary()))
        .collect();
    format!(": {}", each.join(", "))
}

/// One event as one sentence, without time and operator.
pub fn event(rb: Option<&Runbook>, body: &EventBody) -> String {
    match body {
        EventBody::SessionOpened {
            runbook_sha256,
            mode,
            ..
        } => format!(
            "session opened ({}), runbook sha256 {}",
            mode.as_str(),
            short(runbook_sha256)
        ),
        EventBody::RunbookChangeAccepted {
            previous_sha256,
            runbook_sha256,
            ..
        } => format!(
            "accepted a changed runbook: sha256 {} → {}",
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
            format!("conducts the session now ({})", reason.as_str())
        }
        EventBody::CutoverStarted {} => "STARTED the cutover".into(),
        EventBody::Signed { gate, item, .. } => {
            format!("signed {gate} #{item}{}", item_text(rb, gate, *item))
        }
        EventBody::Withdrawn { gate, item } => format!("withdrew signature {gate} #{item}"),
        EventBody::Vetoed { gate, item, reason } => {
            format!("VETOED {gate} #{item}{}", colon(reason))
        }
        EventBody::VetoLifted { gate, item, reason } => {
            format!("lifted veto {gate} #{item}{}", colon(reason))
        }
        EventBody::GateGo { gate, .. } => format!("gate {gate} is GO"),
        EventBody::GateReopened { gate } => format!("gate {gate} reopened"),
        EventBody::Refused { what, reason } => format!("refused `{what}`: {reason}"),
        EventBody::StepStarted { step } => {
            let irreversible = rb
                .and_then(|r| r.step(step))
                .is_some_and(|s| s.irreversible);
            if irreversible {
                format!("started step {step}: POINT OF NO RETURN (rollback refused from here)")
            } else {
                format!("started step {step}")
            }
        }
        EventBody::StepFinished { step, outcome: o } => {
            format!("finished step {step}: {}", outcome(*o))
        }
        EventBody::Paused {
            reason,
            trigger,
            recorded_late,
            ..
        } => format!(
            "PAUSED{}{}{}",
            by(*trigger),
            colon(reason),
            late(rb, *recorded_late)
        ),
        EventBody::Resumed {
            reason,
            trigger,
            override_reason,
            ..
        } => {
            if override_reason.is_some() {
                format!(
                    "resumed{} OVERRIDING a guard{}",
                    by(*trigger),
                    colon(reason)
                )
            } else {
                format!("resumed{}{}", by(*trigger), colon(reason))
            }
        }
        EventBody::ActionRequested { action, reason } => format!(
            "requested {}{}: needs a second operator",
            action.as_str(),
            if reason.trim().is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            }
        ),
        EventBody::ActionWithdrawn { action } => {
            format!("withdrew the {} request", action.as_str())
        }
        EventBody::Expanded {
            from_stage,
            to_stage,
            exposure: x,
            override_reason,
            automatic,
            ..
        } => format!(
            "EXPANDED{} to {to_stage} ({}){}{}",
            if *automatic { " (automatic)" } else { "" },
            exposure(*x),
            from_stage
                .as_deref()
                .map_or(String::new(), |f| format!(" from {f}")),
            override_reason
                .as_deref()
                .map_or(String::new(), |r| format!(", OVERRIDE: {r}"))
        ),
        EventBody::ExpandRefused { reason } => format!("expand refused: {reason}"),
        EventBody::AnalysisMeasured {
            stage,
            measurement,
            count,
            result,
            panels,
        } => format!(
            "analysis of stage {stage}: measurement {measurement} of {count} {}{}",
            result.as_str(),
            comparisons(panels)
        ),
        EventBody::AnalysisVerdict {
            stage,
            verdict,
            reason,
            panels,
            ..
        } => format!(
            "ANALYSIS of stage {stage}: {} ({reason}){}",
            verdict.as_str().to_uppercase(),
            comparisons(panels)
        ),
        EventBody::AutoExpandAnnounced {
            to_stage,
            expand_at,
            reason,
            ..
        } => format!(
            "AUTOMATIC EXPAND to {to_stage} announced for {} UTC ({reason}); `hold` stops it",
            expand_at.format("%H:%M:%S")
        ),
        EventBody::AutoExpandStopped { to_stage, reason } => {
            format!(
                "stopped the automatic expand to {to_stage}{}",
                colon(reason)
            )
        }
        EventBody::RollbackStarted {
            trigger,
            reason,
            override_reason,
            recorded_late,
            ..
        } => format!(
            "ROLLBACK started{}{}{}{}",
            by(*trigger),
            colon(reason),
            override_reason
                .as_deref()
                .map_or(String::new(), |r| format!(", OVERRIDE: {r}")),
            late(rb, *recorded_late)
        ),
        EventBody::RollbackFinished { outcome: o, .. } => match o {
            RollbackOutcome::Done => "rollback finished: done".into(),
            RollbackOutcome::Failed => "ROLLBACK FAILED".into(),
        },
        EventBody::GuardFired {
            panel, when, then, ..
        } => format!(
            "GUARD fired: {} → {}",
            guard_condition(rb, panel, *when, *then),
            then_word(*then)
        ),
        EventBody::ActionStarted { action, id, .. } => format!("started {action} ({id})"),
        EventBody::ActionRetried { action, id, .. } => {
            format!("RETRIED {action} ({id}): its console went away")
        }
        EventBody::ActionRan { output_tail, .. } => {
            // A failure says its last line of output: usually the why.
            let last = output_tail
                .lines()
                .last()
                .filter(|l| {
                    !crate::session::outcome::succeeded(body)
                        && !l.starts_with("[warroom]")
                        && !l.starts_with('(')
                })
                .map_or(String::new(), |l| format!(": {l}"));
            format!("{}{last}", action_result(body).unwrap_or_default())
        }
        EventBody::Note { text } => format!("note: {text}"),
        EventBody::Completed {} => "COMPLETED the cutover".into(),
        EventBody::AttemptOpened { attempt, reason } => {
            format!("OPENED ATTEMPT {attempt} of the cutover{}", colon(reason))
        }
        EventBody::Notified {
            event_seq,
            target,
            status,
        } => format!("notified {target} of #{event_seq}: {status}"),
        EventBody::Unknown { kind, .. } => format!("{kind} (unknown to this warroom)"),
        EventBody::Damaged { seq, what } => format!("journal damaged at seq {seq}: {what}"),
        EventBody::DamageAcknowledged {
            through_seq: seq,
            reason,
        } => format!("acknowledged the journal damage up to seq {seq}: {reason}"),
    }
}

/// The evidence a decision carried, if it is a decision.
pub fn decision_evidence(body: &EventBody) -> Option<&Evidence> {
    match body {
        EventBody::Signed { evidence, .. }
        | EventBody::GateGo { evidence, .. }
        | EventBody::Expanded { evidence, .. }
        | EventBody::Paused { evidence, .. }
        | EventBody::RollbackStarted { evidence, .. }
        | EventBody::GuardFired { evidence, .. } => Some(evidence),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
