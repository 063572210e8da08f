//! `warroom journal init URL`: create a PostgreSQL journal's tables.

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK};
use crate::journal::{JournalLocation, pg};

pub fn init(location: &JournalLocation) -> u8 {
    let JournalLocation::Postgres(url) = location else {
        eprintln!(
            "warroom journal init: {location}: not a postgresql:// URL (a SQLite journal is created by its first console)"
        );
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
