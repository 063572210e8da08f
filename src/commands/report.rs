//! `warroom report JOURNAL`: the change record, Markdown, HTML or JSON Lines.

use std::io::Write;

use super::output::{EXIT_FAILURE, EXIT_OK};
use crate::report::{self, Format};

pub fn run(
    journal: &crate::journal::JournalLocation,
    format: Format,
    tz: Option<crate::timefmt::Zone>,
) -> u8 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match report::run_in(journal, format, tz, &mut out) {
        Ok(()) => {
            let _ = out.flush();
            EXIT_OK
        }
        // `warroom report J | head` closing the pipe is not a failure.
        Err(report::ReportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            // A journal error names the journal already.
            let said = e.to_string();
            let name = journal.display();
            if said.starts_with(&name) {
                eprintln!("warroom report: {said}");
            } else {
                eprintln!("warroom report: {name}: {said}");
            }
            EXIT_FAILURE
        }
    }
}
