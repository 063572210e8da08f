//! The journal's clock: one clock per session.
//!
//! Bakes, the rollback deadline, gate items' `for` windows and guards
//! compare a `now` with times stamped by other consoles, possibly on other
//! hosts. So every console uses the clock of the place its journal lives:
//! SQLite's file is on this host (every console of the session runs where
//! the file is: WAL needs it), so its clock is the host's; PostgreSQL's is
//! the server's `clock_timestamp()`, measured at each heartbeat (one round
//! trip inside the beat's transaction) as an offset from this host's
//! clock. A console then works in `local + offset`: the times it stamps,
//! its poller's times (shifted by the writer) and every `now` it decides
//! with. A host whose clock differs from the journal's by more than
//! `SKEW_SHOWN` says so in the header.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

/// A host clock this far from the journal's is shown in the header.
pub const SKEW_SHOWN: TimeDelta = TimeDelta::seconds(2);

/// The journal's clock as this console sees it; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct JournalClock {
    /// Journal minus this host, in milliseconds.
    offset_ms: Arc<AtomicI64>,
}

impl JournalClock {
    /// The journal's time now.
    pub fn now(&self) -> DateTime<Utc> {
        self.shift(Utc::now())
    }

    /// A time read on this host's clock, on the journal's.
    pub fn shift(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        local.checked_add_signed(self.offset()).unwrap_or(local)
    }

    /// The journal's clock minus this host's.
    pub fn offset(&self) -> TimeDelta {
        TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Record a measurement (the writer thread, at each heartbeat).
    pub fn set_offset(&self, offset: TimeDelta) {
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    /// The offset when it is large enough to show (more than `SKEW_SHOWN`).
    pub fn skew_shown(&self) -> Option<TimeDelta> {
        let off = self.offset();
        (off.abs() > SKEW_SHOWN).then_some(off)
    }
}

/// The offset of a clock read between `before` and `after` on this host
/// (the midpoint of the round trip, which bounds the error by half of it).
pub fn offset_of(read: DateTime<Utc>, before: DateTime<Utc>, after: DateTime<Utc>) -> TimeDelta {
    let mid = before + (after - before) / 2;
    read - mid
}

/// `+2h0m` / `-3s`: a skew for the header.
pub fn skew_text(d: TimeDelta) -> String {
    let sign = if d < TimeDelta::zero() { '-' } else { '+' };
    let abs = d.abs().to_std().unwrap_or_default();
    format!(
        "{sign}{}",
        crate::timefmt::rounded(std::time::Duration::from_secs(abs.as_secs()))
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_measured_from_the_middle_of_the_round_trip() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let off = offset_of(
            t - TimeDelta::hours(2),
            t - TimeDelta::milliseconds(10),
            t + TimeDelta::milliseconds(10),
        );
        assert_eq!(off, -TimeDelta::hours(2));
        let c = JournalClock::default();
        assert_eq!(c.skew_shown(), None);
        c.set_offset(TimeDelta::milliseconds(1900));
        assert_eq!(c.skew_shown(), None, "within 2s is not shown");
        c.set_offset(off);
        assert_eq!(c.shift(t), t - TimeDelta::hours(2));
        assert_eq!(skew_text(c.skew_shown().unwrap()), "-2h");
        assert_eq!(skew_text(TimeDelta::seconds(3)), "+3s");
    }
}
