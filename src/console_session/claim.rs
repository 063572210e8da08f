//! Who acts on a pause or rollback pressed while the journal may not
//! answer: the writer (journal first, as always) or the console (it ran the
//! action itself after `WAY_BACK_WAIT`, and the journal records it late).
//!
//! One small state machine shared by the loop and the writer thread, so
//! exactly one of them acts: the writer takes it only once it holds the
//! write lock, and gives it back when its commit fails; the console takes
//! it only while nobody holds it. Whoever takes it decides what runs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{DateTime, Utc};

const FREE: u8 = 0;
const WRITER: u8 = 1;
const CONSOLE: u8 = 2;
const DONE: u8 = 3;

#[derive(Debug, Default)]
pub struct Claim {
    state: AtomicU8,
    ran_at: Mutex<Option<DateTime<Utc>>>,
}

/// What the console found when its wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleTake {
    /// Taken: run the action now; the writer records it late.
    Run,
    /// The writer holds the lock and is committing: look again shortly.
    Busy,
    /// The journal took it: the conductor runs it as usual.
    Done,
}

impl Claim {
    /// The writer, inside the write transaction: `Ok` to decide as usual,
    /// `Err(ran_at)` when the console already ran the action.
    pub fn writer_take(&self) -> Result<(), DateTime<Utc>> {
        match self
            .state
            .compare_exchange(FREE, WRITER, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(_) => Err(self.ran_at().unwrap_or_else(Utc::now)),
        }
    }

    /// The writer's commit failed: the console may take it after all.
    pub fn writer_release(&self) {
        let _ = self
            .state
            .compare_exchange(WRITER, FREE, Ordering::AcqRel, Ordering::Acquire);
    }

    /// The writer answered (committed as usual or late, or refused before
    /// taking the lock): the console must not run it.
    pub fn writer_done(&self) {
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s != CONSOLE).then_some(DONE)
            });
    }

    /// The console's wait ran out.
    pub fn console_take(&self, now: DateTime<Utc>) -> ConsoleTake {
        // The time first: the writer reads it as soon as the swap is seen.
        let mut at = self.ran_at.lock().unwrap_or_else(|e| e.into_inner());
        match self
            .state
            .compare_exchange(FREE, CONSOLE, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                *at = Some(now);
                ConsoleTake::Run
            }
            Err(WRITER) => ConsoleTake::Busy,
            Err(_) => ConsoleTake::Done,
        }
    }

    fn ran_at(&self) -> Option<DateTime<Utc>> {
        *self.ran_at.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_side_acts() {
        let now = Utc::now();
        // The writer first: the console finds it done.
        let c = Claim::default();
        assert_eq!(c.writer_take(), Ok(()));
        assert_eq!(c.console_take(now), ConsoleTake::Busy);
        c.writer_done();
        assert_eq!(c.console_take(now), ConsoleTake::Done);
        // The console first: the writer learns when it ran.
        let c = Claim::default();
        assert_eq!(c.console_take(now), ConsoleTake::Run);
        assert_eq!(c.writer_take(), Err(now));
        // A failed commit gives it back.
        let c = Claim::default();
        assert_eq!(c.writer_take(), Ok(()));
        c.writer_release();
        assert_eq!(c.console_take(now), ConsoleTake::Run);
    }
}
