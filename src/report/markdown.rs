//! The Markdown change record: who, what, when, and what the metrics said.
//! Built from the events alone; the runbook (when it still loads) adds
//! titles and planned durations.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::describe::{describe, evidence_line};
use crate::runbook::model::Runbook;
use crate::session::event::{Event, EventBody, StepOutcome};
use crate::session::rules::format_duration;
use crate::session::state::State;

/// Where the planned durations came from, for the record.
pub enum Plan<'a> {
    Runbook(&'a Runbook),
    /// Why there is no plan (shown in the report).
    Unavailable(String),
}

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn span(a: DateTime<Utc>, b: DateTime<Utc>) -> String {
    format_duration((b - a).to_std().unwrap_or_default())
}

/// Table cells cannot hold `|` or newlines.
fn cell(s: &str) -> String {
    md(s)
}

/// Free text (titles, names, notes, reasons, error texts) as inert
/// Markdown: HTML is escaped, Markdown's punctuation is backslashed, a line
/// break is a space, and controls are escaped, so a note can neither add a
/// link, an image or a table row, nor run script in a rendered report.
fn md(s: &str) -> String {
    let s = crate::untrusted::sanitize_lines(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Step timings of the latest rehearsal, shown beside plan and actual.
#[derive(Debug, Clone)]
pub struct Rehearsed {
    pub path: std::path::PathBuf,
    pub timings: BTreeMap<String, std::time::Duration>,
}

pub fn write(
    out: &mut dyn Write,
    journal: &Path,
    events: &[Event],
    plan: &Plan<'_>,
) -> std::io::Result<()> {
    write_with_rehearsal(out, journal, events, plan, None)
}

/// `write`, with a "last rehearsal" column in the steps table.
pub fn write_with_rehearsal(
    out: &mut dyn Write,
    journal: &Path,
    events: &[Event],
    plan: &Plan<'_>,
    rehearsed: Option<&Rehearsed>,
) -> std::io::Result<()> {
    let runbook = match plan {
        Plan::Runbook(r) => Some(*r),
        Plan::Unavailable(_) => None,
    };
    let opened = events.iter().find_map(|e| match &e.body {
        EventBody::SessionOpened {
            runbook,
            runbook_sha256,
            mode,
        } => Some((runbook.clone(), runbook_sha256.clone(), *mode)),
        _ => None,
    });
    let id = runbook
        .map(|r| r.cutover.id.clone())
        .or_else(|| cutover_id_from_journal(journal))
        .unwrap_or_else(|| "unknown".into());
    match runbook {
        Some(r) => writeln!(out, "# Cutover record: {} ({id})\n", md(&r.cutover.title))?,
        None => writeln!(out, "# Cutover record: {id}\n")?,
    }
    writeln!(out, "| | |\n|---|---|")?;
    writeln!(out, "| Journal | `{}` |", journal.display())?;
    if let Some((path, sha, mode)) = &opened {
        writeln!(out, "| Runbook | `{path}` |")?;
        writeln!(out, "| Runbook sha256 | `{sha}` |")?;
        writeln!(out, "| Mode | {} |", mode.as_str())?;
    }
    for e in events {
        if let EventBody::RunbookChangeAccepted { runbook_sha256, .. } = &e.body {
            writeln!(
                out,
                "| Runbook changed | `{runbook_sha256}` accepted by {} at {} |",
                md(&e.operator),
                time(&e.ts)
            )?;
        }
    }
    let state = runbook.map(|r| State::replay(r, events));
    let started = events
        .iter()
        .find(|e| matches!(e.body, EventBody::CutoverStarted {}))
        .map(|e| e.ts);
    if let Some(s) = started {
        writeln!(out, "| Started | {} UTC |", time(&s))?;
    }
    if let Some(st) = &state {
        writeln!(out, "| Final status | {} |", st.status.as_str())?;
    }
    if let (Some(first), Some(last)) = (events.first(), events.last()) {
        writeln!(
            out,
            "| Events | {} (seq {}–{}), {} to {} UTC |",
            events.len(),
            first.seq,
            last.seq,
            time(&first.ts),
            time(&last.ts)
        )?;
    }
    if let Plan::Unavailable(why) = plan {
        writeln!(out, "| Plan | {} |", cell(why))?;
    }

    operators(out, events)?;

    writeln!(out, "\n## Timeline (UTC)\n")?;
    writeln!(
        out,
        "| Seq | Time | Operator | What happened |\n|---:|---|---|---|"
    )?;
    for e in events {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            e.seq,
            time(&e.ts),
            cell(&e.operator),
            cell(&describe(&e.body))
        )?;
    }

    gates(out, events, runbook)?;
    stages(out, events, runbook)?;
    steps(out, events, runbook, plan, rehearsed)?;

    writeln!(out, "\n## Decisions and their evidence\n")?;
    let mut any = false;
    for e in events {
        let ev = match &e.body {
            EventBody::Signed { evidence, .. }
            | EventBody::GateGo { evidence, .. }
            | EventBody::Expanded { evidence, .. }
            | EventBody::Paused { evidence, .. }
            | EventBody::RollbackStarted { evidence, .. }
            | EventBody::GuardFired { evidence, .. } => evidence,
            _ => continue,
        };
        any = true;
        writeln!(
            out,
            "- {} {} (seq {}): {}. Evidence: {}",
            time(&e.ts),
            md(&e.operator),
            e.seq,
            md(&describe(&e.body)),
            evidence_line(ev)
        )?;
    }
    if !any {
        writeln!(out, "None.")?;
    }

    writeln!(out, "\n## Refusals and overrides\n")?;
    let mut any = false;
    for e in events {
        let overridden = matches!(
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
        );
        if overridden {
            any = true;
            writeln!(
                out,
                "- {} {} (seq {}): {}",
                time(&e.ts),
                md(&e.operator),
                e.seq,
                md(&describe(&e.body))
            )?;
        }
    }
    if !any {
        writeln!(out, "None.")?;
    }

    writeln!(out, "\n## Notes\n")?;
    let mut any = false;
    for e in events {
        if let EventBody::Note { text } = &e.body {
            any = true;
            writeln!(out, "- {} {}: {}", time(&e.ts), md(&e.operator), md(text))?;
        }
    }
    if !any {
        writeln!(out, "None.")?;
    }
    Ok(())
}

/// `.warroom/<id>/live.db` → `<id>`.
fn cutover_id_from_journal(journal: &Path) -> Option<String> {
    let parent = journal.parent()?;
    let grand = parent.parent()?;
    if grand.file_name()? == ".warroom" {
        Some(parent.file_name()?.to_string_lossy().into_owned())
    } else {
        None
    }
}

fn operators(out: &mut dyn Write, events: &[Event]) -> std::io::Result<()> {
    writeln!(out, "\n## Operators\n")?;
    // operator → (hosts, read-only, first seen, actions)
    type Seen = (Vec<String>, bool, DateTime<Utc>, usize);
    let mut ops: BTreeMap<&str, Seen> = BTreeMap::new();
    for e in events {
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
    for (op, (hosts, ro, first, n)) in ops {
        writeln!(
            out,
            "- **{op}**{}: from {}; first seen {} UTC; {n} event{}",
            if ro { " (read-only observer)" } else { "" },
            if hosts.is_empty() {
                "local console".to_string()
            } else {
                hosts.join(", ")
            },
            time(&first),
            if n == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

fn gates(out: &mut dyn Write, events: &[Event], runbook: Option<&Runbook>) -> std::io::Result<()> {
    writeln!(out, "\n## Gates\n")?;
    let mut order: Vec<String> = runbook
        .map(|r| r.gates.iter().map(|g| g.id.clone()).collect())
        .unwrap_or_default();
    let mut lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in events {
        let (gate, item) = match &e.body {
            EventBody::Signed { gate, item, .. }
            | EventBody::Withdrawn { gate, item }
            | EventBody::Vetoed { gate, item, .. }
            | EventBody::VetoLifted { gate, item, .. } => (gate, Some(*item)),
            EventBody::GateGo { gate, .. } | EventBody::GateReopened { gate } => (gate, None),
            _ => continue,
        };
        if !order.contains(gate) {
            order.push(gate.clone());
        }
        let text = item
            .and_then(|i| {
                let g = runbook?.gate(gate)?;
                g.items.get((i as usize).checked_sub(1)?)
            })
            .map_or(String::new(), |it| format!(" (\"{}\")", md(&it.text)));
        let mut line = format!(
            "- {} {}: {}{text}",
            time(&e.ts),
            md(&e.operator),
            md(&describe(&e.body))
        );
        if let EventBody::Signed { evidence, .. } | EventBody::GateGo { evidence, .. } = &e.body {
            line.push_str(&format!(". Evidence: {}", evidence_line(evidence)));
        }
        lines.entry(gate.clone()).or_default().push(line);
    }
    if order.is_empty() {
        return writeln!(out, "None.");
    }
    let state = runbook.map(|r| State::replay(r, events));
    for gate in order {
        let title = runbook
            .and_then(|r| r.gate(&gate))
            .map_or(String::new(), |g| format!(": {}", md(&g.title)));
        let status = state
            .as_ref()
            .and_then(|s| s.gate(&gate))
            .map_or(String::new(), |g| {
                format!(" ({} at the end)", g.status.as_str())
            });
        writeln!(out, "### {gate}{title}{status}\n")?;
        match lines.get(&gate) {
            Some(ls) => {
                for l in ls {
                    writeln!(out, "{l}")?;
                }
            }
            None => writeln!(out, "Never signed.")?,
        }
        writeln!(out)?;
    }
    Ok(())
}

fn stages(out: &mut dyn Write, events: &[Event], runbook: Option<&Runbook>) -> std::io::Result<()> {
    writeln!(out, "## Stages\n")?;
    // (stage, exposure, entered, left)
    type Visit = (String, f64, DateTime<Utc>, Option<DateTime<Utc>>);
    let mut visits: Vec<Visit> = Vec::new();
    let mut end: Option<DateTime<Utc>> = None;
    for e in events {
        match &e.body {
            EventBody::Expanded {
                to_stage, exposure, ..
            } => {
                if let Some(last) = visits.last_mut() {
                    last.3.get_or_insert(e.ts);
                }
                visits.push((to_stage.clone(), *exposure, e.ts, None));
            }
            EventBody::RollbackFinished {
                outcome: crate::session::event::RollbackOutcome::Done,
                ..
            } => {
                if let Some(last) = visits.last_mut() {
                    last.3.get_or_insert(e.ts);
                }
            }
            _ => {}
        }
        end = Some(e.ts);
    }
    if visits.is_empty() {
        return writeln!(out, "Never expanded.");
    }
    writeln!(
        out,
        "| Stage | Exposure | Entered | Left | Time in stage | Bake |\n|---|---:|---|---|---|---|"
    )?;
    for (name, exposure, entered, left) in visits {
        let until = left.or(end).unwrap_or(entered);
        let bake = runbook
            .and_then(|r| r.stages.iter().find(|s| s.name == name))
            .map_or("?".to_string(), |s| format_duration(s.bake));
        writeln!(
            out,
            "| {name} | {exposure}% | {} | {} | {}{} | {bake} |",
            time(&entered),
            left.map_or("(still there)".to_string(), |l| time(&l)),
            span(entered, until),
            if left.is_none() { "+" } else { "" }
        )?;
    }
    Ok(())
}

fn steps(
    out: &mut dyn Write,
    events: &[Event],
    runbook: Option<&Runbook>,
    plan: &Plan<'_>,
    rehearsed: Option<&Rehearsed>,
) -> std::io::Result<()> {
    writeln!(out, "\n## Steps\n")?;
    // step → (started, by, finished, outcome)
    type Row = (
        Option<DateTime<Utc>>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<StepOutcome>,
    );
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut order: Vec<String> = runbook
        .map(|r| r.steps.iter().map(|s| s.id.clone()).collect())
        .unwrap_or_default();
    for e in events {
        match &e.body {
            EventBody::StepStarted { step } => {
                if !order.contains(step) {
                    order.push(step.clone());
                }
                let r = rows.entry(step.clone()).or_default();
                *r = (Some(e.ts), Some(e.operator.clone()), None, None);
            }
            EventBody::StepFinished { step, outcome } => {
                if !order.contains(step) {
                    order.push(step.clone());
                }
                let r = rows.entry(step.clone()).or_default();
                r.2 = Some(e.ts);
                r.3 = Some(*outcome);
            }
            _ => {}
        }
    }
    if order.is_empty() {
        return writeln!(out, "None.");
    }
    if let Plan::Unavailable(why) = plan {
        writeln!(out, "Planned durations unavailable: {why}\n")?;
    }
    if let Some(r) = rehearsed {
        writeln!(out, "Last rehearsal: `{}`\n", r.path.display())?;
        writeln!(
            out,
            "| Step | Started by | Started | Finished | Outcome | Actual | Planned | Last rehearsal |\n|---|---|---|---|---|---|---|---|"
        )?;
    } else {
        writeln!(
            out,
            "| Step | Started by | Started | Finished | Outcome | Actual | Planned |\n|---|---|---|---|---|---|---|"
        )?;
    }
    for id in order {
        let (started, by, finished, outcome) = rows.get(&id).cloned().unwrap_or_default();
        let spec = runbook.and_then(|r| r.step(&id));
        let name = match spec {
            Some(s) if s.irreversible => format!("{id} (irreversible)"),
            _ => id.clone(),
        };
        let actual = match (started, finished) {
            (Some(a), Some(b)) => span(a, b),
            _ => "–".into(),
        };
        let planned = spec
            .and_then(|s| s.expect)
            .map_or("–".to_string(), format_duration);
        let outcome = match outcome {
            Some(StepOutcome::Done) => "done",
            Some(StepOutcome::Failed) => "FAILED",
            Some(StepOutcome::Skipped) => "skipped",
            None if started.is_some() => "running",
            None => "not started",
        };
        let last = rehearsed.map(|r| {
            r.timings.get(&id).map_or(" – |".to_string(), |d| {
                format!(" {} |", format_duration(*d))
            })
        });
        writeln!(
            out,
            "| {name} | {} | {} | {} | {outcome} | {actual} | {planned} |{}",
            by.unwrap_or_else(|| "–".into()),
            started.map_or("–".into(), |t| time(&t)),
            finished.map_or("–".into(), |t| time(&t)),
            last.unwrap_or_default(),
        )?;
    }
    Ok(())
}
