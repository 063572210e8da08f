//! Side effects of committed decisions: the runbook's pause / resume /
//! expand / rollback actions and step commands, run by the one action
//! queue (`actions::queue`). The queue posts `action_started` and
//! `action_ran` (and, for a rollback, `rollback_finished`) back to the
//! loop, which journals them; nothing slow runs in `update`.
//!
//! Only the console that committed a decision runs its action: followed
//! events from other consoles never start anything here, so an action runs
//! once however many consoles are attached. (A conductor would feed its
//! queue every event it follows instead: `ActionQueue::on_events`.)

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::actions::queue::{ActionQueue, Executor};
use crate::actions::takeover::{self, Takeover};
use crate::runbook::model::Runbook;
use crate::session::event::{Event, SessionMode};
use crate::session::state::State;

/// What the queue asks the loop to journal (see `actions::queue::Report`).
pub use crate::actions::queue::Report as ActionDone;

/// The console's side of the action queue.
#[derive(Clone)]
pub struct Effects {
    queue: ActionQueue,
}

impl Effects {
    /// Start the queue (needs a tokio runtime); its reports go to `done`.
    pub fn start(
        runbook: Arc<Runbook>,
        mode: SessionMode,
        execute: bool,
        done: UnboundedSender<ActionDone>,
    ) -> Effects {
        let exec = Executor {
            runbook,
            mode,
            execute,
            // Redirects stay at home. Building only fails when TLS cannot
            // start, and then the default client cannot either.
            client: crate::untrusted::redirect::client().unwrap_or_default(),
        };
        Effects {
            queue: ActionQueue::start(exec, done),
        }
    }

    /// Queue the actions `events` (just committed by this console) call
    /// for. `stage_before` is the stage index before these events. Returns
    /// how many jobs were queued: each sends exactly one finished report,
    /// so the loop can wait for every result to be journaled before it
    /// exits.
    pub fn spawn_for(&self, events: &[Event], stage_before: Option<usize>) -> usize {
        self.queue.on_events(events, stage_before)
    }

    /// Another console's `rollback_started` (seq): stop our forward work
    /// decided before it.
    pub fn preempt(&self, seq: u64) {
        self.queue.preempt(seq);
    }

    /// Queue the retries a takeover decided; returns how many.
    pub fn retry(&self, t: &Takeover, state: &State) -> usize {
        for r in &t.retry {
            let job = takeover::retry_job(self.queue.runbook(), self.queue.mode(), state, r);
            self.queue.push(job);
        }
        t.retry.len()
    }
}
