//! The conductor's work, beside the console (in the spirit of gitui's
//! asyncgit): one console of a session holds the lease and polls, judges,
//! runs the actions and sends the notifications for every console. The
//! terminal loop (`tui::console`) hands the conductor what it folded and
//! shows what it says (`Said`); nothing here blocks the loop: actions,
//! deliveries and journal reads run as tasks, journal writes go to the
//! writer thread.
//!
//! - `poller`: this console's poller, running while it conducts, and its
//!   statuses handed to the writer (`Session::conduct` stores and judges).
//! - `judge`: what a poll round decides (guards, automatic gate items),
//!   pure, run by the writer inside the transaction that stores it.
//! - `effects`: the action queue; `way_back` and `late`: a pause or
//!   rollback the journal did not take in time runs from here;
//!   `outage_judge`: guards judged on this console's own statuses while the
//!   journal stores no poll round.
//! - `notify`: the `[[notify]]` senders, fed from the journaled cursors.
//! - `takeover`: what a console that gains the lease settles first.
//!
//! From which seq the conductor feeds its action queue: when the writer
//! says it gained the lease (`set_role`), the console has folded the
//! journal up to some seq S. Everything up to S is settled by the takeover
//! (interrupted rollback and pause run again, other interrupted actions
//! journaled as such, decisions whose action never started run now); every
//! event after S is fed to the queue as it is folded (`on_folded`), its own
//! commits and other consoles' alike. Nothing is fed twice (the loop folds
//! each seq once) and nothing is skipped (it folds every seq in order).

pub mod effects;
pub mod judge;
mod late;
pub mod notify;
pub mod outage_judge;
pub mod poller;
pub mod takeover;
pub mod way_back;

use crate::journal::JournalLocation;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::{self, UnboundedReceiver};

use crate::actions::queue::Fence;
use crate::console_session::writer::{Request, Writer};
use crate::runbook::model::Runbook;
use crate::session::event::{Event, EventBody, SessionMode};
use crate::session::state::State;
use crate::session::story::Story;
use effects::{ActionDone, Effects};
use outage_judge::OutageJudge;
use way_back::WayBack;

/// What the conductor tells the operator: the loop shows it on the
/// status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    Info(String),
    Error(String),
}

/// The journal as the console has folded it, lent to the conductor.
#[derive(Clone, Copy)]
pub struct Folded<'a> {
    /// The state, the canonical readings and the latest events, oldest
    /// first (`session::story`, the one fold every reader uses).
    pub story: &'a Story,
    /// Who acts at this console.
    pub operator: &'a str,
}

/// What the conductor's tasks answer; the loop waits on these and hands
/// each back (`on_action_done`, `notify::Notify::on_sent`, `on_read`).
pub struct Inbox {
    pub done: UnboundedReceiver<ActionDone>,
    /// `None` without `[[notify]]` targets (or for an observer).
    pub notified: Option<UnboundedReceiver<crate::notify::Sent>>,
    /// Journal reads the notifier asked for, done off the loop.
    pub reads: UnboundedReceiver<notify::Read>,
}

/// The conductor's seat in one console: idle until the writer says this
/// console holds the lease.
pub struct Conductor {
    runbook: Arc<Runbook>,
    effects: Effects,
    /// Action tasks started whose result has not come back yet.
    in_flight: usize,
    /// This console holds the lease: it polls and judges.
    conducting: bool,
    /// Its epoch (the seq of the `conductor_changed` that gave it the
    /// lease): every job it queues carries it as its fence.
    epoch: Option<u64>,
    read_only: bool,
    /// How many way-back actions this console ran by itself (their ids).
    late_runs: u64,
    /// Pauses and rollbacks handed to the writer that this console runs by
    /// itself if the journal does not take them in time.
    way_back: WayBack,
    /// Guards judged here while the journal does not store poll rounds;
    /// shared with the task that hands poll rounds to the writer
    /// (`poller::forward`), which notes each round before the writer can
    /// answer that it stored it.
    outage: Arc<Mutex<OutageJudge>>,
    /// `conducting` (and not read-only), for that task.
    judging: Arc<AtomicBool>,
    /// The whole journal as read when the lease was gained, for the
    /// takeover (`Reply::History`).
    history: Option<Vec<Event>>,
    poll: poller::Poll,
    notify: notify::Notify,
    said: Vec<Said>,
}

impl Conductor {
    /// Start the action queue and the notifiers (both idle until this
    /// console conducts). Needs a tokio runtime for the queue's tasks.
    pub fn start(
        runbook: &Arc<Runbook>,
        mode: SessionMode,
        execute: bool,
        read_only: bool,
        journal: JournalLocation,
    ) -> (Conductor, Inbox) {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let (notify, notified, reads) = notify::Notify::start(runbook, mode, read_only, journal);
        let c = Conductor {
            runbook: Arc::clone(runbook),
            effects: Effects::start(Arc::clone(runbook), mode, execute, done_tx),
            in_flight: 0,
            conducting: false,
            epoch: None,
            read_only,
            late_runs: 0,
            way_back: WayBack::default(),
            outage: Arc::default(),
            judging: Arc::default(),
            history: None,
            poll: poller::Poll::default(),
            notify,
            said: Vec::new(),
        };
        let inbox = Inbox {
            done: done_rx,
            notified,
            reads,
        };
        (c, inbox)
    }

    /// Guards this console fired by itself during a journal outage, shared
    /// with the writer's judge.
    pub fn local_fires(&self) -> crate::console_session::local_fires::LocalFires {
        outage(&self.outage).fires.clone()
    }

    /// Does this console hold the conductor's lease?
    pub fn is_conducting(&self) -> bool {
        self.conducting
    }

    /// Action tasks whose result has not come back yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// What to show the operator since the last call, in order.
    pub fn take_said(&mut self) -> Vec<Said> {
        std::mem::take(&mut self.said)
    }

    fn info(&mut self, s: impl Into<String>) {
        self.said.push(Said::Info(s.into()));
    }

    fn error(&mut self, s: impl Into<String>) {
        self.said.push(Said::Error(s.into()));
    }

    fn send(&mut self, writer: &Writer, req: Request) {
        if !writer.send(req) {
            self.error("journal: the journal writer has stopped");
        }
    }

    /// `ev` was just folded (`stage_before`: the stage before it). Only
    /// while the journal, as folded, still says this epoch conducts: a
    /// console that wakes from a freeze folds the decisions another
    /// conductor already carried out, and must not queue them again (their
    /// starts would be refused anyway, but a pause or rollback would run
    /// late without the journal).
    pub fn on_folded(&mut self, ev: &Event, stage_before: Option<usize>, state: &State) {
        if self.conducting
            && !self.read_only
            && let Some(epoch) = self.epoch
            && state.conductor_epoch == Some(epoch)
        {
            let ev = std::slice::from_ref(ev);
            let fence = Fence::Epoch(epoch);
            self.in_flight += self.effects.spawn_for(ev, stage_before, fence);
        }
    }

    /// An event from the follower, before it is folded: a console demoted
    /// while running an expand still stops it at a later rollback (the
    /// conductor's queue preempts by itself).
    pub fn on_followed(&mut self, ev: &Event) {
        if !self.conducting && matches!(ev.body, EventBody::RollbackStarted { .. }) {
            self.effects.preempt(ev.seq);
        }
    }

    /// The whole journal the writer read when the lease was gained.
    pub fn on_history(&mut self, events: Vec<Event>) {
        self.history = Some(events);
    }

    /// The writer could not store or journal something: the journal may
    /// be away (the outage judge counts it).
    pub fn on_write_failed(&mut self) {
        outage(&self.outage).failed();
    }

    /// The writer stored a poll round: the journal answers the conductor.
    pub fn on_stored(&mut self) {
        outage(&self.outage).stored();
    }

    /// The lease was gained or lost: start or stop this console's poller,
    /// action queue and notifications. Gaining it takes over what the
    /// previous conductor left (see the module comment); losing it while
    /// alive (a frozen process whose lease expired) starts nothing more:
    /// what is running finishes and is journaled, the queued rest is left
    /// to the new conductor.
    pub fn set_role(&mut self, conductor: bool, epoch: Option<u64>, seen: Folded, writer: &Writer) {
        if conductor == self.conducting && epoch == self.epoch {
            return;
        }
        self.conducting = conductor;
        self.epoch = epoch;
        self.judging
            .store(conductor && !self.read_only, Ordering::Release);
        if conductor {
            self.take_over_in_flight(seen, writer);
            self.pump_notify(seen);
            self.poll.start(&self.runbook);
            self.info("this console conducts the session: it polls and judges for every console");
        } else {
            self.poll.stop();
            self.effects.stand_down();
            if let Some(n) = self.notify.notifier.as_mut() {
                n.forget_positions();
            }
            if !self.read_only {
                self.info("another console conducts now: this one shows its readings");
            }
        }
    }

    /// An action's report: journal its start (answering the job) or its
    /// result under the job's fence.
    pub fn on_action_done(&mut self, done: ActionDone, writer: &Writer) {
        if done.finished {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        match done.start {
            Some(ack) => self.send(
                writer,
                Request::Start {
                    events: done.events,
                    fence: done.fence,
                    ack,
                    went_late: done.went_late,
                },
            ),
            None if done.events.is_empty() => {}
            None => self.send(
                writer,
                Request::Record {
                    events: done.events,
                    fence: done.fence,
                },
            ),
        }
        if let Some(f) = done.failure {
            self.error(f);
        }
    }

    /// This console is leaving: poll no more.
    pub fn leave(&mut self) {
        self.poll.stop();
    }
}

/// The outage judge, also when a task panicked holding it (its data stays
/// usable: every update is one small step).
fn outage(m: &Mutex<OutageJudge>) -> MutexGuard<'_, OutageJudge> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
