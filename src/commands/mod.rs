//! The commands; `cli.rs` parses, these decide paths, identity and
//! options, then hand over. Nothing here imports `cli.rs`.

pub mod check;
pub mod console;
pub mod demo;
pub mod docs;
pub mod init;
pub mod journal;
pub mod journal_arg;
pub mod journal_runbook;
pub mod output;
pub mod report;
pub mod serve;

use std::path::Path;

use crate::runbook::{self, Runbook};
use output::{EXIT_INVALID, Output};

/// Load and validate a runbook; on failure print every problem and give
/// the exit code (2).
pub fn load_or_report(path: &Path, out: Output) -> Result<Runbook, u8> {
    match runbook::load(path) {
        Ok(loaded) => Ok(loaded.runbook),
        Err(err) => {
            eprint!("{}", err.render(out.color));
            Err(EXIT_INVALID)
        }
    }
}
