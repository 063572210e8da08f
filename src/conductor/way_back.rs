//! The way back never waits on the journal: a pause or rollback pressed
//! here goes to the writer as usual (journal first), and waits at most
//! `WAY_BACK_WAIT` for it. If the journal has not taken it by then (locked
//! by another program, a full disk, a stopped server), this console runs
//! the action itself; the writer keeps the command and journals it
//! `recorded_late`, with the time it really ran, as soon as the journal
//! answers. A `Claim` makes sure exactly one of the two acts.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::actions::queue::WAY_BACK_WAIT;
use crate::console_session::claim::{Claim, ConsoleTake};
use crate::session::command::Command;

/// When the writer holds the claim (it is committing), look again after
/// this long.
const RECHECK: std::time::Duration = std::time::Duration::from_millis(100);

struct Waiting {
    id: u64,
    claim: Arc<Claim>,
    cmd: Command,
    due: Instant,
}

/// The way-back commands of this console that the journal has not
/// answered yet.
#[derive(Default)]
pub struct WayBack {
    waiting: Vec<Waiting>,
}

impl WayBack {
    /// Start waiting for command `id`; the claim goes to the writer.
    pub fn arm(&mut self, id: u64, cmd: Command, now: Instant) -> Arc<Claim> {
        let claim = Arc::new(Claim::default());
        self.waiting.push(Waiting {
            id,
            claim: Arc::clone(&claim),
            cmd,
            due: now + WAY_BACK_WAIT,
        });
        claim
    }

    /// The writer answered command `id`.
    pub fn settled(&mut self, id: u64) {
        self.waiting.retain(|w| w.id != id);
    }

    /// The earliest time something is due.
    pub fn due(&self) -> Option<Instant> {
        self.waiting.iter().map(|w| w.due).min()
    }

    /// The commands whose wait ran out and that this console now runs
    /// itself (their claims are taken: the writer journals them late), with
    /// what `may_run` made of each. One that `may_run` no longer allows
    /// (`None`: the state moved on) is left to the writer, which decides it
    /// when the journal answers.
    pub fn take_due<T>(
        &mut self,
        now: Instant,
        wall: DateTime<Utc>,
        may_run: impl Fn(&Command) -> Option<T>,
    ) -> Vec<(Command, T)> {
        let mut run = Vec::new();
        self.waiting.retain_mut(|w| {
            if w.due > now {
                return true;
            }
            let Some(what) = may_run(&w.cmd) else {
                return false;
            };
            match w.claim.console_take(wall) {
                ConsoleTake::Run => {
                    run.push((w.cmd.clone(), what));
                    false
                }
                ConsoleTake::Busy => {
                    w.due = now + RECHECK;
                    true
                }
                ConsoleTake::Done => false,
            }
        });
        run
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pause() -> Command {
        Command::Pause {
            reason: "hold".into(),
        }
    }

    #[test]
    fn runs_once_the_wait_is_over_unless_the_journal_took_it() {
        let t0 = Instant::now();
        let mut wb = WayBack::default();
        let claim = wb.arm(1, pause(), t0);
        assert!(
            wb.take_due(t0, Utc::now(), |_| Some(())).is_empty(),
            "not before 2 s"
        );
        assert_eq!(wb.due(), Some(t0 + WAY_BACK_WAIT));
        // The writer holds it (committing): look again shortly.
        assert_eq!(claim.writer_take(), Ok(()));
        let later = t0 + WAY_BACK_WAIT;
        assert!(wb.take_due(later, Utc::now(), |_| Some(())).is_empty());
        assert_eq!(wb.due(), Some(later + RECHECK));
        // Its commit failed: the console runs it.
        claim.writer_release();
        assert_eq!(
            wb.take_due(later + RECHECK, Utc::now(), |_| Some(())),
            vec![(pause(), ())]
        );
        assert_eq!(wb.due(), None);
        // Journaled in time: nothing to run.
        let claim = wb.arm(2, pause(), t0);
        claim.writer_done();
        assert!(wb.take_due(later, Utc::now(), |_| Some(())).is_empty());
        assert_eq!(wb.due(), None);
    }
}
