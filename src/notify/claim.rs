//! INTERIM: which console sends notifications.
//!
//! The design gives that job to the session's conductor (a lease in the
//! journal's database, being built on the 'conductor' branch). Until it
//! lands, the sender is the console holding an exclusive `flock` on
//! `<journal>.notify.lock`: exactly one process can hold it, the kernel
//! releases it when that process dies (kill -9 included), and the next
//! console to try takes over. It shares the journal's one-host rule
//! (SQLite WAL already needs every console on one host).
//!
//! Swap point for the lead: `Console::should_notify` asks `Claim::held`;
//! replace that with "this console holds the conductor lease" and delete
//! this file.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

pub struct Claim {
    path: PathBuf,
    held: Option<Flock<File>>,
}

impl Claim {
    pub fn beside(journal: &Path) -> Claim {
        let mut name = journal.as_os_str().to_owned();
        name.push(".notify.lock");
        Claim {
            path: PathBuf::from(name),
            held: None,
        }
    }

    /// Try to take the claim (non-blocking). True when this console holds it.
    pub fn try_take(&mut self) -> bool {
        if self.held.is_some() {
            return true;
        }
        let Ok(file) = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.path)
        else {
            return false;
        };
        self.held = Flock::lock(file, FlockArg::LockExclusiveNonblock).ok();
        self.held.is_some()
    }

    pub fn held(&self) -> bool {
        self.held.is_some()
    }
}
