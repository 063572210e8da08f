//! `warroom report JOURNAL`: the change record, Markdown, HTML or JSON Lines.

use std::io::Write;
use std::path::Path;

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK};
use crate::report::{self, Format};

pub fn run(journal: &Path, format: Format, tz: Option<crate::timefmt::Zone>) -> u8 {
    if let Err(e) = crate::journal::open::check_location(journal) {
        eprintln!("warroom report: {e}");
        return EXIT_INVALID;
    }
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
            let name = crate::journal::open::display(journal);
            if said.starts_with(&name) {
                eprintln!("warroom report: {said}");
            } else {
                eprintln!("warroom report: {name}: {said}");
            }
            EXIT_FAILURE
        }
    }
}
