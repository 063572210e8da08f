//! Journal errors: every one names the journal and the cause.

use std::path::PathBuf;

use super::version::SCHEMA_VERSION;

/// Why a journal could not be opened, read or written. Every variant names
/// the journal: `path` is the file, or a URL's display form (no password).
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: not a SQLite database, so not a warroom journal (left unchanged)")]
    NotSqlite { path: PathBuf },
    #[error("{path}: a SQLite database but not a warroom journal (left unchanged)")]
    NotJournal { path: PathBuf },
    #[error(
        "{path}: journal schema version {found} is newer than this warroom understands ({SCHEMA_VERSION}); use a newer warroom (left unchanged)"
    )]
    NewerSchema { path: PathBuf, found: i64 },
    #[error("{path}: holds tables named {tables} that are not a warroom journal (left unchanged)")]
    Foreign { path: PathBuf, tables: String },
    #[error("{path}: journal is corrupt or unreadable: {cause}")]
    Corrupt { path: PathBuf, cause: String },
    #[error("{path}: no journal here")]
    Missing { path: PathBuf },
    #[error("{path}: cannot create the journal: {cause}")]
    Create { path: PathBuf, cause: String },
    #[error("{path}: cannot open the journal: {cause}")]
    Open { path: PathBuf, cause: String },
    #[error("{path}: journal busy: another console held the write lock for more than 5s ({cause})")]
    Busy { path: PathBuf, cause: String },
    #[error("{path}: refused: {cause}")]
    InUse { path: PathBuf, cause: String },
    /// The database's role lacks a privilege on the journal (the cause
    /// holds the GRANT that fixes it); never passes by itself.
    #[error("{path}: refused: {cause}")]
    Denied { path: PathBuf, cause: String },
    /// SQLite refused a statement for a reason not named above.
    #[error("{path}: journal error: {cause}")]
    Sqlite { path: PathBuf, cause: String },
    /// The PostgreSQL server refused a statement (its words and SQLSTATE).
    #[error("{path}: journal error from PostgreSQL: {cause}")]
    Postgres { path: PathBuf, cause: String },
    /// What was to be written or was read cannot be taken, whatever the
    /// backend: an event that does not encode, no seq left, a server clock
    /// that is not a time.
    #[error("{path}: {cause}")]
    Data { path: PathBuf, cause: String },
}

impl JournalError {
    /// May this pass by itself, so that trying the same write again later
    /// can succeed? A busy, full, briefly unwritable or unreachable journal
    /// may; a journal that is not ours, or data it refuses, will not.
    pub fn may_pass(&self) -> bool {
        match self {
            JournalError::Busy { .. } | JournalError::Open { .. } => true,
            JournalError::Sqlite { cause, .. }
            | JournalError::Postgres { cause, .. }
            | JournalError::Corrupt { cause, .. } => {
                let c = cause.to_ascii_lowercase();
                [
                    "full",
                    "i/o",
                    "locked",
                    "readonly",
                    "read-only",
                    "connection",
                    "closed",
                    "terminat",
                    "shutdown",
                    "shutting down",
                    "timed out",
                    "unable to open",
                ]
                .iter()
                .any(|w| c.contains(w))
            }
            _ => false,
        }
    }
}
