//! The doorbell: how a console's follower learns at once that another
//! process committed, without waking twenty times a second to ask.
//!
//! SQLite tells no other process about a commit. Polling `PRAGMA
//! data_version` every 50 ms works, but with ten consoles on one host the
//! wake-ups alone were most of their CPU. So every writer rings after each
//! commit by setting the journal file's times to now (a path-based
//! `utimensat`: opening and closing a descriptor on the journal would drop
//! this process's SQLite locks), and every follower listens with inotify
//! for that attribute change. The ring comes after the commit, so what the
//! follower reads when woken is already visible (the WAL's own writes come
//! before the commit is, which is why they are not what we listen to).
//!
//! A writer that does not ring (the `sqlite3` shell, an older warroom) is
//! still seen by the follower's slow safety poll; where inotify is missing
//! or refused (another OS, the per-user instance limit), the follower falls
//! back to polling every 50 ms.

use std::path::Path;

/// What wakes the follower thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Its handle was dropped.
    Stop,
    /// Someone rang: look for new rows now.
    Rang,
    /// The listener ended (read error): poll from now on.
    Deaf,
}

/// Ring after a commit. Errors are ignored: a missed ring costs at most the
/// safety poll's delay, never a row.
pub(crate) fn ring(journal: &Path) {
    use nix::sys::stat::{UtimensatFlags, utimensat};
    use nix::sys::time::TimeSpec;
    // Both times, so inotify reports IN_ATTRIB (mtime alone would read as
    // IN_MODIFY, which checkpoints also cause).
    let _ = utimensat(
        nix::fcntl::AT_FDCWD,
        journal,
        &TimeSpec::UTIME_NOW,
        &TimeSpec::UTIME_NOW,
        UtimensatFlags::FollowSymlink,
    );
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use linux::{Listener, listen};

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::mpsc::Sender;

    use nix::errno::Errno;
    use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};

    use super::Wake;

    /// Listening for rings; dropping it stops the listening thread (removing
    /// the watch wakes its blocking read with IN_IGNORED).
    pub(crate) struct Listener {
        inotify: Arc<Inotify>,
        watch: WatchDescriptor,
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = self.inotify.rm_watch(self.watch);
        }
    }

    /// Listen for rings on `journal`, sending `Wake::Rang` to `wake`. None
    /// when inotify cannot be had here: the caller polls instead.
    pub(crate) fn listen(journal: &Path, wake: Sender<Wake>) -> Option<Listener> {
        let inotify = Arc::new(Inotify::init(InitFlags::IN_CLOEXEC).ok()?);
        let watch = inotify.add_watch(journal, AddWatchFlags::IN_ATTRIB).ok()?;
        let reader = Arc::clone(&inotify);
        std::thread::Builder::new()
            .name("journal-bell".into())
            .spawn(move || {
                loop {
                    match reader.read_events() {
                        Ok(events) => {
                            if events
                                .iter()
                                .any(|e| e.mask.contains(AddWatchFlags::IN_IGNORED))
                            {
                                // Our watch was removed (the follower ended)
                                // or the file went away: nothing more to hear.
                                let _ = wake.send(Wake::Deaf);
                                return;
                            }
                            if wake.send(Wake::Rang).is_err() {
                                return;
                            }
                        }
                        Err(Errno::EINTR) => {}
                        Err(_) => {
                            let _ = wake.send(Wake::Deaf);
                            return;
                        }
                    }
                }
            })
            .ok()?;
        Some(Listener { inotify, watch })
    }
}

/// Without inotify there is nothing to listen with: the follower polls.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) struct Listener;

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn listen(_journal: &Path, _wake: std::sync::mpsc::Sender<Wake>) -> Option<Listener> {
    None
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_ring_wakes_the_listener_and_dropping_it_ends_the_listening() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.db");
        std::fs::write(&journal, b"x").unwrap();
        let (tx, rx) = mpsc::channel();
        let listener = listen(&journal, tx).expect("inotify on a local folder");
        assert!(
            rx.try_recv().is_err(),
            "nothing rang yet, nothing may be heard"
        );
        ring(&journal);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Wake::Rang));
        drop(listener);
        // The listening thread says it is deaf and ends (its sender goes).
        loop {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(Wake::Rang) => continue,
                Ok(w) => {
                    assert_eq!(w, Wake::Deaf);
                    break;
                }
                Err(e) => panic!("the listener never ended: {e}"),
            }
        }
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
    }

    #[test]
    fn every_commit_rings() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.db");
        let (mut j, _) = crate::journal::Journal::open(&journal).unwrap();
        let (tx, rx) = mpsc::channel();
        let _listener = listen(&journal, tx).expect("inotify on a local folder");
        let mut w = j.begin().unwrap();
        w.append(&crate::journal::NewEvent {
            ts: chrono::Utc::now(),
            operator: "alice".into(),
            body: crate::session::event::EventBody::Note {
                text: "hello".into(),
            },
        })
        .unwrap();
        assert!(rx.try_recv().is_err(), "nothing rings before the commit");
        w.commit().unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Wake::Rang));
    }

    #[test]
    fn a_missing_journal_cannot_be_listened_to_and_ringing_it_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("missing.db");
        let (tx, _rx) = mpsc::channel();
        assert!(listen(&journal, tx).is_none());
        ring(&journal);
        assert!(!journal.exists(), "ringing must never create the journal");
    }
}
