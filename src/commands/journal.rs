//! `warroom journal init URL`: create a PostgreSQL journal's tables.

use std::path::Path;

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK};
use crate::journal::pg;

pub fn init(url: &Path) -> u8 {
    if let Some(code) = refuse_location(url) {
        return code;
    }
    match pg::init(url) {
        Ok(said) => {
            println!("{said}");
            EXIT_OK
        }
        Err(e) => {
            eprintln!("warroom journal init: {e}");
            EXIT_FAILURE
        }
    }
}

/// `warroom journal init URL --grant ROLE [--read-only] [--apply]`: the
/// GRANT statements on stdout (ready for `psql`), what was done on stderr.
pub fn grant(url: &Path, role: &str, read_only: bool, apply: bool) -> u8 {
    if let Some(code) = refuse_location(url) {
        return code;
    }
    if role.trim().is_empty() || crate::untrusted::first_control(role).is_some() {
        eprintln!("warroom journal init: --grant: not a role name");
        return EXIT_INVALID;
    }
    let access = if read_only {
        pg::grants::Access::ReadOnly
    } else {
        pg::grants::Access::Operator
    };
    match pg::grant(url, role, access, apply) {
        Ok((sql, said)) => {
            println!("{}", sql.join("\n"));
            eprintln!("{said}");
            EXIT_OK
        }
        Err(e @ crate::journal::JournalError::Denied { .. }) => {
            eprintln!("warroom journal init: {e}");
            EXIT_INVALID
        }
        Err(e) => {
            eprintln!("warroom journal init: {e}");
            EXIT_FAILURE
        }
    }
}

/// Not a URL, or one that cannot be right: exit 2 before connecting.
fn refuse_location(url: &Path) -> Option<u8> {
    if !pg::is_url(url) {
        eprintln!(
            "warroom journal init: {}: not a postgresql:// URL (a SQLite journal is created by its first console)",
            crate::untrusted::show_path(url)
        );
        return Some(EXIT_INVALID);
    }
    if let Err(e) = crate::journal::open::check_location(url) {
        eprintln!("warroom journal init: {e}");
        return Some(EXIT_INVALID);
    }
    None
}
