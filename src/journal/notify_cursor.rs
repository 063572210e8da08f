//! Delivery bookkeeping of `[[notify]]` targets, beside the events (not
//! in them): one row per target with the highest event seq handled, how
//! many deliveries were tried and given up, and the last error. The
//! timeline keeps only what happened to the cutover; a takeover resumes
//! each target from its row.
//!
//! Journals written before this table carry `notified` events instead:
//! they still decode and still count as cursors (the higher of the two
//! wins), so a session started by an older warroom resumes without
//! repeating. The table is made with `IF NOT EXISTS` by every console that
//! opens the file for writing (no schema version change: an older
//! warroom opens such a journal and ignores the table).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::JournalError;
use super::store::{WriteTx, seq_param};

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

/// One delivery's result: the event sent to the target and how it went
/// (after the retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `slack#1`: the format and position, never the url.
    pub target: String,
    pub event_seq: u64,
    /// `HTTP 200`, or why it failed (never the url).
    pub status: String,
    pub delivered: bool,
}

/// A target's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub target: String,
    /// The highest event seq handled (sent, or given up after retries).
    pub seq: u64,
    /// Deliveries tried (one per event, retries inside it not counted).
    pub attempts: u64,
    /// Deliveries given up after their retries.
    pub failures: u64,
    /// The last failure's text and event, kept after later successes.
    pub last_error: Option<String>,
    pub last_error_seq: Option<u64>,
}

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
