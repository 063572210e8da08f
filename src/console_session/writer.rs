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

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

use super::claim::Claim;
use super::local_fires::LocalFires;
use super::session::{BEAT, Session, SessionError};
use crate::actions::queue::{Fence, StartAck};
use crate::conductor::judge::Judge;
use crate::guard;
use crate::health::PanelStatus;
use crate::session::command::{Command, Outcome};
use crate::session::event::{DetachReason, Event, EventBody};
use crate::session::state::{State, StepStatus};

/// What the loop asks the writer to do.
#[derive(Debug)]
pub enum Request {
    /// An operator's command; answered with `Reply::Submitted { id, .. }`.
    /// A pause or rollback carries a `Claim`: if the journal does not
    /// answer in time the console runs it itself, and the writer then
    /// journals it `recorded_late`.
    Submit {
        id: u64,
        cmd: Command,
        claim: Option<Arc<Claim>>,
    },
    /// Statuses from this console's poller (stored only while it conducts).
    Statuses(Vec<PanelStatus>),
    /// A job's start (`action_started`, or nothing in a rehearsal):
    /// committed only while `fence` holds; answered on `ack`.
    Start {
        events: Vec<EventBody>,
        fence: Fence,
        ack: oneshot::Sender<StartAck>,
        /// Set by the job when it ran without waiting for `ack` any longer.
        went_late: Arc<std::sync::atomic::AtomicBool>,
    },
    /// A guard's decision this console carried out by itself while the
    /// journal did not answer (`conductor::outage_judge`): journaled as it is
    /// when the guard's action still fits the state, else as a note that
    /// says what ran and when.
    Late { events: Vec<EventBody> },
    /// A finished action's events (`action_ran`, ...), and notification
    /// cursors, journaled under `fence` (a stale conductor's are dropped),
    /// except a `step_finished` for a step no longer running.
    Record {
        events: Vec<EventBody>,
        fence: Fence,
    },
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
    /// This console gained (true, with its epoch) or lost (false) the
    /// conductor's lease.
    Role {
        conductor: bool,
        epoch: Option<u64>,
    },
    /// A request could not be journaled yet (busy, full, away): it is
    /// kept and tried again; the text names the request and the cause.
    Retrying(String),
    /// Everything kept for a retry is journaled now.
    Caught,
    /// A poll round was stored: the journal answers the conductor.
    Stored,
    /// Something this console did is not journaled because it no longer
    /// conducts (its epoch was fenced off).
    Fenced(String),
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
        Self::spawn_with(session, replies, LocalFires::default())
    }

    /// `spawn`, with the guards the console fired by itself during a
    /// journal outage (the judge skips those breaches).
    pub fn spawn_with(
        session: Session,
        replies: UnboundedSender<Reply>,
        fires: LocalFires,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || run(session, rx, replies, fires))?;
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

/// Where a conductor's poller hands its statuses: straight to the writer
/// thread, never through the terminal loop.
#[derive(Clone)]
pub struct StatusSink(mpsc::Sender<Request>);

impl StatusSink {
    /// False when the writer is gone.
    pub fn send(&self, batch: Vec<PanelStatus>) -> bool {
        self.0.send(Request::Statuses(batch)).is_ok()
    }
}

impl Writer {
    /// A sender for poll rounds (`None` once the writer was dropped). The
    /// writer ends at `Request::Detach`, whoever still holds a sink.
    pub fn status_sink(&self) -> Option<StatusSink> {
        self.tx.clone().map(StatusSink)
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

/// How long an operator's forward command (expand, resume, begin, a
/// sign-off) is tried again while the journal does not answer before it
/// is given up, said, and left for the operator to press again: a decision
/// taken minutes later than it was pressed would surprise everyone. Pause,
/// rollback and what actions did are tried until they are journaled.
const FORWARD_RETRY_FOR: Duration = Duration::from_secs(30);
/// How often a request kept for a retry is tried again.
const RETRY_EVERY: Duration = Duration::from_millis(500);

/// Requests that failed for a reason that may pass (the journal busy,
/// full, away), kept in order and tried again: the way back is never
/// dropped, and what happened is journaled in the order it happened.
struct Outbox {
    queue: VecDeque<(Request, Instant)>,
    next_try: Instant,
}

impl Outbox {
    fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// What trying one request came to.
enum Tried {
    Done,
    /// Failed for a reason that may pass: keep it (the request is given
    /// back) and say why.
    Again(Request, String),
}

struct WriterState {
    session: Session,
    out: UnboundedSender<Reply>,
    conductor: bool,
    epoch: Option<u64>,
    judge: Judge,
    renewed: Option<Instant>,
    fires: LocalFires,
}

impl WriterState {
    fn reply(&self, r: Reply) {
        let _ = self.out.send(r);
    }

    /// The heartbeat, when due; says when this console gained or lost the
    /// lease (or its epoch changed: it lost and took it again).
    fn beat(&mut self) {
        // Once a second: is the journal's file still the one at its path?
        if let Some(told) = self.session.check_journal() {
            self.reply(Reply::JournalLost(told));
        }
        let since = self.renewed.map_or(Duration::MAX, |t| t.elapsed());
        if !self.session.beat_due(self.conductor, since) {
            return;
        }
        let started = Instant::now();
        let now = self.session.now();
        match self.session.heartbeat(now) {
            Ok(b) => {
                self.renewed = Some(started);
                let epoch = if b.conductor {
                    self.session.epoch()
                } else {
                    None
                };
                self.set_role(b.conductor, epoch);
            }
            Err(e) => self.reply(Reply::Error(format!("heartbeat: {e}"))),
        }
    }

    fn set_role(&mut self, conductor: bool, epoch: Option<u64>) {
        if conductor == self.conductor && epoch == self.epoch {
            return;
        }
        if self.conductor && conductor {
            // Lost and taken again while this process looked away: what it
            // queued before belongs to the old epoch. Say "lost" first so
            // the console stands down, then take over anew.
            self.reply(Reply::Role {
                conductor: false,
                epoch: None,
            });
        }
        self.conductor = conductor;
        self.epoch = epoch;
        self.judge = Judge::default();
        if conductor && let Ok(history) = self.session.history() {
            self.reply(Reply::History(history));
        }
        self.reply(Reply::Role { conductor, epoch });
    }

    /// Try what the outbox keeps, in order, when a retry is due; say when
    /// it is empty again.
    fn flush(&mut self, outbox: &mut Outbox) {
        if outbox.is_empty() || Instant::now() < outbox.next_try {
            return;
        }
        while let Some((req, first)) = outbox.queue.pop_front() {
            if let Tried::Again(req, _) = self.try_one(req, first) {
                outbox.queue.push_front((req, first));
                outbox.next_try = Instant::now() + RETRY_EVERY;
                return;
            }
        }
        self.reply(Reply::Caught);
    }

    /// The journal said this epoch no longer holds the lease.
    fn fenced_off(&mut self) {
        self.set_role(false, None);
    }

    /// Try one request that must be journaled in order.
    fn try_one(&mut self, req: Request, first: Instant) -> Tried {
        match req {
            Request::Submit { id, cmd, claim } => {
                let now = self.session.now();
                let r = match &claim {
                    Some(c) => self.session.submit_claimed(&cmd, now, c),
                    None => self.session.submit_canonical(&cmd, now),
                };
                match r {
                    Ok(outcome) => {
                        self.reply(Reply::Submitted {
                            id,
                            result: Ok(outcome),
                        });
                        Tried::Done
                    }
                    Err(e) if retryable(&e) => {
                        let way_back = claim.is_some();
                        if way_back || first.elapsed() < FORWARD_RETRY_FOR {
                            let what = cmd.describe();
                            Tried::Again(Request::Submit { id, cmd, claim }, format!("{what}: {e}"))
                        } else {
                            let msg = format!(
                                "{e}; not journaled after {}s, so not done: press it again",
                                FORWARD_RETRY_FOR.as_secs()
                            );
                            self.reply(Reply::Submitted {
                                id,
                                result: Err(msg),
                            });
                            Tried::Done
                        }
                    }
                    Err(e) => {
                        self.reply(Reply::Submitted {
                            id,
                            result: Err(e.to_string()),
                        });
                        Tried::Done
                    }
                }
            }
            Request::Start {
                events,
                fence,
                ack,
                went_late,
            } => {
                // The job stopped waiting and ran (the way back after
                // `WAY_BACK_WAIT`): its start is journaled as it happened.
                // A job that gave up without running (stopped while it
                // waited) never gets a start in the journal.
                let late = went_late.load(std::sync::atomic::Ordering::Acquire);
                if ack.is_closed() && !late {
                    return Tried::Done;
                }
                let fence = if late { Fence::Late } else { fence };
                let names = describe(&events);
                match self.record(events.clone(), fence) {
                    Ok(true) => {
                        let _ = ack.send(StartAck::Go);
                        Tried::Done
                    }
                    Ok(false) => {
                        let _ = ack.send(StartAck::Refused(
                            "this console no longer conducts: another console took the lease"
                                .into(),
                        ));
                        Tried::Done
                    }
                    // Forward work is not held for ever: past the retry
                    // window its start is refused and it does not run.
                    Err(e) if retryable(&e) && (late || first.elapsed() < FORWARD_RETRY_FOR) => {
                        Tried::Again(
                            Request::Start {
                                events,
                                fence,
                                ack,
                                went_late,
                            },
                            format!("{names}: {e}"),
                        )
                    }
                    Err(e) => {
                        let _ = ack.send(StartAck::Refused(format!("journal: {e}")));
                        Tried::Done
                    }
                }
            }
            Request::Late { events } => {
                let operator = self.session.operator().to_string();
                let names = describe(&events);
                let keep = events.clone();
                let r = self.session.transact_fenced(
                    |state, rb| late_guard(state, rb.cutover.timezone, events),
                    &operator,
                    self.session.now(),
                    None,
                );
                match r {
                    Ok(_) => {
                        // Journaled: the journal's own record rules now.
                        self.fires.forget(&keep);
                        Tried::Done
                    }
                    Err(e) if retryable(&e) => {
                        Tried::Again(Request::Late { events: keep }, format!("{names}: {e}"))
                    }
                    Err(e) => {
                        self.reply(Reply::Error(format!("journal: {e}")));
                        Tried::Done
                    }
                }
            }
            Request::Record { events, fence } => {
                let names = describe(&events);
                match self.record(events.clone(), fence) {
                    Ok(true) => Tried::Done,
                    Ok(false) => {
                        self.reply(Reply::Fenced(format!(
                            "not journaled ({names}): this console no longer conducts"
                        )));
                        Tried::Done
                    }
                    Err(e) if retryable(&e) => {
                        Tried::Again(Request::Record { events, fence }, format!("{names}: {e}"))
                    }
                    Err(e) => {
                        self.reply(Reply::Error(format!("journal: {e}")));
                        Tried::Done
                    }
                }
            }
            // Never kept for a retry (the run loop handles them itself).
            Request::Statuses(batch) => {
                self.conduct(batch);
                Tried::Done
            }
            Request::SetOperator(name) => {
                self.session.set_operator(&name);
                Tried::Done
            }
            Request::Detach(_) => Tried::Done,
        }
    }

    /// Journal `events` under `fence`: `Ok(false)` when the fence no longer
    /// holds (nothing written; this console stands down).
    fn record(&mut self, events: Vec<EventBody>, fence: Fence) -> Result<bool, SessionError> {
        if events.is_empty() && fence == Fence::Late {
            return Ok(true);
        }
        let operator = self.session.operator().to_string();
        let epoch = fence.epoch();
        // Delivery results are bookkeeping, not the cutover's story: the
        // cursor table, not the timeline (`journal/notify_cursor.rs`).
        let (deliveries, events): (Vec<_>, Vec<_>) = events
            .into_iter()
            .partition(|e| matches!(e, EventBody::Notified { .. }));
        if !deliveries.is_empty() {
            let now = self.session.now();
            if self
                .session
                .record_deliveries(deliveries, &operator, now, epoch)?
                .is_none()
            {
                self.fenced_off();
                return Ok(false);
            }
            if events.is_empty() {
                return Ok(true);
            }
        }
        let r = self.session.transact_fenced(
            // A step finished by hand while its command ran keeps the
            // operator's outcome: decided against the journal as it is now.
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
            self.session.now(),
            epoch,
        )?;
        if r.is_none() {
            self.fenced_off();
        }
        Ok(r.is_some())
    }

    fn conduct(&mut self, mut batch: Vec<PanelStatus>) {
        let (true, Some(epoch)) = (self.conductor, self.epoch) else {
            return;
        };
        // The poller reads this host's clock; judged and stored on the
        // journal's (`journal::clock`).
        on_journal_clock(&mut batch, &self.session.clock());
        let now = self.session.now();
        self.judge.saw(&batch, now);
        let (judge, fires) = (&mut self.judge, &self.fires);
        match self.session.conduct(&batch, now, epoch, |s, rb, p, last| {
            judge.judge(s, rb, p, last, now, fires)
        }) {
            Ok(Some(events)) => {
                self.reply(Reply::Stored);
                if !events.is_empty() {
                    self.reply(Reply::Conducted(events));
                }
            }
            // The lease is gone (or was taken and given back): beat now.
            Ok(None) => self.renewed = None,
            Err(e) => self.reply(Reply::Error(format!("readings: {e}"))),
        }
    }
}

/// A guard decision the console ran during an outage, decided again on
/// the journal as it is now: as it was when its action still fits the
/// state (and nobody journaled the same breach meanwhile), else a note that
/// says what ran, so the record never claims a move the state refuses.
fn late_guard(state: &State, zone: crate::timefmt::Zone, events: Vec<EventBody>) -> Vec<EventBody> {
    let fired = events.iter().find_map(|e| match e {
        EventBody::GuardFired {
            panel, when, then, ..
        } => Some((panel.clone(), *when, *then)),
        _ => None,
    });
    let ran_at = events.iter().find_map(|e| match e {
        EventBody::Paused { recorded_late, .. }
        | EventBody::RollbackStarted { recorded_late, .. } => *recorded_late,
        _ => None,
    });
    match fired {
        Some((_, _, then)) if guard::status_allows(then, state.status) => events,
        Some((panel, when, then)) => vec![EventBody::Note {
            text: format!(
                "guard {panel} {}: its {} ran at {} while the journal did not answer (the cutover is {} now)",
                crate::guard::when_str(when),
                crate::guard::then_str(then),
                ran_at.map_or("?".into(), |t| zone.clock_abbrev(t)),
                state.status.as_str()
            ),
        }],
        None => events,
    }
}

/// May this failure pass by itself (so the request is kept and tried
/// again)? A busy, full, read-only-for-now or unreachable journal may; a
/// refusal of the data itself would fail the same way forever.
fn retryable(e: &SessionError) -> bool {
    match e {
        SessionError::Journal(j) => j.may_pass(),
        _ => false,
    }
}

fn describe(events: &[EventBody]) -> String {
    let names: Vec<String> = events
        .iter()
        .map(|e| match e {
            EventBody::ActionStarted { action, .. } | EventBody::ActionRetried { action, .. } => {
                format!("{action} started")
            }
            EventBody::ActionRan { action, .. } => format!("{action} result"),
            other => other.kind(),
        })
        .collect();
    if names.is_empty() {
        "action start".into()
    } else {
        names.join(", ")
    }
}

fn run(
    session: Session,
    rx: mpsc::Receiver<Request>,
    out: UnboundedSender<Reply>,
    fires: LocalFires,
) {
    let mut w = WriterState {
        session,
        out,
        conductor: false,
        epoch: None,
        judge: Judge::default(),
        renewed: None,
        fires,
    };
    let mut outbox = Outbox {
        queue: VecDeque::new(),
        next_try: Instant::now(),
    };
    let mut next_beat = Instant::now();
    let mut pending: Option<Request> = None;
    // Beat before the first request: whether this console conducts is
    // known before any poll result is looked at.
    w.beat();
    next_beat += BEAT;
    loop {
        // What was kept for a retry goes first, in order.
        w.flush(&mut outbox);
        let wake = if outbox.is_empty() {
            next_beat
        } else {
            next_beat.min(outbox.next_try)
        };
        let req = match pending.take() {
            Some(r) => Some(r),
            None => match rx.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    // The console went without detaching: one more try at
                    // what is kept, then leave cleanly.
                    outbox.next_try = Instant::now();
                    w.flush(&mut outbox);
                    let now = w.session.now();
                    let _ = w.session.detach_at(now, DetachReason::Quit);
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
                // What was kept goes first: a guard must not judge on a
                // state that lacks a pause still waiting to be journaled.
                if !outbox.is_empty() {
                    outbox.next_try = Instant::now();
                    w.flush(&mut outbox);
                }
                if outbox.is_empty() {
                    w.conduct(batch);
                }
            }
            Some(Request::SetOperator(name)) => w.session.set_operator(&name),
            Some(Request::Detach(reason)) => {
                // What is still kept gets one more try: a pause pressed
                // just before quitting must not vanish with the console.
                while let Some((req, first)) = outbox.queue.pop_front() {
                    if let Tried::Again(_, cause) = w.try_one(req, first) {
                        w.reply(Reply::Error(format!("not journaled at exit: {cause}")));
                    }
                }
                let now = w.session.now();
                let r = w.session.detach_at(now, reason).map_err(|e| e.to_string());
                w.reply(Reply::Detached(r));
                return;
            }
            Some(req) if !outbox.is_empty() => {
                // Behind what is kept: journaled in the order it came.
                outbox.queue.push_back((req, Instant::now()));
            }
            Some(req) => match w.try_one(req, Instant::now()) {
                Tried::Done => {}
                Tried::Again(req, cause) => {
                    w.reply(Reply::Retrying(cause));
                    outbox.queue.push_back((req, Instant::now()));
                    outbox.next_try = Instant::now() + RETRY_EVERY;
                }
            },
        }
        if Instant::now() >= next_beat {
            next_beat = Instant::now() + BEAT;
            w.beat();
        }
    }
}
