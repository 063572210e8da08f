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
    // target → (sent, failed, what failed). An older journal's `notified`
    // events and the cursor table (`journal/notify_cursor.rs`) add up: a
    // journal has one or the other (or both, when a newer warroom took
    // over an older one's session).
    let mut per: BTreeMap<&str, (u64, u64, Vec<String>)> = BTreeMap::new();
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
                entry.1 += 1;
                entry
                    .2
                    .push(format!("#{event_seq} at {}: {status}", cx.time(&e.ts)));
            }
        }
    }
    for c in cx.cursors {
        let entry = per.entry(&c.target).or_default();
        entry.0 += c.attempts.saturating_sub(c.failures);
        entry.1 += c.failures;
        if let (Some(seq), Some(err)) = (c.last_error_seq, &c.last_error) {
            entry.2.push(format!("last: #{seq}: {err}"));
        }
    }
    let targets = cx.runbook.map_or(0, |r| r.notify.len());
    if per.is_empty() && targets == 0 {
        return;
    }
    doc.h(2, "Notifications");
    let mut items: Vec<Runs> = Vec::new();
    for (target, (sent, failed, what)) in per {
        let mut s = format!("{target}: {sent} sent, {failed} FAILED");
        if !what.is_empty() {
            s.push_str(&format!(" ({})", what.join("; ")));
        }
        items.push(vec![text(s)]);
    }
    doc.list_or(items, "None sent.");
}
