//! The conductor's tables, next to `events` in the journal's database
//! (schema version 2): the lease, presence heartbeats and readings.
//!
//! Time: expiry and heartbeats are compared with `unixepoch('subsec')`, the
//! clock of the one host that holds the SQLite file (every console of a
//! session runs there: WAL needs it), never with a console's own clock
//! computed elsewhere. A PostgreSQL store would use `now()` the same way.
//!
//! None of these rows is part of the record: the journal's `events` stays
//! the truth (`conductor_changed`, `operator_detached` with `lost`); the
//! lease and presence are bookkeeping, readings are pruned as they age.

use rusqlite::{OptionalExtension, params};

use super::decode::MAX_SEQ;
use super::error::JournalError;
pub use super::schema::Holder;
use super::schema::{err, readings_since};
use super::store::{WriteTx, format_ts};
use crate::health::reading::Reading;
pub use crate::journal::backend::{
    AHEAD_MAX_SECS, LeaseBeat, Lost, READINGS_KEEP_SECS, Seat, Takeover,
};

const NOW: &str = "unixepoch('subsec')";

impl WriteTx<'_> {
    /// Renew this console's presence; false when its row was gone (never
    /// there, or dropped as lost while the process was frozen).
    pub fn beat_presence(&mut self, me: &Seat) -> Result<bool, JournalError> {
        let path = self.path();
        let n = self
            .conn()
            .execute(
                &format!("UPDATE presence SET heartbeat_at = {NOW} WHERE console = ?1"),
                [&me.console],
            )
            .map_err(err(path))?;
        if n > 0 {
            return Ok(true);
        }
        self.conn()
            .execute(
                &format!(
                    "INSERT INTO presence(console, operator, host, pid, read_only, heartbeat_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, {NOW})"
                ),
                params![me.console, me.operator, me.host, me.pid, me.read_only],
            )
            .map_err(err(path))?;
        Ok(false)
    }

    /// Remove this console's presence (it detached).
    pub fn drop_presence(&mut self, console: &str) -> Result<(), JournalError> {
        let path = self.path();
        self.conn()
            .execute("DELETE FROM presence WHERE console = ?1", [console])
            .map_err(err(path))?;
        Ok(())
    }

    /// Consoles whose heartbeat is older than `secs`, other than `me`;
    /// their rows are removed (the caller journals them `lost`).
    pub fn take_lost(&mut self, me: &str, secs: f64) -> Result<Vec<Lost>, JournalError> {
        let path = self.path();
        let lost: Vec<Lost> = {
            let mut stmt = self
                .conn()
                .prepare_cached(&format!(
                    "SELECT console, operator, host FROM presence
                     WHERE console <> ?1
                     AND (heartbeat_at < {NOW} - ?2 OR heartbeat_at > {NOW} + {AHEAD_MAX_SECS})
                     ORDER BY console"
                ))
                .map_err(err(path))?;
            let rows = stmt
                .query_map(params![me, secs], |r| {
                    Ok(Lost {
                        console: r.get(0)?,
                        operator: r.get(1)?,
                        host: r.get(2)?,
                    })
                })
                .map_err(err(path))?;
            rows.collect::<Result<_, _>>().map_err(err(path))?
        };
        for l in &lost {
            self.drop_presence(&l.console)?;
        }
        Ok(lost)
    }

    /// Renew the lease when this console holds it, take it when it is free
    /// or expired; observers only look. `ttl` is how long it lasts unrenewed.
    pub fn beat_lease(&mut self, me: &Seat, ttl: f64) -> Result<LeaseBeat, JournalError> {
        let path = self.path();
        let row: Option<(String, bool)> = self
            .conn()
            .query_row(
                &format!(
                    "SELECT console, expires_at < {NOW} OR expires_at > {NOW} + {AHEAD_MAX_SECS}
                     FROM lease WHERE id = 1"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err(path))?;
        let took = match &row {
            Some((holder, _)) if *holder == me.console => None,
            None => Some(Takeover::First),
            Some((holder, _)) if holder.is_empty() => Some(Takeover::Detached),
            Some((_, true)) => Some(Takeover::Lost),
            Some((_, false)) => {
                return Ok(LeaseBeat {
                    held: false,
                    took: None,
                });
            }
        };
        if me.read_only {
            return Ok(LeaseBeat {
                held: false,
                took: None,
            });
        }
        self.conn()
            .execute(
                &format!(
                    "INSERT INTO lease(id, console, operator, pid, host, expires_at)
                     VALUES (1, ?1, ?2, ?3, ?4, {NOW} + ?5)
                     ON CONFLICT(id) DO UPDATE SET console = excluded.console,
                       operator = excluded.operator, pid = excluded.pid,
                       host = excluded.host, expires_at = excluded.expires_at"
                ),
                params![me.console, me.operator, me.pid, me.host, ttl],
            )
            .map_err(err(path))?;
        Ok(LeaseBeat { held: true, took })
    }

    /// Does `console` hold an unexpired lease? (The fence before a
    /// conductor writes readings or judges: a process frozen past its
    /// lease must not act on what it saw before.)
    pub fn holds_lease(&self, console: &str) -> Result<bool, JournalError> {
        let path = self.path();
        self.conn()
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM lease WHERE id = 1 AND console = ?1
                     AND expires_at BETWEEN {NOW} AND {NOW} + {AHEAD_MAX_SECS}"
                ),
                [console],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(err(path))
    }

    /// Give the lease up (detaching): the next console takes it at once.
    pub fn release_lease(&mut self, console: &str) -> Result<(), JournalError> {
        let path = self.path();
        self.conn()
            .execute(
                "UPDATE lease SET console = '', expires_at = 0 WHERE id = 1 AND console = ?1",
                [console],
            )
            .map_err(err(path))?;
        Ok(())
    }

    /// Store readings (their ids are assigned here) and prune old ones.
    /// Ids follow the highest one in `1..=MAX_SEQ`, never AUTOINCREMENT's
    /// own: a row another tool wrote at id i64::MAX would make that fail
    /// (`database or disk is full`) and blind every guard.
    pub fn insert_readings(&mut self, readings: &mut [Reading]) -> Result<(), JournalError> {
        let path = self.path();
        let mut last: i64 = self
            .conn()
            .query_row(
                "SELECT COALESCE(MAX(id), 0) FROM readings WHERE id BETWEEN 1 AND ?1",
                [MAX_SEQ],
                |r| r.get(0),
            )
            .map_err(err(path))?;
        {
            let mut stmt = self
                .conn()
                .prepare_cached(&format!(
                    "INSERT INTO readings(id, panel, state, value, baseline, error, sampled_at,
                       state_since, last_good, recorded_at)
                     VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {NOW})"
                ))
                .map_err(err(path))?;
            for r in readings.iter_mut() {
                last = last.saturating_add(1).min(MAX_SEQ);
                stmt.execute(params![
                    r.panel,
                    r.state.as_str(),
                    r.value,
                    r.baseline,
                    r.error,
                    r.sampled_at.as_ref().map(format_ts),
                    r.state_since.as_ref().map(format_ts),
                    r.last_good.as_ref().map(format_ts),
                    last,
                ])
                .map_err(err(path))?;
                r.id = last;
            }
        }
        // The newest reading in range stays: the next ids follow it.
        self.conn()
            .execute(
                &format!("DELETE FROM readings WHERE recorded_at < {NOW} - ?1 AND id < ?2"),
                params![READINGS_KEEP_SECS, last],
            )
            .map_err(err(path))?;
        Ok(())
    }

    /// Readings with `id > after`, oldest first.
    pub fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError> {
        readings_since(self.conn(), self.path(), after)
    }
}
