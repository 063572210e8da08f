//! Gates: every item, manual and automatic, who signed it in which role,
//! then what happened to the gate in order.

use super::Ctx;
use crate::describe;
use crate::report::doc::{Doc, Runs, text};
use crate::session::event::{Event, EventBody};

fn gate_of(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::Signed { gate, .. }
        | EventBody::Withdrawn { gate, .. }
        | EventBody::Vetoed { gate, .. }
        | EventBody::VetoLifted { gate, .. }
        | EventBody::GateGo { gate, .. }
        | EventBody::GateReopened { gate } => Some(gate),
        _ => None,
    }
}

fn item_of(body: &EventBody) -> Option<u32> {
    match body {
        EventBody::Signed { item, .. }
        | EventBody::Withdrawn { item, .. }
        | EventBody::Vetoed { item, .. }
        | EventBody::VetoLifted { item, .. } => Some(*item),
        _ => None,
    }
}

pub fn gates(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Gates");
    let mut order: Vec<String> = cx
        .runbook
        .map(|r| r.gates.iter().map(|g| g.id.clone()).collect())
        .unwrap_or_default();
    for e in cx.events {
        if let Some(g) = gate_of(&e.body)
            && !order.iter().any(|o| o == g)
        {
            order.push(g.to_string());
        }
    }
    if order.is_empty() {
        doc.line("None.");
        return;
    }
    for gate in order {
        gate_section(cx, doc, &gate);
    }
}

fn gate_section(cx: &Ctx, doc: &mut Doc, gate: &str) {
    let spec = cx.runbook.and_then(|r| r.gate(gate));
    let status = cx
        .state
        .as_ref()
        .and_then(|s| s.gate(gate))
        .map_or(String::new(), |g| {
            format!(" ({} at the end)", g.status.as_str())
        });
    let title = spec.map_or(String::new(), |g| format!(": {}", g.title));
    doc.h(3, format!("{gate}{title}{status}"));
    let events: Vec<&Event> = cx
        .events
        .iter()
        .filter(|e| gate_of(&e.body) == Some(gate))
        .collect();
    if let Some(g) = spec {
        if g.two_person {
            doc.line("Two-person: needs sign-offs from two different operators.");
        }
        let rows = g
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let n = i as u32 + 1;
                let kind = match (&it.panel, &it.role) {
                    (Some(p), _) => {
                        format!("automatic: {p} OK for {}", crate::timefmt::seconds(it.for_))
                    }
                    (None, Some(r)) => format!("manual, role {r}"),
                    (None, None) => "manual, anyone".into(),
                };
                vec![
                    vec![text(n.to_string())],
                    vec![text(it.text.clone())],
                    vec![text(kind)],
                    vec![text(item_history(cx, &events, n, it.panel.is_some()))],
                ]
            })
            .collect();
        doc.table(&["#", "Item", "Kind", "Signed / satisfied"], rows);
    }
    if events.is_empty() {
        doc.line("Never signed.");
        return;
    }
    let items: Vec<Runs> = events
        .iter()
        .map(|e| {
            let mut runs = cx.event_item(e);
            if let Some(ev) = describe::decision_evidence(&e.body) {
                runs.push(text(format!(
                    ". Evidence: {}",
                    describe::evidence(cx.runbook, ev)
                )));
            }
            runs
        })
        .collect();
    doc.list(items);
}

/// `bob (billing) at 09:01:00; carol (billing) at 09:02:00`, withdrawals
/// and vetoes included; an automatic item says when its gate went GO.
fn item_history(cx: &Ctx, events: &[&Event], item: u32, automatic: bool) -> String {
    let mut parts: Vec<String> = events
        .iter()
        .filter(|e| item_of(&e.body) == Some(item))
        .map(|e| {
            let verb = match &e.body {
                EventBody::Signed { .. } => "",
                EventBody::Withdrawn { .. } => "withdrawn by ",
                EventBody::Vetoed { .. } => "VETOED by ",
                _ => "veto lifted by ",
            };
            format!("{verb}{} at {}", cx.actor(e), cx.time(&e.ts))
        })
        .collect();
    if automatic {
        match events
            .iter()
            .find(|e| matches!(e.body, EventBody::GateGo { .. }))
        {
            Some(go) => parts.push(format!("held when the gate went GO at {}", cx.time(&go.ts))),
            None => parts.push("never held at a GO".into()),
        }
    }
    if parts.is_empty() {
        "–".into()
    } else {
        parts.join("; ")
    }
}
