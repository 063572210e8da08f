//! The loop: one `tokio::select!` over the terminal's events, the journal
//! writer's answers, the journal follower (events and readings), this
//! console's poller, finished actions, the clock and the signals. Each
//! message is folded into the `App` (pure). Nothing here blocks: journal
//! writes go to the writer thread (`console_session::writer`) and come back
//! as messages; actions run as tasks. The screen is drawn only when
//! something visible changed, and panel changes at most every 100 ms
//! (`frame_pacer`).
//!
//! ```text
//!  keys ──────────────┐                 ┌─> Writer (thread: SQLite) ─ Reply ─┐
//!  poller (conductor) ┤                 │   submit, heartbeat, conduct        │
//!  follower ──────────┼─> Console ──────┤                                     │
//!  writer replies ────┤   (App.update)  └─> Effects::spawn_for ─> actions ─┐  │
//!  clock, signals ────┘                                                     │  │
//!         ▲────────────────── ActionDone / Reply ───────────────────────────┴──┘
//! ```
//!
//! The conductor: one console of the session holds the lease (see
//! `console_session::session::Session::heartbeat`). Only it runs a poller;
//! its statuses become readings in the journal's database, and every
//! console (it too) shows the readings it follows. `Console::is_conductor`
//! says which this is; `Reply::Role` arrives when it changes.
//!
//! The conductor is also the one console that runs actions and sends
//! notifications. From which seq it feeds its action queue: when
//! `Reply::Role` says it gained the lease, it has folded the journal up to
//! some seq S (`state.last_seq`). Everything up to S is settled by the
//! takeover (`take_over_in_flight`: interrupted rollback and pause run
//! again, other interrupted actions journaled as such, decisions whose
//! action never started run now); every event after S is fed to the queue
//! as it is folded (`fold`), its own commits and other consoles' alike.
//! Nothing is fed twice (`fold` takes each seq once) and nothing is
//! skipped (`fold` takes every seq in order).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::{Event as TermEvent, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::app::{App, AppOptions, Effect, Msg};
use super::effects::{ActionDone, Effects};
use super::frame_pacer::FramePacer;
use super::frame_stats::{self, FrameStats};
use super::outage_judge::OutageJudge;
use super::terminal::Gone;
use super::view;
use super::way_back::WayBack;
use crate::actions::queue::{self, Fence};
use crate::actions::takeover;
use crate::console_session::Session;
use crate::console_session::claim::Claim;
use crate::console_session::writer::{Reply, Request, Writer};
use crate::health::reading::{self, Reading};
use crate::health::{self, PanelMap, PanelStatus};
use crate::journal::{Followed, FollowerHandle};
use crate::notify::{self, Notifier};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::command::{Command, Outcome};
use crate::session::decide::{Decision, Seen, decide};
use crate::session::event::SessionMode;
use crate::session::event::{DetachReason, Event, EventBody};
use crate::session::reduce::reduce;
use crate::session::state::State;

/// Beyond an action's own timeout, how long quitting waits for its result.
const ACTION_GRACE: Duration = Duration::from_secs(10);
/// How long quitting waits for notifications handed to the senders.
const NOTIFY_GRACE: Duration = Duration::from_secs(10);
/// How long leaving waits for the writer to journal the departure.
const DETACH_WAIT: Duration = Duration::from_secs(10);

/// What a demo key does: given the key's id, act (inject a fault) and
/// return a line to show.
pub type ExtraHandler = Box<dyn FnMut(&str) -> Option<String> + Send>;

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The operator pressed `q` then `y`.
    Quit,
    /// A signal: the operator's session went away or was stopped.
    Signal(Gone),
    /// The terminal's input ended or failed (a vanished tmux pane, `ssh -t`
    /// whose leader ignores HUP): treated as detached, never a busy loop.
    TerminalLost,
}

impl Exit {
    /// How the departure is journaled.
    pub fn reason(self) -> DetachReason {
        match self {
            Exit::Quit => DetachReason::Quit,
            Exit::Signal(_) => DetachReason::Signal,
            Exit::TerminalLost => DetachReason::TerminalLost,
        }
    }
}

/// The console's state between messages: the pure `App`, the journal as
/// folded here, and the writer, follower and poller it talks to.
pub struct Console {
    pub app: App,
    runbook: Arc<Runbook>,
    /// The journal folded from the follower (and our own commits).
    state: State,
    /// The canonical readings folded from the follower.
    readings: PanelMap,
    writer: Writer,
    replies: Option<UnboundedReceiver<Reply>>,
    followed: Option<UnboundedReceiver<Followed>>,
    _follower: FollowerHandle,
    /// The follower's last reported failure (a lost connection to a
    /// journal server), shown once when it starts and when it clears.
    follow_error: Option<String>,
    effects: Effects,
    done_rx: Option<UnboundedReceiver<ActionDone>>,
    /// Action tasks started whose result has not come back yet.
    in_flight: usize,
    /// This console holds the lease: it polls and judges.
    conductor: bool,
    /// How many way-back actions this console ran by itself (their ids).
    late_runs: u64,
    /// Its epoch (the seq of the `conductor_changed` that gave it the
    /// lease): every job it queues carries it as its fence.
    epoch: Option<u64>,
    /// Pauses and rollbacks handed to the writer that this console runs by
    /// itself if the journal does not take them in time.
    way_back: WayBack,
    /// Guards judged here while the journal does not store poll rounds.
    outage: OutageJudge,
    /// The whole journal as read when the lease was gained, for the
    /// takeover (`Reply::History`).
    history: Option<Vec<Event>>,
    /// Where this console's poller sends (the loop's `panels`); `None`:
    /// statuses are fed from outside (tests).
    poll_to: Option<UnboundedSender<PanelStatus>>,
    poller: Option<health::poller::PollerHandle>,
    next_id: u64,
    read_only: bool,
    on_extra: Option<ExtraHandler>,
    journal_path: std::path::PathBuf,
    /// `[[notify]]` senders; they send only while `should_notify`.
    notifier: Option<Notifier>,
    notified_rx: Option<UnboundedReceiver<notify::Sent>>,
    /// The journal's clock (`journal::clock`): ticks and the header's skew.
    clock: crate::journal::JournalClock,
}

impl Console {
    /// Take over `session`: start its writer thread and follow its journal
    /// from where the session has read.
    pub fn new(
        session: Session,
        opts: AppOptions,
        execute: bool,
        on_extra: Option<ExtraHandler>,
    ) -> anyhow::Result<Console> {
        let runbook = Arc::clone(session.runbook());
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let clock = session.clock();
        let now = clock.now();
        let mut app = App::new(
            Arc::clone(&runbook),
            session.state().clone(),
            opts.clone(),
            now,
        );
        app.update(Msg::Journal {
            events: session.events().iter().cloned().collect(),
            state: session.state().clone(),
        });
        for st in session.panels().values() {
            app.update(Msg::Panel(st.clone()));
        }
        for w in session.warnings() {
            app.update(Msg::Error(w.clone()));
        }
        let (follow_tx, follow_rx) = mpsc::unbounded_channel();
        let follower = session.follow(follow_tx).context("following the journal")?;
        let state = session.state().clone();
        let readings = session.panels().clone();
        let read_only = session.is_read_only();
        let journal_path = session.journal_path().to_path_buf();
        let (notifier, notified_rx) = if read_only {
            (None, None)
        } else {
            match Notifier::start(
                &runbook,
                notify::Policy::default(),
                state
                    .mode
                    .unwrap_or(crate::session::event::SessionMode::Live),
            ) {
                Some((n, rx)) => (Some(n), Some(rx)),
                None => (None, None),
            }
        };
        let (reply_tx, reply_rx) = mpsc::unbounded_channel();
        let outage = OutageJudge::default();
        let writer = Writer::spawn_with(session, reply_tx, outage.fires.clone())
            .context("starting the journal writer")?;
        Ok(Console {
            app,
            state,
            readings,
            writer,
            replies: Some(reply_rx),
            followed: Some(follow_rx),
            _follower: follower,
            follow_error: None,
            effects: Effects::start(Arc::clone(&runbook), opts.mode, execute, done_tx),
            runbook,
            done_rx: Some(done_rx),
            in_flight: 0,
            conductor: false,
            epoch: None,
            late_runs: 0,
            way_back: WayBack::default(),
            outage,
            history: None,
            poll_to: None,
            poller: None,
            next_id: 0,
            read_only,
            on_extra,
            journal_path,
            notifier,
            notified_rx,
            clock,
        })
    }

    /// Does this console send the session's notifications? Exactly one
    /// console does: the one holding the conductor's lease (SQLite and
    /// PostgreSQL journals alike). A new conductor resumes from the
    /// journaled cursors (`notified`).
    pub fn should_notify(&self) -> bool {
        !self.read_only && self.conductor && self.notifier.is_some()
    }

    /// Once a second: say when following the journal starts failing (it
    /// retries by itself) and when it works again.
    fn check_follower(&mut self) {
        let now = self._follower.error();
        if now == self.follow_error {
            return;
        }
        let msg = match &now {
            Some(e) => Msg::Error(format!("following the journal: {e}")),
            None => Msg::Info("following the journal again".into()),
        };
        self.follow_error = now;
        self.app.update(msg);
    }

    /// Hand the notifier every event after its cursors; read the journal
    /// when the tail shown does not reach back that far (a takeover in a
    /// long session).
    fn pump_notify(&mut self) {
        if !self.should_notify() {
            return;
        }
        let Some(n) = self.notifier.as_mut() else {
            return;
        };
        // Where each target stands: the cursor table, or an older
        // journal's `notified` events (read once, when a target starts).
        let merged;
        let cursors = if n.needs_cursors() {
            match crate::journal::open::notify_cursors(&self.journal_path) {
                Ok(rows) => {
                    merged = notify::merge_cursors(&self.state.notified, &rows);
                    n.seed(&merged);
                    &merged
                }
                Err(e) => {
                    let msg = format!("notify: reading the delivery cursors: {e}");
                    self.app.update(Msg::Error(msg));
                    return;
                }
            }
        } else {
            &self.state.notified
        };
        let ended = self.state.status.is_final();
        let from = n.needs_from(cursors);
        if from >= self.state.last_seq {
            return;
        }
        let tail = &self.app.journal;
        if tail.front().is_some_and(|e| e.seq <= from + 1) {
            let events: Vec<Event> = tail
                .range(tail.partition_point(|e| e.seq <= from)..)
                .cloned()
                .collect();
            n.feed(&events, cursors, ended);
            return;
        }
        match crate::journal::open::read_since(&self.journal_path, from) {
            Ok(events) => n.feed(&events, cursors, ended),
            Err(e) => {
                let msg = format!("notify: reading the journal: {e}");
                self.app.update(Msg::Error(msg));
            }
        }
    }

    /// A delivery finished: journal it (the cursor a takeover resumes
    /// from); a failure is shown too.
    pub fn on_notified(&mut self, sent: notify::Sent) -> bool {
        if let Some(n) = self.notifier.as_mut() {
            n.settled();
        }
        if !notify::deliver::delivered(&sent.status) {
            let msg = format!(
                "notify {} of #{}: {}",
                sent.target, sent.event_seq, sent.status
            );
            self.app.update(Msg::Error(msg));
        }
        let body = EventBody::Notified {
            event_seq: sent.event_seq,
            target: sent.target,
            status: sent.status,
        };
        let Some(epoch) = self.epoch else {
            return true;
        };
        let fence = Fence::Epoch(epoch);
        if !self.writer.send(Request::Record {
            events: vec![body],
            fence,
        }) {
            self.error("journal", "the journal writer has stopped");
        }
        true
    }

    /// Resolve what a console that went away left in flight (see
    /// `actions::takeover`): journal the interrupted forward actions, run
    /// an interrupted rollback or pause again, run the decisions whose
    /// action never started. Called when `Reply::Role` says this console
    /// gained the lease (`set_role`): the events folded so far are settled
    /// here, the ones folded after are fed by `fold`.
    /// Returns how many actions it queued.
    pub fn take_over_in_flight(&mut self) -> usize {
        if self.read_only {
            return 0;
        }
        // The whole journal the writer read when the lease was gained, up
        // to what this console has folded, then the tail it folded since.
        let mut events = self.history.take().unwrap_or_default();
        events.retain(|e| e.seq <= self.state.last_seq);
        let read = events.last().map_or(0, |e| e.seq);
        events.extend(self.app.journal.iter().filter(|e| e.seq > read).cloned());
        let plan = takeover::resolve(&events, &self.state);
        let fence = self.epoch.map_or(Fence::Free, Fence::Epoch);
        if !plan.journal.is_empty()
            && !self.writer.send(Request::Record {
                events: plan.journal.clone(),
                fence,
            })
        {
            self.error("journal", "the journal writer has stopped");
        }
        let retried = self.effects.take_over(&plan, &events, &self.state, fence);
        self.in_flight += retried;
        if let Some(line) = takeover::summary(&plan) {
            self.app.update(Msg::Info(line));
        }
        retried
    }

    /// While this console conducts, run a poller sending to `to` (the
    /// loop's `panels`).
    pub fn poll_into(&mut self, to: UnboundedSender<PanelStatus>) {
        self.poll_to = Some(to);
    }

    /// Does this console hold the conductor's lease (poll, judge, and the
    /// place for work done once per session: an action queue, notifiers)?
    pub fn is_conductor(&self) -> bool {
        self.conductor
    }

    /// The journal as this console has folded it.
    pub fn state(&self) -> &State {
        &self.state
    }

    fn error(&mut self, what: &str, e: impl std::fmt::Display) {
        self.app.update(Msg::Error(format!("{what}: {e}")));
    }

    /// Fold events (followed, or our own commits) in seq order; an event
    /// already folded is skipped, one past a gap waits for the follower.
    /// The conductor queues the actions each new event calls for.
    fn fold(&mut self, events: &[Event]) -> bool {
        let mut new = Vec::new();
        for ev in events {
            if ev.seq != self.state.last_seq + 1 {
                continue;
            }
            let stage_before = self.state.stage;
            reduce(&mut self.state, &self.runbook, ev);
            // Only while the journal, as folded, still says this epoch
            // conducts: a console that wakes from a freeze folds the
            // decisions another conductor already carried out, and must
            // not queue them again (their starts would be refused anyway,
            // but a pause or rollback would run late without the journal).
            if self.conductor
                && !self.read_only
                && let Some(epoch) = self.epoch
                && self.state.conductor_epoch == Some(epoch)
            {
                let ev = std::slice::from_ref(ev);
                let fence = Fence::Epoch(epoch);
                self.in_flight += self.effects.spawn_for(ev, stage_before, fence);
            }
            new.push(ev.clone());
        }
        if new.is_empty() {
            return false;
        }
        let changed = self.app.update(Msg::Journal {
            events: new,
            state: self.state.clone(),
        });
        self.pump_notify();
        changed
    }

    /// Our own commits: folded at once (the follower's echo is skipped);
    /// their actions run on the conductor, which may be this console.
    fn committed(&mut self, events: &[Event]) {
        self.fold(events);
    }

    /// Hand `cmd` to the writer; shown as pending until it answers.
    pub fn submit(&mut self, cmd: &Command) {
        if self.read_only {
            self.app
                .update(Msg::Refused("read-only: observers cannot act".into()));
            return;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.app.update(Msg::Pending {
            id,
            what: cmd.describe(),
        });
        let claim = self.way_back_claim(id, cmd);
        if !self.writer.send(Request::Submit {
            id,
            cmd: cmd.clone(),
            claim,
        }) {
            self.app.update(Msg::Settled { id });
            self.error("journal", "the journal writer has stopped");
        }
    }

    /// A pause or rollback that the rules allow now (by what this console
    /// has folded, so a two-person request or a refusal never runs early)
    /// waits for the journal at most `WAY_BACK_WAIT`: its claim goes with
    /// it to the writer.
    fn way_back_claim(&mut self, id: u64, cmd: &Command) -> Option<Arc<Claim>> {
        if !matches!(cmd, Command::Pause { .. } | Command::Rollback { .. }) {
            return None;
        }
        self.way_back_body(cmd)?;
        Some(
            self.way_back
                .arm(id, cmd.clone(), tokio::time::Instant::now()),
        )
    }

    /// The pause or rollback `cmd` decides to on this console's own fold,
    /// if the rules allow it outright.
    fn way_back_body(&self, cmd: &Command) -> Option<EventBody> {
        let op = &self.app.operator;
        way_back_body(
            &self.runbook,
            &self.state,
            &self.readings,
            op,
            cmd,
            self.clock.now(),
        )
    }

    /// Way-back commands the journal did not take in time: run them here
    /// now (the writer journals them late). Returns whether anything ran.
    pub fn on_way_back_due(&mut self) -> bool {
        let now = self.clock.now();
        let (rb, state, readings, op) = (
            &self.runbook,
            &self.state,
            &self.readings,
            &self.app.operator,
        );
        let due = self
            .way_back
            .take_due(tokio::time::Instant::now(), now, |cmd| {
                way_back_body(rb, state, readings, op, cmd, now)
            });
        for (cmd, body) in &due {
            self.run_way_back_now(body.clone(), now);
            self.app.update(Msg::Error(format!(
                "{}: the journal did not answer within {} s, so this console runs it now; it is journaled (recorded late) as soon as the journal answers",
                cmd.describe(),
                queue::WAY_BACK_WAIT.as_secs()
            )));
        }
        !due.is_empty()
    }

    /// Statuses from this console's poller: stored (and judged) by the
    /// writer while this console conducts, dropped there otherwise (a
    /// demoted conductor's last polls). Never shown directly: every console
    /// shows the readings it follows.
    pub fn on_panel(&mut self, statuses: Vec<PanelStatus>) {
        if statuses.is_empty() {
            return;
        }
        if self.conductor && !self.read_only {
            let (now, wall) = (tokio::time::Instant::now(), self.clock.now());
            self.outage.sent(&self.runbook, &statuses, now, wall);
            if self.outage.in_outage(now) {
                for events in self.outage.fire(&self.runbook, &self.state, wall) {
                    self.run_late(events, wall);
                }
            }
        }
        self.writer.send(Request::Statuses(statuses));
    }

    /// A guard fired during a journal outage: run its pause or rollback
    /// here now and hand the decision to the writer to journal late.
    fn run_late(&mut self, events: Vec<EventBody>, wall: chrono::DateTime<chrono::Utc>) {
        let Some(body) = events
            .iter()
            .find(|b| {
                matches!(
                    b,
                    EventBody::Paused { .. } | EventBody::RollbackStarted { .. }
                )
            })
            .cloned()
        else {
            return;
        };
        // Planned as an ordinary decision: the queue skips late ones.
        let mut plan_body = body;
        plan_body.set_recorded_late(None);
        self.run_way_back_now(plan_body, wall);
        let what = crate::describe::event(Some(&self.runbook), &events[0]);
        self.app.update(Msg::Error(format!(
            "{what}: the journal has not answered for {} s, so this console acts on its own readings; journaled (recorded late) when the journal answers",
            queue::WAY_BACK_WAIT.as_secs()
        )));
        if !self.writer.send(Request::Late { events }) {
            self.error("journal", "the journal writer has stopped");
        }
    }

    /// Run the pause or rollback `body` decides, here and now (Late fence).
    fn run_way_back_now(&mut self, body: EventBody, wall: chrono::DateTime<chrono::Utc>) {
        let ev = Event {
            seq: self.state.last_seq + 1,
            ts: wall,
            operator: self.app.operator.clone(),
            body,
        };
        let mode = self.state.mode.unwrap_or(SessionMode::Rehearsal);
        for mut job in queue::plan(&self.runbook, mode, &[ev], self.state.stage) {
            self.late_runs += 1;
            job.id = format!(
                "late-{}-{}/{}",
                std::process::id(),
                self.late_runs,
                job.action_name()
            );
            job.fence = Fence::Late;
            self.effects.run_now(job);
            self.in_flight += 1;
        }
    }

    /// A reading from the follower: what every console shows.
    pub fn on_reading(&mut self, r: &Reading) -> bool {
        match reading::apply(&mut self.readings, r) {
            Some(st) => self.app.update(Msg::Panel(st)),
            None => false,
        }
    }

    /// An event from the follower (another console's, or our own echo).
    pub fn on_followed(&mut self, ev: &Event) -> bool {
        // A console demoted while running an expand: a later rollback
        // still stops it (the conductor's queue preempts by itself).
        if !self.conductor && matches!(ev.body, EventBody::RollbackStarted { .. }) {
            self.effects.preempt(ev.seq);
        }
        self.fold(std::slice::from_ref(ev))
    }

    /// The writer's answer.
    pub fn on_reply(&mut self, reply: Reply) -> bool {
        match reply {
            Reply::Submitted { id, result } => {
                self.way_back.settled(id);
                self.app.update(Msg::Settled { id });
                match result {
                    Ok(Outcome::Applied(events)) => self.committed(&events),
                    Ok(Outcome::Refused { reason, events }) => {
                        self.fold(&events);
                        self.app.update(Msg::Refused(reason));
                    }
                    Err(e) => self.error("journal", e),
                }
            }
            Reply::Conducted(events) => self.committed(&events),
            Reply::History(events) => self.history = Some(events),
            Reply::Role { conductor, epoch } => self.set_role(conductor, epoch),
            Reply::Retrying(cause) => {
                self.outage.failed();
                self.error(
                    "journal",
                    format!("not journaled yet, kept and tried again every 0.5 s: {cause}"),
                );
            }
            Reply::Stored => {
                self.outage.stored();
            }
            Reply::Caught => {
                self.app.update(Msg::Info(
                    "journal: everything kept is journaled now".into(),
                ));
            }
            Reply::Fenced(line) => {
                self.app.update(Msg::Info(line));
            }
            Reply::Error(e) => {
                // A failed heartbeat or poll round: the journal may be away.
                self.outage.failed();
                self.error("journal", e);
            }
            Reply::JournalLost(e) => {
                self.app.journal_lost = true;
                self.error("journal", e);
            }
            Reply::Detached(_) => {}
        }
        true
    }

    /// The lease was gained or lost: start or stop this console's poller,
    /// action queue and notifications. Gaining it takes over what the
    /// previous conductor left (see the module comment); losing it while
    /// alive (a frozen process whose lease expired) starts nothing more:
    /// what is running finishes and is journaled, the queued rest is left
    /// to the new conductor.
    fn set_role(&mut self, conductor: bool, epoch: Option<u64>) {
        if conductor == self.conductor && epoch == self.epoch {
            return;
        }
        self.conductor = conductor;
        self.epoch = epoch;
        if conductor {
            self.take_over_in_flight();
            self.pump_notify();
            if let Some(to) = &self.poll_to {
                self.poller = Some(health::poller::spawn(Arc::clone(&self.runbook), to.clone()));
            }
            self.app.update(Msg::Info(
                "this console conducts the session: it polls and judges for every console".into(),
            ));
        } else {
            self.poller = None;
            self.effects.stand_down();
            if !self.read_only {
                self.app.update(Msg::Info(
                    "another console conducts now: this one shows its readings".into(),
                ));
            }
        }
    }

    pub fn on_action_done(&mut self, done: ActionDone) -> bool {
        if done.finished {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        let sent = match done.start {
            Some(ack) => self.writer.send(Request::Start {
                events: done.events,
                fence: done.fence,
                ack,
                went_late: done.went_late,
            }),
            None if done.events.is_empty() => true,
            None => self.writer.send(Request::Record {
                events: done.events,
                fence: done.fence,
            }),
        };
        if !sent {
            self.error("journal", "the journal writer has stopped");
        }
        if let Some(f) = done.failure {
            self.app.update(Msg::Error(f));
        }
        true
    }

    /// A key or resize; returns true when the operator chose to quit.
    pub fn on_terminal(&mut self, ev: TermEvent) -> bool {
        match ev {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                self.app.update(Msg::Key(k));
            }
            TermEvent::Resize(..) => {
                self.app.update(Msg::Resize);
            }
            TermEvent::Paste(text) => {
                self.app.update(Msg::Paste(text));
            }
            _ => return false,
        }
        let mut quit = false;
        for effect in self.app.take_effects() {
            match effect {
                Effect::Submit(cmd) => self.submit(&cmd),
                Effect::SetOperator(name) => {
                    self.writer.send(Request::SetOperator(name.clone()));
                    self.app.update(Msg::Operator(name));
                }
                Effect::Extra(id) => {
                    let line = self.on_extra.as_mut().and_then(|f| f(&id));
                    if let Some(line) = line {
                        // Journaled as a note so the report tells why the
                        // numbers moved.
                        self.submit(&Command::Note { text: line.clone() });
                        self.app.update(Msg::Info(line));
                    }
                }
                Effect::Quit => quit = true,
            }
        }
        quit
    }

    /// Journal `operator_detached` with `reason` (quitting never changes
    /// the cutover) and release the lease; waits for the writer, bounded.
    pub async fn detach(&mut self, reason: DetachReason) {
        self.poller = None;
        if !self.writer.send(Request::Detach(reason)) {
            return;
        }
        let Some(replies) = self.replies.as_mut() else {
            return;
        };
        let deadline = tokio::time::Instant::now() + DETACH_WAIT;
        while let Ok(Some(r)) = tokio::time::timeout_at(deadline, replies.recv()).await {
            if let Reply::Detached(res) = r {
                if let Err(e) = res {
                    eprintln!("warroom: journal: {e}");
                }
                return;
            }
        }
    }
}

/// The pause or rollback `cmd` decides to on `state`, if the rules allow
/// it outright (not a two-person request, not refused).
fn way_back_body(
    runbook: &Runbook,
    state: &State,
    readings: &PanelMap,
    operator: &str,
    cmd: &Command,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<EventBody> {
    let seen = Seen::of(state);
    match decide(runbook, state, cmd, operator, readings, now, seen) {
        Decision::Apply(bodies) => bodies.into_iter().find(|b| {
            matches!(
                b,
                EventBody::Paused { .. } | EventBody::RollbackStarted { .. }
            )
        }),
        Decision::Refuse { .. } => None,
    }
}

/// What woke the loop.
enum Wake {
    Done(ActionDone),
    Notified(notify::Sent),
    Reply(Reply),
    Followed(Followed),
    Panel(PanelStatus),
    Key(TermEvent),
    Tick,
    /// A panel change held back by the pacer is due.
    Frame,
    /// A pause or rollback waited its longest for the journal.
    WayBack,
}

/// The next message of an optional channel; pending forever without one.
async fn recv_some<T>(rx: &mut Option<UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Wait until `at`; forever when nothing is due (the branch is disabled
/// then anyway).
async fn sleep_until_due(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A question (a confirmation, an irreversible step's id) just opened and
/// is not drawn yet: every key already queued was typed before anyone
/// could read it, so none of them may answer it. Dropped, and said.
fn drop_typed_ahead<K>(keys: &mut K, console: &mut Console)
where
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    use futures::FutureExt;
    let mut dropped = 0;
    while let Some(Some(Ok(ev))) = keys.next().now_or_never() {
        if matches!(ev, TermEvent::Key(k) if k.kind != KeyEventKind::Release) {
            dropped += 1;
        }
    }
    if dropped > 0 {
        console.app.update(Msg::TypedAhead(dropped));
    }
}

/// The loop, generic over the backend and the terminal's event stream so
/// tests drive it headless. `panels` carries this console's poller output
/// (`Console::poll_into` its sender; tests send statuses in). Returns how
/// it ended, after journaling the departure; the caller restores the
/// terminal.
pub async fn run_loop<B, K>(
    terminal: &mut Terminal<B>,
    console: &mut Console,
    mut keys: K,
    mut panels: UnboundedReceiver<PanelStatus>,
    gone: impl Future<Output = Gone>,
) -> anyhow::Result<Exit>
where
    B: Backend,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let mut done = console
        .done_rx
        .take()
        .context("the console loop runs once")?;
    let mut replies = console
        .replies
        .take()
        .context("the console loop runs once")?;
    let mut followed = console
        .followed
        .take()
        .context("the console loop runs once")?;
    // Without targets the branch is disabled; a closed channel never wakes.
    let mut notified = console.notified_rx.take();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(gone);
    let mut frames = FrameStats::new("frames");
    let mut wakes = FrameStats::new("wakes");
    // A write to a vanished terminal fails (EIO): that operator is gone too.
    let mut lost = terminal.draw(|f| view::draw(f, &console.app)).is_err();
    let mut pacer = FramePacer::new(tokio::time::Instant::now());
    let exit = loop {
        if lost {
            break Exit::TerminalLost;
        }
        // Biased: signals first, then what changes the state, then input.
        // The select only waits; the work after it is what a frame costs.
        let wake = tokio::select! {
            biased;
            g = &mut gone => break Exit::Signal(g),
            Some(d) = done.recv() => Wake::Done(d),
            Some(n) = recv_some(&mut notified) => Wake::Notified(n),
            Some(r) = replies.recv() => Wake::Reply(r),
            Some(f) = followed.recv() => Wake::Followed(f),
            _ = sleep_until_due(pacer.due()), if pacer.due().is_some() => Wake::Frame,
            _ = sleep_until_due(console.way_back.due()), if console.way_back.due().is_some() => Wake::WayBack,
            Some(st) = panels.recv() => Wake::Panel(st),
            input = keys.next() => match input {
                Some(Ok(ev)) => Wake::Key(ev),
                // End of input or a read error (EIO): the terminal is gone.
                None | Some(Err(_)) => break Exit::TerminalLost,
            },
            _ = clock.tick() => Wake::Tick,
        };
        let woke = Instant::now();
        let redraw = match wake {
            Wake::Done(d) => console.on_action_done(d),
            Wake::Notified(n) => console.on_notified(n),
            Wake::Reply(r) => console.on_reply(r),
            Wake::Followed(f) => {
                // Coalesce a burst (a replay, a batch of readings) into one
                // frame; journal events at once, readings through the pacer.
                let (mut events, mut readings) = (false, false);
                let mut next = Some(f);
                while let Some(f) = next {
                    match f {
                        Followed::Event(ev) => events |= console.on_followed(&ev),
                        Followed::Reading(r) => readings |= console.on_reading(&r),
                    }
                    next = followed.try_recv().ok();
                }
                let now = tokio::time::Instant::now();
                events || (readings && pacer.panel_changed(now))
            }
            Wake::Panel(st) => {
                let mut batch = vec![st];
                while let Ok(st) = panels.try_recv() {
                    batch.push(st);
                }
                console.on_panel(batch);
                false
            }
            Wake::Frame => true,
            Wake::WayBack => console.on_way_back_due(),
            Wake::Key(ev) => match on_keys(console, ev, &mut keys) {
                KeyBurst::Handled => true,
                KeyBurst::Quit => break Exit::Quit,
                KeyBurst::Gone => break Exit::TerminalLost,
            },
            Wake::Tick => {
                console.pump_notify();
                console.check_follower();
                console.app.clock_skew = console.clock.skew_shown();
                console.app.update(Msg::Tick(console.clock.now()))
            }
        };
        if redraw {
            lost = terminal.draw(|f| view::draw(f, &console.app)).is_err();
            frames.record(woke.elapsed());
            pacer.drawn(tokio::time::Instant::now());
        }
        wakes.record(woke.elapsed());
    };
    frame_stats::write_if_asked(&[&frames, &wakes]);
    finish_actions(terminal, console, &mut done).await;
    finish_notify(console, &mut notified).await;
    console.replies = Some(replies);
    console.detach(exit.reason()).await;
    Ok(exit)
}

/// Keys handled before one frame at most: a paste in a terminal without
/// bracketed paste is a burst of keys, and a frame per key made a 20 kB
/// paste take minutes.
const KEY_BURST: usize = 4096;

enum KeyBurst {
    Handled,
    Quit,
    Gone,
}

/// Handle `first` and every key already read after it (up to `KEY_BURST`),
/// so the loop draws once for the burst.
fn on_keys<K>(console: &mut Console, first: TermEvent, keys: &mut K) -> KeyBurst
where
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    use futures::FutureExt;
    let mut next = Some(first);
    let mut handled = 0;
    while let Some(ev) = next.take() {
        let asked = console.app.ui.mode.asks();
        if console.on_terminal(ev) {
            return KeyBurst::Quit;
        }
        if !asked && console.app.ui.mode.asks() {
            // A question that changes the cutover just opened: what was
            // typed before it was drawn is dropped, never its answer.
            drop_typed_ahead(keys, console);
            return KeyBurst::Handled;
        }
        handled += 1;
        if handled >= KEY_BURST {
            break;
        }
        match keys.next().now_or_never() {
            Some(Some(Ok(ev))) => next = Some(ev),
            Some(None | Some(Err(_))) => return KeyBurst::Gone,
            None => {}
        }
    }
    KeyBurst::Handled
}

/// Before leaving, journal the notifications already handed to the
/// senders (bounded): one sent but not journaled would be sent again by
/// the next console. What is still pending after the bound is sent by the
/// next console to open the session (the cursor is in the journal).
async fn finish_notify(console: &mut Console, rx: &mut Option<UnboundedReceiver<notify::Sent>>) {
    let Some(rx) = rx.as_mut() else { return };
    let deadline = tokio::time::Instant::now() + NOTIFY_GRACE;
    while console
        .notifier
        .as_ref()
        .is_some_and(|n| n.outstanding() > 0)
    {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(sent)) => {
                console.on_notified(sent);
            }
            _ => break,
        }
    }
}

/// Before leaving, wait for running actions and journal their results: a
/// rollback whose outcome is never journaled would read ROLLING_BACK
/// forever. Bounded by the longest action timeout plus a margin.
async fn finish_actions<B: Backend>(
    terminal: &mut Terminal<B>,
    console: &mut Console,
    done: &mut UnboundedReceiver<ActionDone>,
) {
    if console.in_flight == 0 {
        return;
    }
    console.app.update(Msg::Info(format!(
        "waiting for {} running action(s) to finish and be journaled…",
        console.in_flight
    )));
    let _ = terminal.draw(|f| view::draw(f, &console.app));
    let rb = Arc::clone(&console.runbook);
    let longest = [
        ActionKind::Pause,
        ActionKind::Resume,
        ActionKind::Expand,
        ActionKind::Rollback,
    ]
    .into_iter()
    .filter_map(|k| rb.actions.get(k).map(|a| a.timeout))
    .chain(rb.steps.iter().map(|s| s.timeout))
    .max()
    .unwrap_or_default();
    let deadline = tokio::time::Instant::now() + longest + ACTION_GRACE;
    while console.in_flight > 0 {
        match tokio::time::timeout_at(deadline, done.recv()).await {
            Ok(Some(d)) => {
                console.on_action_done(d);
            }
            _ => break,
        }
    }
}
