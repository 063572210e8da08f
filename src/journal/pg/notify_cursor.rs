//! `warroom_notify_cursor`: the PostgreSQL twin of `notify_cursor.rs`.
//! Made with the other tables for a new journal, and with `IF NOT EXISTS`
//! when a writing console opens an older one (an account without CREATE
//! leaves it missing: deliveries are then journaled as `notified` events,
//! as before).

use std::path::Path;

use postgres::Client;

use super::pg_err;
use crate::journal::error::JournalError;
use crate::journal::notify_cursor::{Cursor, Delivery};

pub const CREATE: &str = "
CREATE TABLE IF NOT EXISTS warroom_notify_cursor(
    target text PRIMARY KEY,
    seq bigint NOT NULL,
    attempts bigint NOT NULL,
    failures bigint NOT NULL,
    last_error text,
    last_error_seq bigint
);
";

/// Is the table in the journal's own schema (never another schema of the
/// search path) and may this role do `privileges` on it, every one? (No
/// error inside a transaction.) A table made by another role that granted
/// this one nothing is as good as missing: deliveries are journaled as
/// `notified` events, and a reader sees no cursors, instead of a
/// `permission denied` every second.
fn usable(c: &mut Client, path: &Path, privileges: &[&str]) -> Result<bool, JournalError> {
    let privileges: Vec<String> = privileges.iter().map(|p| p.to_string()).collect();
    c.query_one(
        "SELECT CASE WHEN t IS NULL THEN false
                ELSE (SELECT bool_and(has_table_privilege(t, p)) FROM unnest($1::text[]) AS p) END
         FROM (SELECT to_regclass(quote_ident(current_schema()) || '.warroom_notify_cursor') AS t) s",
        &[&privileges],
    )
    .map(|r| r.get::<_, Option<bool>>(0).unwrap_or(false))
    .map_err(pg_err(path))
}

/// Is the table there at all (in the journal's schema)?
fn exists(c: &mut Client, path: &Path) -> Result<bool, JournalError> {
    c.query_one(
        "SELECT to_regclass(quote_ident(current_schema()) || '.warroom_notify_cursor') IS NOT NULL",
        &[],
    )
    .map(|r| r.get::<_, Option<bool>>(0).unwrap_or(false))
    .map_err(pg_err(path))
}

/// Try to make the table for an older journal; a refusal (no CREATE
/// privilege) is not an error here.
pub fn ensure_quietly(c: &mut Client, path: &Path) {
    if let Ok(false) = exists(c, path) {
        let _ = c.batch_execute(CREATE);
    }
}

pub fn read(c: &mut Client, path: &Path) -> Result<Vec<Cursor>, JournalError> {
    if !usable(c, path, &["SELECT"])? {
        return Ok(Vec::new());
    }
    let rows = c
        .query(
            "SELECT target, seq, attempts, failures, last_error, last_error_seq
             FROM warroom_notify_cursor ORDER BY target",
            &[],
        )
        .map_err(pg_err(path))?;
    Ok(rows
        .iter()
        .map(|r| Cursor {
            target: crate::untrusted::sanitize(r.get::<_, &str>(0)).into_owned(),
            seq: r.get::<_, i64>(1).max(0) as u64,
            attempts: r.get::<_, i64>(2).max(0) as u64,
            failures: r.get::<_, i64>(3).max(0) as u64,
            last_error: r
                .get::<_, Option<&str>>(4)
                .map(|s| crate::untrusted::sanitize(s).into_owned()),
            last_error_seq: r.get::<_, Option<i64>>(5).map(|s| s.max(0) as u64),
        })
        .collect())
}

/// Inside the write transaction; false when the table is missing or this
/// role may not move the cursors.
pub fn record(c: &mut Client, path: &Path, d: &Delivery, seq: i64) -> Result<bool, JournalError> {
    if !usable(c, path, &["SELECT", "INSERT", "UPDATE"])? {
        return Ok(false);
    }
    let (failures, error, error_seq): (i64, Option<&str>, Option<i64>) = if d.delivered {
        (0, None, None)
    } else {
        (1, Some(d.status.as_str()), Some(seq))
    };
    c.execute(
        "INSERT INTO warroom_notify_cursor AS n
           (target, seq, attempts, failures, last_error, last_error_seq)
         VALUES ($1, $2, 1, $3, $4, $5)
         ON CONFLICT (target) DO UPDATE SET
           seq = GREATEST(n.seq, excluded.seq),
           attempts = n.attempts + 1,
           failures = n.failures + excluded.failures,
           last_error = coalesce(excluded.last_error, n.last_error),
           last_error_seq = coalesce(excluded.last_error_seq, n.last_error_seq)",
        &[&d.target, &seq, &failures, &error, &error_seq],
    )
    .map_err(pg_err(path))?;
    Ok(true)
}
