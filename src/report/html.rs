//! `warroom report --format html`: the same record as the Markdown one, as
//! one self-contained printable page (inline CSS, no scripts, nothing
//! fetched), every outside string escaped.

use std::io::Write;
use std::path::Path;

use super::doc;
use super::markdown::{Plan, Rehearsed};
use super::sections::{Ctx, build};
use crate::session::event::Event;

pub fn write(
    out: &mut dyn Write,
    journal: &Path,
    events: &[Event],
    plan: &Plan<'_>,
    rehearsed: Option<&Rehearsed>,
    cursors: &[crate::journal::notify_cursor::Cursor],
) -> std::io::Result<()> {
    let mut cx = Ctx::new(journal, events, plan, rehearsed);
    cx.cursors = cursors;
    let title = match plan {
        Plan::Runbook(r) => format!("Cutover record: {}", r.cutover.title),
        Plan::Unavailable(_) => "Cutover record".to_string(),
    };
    out.write_all(doc::html(&build(&cx), &title).as_bytes())
}
