//! Side effects of committed decisions: the runbook's pause / resume /
//! expand / rollback actions and step commands, run by the one action
//! queue (`actions::queue`). The queue posts `action_started` and
//! `action_ran` (and, for a rollback, `rollback_finished`) back to the
//! loop, which journals them; nothing slow runs in `update`.
//!
//! Only the session's conductor runs actions: it feeds its queue every
//! event it folds, whoever committed it (`Console::fold`), so an action
//! runs once however many consoles are attached. Other consoles only
//! submit decisions.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::actions::queue::{ActionQueue, Executor, Fence, Job};
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

    /// Queue the actions `events` (just folded by the conductor) call
    /// for. `stage_before` is the stage index before these events. Returns
    /// how many jobs were queued: each sends exactly one finished report,
    /// so the loop can wait for every result to be journaled before it
    /// exits.
    pub fn spawn_for(&self, events: &[Event], stage_before: Option<usize>, fence: Fence) -> usize {
        self.queue.on_events_fenced(events, stage_before, fence)
    }

    /// Run one job now (a pause or rollback this console runs by itself
    /// because the journal did not answer in time). Counts as one.
    pub fn run_now(&self, job: Job) {
        self.queue.push(job);
    }

    /// Another console's `rollback_started` (seq): stop our forward work
    /// decided before it.
    pub fn preempt(&self, seq: u64) {
        self.queue.preempt(seq);
    }

    /// Queue what a takeover runs, in journal order: the retries it
    /// decided and the decisions `events` show never started
    /// (`takeover::unstarted`). Returns how many.
    pub fn take_over(&self, t: &Takeover, events: &[Event], state: &State, fence: Fence) -> usize {
        let (rb, mode) = (self.queue.runbook(), self.queue.mode());
        let mut jobs: Vec<_> = t
            .retry
            .iter()
            .map(|r| takeover::retry_job(rb, mode, state, r))
            .collect();
        for j in takeover::unstarted(rb, mode, events, state) {
            if !jobs.iter().any(|k| k.id == j.id) {
                jobs.push(j);
            }
        }
        // What the previous conductor left running is stopped first:
        // no retried rollback runs beside the expand it must undo.
        let orphans: Vec<_> = takeover::in_flight(events)
            .into_iter()
            .filter(|f| f.run_token.is_some())
            .collect();
        self.queue.reap(orphans, fence);
        jobs.sort_by_key(|j| j.seq);
        let n = jobs.len();
        for mut j in jobs {
            j.fence = fence;
            self.queue.push(j);
        }
        n
    }

    /// This console lost the lease: start nothing more.
    pub fn stand_down(&self) {
        self.queue.stand_down();
    }
}
