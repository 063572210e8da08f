//! The journal on PostgreSQL: teams on several hosts share one session
//! through a database they already run.
//!
//! The sync `postgres` crate, not tokio-postgres directly: the store is
//! driven from the writer thread and the follower thread, both plain
//! threads that block by design (as SQLite's busy wait does); the sync
//! client runs its own small runtime inside, so nothing here touches the
//! console's loop.
//!
//! The same guarantees as SQLite (store.rs):
//! - `begin` opens a transaction and locks the `lock` row of `warroom_meta`
//!   (`SELECT … FOR UPDATE`): appends of one session are serialized, and
//!   every statement after the lock sees what others committed before it
//!   (READ COMMITTED), so `seq = max + 1` is gapless across hosts. A lock
//!   held longer than 5 s fails as `Busy`, like SQLite's busy timeout.
//! - An append returns its event; the session shows it only after
//!   `commit` returned, that is once PostgreSQL has it durably.
//! - Lease, presence and readings compare against the server's clock
//!   (`clock_timestamp()`), never a console's.
//! - A dropped connection fails the request in hand (the console shows the
//!   error) and the next request reconnects.

mod failover;
mod follow;
pub mod grants;
pub mod hosts;
pub mod notify_cursor;
pub mod schema;
pub mod tls;
pub mod url;

use std::cell::RefCell;
use std::path::Path;

use chrono::{DateTime, Utc};
use postgres::Client;
use tokio::sync::mpsc::UnboundedSender;

use super::backend::{
    AHEAD_MAX_SECS, LeaseBeat, Lost, NewEvent, READINGS_KEEP_SECS, Seat, Takeover, format_ts,
    seq_param,
};
use super::backend::{Store, StoreTx};
use super::decode::{MAX_SEQ, Row, RowReader, decode};
use super::error::JournalError;
use super::follower::{Followed, FollowerHandle};
use crate::health::reading::{Reading, parse_state};
use crate::session::event::Event;
pub use url::{PgUrl, is_url};

/// The server's clock, in seconds since the epoch (what SQLite's
/// `unixepoch('subsec')` is for a local file). `clock_timestamp()`, not
/// `now()`: `now()` is the transaction's start, before the lock wait.
const NOW: &str = "(extract(epoch from clock_timestamp())::float8)";

/// Run `f` where the sync client may block: on a scoped thread when the
/// caller is inside the console's tokio runtime (the session is opened
/// there; the sync client refuses to start its own runtime inside
/// another), else right here (the writer and follower threads).
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// Drop a client off the runtime too (dropping its inner runtime inside
/// another panics).
pub(crate) fn drop_client(c: Client) {
    if tokio::runtime::Handle::try_current().is_ok() {
        let _ = std::thread::Builder::new()
            .name("journal-pg-close".into())
            .spawn(move || drop(c));
    } else {
        drop(c);
    }
}

/// The server's own words (`Display` of a server error is "db error").
/// A server's words are outside text: sanitized like any other.
pub(crate) fn describe(e: &postgres::Error) -> String {
    let said = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        // The client's words say what failed ("error performing TLS
        // handshake"); the cause says why.
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    crate::untrusted::sanitize(&said).into_owned()
}

pub(crate) fn pg_err(path: &Path) -> impl Fn(postgres::Error) -> JournalError + '_ {
    move |e| {
        let path = path.to_path_buf();
        let cause = describe(&e);
        match e.code() {
            Some(c) if *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE => {
                JournalError::Busy { path, cause }
            }
            _ if e.is_closed() || e.as_db_error().is_none() => JournalError::Open {
                path,
                cause: format!("connection to PostgreSQL lost: {cause} (retrying)"),
            },
            _ => JournalError::Postgres { path, cause },
        }
    }
}

/// A session's journal in a PostgreSQL schema.
pub struct PgJournal {
    url: PgUrl,
    client: RefCell<Option<Client>>,
    /// This console's host name, stored with each event it appends.
    host: Option<String>,
    /// The last seq this store read or wrote: a server whose events end
    /// before it lost commits (failover.rs).
    seen: std::cell::Cell<u64>,
}

impl std::fmt::Debug for PgJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgJournal({:?})", self.url)
    }
}

impl PgJournal {
    /// Connect and check the tables; `create` makes them when the schema
    /// has none (`warroom journal init`, a first console allowed to).
    pub fn open(url: &PgUrl, create: bool) -> Result<PgJournal, JournalError> {
        Self::open_url(url.clone(), create)
    }

    /// Connect for reading only (the report, the status page): every
    /// connection, its follower's too, is read-only (`PgUrl::read_only`),
    /// and missing tables are an error, never created. Works for a role
    /// granted nothing but SELECT on the journal's tables.
    pub fn open_read_only(url: &PgUrl) -> Result<PgJournal, JournalError> {
        Self::open_url(url.read_only(), false)
    }

    fn open_url(url: PgUrl, create: bool) -> Result<PgJournal, JournalError> {
        let client = off_runtime(|| {
            let mut client = url.connect()?;
            let access = if url.is_reader() {
                grants::Access::ReadOnly
            } else {
                grants::Access::Operator
            };
            match grants::schema_without_usage(&mut client, &url.display)
                .and_then(|()| grants::check(&mut client, &url.display, access))
                .and_then(|()| schema::ensure(&mut client, &url.display, create))
            {
                Ok(()) => Ok(client),
                Err(e) => {
                    drop(client);
                    Err(e)
                }
            }
        })?;
        Ok(PgJournal {
            url,
            client: RefCell::new(Some(client)),
            host: crate::console_session::identity::machine_host(),
            seen: std::cell::Cell::new(0),
        })
    }

    fn path(&self) -> &Path {
        &self.url.display
    }

    fn saw(&self, events: &[Event]) {
        // A row outside 1..=MAX_SEQ is damage, never a position.
        let in_range = |s: &u64| i64::try_from(*s).is_ok_and(|s| s <= MAX_SEQ);
        if let Some(last) = events.iter().map(|e| e.seq).filter(in_range).max() {
            self.seen.set(self.seen.get().max(last));
        }
    }

    /// The connection, reconnecting when it was lost.
    fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut Client, &Path) -> Result<T, JournalError> + Send,
    ) -> Result<T, JournalError> {
        let mut slot = self.client.borrow_mut();
        let slot: &mut Option<Client> = &mut slot;
        let url = &self.url;
        off_runtime(move || {
            if slot.as_ref().is_none_or(|c| c.is_closed()) {
                *slot = None;
                *slot = Some(url.connect()?);
            }
            let Some(client) = slot.as_mut() else {
                return Err(JournalError::Open {
                    path: url.display.clone(),
                    cause: "no connection".into(),
                });
            };
            let r = f(client, &url.display);
            if client.is_closed() {
                *slot = None;
            }
            r
        })
    }
}

/// Rows go through the same reader as SQLite's: every string sanitized,
/// a row that cannot be taken as written (or a gap) becomes `damaged`.
pub(crate) fn read_since(
    c: &mut Client,
    path: &Path,
    after: u64,
) -> Result<Vec<Event>, JournalError> {
    // From the start, every row (damage below 1 and above MAX_SEQ too);
    // after a position, only rows in range (see store.rs).
    let rows = if after == 0 {
        c.query(
            "SELECT seq, ts, operator, kind, data FROM warroom_events ORDER BY seq",
            &[],
        )
    } else {
        c.query(
            "SELECT seq, ts, operator, kind, data FROM warroom_events
             WHERE seq > $1 AND seq <= $2 ORDER BY seq",
            &[&i64::try_from(after).unwrap_or(i64::MAX), &MAX_SEQ],
        )
    }
    .map_err(pg_err(path))?;
    let mut reader = RowReader::new(after);
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = Row {
            seq: r.get(0),
            ts: r.get(1),
            operator: r.get(2),
            kind: r.get(3),
            data: r.get(4),
        };
        reader.push(row, &mut out);
    }
    Ok(out)
}

fn ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn readings_since(
    c: &mut Client,
    path: &Path,
    after: i64,
) -> Result<Vec<Reading>, JournalError> {
    let rows = c
        .query(
            "SELECT id, panel, state, value, baseline, error, sampled_at, state_since, last_good
             FROM warroom_readings WHERE id > $1 AND id <= $2 ORDER BY id",
            &[&after, &MAX_SEQ],
        )
        .map_err(pg_err(path))?;
    Ok(rows
        .iter()
        .map(|r| Reading {
            id: r.get(0),
            panel: r.get(1),
            state: parse_state(r.get::<_, &str>(2)),
            value: r.get(3),
            baseline: r.get(4),
            error: r.get(5),
            sampled_at: ts(r.get(6)),
            state_since: ts(r.get(7)),
            last_good: ts(r.get(8)),
        })
        .collect())
}

impl Store for PgJournal {
    fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError> {
        let events = self.with(|c, p| read_since(c, p, after))?;
        self.saw(&events);
        Ok(events)
    }
    fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError> {
        self.with(|c, p| readings_since(c, p, after))
    }
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>, JournalError> {
        let next_seq = self.with(|c, p| {
            c.batch_execute("BEGIN; SET LOCAL lock_timeout = '5s'")
                .map_err(pg_err(p))?;
            let locked = c
                .query_one(
                    "SELECT value FROM warroom_meta WHERE key = 'lock' FOR UPDATE",
                    &[],
                )
                .and_then(|_| {
                    c.query_one(
                        "SELECT COALESCE(MAX(seq), 0) FROM warroom_events
                         WHERE seq BETWEEN 1 AND $1",
                        &[&MAX_SEQ],
                    )
                });
            match locked {
                // Rows outside 1..=MAX_SEQ are damage, never a position
                // (decode.rs); at most MAX_SEQ + 1, which `append` refuses.
                Ok(row) => Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0) + 1),
                Err(e) => {
                    let _ = c.batch_execute("ROLLBACK");
                    Err(pg_err(p)(e))
                }
            }
        })?;
        let seen = self.seen.get();
        let tx = PgTx {
            journal: self,
            next_seq,
            done: false,
        };
        // Dropped on refusal: rolled back, lock released.
        failover::not_behind(self.path(), seen, next_seq - 1)?;
        Ok(Box::new(tx))
    }
    fn lease_console(&self) -> Result<Option<String>, JournalError> {
        self.with(|c, p| {
            c.query_opt(
                &format!(
                    "SELECT console FROM warroom_lease
                     WHERE id = 1 AND console <> ''
                     AND expires_at BETWEEN {NOW} AND {NOW} + {AHEAD_MAX_SECS}"
                ),
                &[],
            )
            .map(|r| r.map(|r| r.get::<_, String>(0)))
            .map_err(pg_err(p))
        })
    }
    fn notify_cursors(&self) -> Result<Vec<crate::journal::notify_cursor::Cursor>, JournalError> {
        self.with(notify_cursor::read)
    }
    fn follow(
        &self,
        after_seq: u64,
        after_reading: i64,
        tx: UnboundedSender<Followed>,
    ) -> Result<FollowerHandle, JournalError> {
        follow::follow(self.url.clone(), after_seq, after_reading, tx)
    }
}

impl Drop for PgJournal {
    fn drop(&mut self) {
        if let Some(c) = self.client.get_mut().take() {
            drop_client(c);
        }
    }
}

/// A transaction holding the session's lock row; dropped without `commit`,
/// it rolls back.
struct PgTx<'a> {
    journal: &'a PgJournal,
    next_seq: u64,
    done: bool,
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.journal.with(|c, _| {
                let _ = c.batch_execute("ROLLBACK");
                Ok(())
            });
        }
    }
}

impl PgTx<'_> {
    /// Run inside the open transaction: never reconnect here (a new
    /// connection would have no transaction and no lock).
    fn tx<T: Send>(
        &self,
        f: impl FnOnce(&mut Client, &Path) -> Result<T, JournalError> + Send,
    ) -> Result<T, JournalError> {
        let mut slot = self.journal.client.borrow_mut();
        let slot: &mut Option<Client> = &mut slot;
        let path = self.journal.path();
        off_runtime(move || match slot.as_mut() {
            Some(c) if !c.is_closed() => {
                let r = f(c, path);
                if c.is_closed() {
                    *slot = None;
                }
                r
            }
            _ => {
                *slot = None;
                Err(JournalError::Open {
                    path: path.to_path_buf(),
                    cause: "connection to PostgreSQL lost inside a transaction (nothing of it was kept; retrying)".into(),
                })
            }
        })
    }

    fn exec(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64, JournalError> {
        self.tx(|c, p| c.execute(sql, params).map_err(pg_err(p)))
    }
}

impl StoreTx for PgTx<'_> {
    fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError> {
        let events = self.tx(|c, p| read_since(c, p, after))?;
        self.journal.saw(&events);
        Ok(events)
    }

    fn append(&mut self, e: &NewEvent) -> Result<Event, JournalError> {
        let seq = self.next_seq;
        let ts = format_ts(&e.ts);
        let kind = e.body.kind();
        let path = self.journal.path();
        let stored = seq_param(seq, path)?;
        let data = serde_json::to_string(&e.body.fields()).map_err(|err| JournalError::Data {
            path: path.to_path_buf(),
            cause: format!("cannot encode event: {err}"),
        })?;
        self.exec(
            "INSERT INTO warroom_events(seq, ts, operator, host, kind, data)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&stored, &ts, &e.operator, &self.journal.host, &kind, &data],
        )?;
        self.next_seq = seq + 1;
        decode(path, stored, &ts, e.operator.clone(), &kind, &data)
    }

    fn beat_presence(&mut self, me: &Seat) -> Result<bool, JournalError> {
        let n = self.exec(
            &format!("UPDATE warroom_presence SET heartbeat_at = {NOW} WHERE console = $1"),
            &[&me.console],
        )?;
        if n > 0 {
            return Ok(true);
        }
        self.exec(
            &format!(
                "INSERT INTO warroom_presence(console, operator, host, pid, read_only, heartbeat_at)
                 VALUES ($1, $2, $3, $4, $5, {NOW})"
            ),
            &[
                &me.console,
                &me.operator,
                &me.host,
                &i64::from(me.pid),
                &me.read_only,
            ],
        )?;
        Ok(false)
    }

    fn drop_presence(&mut self, console: &str) -> Result<(), JournalError> {
        self.exec(
            "DELETE FROM warroom_presence WHERE console = $1",
            &[&console],
        )?;
        Ok(())
    }

    fn take_lost(&mut self, me: &str, secs: f64) -> Result<Vec<Lost>, JournalError> {
        self.tx(|c, p| {
            let rows = c
                .query(
                    &format!(
                        "DELETE FROM warroom_presence
                         WHERE console <> $1
                         AND (heartbeat_at < {NOW} - $2 OR heartbeat_at > {NOW} + {AHEAD_MAX_SECS})
                         RETURNING console, operator, host"
                    ),
                    &[&me, &secs],
                )
                .map_err(pg_err(p))?;
            let mut lost: Vec<Lost> = rows
                .iter()
                .map(|r| Lost {
                    console: r.get(0),
                    operator: r.get(1),
                    host: r.get(2),
                })
                .collect();
            lost.sort_by(|a, b| a.console.cmp(&b.console));
            Ok(lost)
        })
    }

    fn beat_lease(&mut self, me: &Seat, ttl: f64) -> Result<LeaseBeat, JournalError> {
        let row = self.tx(|c, p| {
            c.query_opt(
                &format!(
                    "SELECT console, expires_at < {NOW} OR expires_at > {NOW} + {AHEAD_MAX_SECS}
                     FROM warroom_lease WHERE id = 1"
                ),
                &[],
            )
            .map_err(pg_err(p))
            .map(|r| r.map(|r| (r.get::<_, String>(0), r.get::<_, bool>(1))))
        })?;
        let not_held = LeaseBeat {
            held: false,
            took: None,
        };
        let took = match &row {
            Some((holder, _)) if *holder == me.console => None,
            None => Some(Takeover::First),
            Some((holder, _)) if holder.is_empty() => Some(Takeover::Detached),
            Some((_, true)) => Some(Takeover::Lost),
            Some((_, false)) => return Ok(not_held),
        };
        if me.read_only {
            return Ok(not_held);
        }
        self.exec(
            &format!(
                "INSERT INTO warroom_lease(id, console, operator, pid, host, expires_at)
                 VALUES (1, $1, $2, $3, $4, {NOW} + $5)
                 ON CONFLICT(id) DO UPDATE SET console = excluded.console,
                   operator = excluded.operator, pid = excluded.pid,
                   host = excluded.host, expires_at = excluded.expires_at"
            ),
            &[
                &me.console,
                &me.operator,
                &i64::from(me.pid),
                &me.host,
                &ttl,
            ],
        )?;
        Ok(LeaseBeat { held: true, took })
    }

    fn holds_lease(&self, console: &str) -> Result<bool, JournalError> {
        self.tx(|c, p| {
            c.query_one(
                &format!(
                    "SELECT COUNT(*) FROM warroom_lease
                     WHERE id = 1 AND console = $1
                     AND expires_at BETWEEN {NOW} AND {NOW} + {AHEAD_MAX_SECS}"
                ),
                &[&console],
            )
            .map(|r| r.get::<_, i64>(0) > 0)
            .map_err(pg_err(p))
        })
    }

    fn release_lease(&mut self, console: &str) -> Result<(), JournalError> {
        self.exec(
            "UPDATE warroom_lease SET console = '', expires_at = 0 WHERE id = 1 AND console = $1",
            &[&console],
        )?;
        Ok(())
    }

    fn insert_readings(&mut self, readings: &mut [Reading]) -> Result<(), JournalError> {
        for r in readings.iter_mut() {
            let sampled = r.sampled_at.as_ref().map(format_ts);
            let since = r.state_since.as_ref().map(format_ts);
            let good = r.last_good.as_ref().map(format_ts);
            let state = r.state.as_str();
            r.id = self.tx(|c, p| {
                c.query_one(
                    &format!(
                        "INSERT INTO warroom_readings(panel, state, value, baseline, error,
                           sampled_at, state_since, last_good, recorded_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {NOW}) RETURNING id"
                    ),
                    &[
                        &r.panel,
                        &state,
                        &r.value,
                        &r.baseline,
                        &r.error,
                        &sampled,
                        &since,
                        &good,
                    ],
                )
                .map(|row| row.get::<_, i64>(0))
                .map_err(pg_err(p))
            })?;
        }
        self.exec(
            &format!("DELETE FROM warroom_readings WHERE recorded_at < {NOW} - $1"),
            &[&READINGS_KEEP_SECS],
        )?;
        Ok(())
    }

    fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError> {
        self.tx(|c, p| readings_since(c, p, after))
    }

    fn record_delivery(
        &mut self,
        d: &crate::journal::notify_cursor::Delivery,
    ) -> Result<bool, JournalError> {
        let seq = seq_param(d.event_seq, self.journal.path())?;
        self.tx(|c, p| notify_cursor::record(c, p, d, seq))
    }

    fn clock_offset(&mut self) -> Result<Option<chrono::TimeDelta>, JournalError> {
        let (before, secs, after) = self.tx(|c, p| {
            let before = Utc::now();
            let row = c
                .query_one(&format!("SELECT {NOW}"), &[])
                .map_err(pg_err(p))?;
            Ok((before, row.get::<_, f64>(0), Utc::now()))
        })?;
        // A server's answer is outside data: a clock beyond chrono's range
        // is refused by name, never wrapped.
        let read = (secs.is_finite() && secs.abs() < 1e13)
            .then(|| DateTime::from_timestamp_millis((secs * 1000.0).round() as i64))
            .flatten()
            .ok_or_else(|| JournalError::Data {
                path: self.journal.path().to_path_buf(),
                cause: format!("the server's clock reads {secs}, not a time"),
            })?;
        Ok(Some(super::clock::offset_of(read, before, after)))
    }

    fn commit(mut self: Box<Self>) -> Result<(), JournalError> {
        self.done = true;
        let r = self.tx(|c, p| c.batch_execute("COMMIT").map_err(pg_err(p)));
        if r.is_ok() {
            let written = self.next_seq - 1;
            self.journal.seen.set(self.journal.seen.get().max(written));
        }
        if r.is_err() {
            // Whether a COMMIT whose answer was lost took effect is unknown
            // here; the follower delivers the events if it did.
            let _ = self.tx(|c, _| {
                let _ = c.batch_execute("ROLLBACK");
                Ok(())
            });
        }
        r
    }
}

/// `warroom journal init URL`: create the tables (for teams whose
/// operators may not); says what it did.
pub fn init(url: &PgUrl) -> Result<String, JournalError> {
    off_runtime(|| init_with(url))
}

fn init_with(url: &PgUrl) -> Result<String, JournalError> {
    let mut client = url.connect()?;
    let existed = match schema::ensure(&mut client, &url.display, false) {
        Ok(()) => true,
        Err(JournalError::Missing { .. }) => false,
        Err(e) => return Err(e),
    };
    if existed {
        return Ok(format!(
            "{}: the journal's tables are there already",
            url.display.display()
        ));
    }
    schema::ensure(&mut client, &url.display, true)?;
    Ok(format!(
        "{}: created the journal's tables",
        url.display.display()
    ))
}

/// `warroom journal init URL --grant ROLE`: the GRANT statements that give
/// ROLE an operator's (or a reader's) privileges on the journal in the
/// URL's schema, and whether they were run (`apply`: the tables are
/// created first when missing, then every statement runs in one
/// transaction). The statements, then a line for the operator.
pub fn grant(
    url: &PgUrl,
    role: &str,
    access: grants::Access,
    apply: bool,
) -> Result<(Vec<String>, String), JournalError> {
    off_runtime(|| {
        let made = if apply { Some(init_with(url)?) } else { None };
        let path = &url.display;
        let mut c = url.connect()?;
        let row = c
            .query_one(
                "SELECT current_schema()::text, EXISTS(SELECT 1 FROM pg_roles WHERE rolname = $1)",
                &[&role],
            )
            .map_err(pg_err(path))?;
        let (schema, exists): (Option<String>, bool) = (row.get(0), row.get(1));
        let Some(schema) = schema else {
            return Err(JournalError::Open {
                path: path.clone(),
                cause: "no schema of the search_path exists on this server".into(),
            });
        };
        let sql = grants::statements(&schema, role, access);
        let set = match access {
            grants::Access::Operator => "an operator's",
            grants::Access::ReadOnly => "a reader's (serve, report)",
        };
        let shown_role = crate::untrusted::sanitize(role);
        if !exists {
            let create = format!("CREATE ROLE {} LOGIN;", grants::quote(role));
            if apply {
                return Err(JournalError::Denied {
                    path: path.clone(),
                    cause: format!("role {shown_role} does not exist: create it first ({create})"),
                });
            }
            return Ok((
                sql,
                format!(
                    "-- not applied; role {shown_role} does not exist yet ({create}). Run these as an owner of the tables, or add --apply"
                ),
            ));
        }
        if !apply {
            return Ok((
                sql,
                format!(
                    "-- not applied: {set} grants for {shown_role}; run these as an owner of the tables (psql), or add --apply"
                ),
            ));
        }
        let mut tx = c.transaction().map_err(pg_err(path))?;
        for s in &sql {
            tx.batch_execute(s).map_err(pg_err(path))?;
        }
        tx.commit().map_err(pg_err(path))?;
        Ok((
            sql,
            format!(
                "{}; granted {set} privileges to {shown_role} in schema {}",
                made.unwrap_or_default(),
                crate::untrusted::sanitize(&schema)
            ),
        ))
    })
}
