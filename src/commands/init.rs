//! `warroom init`: write a commented runbook for a strategy, with
//! CHANGE-ME placeholders that `warroom check` refuses, each at its line
//! (`runbook::placeholders`), until they are replaced; it accepts the rest
//! as written.

use std::io::Write;
use std::path::Path;

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK};
use crate::runbook::model::Strategy;

/// The template for `strategy`.
pub fn template(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Phased => include_str!("templates/phased.toml"),
        Strategy::Canary => include_str!("templates/canary.toml"),
        Strategy::BigBang => include_str!("templates/big-bang.toml"),
    }
}

/// Write the template to `path` (refusing to overwrite anything), or print
/// it when no path is given.
pub fn run(strategy: Strategy, path: Option<&Path>) -> u8 {
    let text = template(strategy);
    let Some(path) = path else {
        print!("{text}");
        return EXIT_OK;
    };
    // create_new: an existing runbook (or anything else) is never replaced,
    // not even by a race with another `init`.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file {
        Ok(mut f) => match f.write_all(text.as_bytes()) {
            Ok(()) => {
                eprintln!(
                    "wrote {}: replace every CHANGE-ME, then `warroom check {}`",
                    crate::untrusted::show_path(path),
                    crate::untrusted::show_path(path)
                );
                EXIT_OK
            }
            Err(e) => {
                eprintln!(
                    "warroom: cannot write {}: {e}",
                    crate::untrusted::show_path(path)
                );
                EXIT_FAILURE
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "warroom: {} already exists; init never overwrites: choose another path or remove it first",
                crate::untrusted::show_path(path)
            );
            EXIT_INVALID
        }
        Err(e) => {
            eprintln!(
                "warroom: cannot create {}: {e}",
                crate::untrusted::show_path(path)
            );
            EXIT_FAILURE
        }
    }
}
