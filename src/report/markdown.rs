//! The Markdown change record: who, what, when, and what the metrics said.
//! Built from the events alone; the runbook (when it still loads) adds
//! titles, units, commands and planned durations. The sections live in
//! `sections/`; this file only writes them as Markdown.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::doc;
use super::sections::{Ctx, build};
use crate::runbook::model::Runbook;
use crate::session::event::Event;

/// Where the planned durations came from, for the record.
pub enum Plan<'a> {
    Runbook(&'a Runbook),
    /// Why there is no plan (shown in the report).
    Unavailable(String),
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
    write_with_rehearsal(out, journal, events, plan, None, &[])
}

/// `write`, with a "last rehearsal" column in the steps table.
pub fn write_with_rehearsal(
    out: &mut dyn Write,
    journal: &Path,
    events: &[Event],
    plan: &Plan<'_>,
    rehearsed: Option<&Rehearsed>,
    cursors: &[crate::journal::notify_cursor::Cursor],
) -> std::io::Result<()> {
    let mut cx = Ctx::new(journal, events, plan, rehearsed);
    cx.cursors = cursors;
    writeln!(out, "{}", doc::markdown(&build(&cx)))
}
