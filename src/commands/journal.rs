//! `warroom journal init URL`: create a PostgreSQL journal's tables.

use std::path::Path;

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK};
use crate::journal::pg;

pub fn init(url: &Path) -> u8 {
    if !pg::is_url(url) {
        eprintln!(
            "warroom journal init: {}: not a postgresql:// URL (a SQLite journal is created by its first console)",
            crate::untrusted::show_path(url)
        );
        return EXIT_INVALID;
    }
    if let Err(e) = crate::journal::open::check_location(url) {
        eprintln!("warroom journal init: {e}");
        return EXIT_INVALID;
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
