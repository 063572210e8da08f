//! The store interface: what a session needs from the place its journal
//! lives. SQLite (`store::Journal`) implements it today; a PostgreSQL
//! backend (teams on several hosts) can implement it without touching the
//! console or the rules: `now()` for the lease's clock, `LISTEN/NOTIFY`
//! plus a catch-up read from the last seq for `follow`.
//!
//! Every decision follows one pattern: `begin` takes the write lock, the
//! session folds what others committed (`read_since`), decides against
//! that state, appends, and `commit`s. The lease, presence and readings are
//! written in the same short transactions.

use std::path::Path;

use tokio::sync::mpsc::UnboundedSender;

use super::conduct::{LeaseBeat, Lost, Seat};
use super::follow::{Followed, FollowerHandle};
use super::notify_cursor::{Cursor, Delivery};
use super::store::{Journal, JournalError, NewEvent, WriteTx};
use crate::health::reading::Reading;
use crate::session::event::Event;

/// A session's store.
pub trait Store: Send {
    /// Where it lives (a file; a connection string for a server).
    fn location(&self) -> &Path;
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

impl Store for Journal {
    fn location(&self) -> &Path {
        self.path()
    }
    fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError> {
        Journal::read_since(self, after)
    }
    fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError> {
        Journal::readings_since(self, after)
    }
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>, JournalError> {
        Ok(Box::new(Journal::begin(self)?))
    }
    fn lease_console(&self) -> Result<Option<String>, JournalError> {
        Ok(self.lease_holder()?.map(|h| h.console))
    }
    fn lost(&self) -> Option<String> {
        Journal::lost(self)
    }
    fn rescue(&self) -> Result<Option<std::path::PathBuf>, JournalError> {
        Journal::rescue(self).map(Some)
    }
    fn notify_cursors(&self) -> Result<Vec<Cursor>, JournalError> {
        Journal::notify_cursors(self)
    }
    fn follow(
        &self,
        after_seq: u64,
        after_reading: i64,
        tx: UnboundedSender<Followed>,
    ) -> Result<FollowerHandle, JournalError> {
        super::follow::follow(self.path(), after_seq, after_reading, tx)
    }
}

impl StoreTx for WriteTx<'_> {
    fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError> {
        WriteTx::read_since(self, after)
    }
    fn append(&mut self, e: &NewEvent) -> Result<Event, JournalError> {
        WriteTx::append(self, e)
    }
    fn beat_presence(&mut self, me: &Seat) -> Result<bool, JournalError> {
        WriteTx::beat_presence(self, me)
    }
    fn drop_presence(&mut self, console: &str) -> Result<(), JournalError> {
        WriteTx::drop_presence(self, console)
    }
    fn take_lost(&mut self, me: &str, secs: f64) -> Result<Vec<Lost>, JournalError> {
        WriteTx::take_lost(self, me, secs)
    }
    fn beat_lease(&mut self, me: &Seat, ttl: f64) -> Result<LeaseBeat, JournalError> {
        WriteTx::beat_lease(self, me, ttl)
    }
    fn holds_lease(&self, console: &str) -> Result<bool, JournalError> {
        WriteTx::holds_lease(self, console)
    }
    fn release_lease(&mut self, console: &str) -> Result<(), JournalError> {
        WriteTx::release_lease(self, console)
    }
    fn insert_readings(&mut self, readings: &mut [Reading]) -> Result<(), JournalError> {
        WriteTx::insert_readings(self, readings)
    }
    fn readings_since(&self, after: i64) -> Result<Vec<Reading>, JournalError> {
        WriteTx::readings_since(self, after)
    }
    fn record_delivery(&mut self, d: &Delivery) -> Result<bool, JournalError> {
        WriteTx::record_delivery(self, d).map(|()| true)
    }
    fn commit(self: Box<Self>) -> Result<(), JournalError> {
        WriteTx::commit(*self)
    }
}
