//! SQLite's errors in the journal's words.

pub use crate::journal::error::JournalError;

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
