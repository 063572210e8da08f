//! Journal errors: every one names the file and the cause.

use std::path::PathBuf;

use super::store::SCHEMA_VERSION;

/// Why a journal could not be opened, read or written. Every variant names
/// the file.
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
    #[error("{path}: journal error: {cause}")]
    Sqlite { path: PathBuf, cause: String },
}

impl JournalError {
    pub(crate) fn sqlite(path: &std::path::Path, e: rusqlite::Error) -> JournalError {
        let path = path.to_path_buf();
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                    return JournalError::Busy {
                        path,
                        cause: e.to_string(),
                    };
                }
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt => {
                    return JournalError::Corrupt {
                        path,
                        cause: e.to_string(),
                    };
                }
                rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen => {
                    return JournalError::Open {
                        path,
                        cause: format!("{e} (is the file or its folder read-only for you?)"),
                    };
                }
                _ => {}
            }
        }
        JournalError::Sqlite {
            path,
            cause: e.to_string(),
        }
    }
}

impl JournalError {
    /// May this pass by itself, so that trying the same write again later
    /// can succeed? A busy, full, briefly unwritable or unreachable journal
    /// may; a journal that is not ours, or data it refuses, will not.
    pub fn may_pass(&self) -> bool {
        match self {
            JournalError::Busy { .. } | JournalError::Open { .. } => true,
            JournalError::Sqlite { cause, .. } | JournalError::Corrupt { cause, .. } => {
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
