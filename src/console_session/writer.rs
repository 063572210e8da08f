//! The journal writer: a thread that owns the session (the write
//! connection), so nothing that can block (SQLite's busy wait, fsync) runs
//! on the console's loop. The loop sends requests; the writer commits and
//! answers with a message. The loop keeps drawing and answering keys while
//! another process holds the write lock; the screen shows a command as
//! pending until its answer comes back.
//!
//! The writer also beats: about once a second it renews this console's
//! presence and the conductor's lease (`Session::heartbeat`). While it
//! holds the lease it stores the poller's statuses as readings and judges
//! guards and automatic gate items on them (`Session::conduct`).

use std::collections::BTreeMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::session::{BEAT, Session};
use crate::guard::{self, GuardTracker};
use crate::health::{PanelMap, PanelState, PanelStatus};
use crate::runbook::model::Runbook;
use crate::session::command::{Command, Outcome};
use crate::session::decide::follow_ups;
use crate::session::event::{DetachReason, Event, EventBody};
use crate::session::evidence;
use crate::session::state::{State, StepStatus};

/// What the loop asks the writer to do.
#[derive(Debug, Clone)]
pub enum Request {
    /// An operator's command; answered with `Reply::Submitted { id, .. }`.
    Submit { id: u64, cmd: Command },
    /// Statuses from this console's poller (stored only while it conducts).
    Statuses(Vec<PanelStatus>),
    /// A finished action's events (`action_ran`, ...), journaled as they
    /// are except a `step_finished` for a step no longer running.
    Record(Vec<EventBody>),
    /// `:as NAME` (rehearse and demo).
    SetOperator(String),
    /// Leave the session; answered with `Reply::Detached`, then the
    /// writer ends.
    Detach(DetachReason),
}

/// The writer's answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Submitted {
        id: u64,
        result: Result<Outcome, String>,
    },
    /// Guards and gates this console decided as the conductor (their
    /// actions run here: the console that commits runs the action).
    Conducted(Vec<Event>),
    /// Sent just before `Role { conductor: true }`: the whole journal as
    /// read when the lease was gained, so the takeover sees every action
    /// left in flight however far back it started (the console keeps only
    /// a tail in memory). Not sent when that read failed: the takeover
    /// then works from the tail.
    History(Vec<Event>),
    /// This console gained (true) or lost (false) the conductor's lease.
    Role {
        conductor: bool,
    },
    Error(String),
    /// The journal's file was deleted or replaced at its path (what to
    /// show; `Session::check_journal`): sent once.
    JournalLost(String),
    Detached(Result<(), String>),
}

/// The loop's end of the writer; dropping it detaches (reason quit) and
/// joins the thread.
pub struct Writer {
    tx: Option<mpsc::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Start the writer thread with `session`; answers go to `replies`.
    pub fn spawn(session: Session, replies: UnboundedSender<Reply>) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || run(session, rx, replies))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Hand a request over; never blocks. False when the writer is gone.
    pub fn send(&self, req: Request) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.send(req).is_ok())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The conductor's judgement: guard breaches tracked across readings, and
/// since when it has watched each panel.
#[derive(Default)]
struct Judge {
    tracker: GuardTracker,
    /// Since when this conductor's own poller has watched each panel: its
    /// first status's time, or the state it reports if that began earlier
    /// (a poller never reports a state older than itself).
    first_seen: BTreeMap<String, DateTime<Utc>>,
}

impl Judge {
    /// Note this conductor's own statuses (never the previous conductor's
    /// readings: their "OK since" is not what this poller saw).
    fn saw(&mut self, statuses: &[PanelStatus], now: DateTime<Utc>) {
        for st in statuses {
            let since = st.state_since.map_or(now, |s| s.min(now));
            self.first_seen.entry(st.id.clone()).or_insert(since);
        }
    }

    /// Guards first (the first decision with events wins this reading; the
    /// next reading sees its effect), then, on the batch's last reading,
    /// automatic gate items.
    fn judge(
        &mut self,
        state: &State,
        rb: &Runbook,
        panels: &PanelMap,
        last: bool,
        now: DateTime<Utc>,
    ) -> Vec<EventBody> {
        self.tracker.observe(rb, panels, now);
        for d in guard::decide(rb, state, panels, &self.tracker, now) {
            let events = guard::events_for(&d, rb, state, &evidence(panels));
            if !events.is_empty() {
                return events;
            }
        }
        if !last || !self.may_judge_gates(rb, panels, now) {
            return Vec::new();
        }
        follow_ups(rb, state, Some(panels), now)
            .into_iter()
            .filter(|b| matches!(b, EventBody::GateGo { .. } | EventBody::GateReopened { .. }))
            .collect()
    }

    /// Can the readings decide automatic gate items yet? Not while a panel
    /// an item reads is OK but this conductor has watched it for less than
    /// the item's `for`: a new conductor's poller restarts every panel's
    /// "OK since", and judging at once would reopen a gate the previous
    /// conductor rightly saw GO. A panel in a bad state is judged at once.
    fn may_judge_gates(&self, rb: &Runbook, panels: &PanelMap, now: DateTime<Utc>) -> bool {
        rb.gates
            .iter()
            .flat_map(|g| &g.items)
            .filter_map(|i| Some((i.panel.as_ref()?, i.for_)))
            .all(|(panel, for_)| {
                let ok = panels.get(panel).is_some_and(|p| p.state == PanelState::Ok);
                let watched = self
                    .first_seen
                    .get(panel)
                    .map(|t| now - *t)
                    .unwrap_or_default();
                !ok || watched
                    >= chrono::TimeDelta::from_std(for_).unwrap_or(chrono::TimeDelta::MAX)
            })
    }
}

/// Move a poller's times (this host's clock) onto the journal's.
fn on_journal_clock(batch: &mut [PanelStatus], clock: &crate::journal::JournalClock) {
    for st in batch {
        for t in [&mut st.state_since, &mut st.last_poll, &mut st.last_good] {
            *t = t.map(|t| clock.shift(t));
        }
    }
}

/// How long the conductor waits for the rest of a poll round before
/// storing it: short beside any poll interval, long beside the spread of
/// answers to one tick.
const GATHER: Duration = Duration::from_millis(30);

fn run(mut session: Session, rx: mpsc::Receiver<Request>, out: UnboundedSender<Reply>) {
    let mut conductor = false;
    let mut judge = Judge::default();
    let mut next_beat = Instant::now();
    let mut pending: Option<Request> = None;
    // Beat before the first request: whether this console conducts is
    // known before any poll result is looked at.
    let mut renewed: Option<Instant> = None;
    let beat = |session: &mut Session,
                conductor: &mut bool,
                judge: &mut Judge,
                renewed: &mut Option<Instant>| {
        // Once a second: is the journal's file still the one at its path?
        if let Some(told) = session.check_journal() {
            let _ = out.send(Reply::JournalLost(told));
        }
        let since = renewed.map_or(Duration::MAX, |t| t.elapsed());
        if !session.beat_due(*conductor, since) {
            return;
        }
        let started = Instant::now();
        let now = session.now();
        match session.heartbeat(now) {
            Ok(b) => {
                *renewed = Some(started);
                if b.conductor != *conductor {
                    *conductor = b.conductor;
                    *judge = Judge::default();
                    if b.conductor
                        && let Ok(history) = session.history()
                    {
                        let _ = out.send(Reply::History(history));
                    }
                    let _ = out.send(Reply::Role {
                        conductor: *conductor,
                    });
                }
            }
            Err(e) => {
                let _ = out.send(Reply::Error(format!("heartbeat: {e}")));
            }
        }
    };
    beat(&mut session, &mut conductor, &mut judge, &mut renewed);
    next_beat += BEAT;
    loop {
        let req = match pending.take() {
            Some(r) => Some(r),
            None => match rx.recv_timeout(next_beat.saturating_duration_since(Instant::now())) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    // The console went without detaching: leave cleanly.
                    let _ = session.detach_at(session.now(), DetachReason::Quit);
                    return;
                }
            },
        };
        match req {
            None => {}
            Some(Request::Statuses(mut batch)) => {
                // Gather the rest of the poll round into one transaction:
                // panels polled on the same tick answer a few ms apart, and
                // every commit wakes every console's follower and redraws
                // its screen. Anything else ends the wait at once.
                let until = Instant::now() + GATHER;
                while let Ok(next) =
                    rx.recv_timeout(until.saturating_duration_since(Instant::now()))
                {
                    match next {
                        Request::Statuses(more) => batch.extend(more),
                        other => {
                            pending = Some(other);
                            break;
                        }
                    }
                }
                if conductor {
                    // The poller reads this host's clock; judged and
                    // stored on the journal's (`journal::clock`).
                    on_journal_clock(&mut batch, &session.clock());
                    let now = session.now();
                    judge.saw(&batch, now);
                    match session.conduct(&batch, now, |s, rb, p, last| {
                        judge.judge(s, rb, p, last, now)
                    }) {
                        Ok(Some(events)) if !events.is_empty() => {
                            let _ = out.send(Reply::Conducted(events));
                        }
                        Ok(Some(_)) => {}
                        // The lease is gone: the next beat says so.
                        Ok(None) => next_beat = Instant::now(),
                        Err(e) => {
                            let _ = out.send(Reply::Error(format!("readings: {e}")));
                        }
                    }
                }
            }
            Some(Request::Submit { id, cmd }) => {
                let now = session.now();
                let result = session
                    .submit_canonical(&cmd, now)
                    .map_err(|e| e.to_string());
                let _ = out.send(Reply::Submitted { id, result });
            }
            Some(Request::Record(events)) => {
                let operator = session.operator().to_string();
                let r = session.transact(
                    // A step finished by hand while its command ran keeps
                    // the operator's outcome: decided against the journal
                    // as it is now.
                    move |state, _| {
                        events
                            .into_iter()
                            .filter(|e| match e {
                                EventBody::StepFinished { step, .. } => state
                                    .step(step)
                                    .is_some_and(|s| s.status == StepStatus::Running),
                                _ => true,
                            })
                            .collect()
                    },
                    &operator,
                );
                if let Err(e) = r {
                    let _ = out.send(Reply::Error(format!("journal: {e}")));
                }
            }
            Some(Request::SetOperator(name)) => session.set_operator(&name),
            Some(Request::Detach(reason)) => {
                let now = session.now();
                let r = session.detach_at(now, reason).map_err(|e| e.to_string());
                let _ = out.send(Reply::Detached(r));
                return;
            }
        }
        if Instant::now() >= next_beat {
            next_beat = Instant::now() + BEAT;
            beat(&mut session, &mut conductor, &mut judge, &mut renewed);
        }
    }
}
