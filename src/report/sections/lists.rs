//! The timeline and the plain lists: decisions with their evidence,
//! refusals and overrides, notes, operators.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::Ctx;
use crate::describe;
use crate::report::doc::{Doc, Runs, strong, text};
use crate::session::event::EventBody;

pub fn timeline(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, format!("Timeline ({})", cx.zone.name()));
    let rows = cx
        .events
        .iter()
        .map(|e| {
            vec![
                vec![text(e.seq.to_string())],
                vec![text(cx.time(&e.ts))],
                vec![text(cx.actor(e))],
                vec![text(cx.describe(e))],
            ]
        })
        .collect();
    doc.table(&["Seq", "Time", "Who", "What happened"], rows);
}

pub fn decisions(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Decisions and their evidence");
    let items = cx
        .events
        .iter()
        .filter_map(|e| {
            let ev = describe::decision_evidence(&e.body)?;
            let mut runs = cx.event_item(e);
            runs.push(text(format!(
                " (seq {}). Evidence: {}",
                e.seq,
                describe::evidence(cx.runbook, ev)
            )));
            Some(runs)
        })
        .collect();
    doc.list_or(items, "None.");
}

pub fn refusals(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Refusals and overrides");
    let items = cx
        .events
        .iter()
        .filter(|e| {
            matches!(
                &e.body,
                EventBody::Refused { .. }
                    | EventBody::ExpandRefused { .. }
                    | EventBody::Expanded {
                        override_reason: Some(_),
                        ..
                    }
                    | EventBody::RollbackStarted {
                        override_reason: Some(_),
                        ..
                    }
            )
        })
        .map(|e| cx.event_item(e))
        .collect();
    doc.list_or(items, "None.");
}

pub fn notes(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Notes");
    let items = cx
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Note { text: t } => Some(vec![text(format!(
                "{} {}: {t}",
                cx.time(&e.ts),
                e.operator
            ))]),
            _ => None,
        })
        .collect();
    doc.list_or(items, "None.");
}

pub fn operators(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Operators");
    // operator → (hosts, read-only, first seen, events)
    type Seen = (Vec<String>, bool, DateTime<Utc>, usize);
    let mut ops: BTreeMap<&str, Seen> = BTreeMap::new();
    for e in cx.events {
        let entry = ops
            .entry(e.operator.as_str())
            .or_insert((Vec::new(), true, e.ts, 0));
        match &e.body {
            EventBody::OperatorAttached { host, read_only } => {
                if let Some(h) = host
                    && !entry.0.contains(h)
                {
                    entry.0.push(h.clone());
                }
                entry.1 &= *read_only;
            }
            EventBody::OperatorDetached { .. } | EventBody::SessionOpened { .. } => {}
            _ => {
                entry.3 += 1;
                entry.1 = false;
            }
        }
    }
    let items: Vec<Runs> = ops
        .into_iter()
        .map(|(op, (hosts, ro, first, n))| {
            let roles = cx
                .runbook
                .and_then(|r| r.operators.as_ref())
                .and_then(|os| os.iter().find(|o| o.name == op))
                .map_or(String::new(), |o| {
                    format!(" (roles: {})", o.roles.join(", "))
                });
            vec![
                strong(op),
                text(format!(
                    "{roles}{}: from {}; first seen {} {}; {n} event{}",
                    if ro { " (read-only observer)" } else { "" },
                    if hosts.is_empty() {
                        "local console".to_string()
                    } else {
                        hosts.join(", ")
                    },
                    cx.time(&first),
                    cx.abbrev(&first),
                    if n == 1 { "" } else { "s" }
                )),
            ]
        })
        .collect();
    doc.list_or(items, "None.");
}
