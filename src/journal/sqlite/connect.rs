//! Opening a SQLite journal's connections: the busy wait, WAL and
//! `synchronous=FULL`, read-only opening (immutable when nobody can be
//! writing), and the check that a file is ours and a version we read.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::error::JournalError;
use crate::journal::backend::{META_APP, SCHEMA_VERSION};

/// `PRAGMA application_id`: "WRRM", so `file(1)`-like tools can tell.
pub const APPLICATION_ID: i64 = 0x5752_524d;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Wait for the write lock by polling every ~1 ms for about 5 s. SQLite's
/// default handler backs off to 100 ms sleeps, and a console polling that
/// slowly can starve behind busy writers (seen with three processes
/// appending in a loop); the lock is free only between transactions.
fn busy_wait(count: i32) -> bool {
    let limit = (BUSY_TIMEOUT.as_micros() / 1000) as i32;
    if count >= limit {
        return false;
    }
    // A little jitter so several waiters do not poll in lockstep.
    std::thread::sleep(Duration::from_micros(700 + (count as u64 % 7) * 100));
    true
}

pub(crate) fn configure(conn: &mut Connection, path: &Path) -> Result<(), JournalError> {
    conn.busy_handler(Some(busy_wait))
        .map_err(|e| JournalError::sqlite(path, e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(|e| JournalError::sqlite(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(JournalError::Open {
            path: path.to_path_buf(),
            cause: format!("cannot switch to WAL mode (got {mode})"),
        });
    }
    conn.execute_batch("PRAGMA synchronous=FULL;")
        .map_err(|e| JournalError::sqlite(path, e))?;
    Ok(())
}

pub(crate) fn open_ro_conn(path: &Path) -> Result<Connection, JournalError> {
    match open_ro_with(path, false) {
        // A WAL journal in a folder we cannot write (an archived record,
        // another team's copy) cannot get its `-shm` file; when no `-wal`
        // is there either, nobody is writing, and the file can be read as
        // immutable.
        Err(JournalError::Open { .. }) if !wal_sidecar(path, "-wal").exists() => {
            open_ro_with(path, true)
        }
        other => other,
    }
}

fn wal_sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn open_ro_with(path: &Path, immutable: bool) -> Result<Connection, JournalError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let opened = if immutable {
        let uri = format!("file:{}?immutable=1", uri_escape(&path.to_string_lossy()));
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
    } else {
        Connection::open_with_flags(path, flags)
    };
    let mut conn = opened.map_err(|e| JournalError::Open {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })?;
    conn.busy_handler(Some(busy_wait))
        .map_err(|e| JournalError::sqlite(path, e))?;
    verify(&conn, path)?;
    Ok(conn)
}

/// Percent-encode what a SQLite URI filename treats specially.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// Is this ours, and a version we understand? Reads only.
pub(crate) fn verify(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    let corrupt = |e: rusqlite::Error| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            // No SQLite header: a text file, an image, someone's notes.
            return JournalError::NotSqlite {
                path: path.to_path_buf(),
            };
        }
        match JournalError::sqlite(path, e) {
            JournalError::Sqlite { path, cause } => JournalError::Corrupt { path, cause },
            other => other,
        }
    };
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(corrupt)?;
    let has_meta: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(corrupt)?;
    let marked = match has_meta {
        Some(_) => conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'application'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(corrupt)?
            .is_some_and(|v| v == META_APP),
        None => false,
    };
    if app != APPLICATION_ID || !marked {
        return Err(JournalError::NotJournal {
            path: path.to_path_buf(),
        });
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(corrupt)?;
    if version > SCHEMA_VERSION {
        return Err(JournalError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(())
}

/// Validate an existing file before anything could write to it.
/// Is the file at `path` a journal we can open? Asked through SQLite only:
/// reading its header with our own file descriptor and closing it would
/// drop every POSIX lock this process holds on the file (fcntl locks are
/// per process and per inode), so the next process to close its connection
/// would believe it was the last one and delete the live `-wal` under the
/// consoles still writing to it. SQLite defers such closes itself.
pub(crate) fn check_existing(path: &Path) -> Result<(), JournalError> {
    let conn = open_ro_conn(path)?;
    drop(conn);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escaping_keeps_odd_paths_readable() {
        assert_eq!(uri_escape("/a b/x?y#z%.db"), "/a b/x%3Fy%23z%25.db");
    }
}
