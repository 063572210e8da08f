//! Following a journal: deliver every new event (this console's and every
//! other console's) in seq order, and every new reading the conductor
//! stored, in id order.
//!
//! A dedicated read-only connection checks `PRAGMA data_version`, which
//! changes only when some connection commits. It checks when a writer
//! rings the doorbell (`bell`: every commit does), and once a second in
//! case a writer did not ring; without a doorbell (no inotify) every
//! 50 ms. The thread waits on a channel between checks, so dropping the
//! handle stops it at once.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::bell::{self, Wake};
use super::store::{Journal, JournalError};
use crate::journal::follower::{Followed, FollowerHandle, deliver, set_error};

/// How often the follower checks for other processes' commits when it
/// cannot hear the doorbell.
pub const POLL: Duration = Duration::from_millis(50);

/// How often it checks anyway while it hears the doorbell: a writer that
/// does not ring (the `sqlite3` shell) is seen within this.
pub const SAFETY_POLL: Duration = Duration::from_secs(1);

/// Follow `path` from `after_seq` and `after_reading` (both exclusive),
/// sending each new event and reading to `tx`. Opens the journal read-only
/// on the calling thread so a bad path is reported at once.
pub fn follow(
    path: &Path,
    after_seq: u64,
    after_reading: i64,
    tx: UnboundedSender<Followed>,
) -> Result<FollowerHandle, JournalError> {
    let journal = Journal::open_read_only(path)?;
    let (wake_tx, wake_rx) = mpsc::channel::<Wake>();
    // Listen before the first read: a ring between the two is not lost.
    let listener = bell::listen(path, wake_tx.clone());
    let error = Arc::new(Mutex::new(None));
    let err2 = Arc::clone(&error);
    let path: PathBuf = path.to_path_buf();
    let thread = std::thread::Builder::new()
        .name("journal-follow".into())
        .spawn(move || {
            run(
                journal,
                (after_seq, after_reading),
                tx,
                (wake_rx, listener),
                err2,
            )
        })
        .map_err(|e| JournalError::Open {
            path,
            cause: format!("cannot start the follower thread: {e}"),
        })?;
    Ok(FollowerHandle::stopped_by(
        move || {
            let _ = wake_tx.send(Wake::Stop);
        },
        thread,
        error,
    ))
}

fn run(
    journal: Journal,
    (mut last, mut last_reading): (u64, i64),
    tx: UnboundedSender<Followed>,
    (wake, mut listener): (mpsc::Receiver<Wake>, Option<bell::Listener>),
    error: Arc<Mutex<Option<String>>>,
) {
    let mut seen_version: Option<i64> = None;
    loop {
        if tx.is_closed() {
            return;
        }
        let version = journal.data_version();
        let changed = match (&version, seen_version) {
            (Ok(v), Some(s)) => *v != s,
            _ => true,
        };
        if changed {
            let read = journal
                .read_since(last)
                .and_then(|ev| Ok((ev, journal.readings_since(last_reading)?)));
            match read {
                Ok((events, readings)) => {
                    if let Ok(v) = version {
                        seen_version = Some(v);
                    }
                    set_error(&error, None);
                    if !deliver(events, readings, &tx, (&mut last, &mut last_reading)) {
                        return;
                    }
                }
                Err(e) => set_error(&error, Some(e.to_string())),
            }
        }
        let wait = if listener.is_some() {
            SAFETY_POLL
        } else {
            POLL
        };
        match wake.recv_timeout(wait) {
            Ok(Wake::Rang) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Wake::Deaf) => listener = None,
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
