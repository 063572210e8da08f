//! The `[[notify]]` delivery cursors in the SQLite file (the types and
//! why they live beside the events: `journal/notify_cursor.rs`).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::store::{JournalError, WriteTx};
use crate::journal::backend::seq_param;
use crate::journal::notify_cursor::{Cursor, Delivery};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notify_cursor(
    target TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    last_error TEXT,
    last_error_seq INTEGER
);
";

fn err(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |e| JournalError::sqlite(path, e)
}

/// Make the table (a writer's open; idempotent).
pub(crate) fn ensure(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    conn.execute_batch(SCHEMA).map_err(err(path))
}

/// Every target's row; none in a journal without the table (read-only
/// open of an older file).
pub(crate) fn read(conn: &Connection, path: &Path) -> Result<Vec<Cursor>, JournalError> {
    let has: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notify_cursor'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(err(path))?;
    if has.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare_cached(
            "SELECT target, seq, attempts, failures, last_error, last_error_seq
             FROM notify_cursor ORDER BY target",
        )
        .map_err(err(path))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Cursor {
                target: crate::untrusted::sanitize(&r.get::<_, String>(0)?).into_owned(),
                seq: r.get::<_, i64>(1)?.max(0) as u64,
                attempts: r.get::<_, i64>(2)?.max(0) as u64,
                failures: r.get::<_, i64>(3)?.max(0) as u64,
                last_error: r
                    .get::<_, Option<String>>(4)?
                    .map(|s| crate::untrusted::sanitize(&s).into_owned()),
                last_error_seq: r.get::<_, Option<i64>>(5)?.map(|s| s.max(0) as u64),
            })
        })
        .map_err(err(path))?;
    rows.collect::<Result<_, _>>().map_err(err(path))
}

impl WriteTx<'_> {
    /// Move `d.target`'s cursor to `d.event_seq` (never back) and count it.
    pub fn record_delivery(&mut self, d: &Delivery) -> Result<(), JournalError> {
        let path = self.path();
        let seq = seq_param(d.event_seq, path)?;
        let (failures, error, error_seq) = if d.delivered {
            (0, None, None)
        } else {
            (1, Some(d.status.as_str()), Some(seq))
        };
        self.conn()
            .execute(
                "INSERT INTO notify_cursor(target, seq, attempts, failures, last_error, last_error_seq)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5)
                 ON CONFLICT(target) DO UPDATE SET
                   seq = max(seq, excluded.seq),
                   attempts = attempts + 1,
                   failures = failures + excluded.failures,
                   last_error = coalesce(excluded.last_error, last_error),
                   last_error_seq = coalesce(excluded.last_error_seq, last_error_seq)",
                params![d.target, seq, failures, error, error_seq],
            )
            .map_err(err(path))?;
        Ok(())
    }
}
