//! `warroom report JOURNAL`: the change record (Markdown or HTML) or the
//! events as JSON Lines. Opens the journal read-only, so it works while a live
//! session is still writing.

pub mod doc;
pub mod html;
pub mod jsonl;
pub mod markdown;
mod sections;

use std::io::Write;
use std::path::{Path, PathBuf};

use markdown::Plan;

use crate::journal::{Journal, JournalError, JournalLocation};
use crate::runbook::model::Runbook;
use crate::session::event::{Event, EventBody};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Jsonl,
    /// One self-contained printable page.
    Html,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
}

/// Write the report of the journal at `journal`. The change record reads
/// the runbook (titles, units, commands and planned durations) from the
/// journal: the text `session_opened` or the last accepted change holds.
/// A journal written before the text was kept sends it looking for the
/// file named in `session_opened` (as given, then beside the journal's
/// `.warroom` folder); it says so when it cannot load it.
pub fn run(
    journal: impl Into<JournalLocation>,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    run_in(journal, format, None, out)
}

/// `run` with the times in `tz` (`--tz`) instead of the runbook's zone.
pub fn run_in(
    journal: impl Into<JournalLocation>,
    format: Format,
    tz: Option<crate::timefmt::Zone>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let journal = journal.into();
    let events = crate::journal::open::read_all(&journal)?;
    if format == Format::Jsonl {
        return Ok(jsonl::write(out, &events)?);
    }
    // A URL is named without its password; rehearsals sit beside files only.
    let shown = std::path::PathBuf::from(journal.display());
    let mut loaded = find_runbook(&shown, &events);
    if let (Ok(rb), Some(z)) = (&mut loaded, tz) {
        rb.cutover.timezone = z;
    }
    let plan = match &loaded {
        Ok(rb) => Plan::Runbook(rb),
        Err(why) => Plan::Unavailable(why.clone()),
    };
    let rehearsed = journal.file().and_then(latest_rehearsal_beside);
    // Delivery bookkeeping; a journal without the table (or a reader not
    // granted it) has none to show, which is no reason to fail the record.
    let cursors = crate::journal::open::notify_cursors(&journal).unwrap_or_default();
    Ok(write(
        out,
        &shown,
        &events,
        format,
        &plan,
        rehearsed.as_ref(),
        &cursors,
    )?)
}

/// Like `run`, with the runbook given (or none) and no rehearsal column:
/// for callers that already hold the runbook, and for tests.
pub fn run_with(
    journal: impl Into<JournalLocation>,
    format: Format,
    runbook: Option<&Runbook>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    // A file or a URL (the status page of a PostgreSQL journal), read-only.
    let journal = journal.into();
    let events = crate::journal::open::read_all(&journal)?;
    let plan = match runbook {
        Some(r) => Plan::Runbook(r),
        None => Plan::Unavailable("no runbook given".into()),
    };
    let shown = PathBuf::from(journal.display());
    let cursors = crate::journal::open::notify_cursors(&journal).unwrap_or_default();
    Ok(write(out, &shown, &events, format, &plan, None, &cursors)?)
}

fn write(
    out: &mut dyn Write,
    journal: &Path,
    events: &[Event],
    format: Format,
    plan: &Plan<'_>,
    rehearsed: Option<&markdown::Rehearsed>,
    cursors: &[crate::journal::notify_cursor::Cursor],
) -> std::io::Result<()> {
    match format {
        Format::Jsonl => jsonl::write(out, events),
        Format::Markdown => {
            markdown::write_with_rehearsal(out, journal, events, plan, rehearsed, cursors)
        }
        Format::Html => html::write(out, journal, events, plan, rehearsed, cursors),
    }
}

fn find_runbook(journal: &Path, events: &[Event]) -> Result<Runbook, String> {
    let versions = crate::runbook::recorded::versions(events);
    if let Some(last) = versions.last()
        && let Some(text) = last.text
    {
        return crate::runbook::recorded::load(text, Path::new(last.path));
    }
    find_runbook_file(journal, events)
}

/// An older journal's runbook: the file, if it is still there unchanged.
fn find_runbook_file(journal: &Path, events: &[Event]) -> Result<Runbook, String> {
    let Some((path, sha)) = events.iter().find_map(|e| match &e.body {
        EventBody::SessionOpened {
            runbook,
            runbook_sha256,
            ..
        } => Some((PathBuf::from(runbook), runbook_sha256.clone())),
        _ => None,
    }) else {
        return Err("the journal has no session_opened event".into());
    };
    let mut candidates = vec![path.clone()];
    // <dir>/.warroom/<id>/x.db → <dir>/<runbook file name>
    if let (Some(dir), Some(name)) = (
        journal
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent),
        path.file_name(),
    ) {
        candidates.push(dir.join(name));
    }
    let Some(found) = candidates.into_iter().find(|p| p.is_file()) else {
        return Err(format!(
            "runbook {} no longer exists",
            crate::untrusted::show_path(&path)
        ));
    };
    let loaded = crate::runbook::load(&found).map_err(|e| {
        format!(
            "runbook {} does not load now: {} problem(s)",
            crate::untrusted::show_path(&found),
            e.diagnostics.len()
        )
    })?;
    let last_sha = events
        .iter()
        .rev()
        .find_map(|e| match &e.body {
            EventBody::RunbookChangeAccepted { runbook_sha256, .. } => Some(runbook_sha256.clone()),
            _ => None,
        })
        .unwrap_or(sha);
    if loaded.runbook.sha256 != last_sha {
        return Err(format!(
            "runbook {} has changed since the session (sha256 {} now, {} journaled)",
            crate::untrusted::show_path(&found),
            &loaded.runbook.sha256,
            last_sha
        ));
    }
    Ok(loaded.runbook)
}

/// The newest `rehearsal-N.db` beside `journal` (never `journal` itself)
/// and its step timings: the report's "last rehearsal" column.
pub fn latest_rehearsal_beside(journal: &Path) -> Option<markdown::Rehearsed> {
    let path = crate::journal::paths::latest_rehearsal_beside(journal)?;
    let timings = rehearsal_timings(&path).ok()?;
    Some(markdown::Rehearsed { path, timings })
}

/// How long each step actually took in a (rehearsal) journal: the last
/// started → finished `done` of each step. The console shows these next
/// to the plan ("last rehearsal").
pub fn rehearsal_timings(
    journal: &Path,
) -> Result<std::collections::BTreeMap<String, std::time::Duration>, ReportError> {
    let events = Journal::open_read_only(journal)?.read_since(0)?;
    let mut started = std::collections::BTreeMap::new();
    let mut out = std::collections::BTreeMap::new();
    for e in &events {
        match &e.body {
            EventBody::StepStarted { step } => {
                started.insert(step.clone(), e.ts);
            }
            EventBody::StepFinished {
                step,
                outcome: crate::session::event::StepOutcome::Done,
            } => {
                if let Some(s) = started.get(step)
                    && let Ok(d) = (e.ts - *s).to_std()
                {
                    out.insert(step.clone(), d);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
