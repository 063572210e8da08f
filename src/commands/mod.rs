//! The commands that open a console or read a journal; `cli.rs` parses,
//! these decide paths, identity and options, then hand over.

pub mod console;
pub mod demo;
pub mod journal;
pub mod report;

use std::path::Path;

use crate::cli::{EXIT_INVALID, Output};
use crate::runbook::{self, Runbook};

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
