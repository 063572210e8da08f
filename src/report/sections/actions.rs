//! What ran (actions and step commands: the command as the runbook writes
//! it, its result, the webhook's status, the output tail), the guards, and
//! the chat notifications.

use std::collections::BTreeMap;

use super::Ctx;
use crate::describe;
use crate::report::doc::{Doc, Runs, code, text};
use crate::session::event::EventBody;

pub fn actions(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Actions");
    let mut rows: Vec<Vec<Runs>> = Vec::new();
    let mut tails: Vec<(String, String)> = Vec::new();
    for e in cx.events {
        let EventBody::ActionRan {
            action,
            output_tail,
            executed,
            ..
        } = &e.body
        else {
            continue;
        };
        let command = cx
            .runbook
            .and_then(|r| describe::action_command(r, action))
            .map_or(vec![text("(runbook unavailable)")], |c| vec![code(c)]);
        rows.push(vec![
            vec![text(e.seq.to_string())],
            vec![text(cx.time(&e.ts))],
            vec![text(action.clone())],
            command,
            vec![text(describe::action_result(&e.body).unwrap_or_default())],
            vec![text(cx.actor(e))],
        ]);
        if *executed && !output_tail.trim().is_empty() {
            tails.push((
                format!("Output tail of {action} (seq {}):", e.seq),
                output_tail.clone(),
            ));
        }
    }
    if rows.is_empty() {
        doc.line("None ran.");
        return;
    }
    doc.table(
        &["Seq", "Time", "Action", "Command", "Result", "Ran on"],
        rows,
    );
    for (caption, body) in tails {
        doc.pre(caption, body);
    }
}

pub fn guards(cx: &Ctx, doc: &mut Doc) {
    doc.h(2, "Guards");
    let mut fired: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in cx.events {
        if let EventBody::GuardFired {
            panel, when, then, ..
        } = &e.body
        {
            let key = format!(
                "guard ({}) → {}",
                describe::guard_condition(cx.runbook, panel, *when, *then),
                describe::then_word(*then)
            );
            fired.entry(key).or_default().push(format!(
                "{} (seq {}, on {}'s console, which was conducting)",
                cx.time(&e.ts),
                e.seq,
                e.operator
            ));
        }
    }
    let mut items: Vec<Runs> = Vec::new();
    for g in cx.runbook.map(|r| r.guards.as_slice()).unwrap_or_default() {
        let key = format!(
            "guard ({}) → {}",
            describe::guard_condition(cx.runbook, &g.panel, g.when, g.then),
            describe::then_word(g.then)
        );
        let times = fired.remove(&key);
        items.push(line(key, times));
    }
    // Fired guards the runbook no longer has.
    for (key, times) in fired {
        items.push(line(key, Some(times)));
    }
    doc.list_or(items, "None.");
}

fn line(key: String, times: Option<Vec<String>>) -> Runs {
    match times {
        Some(t) => vec![text(format!("{key}: fired at {}", t.join("; ")))],
        None => vec![text(format!("{key}: never fired"))],
    }
}

pub fn notifications(cx: &Ctx, doc: &mut Doc) {
    // target → (sent, failures)
    let mut per: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    for e in cx.events {
        if let EventBody::Notified {
            event_seq,
            target,
            status,
        } = &e.body
        {
            let entry = per.entry(target).or_default();
            if status.starts_with("HTTP 2") {
                entry.0 += 1;
            } else {
                entry
                    .1
                    .push(format!("#{event_seq} at {}: {status}", cx.time(&e.ts)));
            }
        }
    }
    let targets = cx.runbook.map_or(0, |r| r.notify.len());
    if per.is_empty() && targets == 0 {
        return;
    }
    doc.h(2, "Notifications");
    let mut items: Vec<Runs> = Vec::new();
    for (target, (sent, failed)) in per {
        let mut s = format!("{target}: {sent} sent, {} FAILED", failed.len());
        if !failed.is_empty() {
            s.push_str(&format!(" ({})", failed.join("; ")));
        }
        items.push(vec![text(s)]);
    }
    doc.list_or(items, "None sent.");
}
