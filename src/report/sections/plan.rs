//! The plan against what happened: stages (entered, bake planned and
//! observed), steps (planned, rehearsed, actual), and the panels.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Ctx, span};
use crate::describe;
use crate::report::doc::{Doc, Runs, link, text};
use crate::report::markdown::Plan;
use crate::session::event::{EventBody, RollbackOutcome, StepOutcome};

pub fn stages(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Stages");
    // (stage, exposure, entered, left); an automatic expand's stage is
    // marked beside its name.
    type Visit = (String, f64, DateTime<Utc>, Option<DateTime<Utc>>);
    let mut visits: Vec<Visit> = Vec::new();
    let end = cx.events.last().map(|e| e.ts);
    for e in cx.events {
        match &e.body {
            EventBody::Expanded {
                to_stage,
                exposure,
                automatic,
                ..
            } => {
                if let Some(last) = visits.last_mut() {
                    last.3.get_or_insert(e.ts);
                }
                let name = if *automatic {
                    format!("{to_stage} (automatic)")
                } else {
                    to_stage.clone()
                };
                visits.push((name, *exposure, e.ts, None));
            }
            EventBody::RollbackFinished {
                outcome: RollbackOutcome::Done,
                ..
            } => {
                if let Some(last) = visits.last_mut() {
                    last.3.get_or_insert(e.ts);
                }
            }
            _ => {}
        }
    }
    if visits.is_empty() {
        doc.line("Never expanded.");
        return;
    }
    let rows = visits
        .into_iter()
        .map(|(name, exposure, entered, left)| {
            let until = left.or(end).unwrap_or(entered);
            let bake = cx
                .runbook
                .and_then(|r| {
                    let plain = name.strip_suffix(" (automatic)").unwrap_or(&name);
                    r.stages.iter().find(|s| s.name == plain)
                })
                .map_or("?".to_string(), |s| crate::timefmt::seconds(s.bake));
            [
                name,
                describe::exposure(exposure),
                cx.time(&entered),
                left.map_or("(still there)".to_string(), |l| cx.time(&l)),
                bake,
                format!(
                    "{}{}",
                    span(entered, until),
                    if left.is_none() { "+" } else { "" }
                ),
            ]
            .into_iter()
            .map(|c| vec![text(c)])
            .collect()
        })
        .collect();
    doc.table(
        &[
            "Stage",
            "Exposure",
            "Entered",
            "Left",
            "Bake planned",
            "Observed",
        ],
        rows,
    );
}

pub fn steps(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Steps");
    // step → (started, by, finished, outcome)
    type Row = (
        Option<DateTime<Utc>>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<StepOutcome>,
    );
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut order: Vec<String> = cx
        .runbook
        .map(|r| r.steps.iter().map(|s| s.id.clone()).collect())
        .unwrap_or_default();
    for e in cx.events {
        let (EventBody::StepStarted { step } | EventBody::StepFinished { step, .. }) = &e.body
        else {
            continue;
        };
        if !order.contains(step) {
            order.push(step.clone());
        }
        let r = rows.entry(step.clone()).or_default();
        match &e.body {
            EventBody::StepFinished { outcome, .. } => {
                r.2 = Some(e.ts);
                r.3 = Some(*outcome);
            }
            _ => *r = (Some(e.ts), Some(cx.actor(e)), None, None),
        }
    }
    if order.is_empty() {
        doc.line("None.");
        return;
    }
    if let Plan::Unavailable(why) = cx.plan {
        doc.line(format!("Planned durations unavailable: {why}"));
    }
    if let Some(r) = cx.rehearsed {
        doc.line(format!(
            "Last rehearsal: {}",
            crate::untrusted::show_path(&r.path)
        ));
    }
    let table = order
        .iter()
        .map(|id| {
            let (started, by, finished, outcome) = rows.get(id).cloned().unwrap_or_default();
            let spec = cx.runbook.and_then(|r| r.step(id));
            let mut name: Runs = vec![text(match spec {
                Some(s) if s.irreversible => format!("{id} (irreversible)"),
                _ => id.clone(),
            })];
            if let Some(url) = cx.runbook.and_then(|r| r.links.steps.get(id)) {
                name.push(text(" "));
                name.push(link("link", url.clone()));
            }
            let actual = match (started, finished) {
                (Some(a), Some(b)) => span(a, b),
                _ => "–".into(),
            };
            let planned = spec
                .and_then(|s| s.expect)
                .map_or("–".to_string(), crate::timefmt::seconds);
            let rehearsed = cx.rehearsed.map(|r| {
                r.timings
                    .get(id)
                    .map_or("–".to_string(), |d| crate::timefmt::seconds(*d))
            });
            let outcome = match outcome {
                Some(StepOutcome::Done) => "done",
                Some(StepOutcome::Failed) => "FAILED",
                Some(StepOutcome::Skipped) => "skipped",
                None if started.is_some() => "running",
                None => "not started",
            };
            let mut row = vec![name];
            row.extend(
                [
                    by.unwrap_or_else(|| "–".into()),
                    started.map_or("–".into(), |t| cx.time(&t)),
                    outcome.to_string(),
                    planned,
                ]
                .into_iter()
                .chain(rehearsed)
                .chain([actual])
                .map(|c| vec![text(c)]),
            );
            row
        })
        .collect();
    // The rehearsal column only when there is a rehearsal to show.
    let head: Vec<&str> = ["Step", "Started by", "Started", "Outcome", "Planned"]
        .into_iter()
        .chain(cx.rehearsed.map(|_| "Last rehearsal"))
        .chain(["Actual"])
        .collect();
    doc.table(&head, table);
}

/// The panels the evidence names, with their thresholds and dashboards.
pub fn panels(cx: &Ctx, doc: &mut Doc) {
    let Some(rb) = cx.runbook else { return };
    if rb.panels.is_empty() {
        return;
    }
    doc.h(2, "Panels");
    let rows = rb
        .panels
        .iter()
        .map(|p| {
            let th = |t: Option<&crate::runbook::model::Threshold>| {
                t.map_or("–".to_string(), |t| describe::threshold(t, p.unit))
            };
            let dash: Runs = match rb.links.dashboards.get(&p.id) {
                Some(url) => vec![link("dashboard", url.clone())],
                None => vec![text("–")],
            };
            vec![
                vec![text(p.id.clone())],
                vec![text(p.title.clone())],
                vec![text(th(p.warn.as_ref()))],
                vec![text(th(p.fail.as_ref()))],
                dash,
            ]
        })
        .collect();
    doc.table(&["Panel", "Title", "Warn", "Fail", "Dashboard"], rows);
}
