//! The store interface: what a session needs from the place its journal
//! lives, and the types both backends share. SQLite (`sqlite/`) and
//! PostgreSQL (`pg/`) implement it; neither imports the other, both import
//! this file (and `decode`, `error`, `follower`).
//!
//! Every decision follows one pattern: `begin` takes the write lock, the
//! session folds what others committed (`read_since`), decides against
//! that state, appends, and `commit`s. The lease, presence and readings are
//! written in the same short transactions.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::decode::MAX_SEQ;
use super::error::JournalError;
use super::follower::{Followed, FollowerHandle};
use super::notify_cursor::{Cursor, Delivery};
pub(crate) use super::version::META_APP;
pub use super::version::SCHEMA_VERSION;
use crate::health::reading::Reading;
use crate::session::event::{Event, EventBody};

/// An event about to be appended: the store gives it its `seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub ts: DateTime<Utc>,
    pub operator: String,
    pub body: EventBody,
}

/// The stored form of a timestamp: RFC 3339, UTC, `Z`, sub-seconds only when
/// present. Parsing it back gives the identical instant.
pub fn format_ts(ts: &DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A seq as the database stores it: never above `MAX_SEQ` (only a row
/// written at exactly the limit by another tool leads there; the
/// transaction's other writes, a heartbeat's, still go ahead).
pub(crate) fn seq_param(seq: u64, path: &Path) -> Result<i64, JournalError> {
    i64::try_from(seq)
        .ok()
        .filter(|s| *s <= MAX_SEQ)
        .ok_or_else(|| JournalError::Data {
            path: path.to_path_buf(),
            cause: format!(
                "no seq left: seq {seq} would pass the limit ({MAX_SEQ}) after a row another tool wrote; start a new journal"
            ),
        })
}

/// How long readings are kept (about 15 minutes of sparkline per panel).
pub const READINGS_KEEP_SECS: f64 = 15.0 * 60.0;

/// This console, as the lease and presence rows name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// Unique per console process: `host:pid:start`.
    pub console: String,
    pub operator: String,
    pub host: Option<String>,
    pub pid: u32,
    pub read_only: bool,
}

/// Why a console now holds the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takeover {
    /// Nobody held it before.
    First,
    /// The holder released it when it detached.
    Detached,
    /// The holder stopped renewing it (killed, frozen, its host lost).
    Lost,
}

/// What the lease looks like after this console's heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseBeat {
    /// This console holds the lease now.
    pub held: bool,
    /// It took the lease in this heartbeat (and why).
    pub took: Option<Takeover>,
}

/// A console whose heartbeat is too old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    pub console: String,
    pub operator: String,
    pub host: Option<String>,
}

/// A lease or heartbeat is never set further ahead than its ttl (3 s):
/// one stamped more than this ahead of the journal's clock was written by
/// another tool (or a wrong clock) and counts as expired, so it can never
/// keep the lease from being taken or a dead console on the header.
pub const AHEAD_MAX_SECS: f64 = 60.0;

/// A session's store.
pub trait Store: Send {
    /// Every event with `seq > after`, in order, without the write lock.
    fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError>;
    /// Every reading with `id > after`, in order, without the write lock.
    fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError>;
    /// Take the write lock: decide and append inside, then `commit`.
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>, JournalError>;
    /// The console holding a live conductor's lease, if any. Read without
    /// the write lock: a console that neither conducts nor owes a presence
    /// renewal then commits nothing.
    fn lease_console(&self) -> Result<Option<String>, JournalError>;
    /// Why this store is no longer the journal at its location (a file
    /// deleted or replaced at its path: `identity.rs`); `None` while it is.
    fn lost(&self) -> Option<String> {
        None
    }
    /// Keep a copy of everything this store holds where an operator can
    /// find it (when it was `lost`); `None` when there is nothing to copy.
    fn rescue(&self) -> Result<Option<std::path::PathBuf>, JournalError> {
        Ok(None)
    }
    /// Every `[[notify]]` target's delivery cursor, read without the
    /// write lock (`notify_cursor.rs`).
    fn notify_cursors(&self) -> Result<Vec<Cursor>, JournalError>;
    /// Deliver every new event and reading after these positions to `tx`.
    fn follow(
        &self,
        after_seq: u64,
        after_reading: i64,
        tx: UnboundedSender<Followed>,
    ) -> Result<FollowerHandle, JournalError>;
}

/// An open write transaction (dropping it without `commit` rolls back).
pub trait StoreTx {
    fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError>;
    /// Append one event; returns it as a later replay will read it.
    fn append(&mut self, e: &NewEvent) -> Result<Event, JournalError>;
    /// Renew this console's presence; false when its row was gone.
    fn beat_presence(&mut self, me: &Seat) -> Result<bool, JournalError>;
    fn drop_presence(&mut self, console: &str) -> Result<(), JournalError>;
    /// Consoles (other than `me`) silent for more than `secs`, removed.
    fn take_lost(&mut self, me: &str, secs: f64) -> Result<Vec<Lost>, JournalError>;
    /// Renew or take the lease (never for an observer).
    fn beat_lease(&mut self, me: &Seat, ttl: f64) -> Result<LeaseBeat, JournalError>;
    fn holds_lease(&self, console: &str) -> Result<bool, JournalError>;
    fn release_lease(&mut self, console: &str) -> Result<(), JournalError>;
    /// Store readings (ids assigned) and prune old ones.
    fn insert_readings(&mut self, readings: &mut [Reading]) -> Result<(), JournalError>;
    fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError>;
    /// Move a target's delivery cursor (`notify_cursor.rs`); false when
    /// this journal has no cursor table (the caller journals the older
    /// `notified` event instead).
    fn record_delivery(&mut self, d: &Delivery) -> Result<bool, JournalError>;
    /// Make everything appended durable and release the lock.
    fn commit(self: Box<Self>) -> Result<(), JournalError>;
    /// The journal's clock minus this host's (`clock.rs`), measured now;
    /// `None` when the journal's clock is this host's (a SQLite file).
    fn clock_offset(&mut self) -> Result<Option<chrono::TimeDelta>, JournalError> {
        Ok(None)
    }
}
