//! The SQLite journal behind the backend-neutral `Store` interface.

use tokio::sync::mpsc::UnboundedSender;

use super::conduct::{LeaseBeat, Lost, Seat};
use super::store::{Journal, JournalError, NewEvent, WriteTx};
use crate::health::reading::Reading;
use crate::journal::backend::{Store, StoreTx};
use crate::journal::follower::{Followed, FollowerHandle};
use crate::journal::notify_cursor::{Cursor, Delivery};
use crate::session::event::Event;

impl Store for Journal {
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
