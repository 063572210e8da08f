//! `warroom journal init URL`: create a PostgreSQL journal's tables.

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK};
use crate::journal::{JournalLocation, pg};

pub fn init(location: &JournalLocation) -> u8 {
    let Some(url) = postgres(location) else {
        return EXIT_INVALID;
    };
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
pub fn grant(location: &JournalLocation, role: &str, read_only: bool, apply: bool) -> u8 {
    let Some(url) = postgres(location) else {
        return EXIT_INVALID;
    };
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

/// The URL (already parsed and checked at the command line), or a refusal
/// of a file: a SQLite journal is created by its first console.
fn postgres(location: &JournalLocation) -> Option<&pg::PgUrl> {
    match location {
        JournalLocation::Postgres(url) => Some(url),
        JournalLocation::Sqlite(_) => {
            eprintln!(
                "warroom journal init: {location}: not a postgresql:// URL (a SQLite journal is created by its first console)"
            );
            None
        }
    }
}
