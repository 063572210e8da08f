//! One door to a journal, wherever it lives: a file (SQLite) or a
//! `postgresql://` URL (PostgreSQL). Nothing is written to a local file
//! when the journal is a URL.

use std::path::Path;

use tokio::sync::mpsc::UnboundedSender;

use super::backend::Store;
use super::error::JournalError;
use super::follow::{Followed, FollowerHandle};
use super::pg::{self, PgJournal};
use super::store::Journal;
use crate::session::event::Event;

/// Open for a console: `create` when a new session may be made here (a
/// file and its folder, or the tables in the URL's schema). Returns a
/// warning to show (a journal file on a network filesystem).
pub fn open_store(
    location: &Path,
    create: bool,
) -> Result<(Box<dyn Store>, Option<String>), JournalError> {
    if pg::is_url(location) {
        return Ok((Box::new(PgJournal::open(location, create)?), None));
    }
    let (journal, warning) = if create {
        Journal::open(location)?
    } else {
        Journal::open_existing(location)?
    };
    Ok((Box::new(journal), warning))
}

/// Every event of the journal, read without taking any write lock (the
/// report).
pub fn read_all(location: &Path) -> Result<Vec<Event>, JournalError> {
    read_since(location, 0)
}

/// The events after `after`, read without taking any write lock.
pub fn read_since(location: &Path, after: u64) -> Result<Vec<Event>, JournalError> {
    if pg::is_url(location) {
        return PgJournal::open_read_only(location)?.read_since(after);
    }
    Journal::open_read_only(location)?.read_since(after)
}

/// Every `[[notify]]` target's delivery cursor, read without any write
/// lock (a conductor taking over the sending, the report).
pub fn notify_cursors(location: &Path) -> Result<Vec<super::notify_cursor::Cursor>, JournalError> {
    if pg::is_url(location) {
        return PgJournal::open_read_only(location)?.notify_cursors();
    }
    Journal::open_read_only(location)?.notify_cursors()
}

/// Refuse a journal location that cannot be right whatever the server
/// says (a URL that does not parse, an unknown sslmode, an unreadable
/// root certificate): bad input, before anything is tried.
pub fn check_location(location: &Path) -> Result<(), JournalError> {
    if pg::is_url(location) {
        pg::PgUrl::parse(location)?;
    }
    Ok(())
}

/// Follow a journal from its first event for a reader that never writes
/// (the status page): SQLite's `data_version` follower on a read-only
/// connection, or PostgreSQL's LISTEN/NOTIFY follower on read-only
/// connections. Never creates anything, never takes the lease or a
/// presence row; a journal that is not there is `Missing`.
pub fn follow_store(
    location: &Path,
    tx: UnboundedSender<Followed>,
) -> Result<FollowerHandle, JournalError> {
    if pg::is_url(location) {
        let journal = PgJournal::open_read_only(location)?;
        // Read both tables once now (no rows come back): a role that may
        // not read one of them is refused at start, not shown as a lasting
        // error on the page.
        journal.read_since(i64::MAX as u64)?;
        journal.readings_since(i64::MAX)?;
        return journal.follow(0, 0, tx);
    }
    super::follow::follow(location, 0, 0, tx)
}

/// How to name the journal in messages: a URL loses its password, and
/// either is shown through the sanitizer (a folder's name may hold an
/// escape sequence).
pub fn display(location: &Path) -> String {
    if pg::is_url(location) {
        crate::untrusted::show_path(pg::display(location))
    } else {
        crate::untrusted::show_path(location)
    }
}
