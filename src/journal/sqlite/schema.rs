//! The conductor's tables in a SQLite journal (schema version 2: lease,
//! presence, readings): created, migrated from version 1, and read without
//! the write lock. The write transaction's uses are in `conduct.rs`.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::decode::MAX_SEQ;
use super::error::JournalError;
use crate::health::reading::{Reading, parse_state};
use crate::journal::backend::AHEAD_MAX_SECS;

const NOW: &str = "unixepoch('subsec')";

/// Created by `create.rs` for a new journal and by the migration from
/// version 1 (`IF NOT EXISTS`: two consoles may migrate at once).
pub(crate) const CONDUCT_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lease(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    console TEXT NOT NULL,
    operator TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS presence(
    console TEXT PRIMARY KEY,
    operator TEXT NOT NULL,
    host TEXT,
    pid INTEGER NOT NULL,
    read_only INTEGER NOT NULL,
    heartbeat_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS readings(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    panel TEXT NOT NULL,
    state TEXT NOT NULL,
    value REAL,
    baseline REAL,
    error TEXT,
    sampled_at TEXT,
    state_since TEXT,
    last_good TEXT,
    recorded_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS readings_recorded ON readings(recorded_at);
";

pub(crate) fn err(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |e| JournalError::sqlite(path, e)
}

/// Has this database the conductor's tables (schema 2)? A version-1
/// journal opened read-only has none: no readings, no lease.
pub(crate) fn has_conduct_tables(conn: &Connection, path: &Path) -> Result<bool, JournalError> {
    conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'readings'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(err(path))
}

pub(crate) fn ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn readings_since(
    conn: &Connection,
    path: &Path,
    after: i64,
) -> Result<Vec<Reading>, JournalError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, panel, state, value, baseline, error, sampled_at, state_since, last_good
             FROM readings WHERE id > ?1 AND id <= ?2 ORDER BY id",
        )
        .map_err(err(path))?;
    let rows = stmt
        .query_map([after, MAX_SEQ], |r| {
            Ok(Reading {
                id: r.get(0)?,
                panel: r.get(1)?,
                state: parse_state(&r.get::<_, String>(2)?),
                value: r.get(3)?,
                baseline: r.get(4)?,
                error: r.get(5)?,
                sampled_at: ts(r.get(6)?),
                state_since: ts(r.get(7)?),
                last_good: ts(r.get(8)?),
            })
        })
        .map_err(err(path))?;
    rows.collect::<Result<_, _>>().map_err(err(path))
}

/// Bring a version-1 journal to version 2 (adds the conductor's tables; the
/// events are untouched). Idempotent, inside the write lock.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), JournalError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err(path))?;
    if version >= 2 {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(err(path))?;
    tx.execute_batch(CONDUCT_SCHEMA).map_err(err(path))?;
    tx.execute_batch("PRAGMA user_version = 2;")
        .map_err(err(path))?;
    tx.commit().map_err(err(path))
}

/// Who holds the lease now (an unexpired, unreleased row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub console: String,
    pub operator: String,
    pub pid: u32,
    pub host: Option<String>,
}

pub(crate) fn holder(conn: &Connection, path: &Path) -> Result<Option<Holder>, JournalError> {
    if !has_conduct_tables(conn, path)? {
        return Ok(None);
    }
    conn.query_row(
        &format!(
            "SELECT console, operator, pid, host FROM lease
             WHERE id = 1 AND console <> ''
             AND expires_at BETWEEN {NOW} AND {NOW} + {AHEAD_MAX_SECS}"
        ),
        [],
        |r| {
            Ok(Holder {
                console: r.get(0)?,
                operator: r.get(1)?,
                pid: r.get(2)?,
                host: r.get(3)?,
            })
        },
    )
    .optional()
    .map_err(err(path))
}
