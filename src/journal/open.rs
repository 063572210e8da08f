//! One door to a journal, wherever it lives (`JournalLocation`): a file
//! (SQLite) or a PostgreSQL schema. Nothing is written to a local file
//! when the journal is a URL.

use tokio::sync::mpsc::UnboundedSender;

use super::backend::Store;
use super::error::JournalError;
use super::follower::{Followed, FollowerHandle};
use super::location::JournalLocation;
use super::pg::PgJournal;
use super::sqlite::store::Journal;
use crate::session::event::Event;

/// Open for a console: `create` when a new session may be made here (a
/// file and its folder, or the tables in the URL's schema). Returns a
/// warning to show (a journal file on a network filesystem).
pub fn open_store(
    location: impl Into<JournalLocation>,
    create: bool,
) -> Result<(Box<dyn Store>, Option<String>), JournalError> {
    let path = match location.into() {
        JournalLocation::Postgres(url) => {
            return Ok((Box::new(PgJournal::open(&url, create)?), None));
        }
        JournalLocation::Sqlite(path) => path,
    };
    let (journal, warning) = if create {
        Journal::open(&path)?
    } else {
        Journal::open_existing(&path)?
    };
    Ok((Box::new(journal), warning))
}

/// Every event of the journal, read without taking any write lock (the
/// report).
pub fn read_all(location: impl Into<JournalLocation>) -> Result<Vec<Event>, JournalError> {
    read_since(location, 0)
}

/// The events after `after`, read without taking any write lock.
pub fn read_since(
    location: impl Into<JournalLocation>,
    after: u64,
) -> Result<Vec<Event>, JournalError> {
    match location.into() {
        JournalLocation::Postgres(url) => PgJournal::open_read_only(&url)?.read_since(after),
        JournalLocation::Sqlite(path) => Journal::open_read_only(&path)?.read_since(after),
    }
}

/// Every `[[notify]]` target's delivery cursor, read without any write
/// lock (a conductor taking over the sending, the report).
pub fn notify_cursors(
    location: impl Into<JournalLocation>,
) -> Result<Vec<super::notify_cursor::Cursor>, JournalError> {
    match location.into() {
        JournalLocation::Postgres(url) => PgJournal::open_read_only(&url)?.notify_cursors(),
        JournalLocation::Sqlite(path) => Journal::open_read_only(&path)?.notify_cursors(),
    }
}

/// Follow a journal from its first event for a reader that never writes
/// (the status page): SQLite's `data_version` follower on a read-only
/// connection, or PostgreSQL's LISTEN/NOTIFY follower on read-only
/// connections. Never creates anything, never takes the lease or a
/// presence row; a journal that is not there is `Missing`.
pub fn follow_store(
    location: impl Into<JournalLocation>,
    tx: UnboundedSender<Followed>,
) -> Result<FollowerHandle, JournalError> {
    match location.into() {
        JournalLocation::Postgres(url) => {
            let journal = PgJournal::open_read_only(&url)?;
            // Read both tables once now (no rows come back): a role that
            // may not read one of them is refused at start, not shown as a
            // lasting error on the page.
            journal.read_since(i64::MAX as u64)?;
            journal.readings_since(i64::MAX)?;
            journal.follow(0, 0, tx)
        }
        JournalLocation::Sqlite(path) => super::sqlite::follow::follow(&path, 0, 0, tx),
    }
}
