//! The title block and the summary: what a reader of a change ticket
//! needs without reading the timeline.

use std::time::Duration;

use super::{Ctx, span};
use crate::describe;
use crate::report::doc::{Doc, Runs, code, strong, text};
use crate::report::markdown::Plan;
use crate::session::event::{EventBody, RollbackOutcome, StepOutcome};
use crate::session::state::Status;

pub fn title(cx: &Ctx, doc: &mut Doc) {
    let id = cx
        .runbook
        .map(|r| r.cutover.id.clone())
        .or_else(|| cutover_id_from_journal(cx.journal))
        .unwrap_or_else(|| "unknown".into());
    match cx.runbook {
        Some(r) => doc.h(1, format!("Cutover record: {} ({id})", r.cutover.title)),
        None => doc.h(1, format!("Cutover record: {id}")),
    }
    let mut rows: Vec<Vec<Runs>> = vec![vec![
        vec![text("Journal")],
        vec![code(crate::untrusted::show_path(cx.journal))],
    ]];
    for e in cx.events {
        match &e.body {
            EventBody::SessionOpened {
                runbook,
                runbook_sha256,
                ..
            } => {
                rows.push(vec![vec![text("Runbook")], vec![code(runbook.clone())]]);
                rows.push(vec![
                    vec![text("Runbook sha256")],
                    vec![code(runbook_sha256.clone())],
                ]);
            }
            EventBody::RunbookChangeAccepted { runbook_sha256, .. } => rows.push(vec![
                vec![text("Runbook changed")],
                vec![
                    code(runbook_sha256.clone()),
                    text(format!(" accepted by {} at {}", e.operator, cx.time(&e.ts))),
                ],
            ]),
            _ => {}
        }
    }
    if let (Some(first), Some(last)) = (cx.events.first(), cx.events.last()) {
        rows.push(vec![
            vec![text("Events")],
            vec![text(format!(
                "{} (seq {}–{}), {} to {} {}",
                cx.events.len(),
                first.seq,
                last.seq,
                cx.time(&first.ts),
                cx.time(&last.ts),
                cx.abbrev(&last.ts)
            ))],
        ]);
    }
    if let Plan::Unavailable(why) = cx.plan {
        rows.push(vec![vec![text("Plan")], vec![text(why.clone())]]);
    }
    doc.table(&["", ""], rows);
}

/// `.warroom/<id>/live.db` → `<id>`.
fn cutover_id_from_journal(journal: &std::path::Path) -> Option<String> {
    let parent = journal.parent()?;
    let grand = parent.parent()?;
    if grand.file_name()? == ".warroom" {
        Some(parent.file_name()?.to_string_lossy().into_owned())
    } else {
        None
    }
}

/// COMPLETE / ROLLED_BACK, or abandoned with the status it was left in.
fn outcome(cx: &Ctx) -> String {
    let status = match &cx.state {
        Some(s) => s.status,
        None => {
            // Without the runbook: the last decisive event says it.
            let last = cx.events.iter().rev().find_map(|e| match &e.body {
                EventBody::Completed {} => Some(Status::Complete),
                EventBody::RollbackFinished {
                    outcome: RollbackOutcome::Done,
                    ..
                } => Some(Status::RolledBack),
                EventBody::CutoverStarted {} => Some(Status::Running),
                _ => None,
            });
            last.unwrap_or(Status::Ready)
        }
    };
    match status {
        Status::Complete | Status::RolledBack => status.as_str().into(),
        Status::Ready => "not started".into(),
        other => format!("abandoned (left {})", other.as_str()),
    }
}

/// Planned duration: the steps' `expect` plus every stage's bake but the
/// last (the last stage has no next expand to wait for).
fn planned(cx: &Ctx) -> Option<Duration> {
    let rb = cx.runbook?;
    let steps: Duration = rb.steps.iter().filter_map(|s| s.expect).sum();
    let n = rb.stages.len().saturating_sub(1);
    let bakes: Duration = rb.stages.iter().take(n).map(|s| s.bake).sum();
    Some(steps + bakes)
}

pub fn summary(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Summary");
    let mut rows: Vec<Vec<Runs>> = Vec::new();
    let mut row = |k: &str, v: Runs| rows.push(vec![vec![text(k)], v]);
    let mode = cx.events.iter().find_map(|e| match &e.body {
        EventBody::SessionOpened { mode, .. } => Some(mode.as_str()),
        _ => None,
    });
    row("Mode", vec![text(mode.unwrap_or("unknown"))]);
    row("Outcome", vec![strong(outcome(cx))]);
    let mut reached: Option<f64> = None;
    for e in cx.events {
        if let EventBody::Expanded { exposure, .. } = e.body {
            reached = Some(reached.map_or(exposure, |r: f64| r.max(exposure)));
        }
    }
    let stage_names: Vec<String> = cx
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Expanded { to_stage, .. } => Some(to_stage.clone()),
            _ => None,
        })
        .collect();
    // Decided by the fold every reader shares (`session::story`): an
    // expand interrupted at the end leaves the exposure unknown.
    let unknown = cx.runbook.zip(cx.state.as_ref()).is_some_and(|(rb, st)| {
        matches!(
            crate::session::story::exposure(rb, st),
            crate::session::story::Exposure::Unknown
        )
    });
    let at_end = if unknown {
        "; at the end: exposure unknown (expand interrupted)"
    } else {
        ""
    };
    row(
        "Exposure reached",
        vec![text(match reached {
            Some(x) => format!(
                "{} (stages: {}){at_end}",
                describe::exposure(x),
                stage_names.join(" → ")
            ),
            None => "0% (never expanded)".into(),
        })],
    );
    let start = cx
        .events
        .iter()
        .find(|e| matches!(e.body, EventBody::CutoverStarted {}))
        .map(|e| e.ts);
    let end = cx
        .events
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.body,
                EventBody::Completed {} | EventBody::RollbackFinished { .. }
            )
        })
        .map(|e| e.ts);
    row(
        "Start",
        vec![text(start.map_or("not started".into(), |t| {
            format!("{} {}", cx.time(&t), cx.abbrev(&t))
        }))],
    );
    row(
        "End",
        vec![text(end.map_or("not ended".into(), |t| {
            format!("{} {}", cx.time(&t), cx.abbrev(&t))
        }))],
    );
    let plan = planned(cx).map_or("no plan".to_string(), |d| {
        format!(
            "plan {} (steps' expect + bakes)",
            crate::timefmt::seconds(d)
        )
    });
    let took = match (start, end.or(cx.events.last().map(|e| e.ts))) {
        (Some(a), Some(b)) => span(a, b),
        _ => "–".into(),
    };
    row("Duration", vec![text(format!("{took}; {plan}"))]);
    let decisions = decisions(cx);
    let guards = count(cx, |b| matches!(b, EventBody::GuardFired { .. }));
    let refusals = count(cx, |b| {
        matches!(
            b,
            EventBody::Refused { .. } | EventBody::ExpandRefused { .. }
        )
    });
    let overrides = count(cx, |b| {
        matches!(
            b,
            EventBody::Expanded {
                override_reason: Some(_),
                ..
            } | EventBody::RollbackStarted {
                override_reason: Some(_),
                ..
            }
        )
    });
    row("Point of no return", vec![strong(no_return(cx))]);
    if let Some(a) = attempts(cx) {
        row("Attempts", vec![text(a)]);
    }
    row("Guard firings", vec![text(guards.to_string())]);
    row(
        "Refusals / overrides",
        vec![text(format!("{refusals} / {overrides}"))],
    );
    doc.table(&["", ""], rows);
    doc.h(3, "Decisions");
    doc.list_or(decisions, "None.");
    doc.h(3, "Damage");
    doc.list_or(damage(cx), "None found.");
}

/// Where the point of no return was crossed, per attempt: the first start
/// of an irreversible step (rollback was refused from then on).
fn no_return(cx: &Ctx) -> String {
    let Some(rb) = cx.runbook else {
        return "unknown (runbook unavailable)".into();
    };
    let mut attempt = 1;
    let mut crossed: Vec<(u32, String)> = Vec::new();
    for e in cx.events {
        match &e.body {
            EventBody::AttemptOpened { attempt: n, .. } => attempt = *n,
            EventBody::StepStarted { step }
                if rb.step(step).is_some_and(|s| s.irreversible)
                    && crossed.iter().all(|(a, _)| *a != attempt) =>
            {
                crossed.push((
                    attempt,
                    format!(
                        "crossed at {} {}: step {step} started by {}",
                        cx.time(&e.ts),
                        cx.abbrev(&e.ts),
                        e.operator
                    ),
                ))
            }
            _ => {}
        }
    }
    let several = attempt > 1;
    if crossed.is_empty() {
        return match rb.point_of_no_return() {
            Some(s) => format!("not crossed (step {} was not started)", s.id),
            None => "none in the plan".into(),
        };
    }
    crossed
        .into_iter()
        .map(|(a, t)| {
            if several {
                format!("attempt {a}: {t}")
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "2: #1 ROLLED_BACK, #2 COMPLETE" when the journal holds more than one
/// attempt of the cutover.
fn attempts(cx: &Ctx) -> Option<String> {
    let st = cx.state.as_ref()?;
    if st.attempts.number <= 1 {
        return None;
    }
    let mut parts: Vec<String> = st
        .attempts
        .past
        .iter()
        .map(|a| {
            let started = a.started_at.map_or(" (not started)".to_string(), |t| {
                format!(" (from {})", cx.time(&t))
            });
            format!("#{} {}{started}", a.number, a.ended.as_str())
        })
        .collect();
    parts.push(format!(
        "#{} {} (this one)",
        st.attempts.number,
        st.status.as_str()
    ));
    Some(format!("{}: {}", st.attempts.number, parts.join(", ")))
}

fn count(cx: &Ctx, f: impl Fn(&EventBody) -> bool) -> usize {
    cx.events.iter().filter(|e| f(&e.body)).count()
}

/// Who decided what, in which role: the moves of the cutover.
fn decisions(cx: &Ctx) -> Vec<Runs> {
    cx.events
        .iter()
        .filter(|e| {
            matches!(
                e.body,
                EventBody::CutoverStarted {}
                    | EventBody::GateGo { .. }
                    | EventBody::Vetoed { .. }
                    | EventBody::Expanded { .. }
                    | EventBody::Paused { .. }
                    | EventBody::Resumed { .. }
                    | EventBody::RollbackStarted { .. }
                    | EventBody::GuardFired { .. }
                    | EventBody::Completed {}
            )
        })
        .map(|e| {
            let mut runs = cx.event_item(e);
            if let EventBody::GateGo { gate, .. } = &e.body {
                runs.push(text(format!(" (signed by {})", signers(cx, gate))));
            }
            runs
        })
        .collect()
}

/// `alice (ic), bob (billing)`: the current signers of a gate's items.
pub fn signers(cx: &Ctx, gate: &str) -> String {
    let mut who: Vec<String> = Vec::new();
    for e in cx.events {
        if let EventBody::Signed { gate: g, .. } = &e.body
            && g == gate
        {
            let a = cx.actor(e);
            if !who.contains(&a) {
                who.push(a);
            }
        }
    }
    if who.is_empty() {
        "automatic items only".into()
    } else {
        who.join(", ")
    }
}

/// What a rollback cannot undo and what failed on the way.
fn damage(cx: &Ctx) -> Vec<Runs> {
    let mut out = Vec::new();
    let rollback_at = cx.events.iter().find_map(|e| match e.body {
        EventBody::RollbackStarted { .. } => Some(e.ts),
        _ => None,
    });
    for e in cx.events {
        match &e.body {
            EventBody::StepStarted { step } => {
                let irreversible = cx
                    .runbook
                    .and_then(|r| r.step(step))
                    .is_some_and(|s| s.irreversible);
                if let (true, Some(rb_at)) = (irreversible, rollback_at)
                    && e.ts <= rb_at
                {
                    out.push(vec![text(format!(
                        "irreversible step {step} was started at {} by {}, before the rollback: the rollback does not undo it",
                        cx.time(&e.ts),
                        e.operator
                    ))]);
                }
            }
            EventBody::StepFinished {
                step,
                outcome: StepOutcome::Failed,
            } => out.push(vec![text(format!(
                "step {step} FAILED at {}",
                cx.time(&e.ts)
            ))]),
            EventBody::RollbackFinished {
                outcome: RollbackOutcome::Failed,
                ..
            } => out.push(vec![text(format!("ROLLBACK FAILED at {}", cx.time(&e.ts)))]),
            EventBody::ActionRan { action, .. } if !crate::actions::succeeded(&e.body) => {
                out.push(vec![text(format!(
                    "action {action} at {}: {}",
                    cx.time(&e.ts),
                    describe::action_result(&e.body).unwrap_or_default()
                ))]);
            }
            _ => {}
        }
    }
    out
}
