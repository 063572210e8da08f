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
//!  poller ── forward (task): poll rounds ────┐
//!                                            ▼
//!  keys ──────────────┐                 ┌─> Writer (thread) ─── Reply ───────┐
//!  follower ──────────┤                 │   submit, heartbeat, conduct        │
//!  writer replies ────┼─> Console ──────┤                                     │
//!  conductor's inbox ─┤   (App.update:  └─> Conductor (queue, notify,         │
//!  clock, signals ────┘    the one fold)     takeover, way back) ─ tasks ─┐   │
//!         ▲──────────── ActionDone / Sent / Read / Reply ─────────────────┴───┘
//! ```
//!
//! The conductor: one console of the session holds the lease (see
//! `console_session::session::Session::heartbeat`). Its work (poller,
//! action queue, notifiers, takeover) lives in `crate::conductor`; this
//! loop hands it what it folds and shows what it says.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::{Event as TermEvent, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::app::{App, AppOptions, Effect, Msg};
use super::frame_pacer::FramePacer;
use super::frame_stats::{self, FrameStats};
use super::terminal::Gone;
use super::view;
use crate::conductor::effects::ActionDone;
use crate::conductor::{Conductor, Folded, Inbox, Said};
use crate::console_session::Session;
use crate::console_session::writer::{Reply, Request, Writer};
use crate::health::PanelStatus;
use crate::health::reading::Reading;
use crate::journal::{Followed, FollowerHandle};
use crate::notify;
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::command::{Command, Outcome};
use crate::session::event::{DetachReason, Event};
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

/// The journal as the console folded it (its app), lent to the conductor.
/// A macro, not a method: a method would borrow the whole console, the
/// conductor it is lent to included.
macro_rules! folded {
    ($c:expr) => {
        Folded {
            story: &$c.app.story,
            operator: &$c.app.operator,
        }
    };
}

/// The console's state between messages: the pure `App`, the journal as
/// folded here, and the writer, follower and conductor it talks to.
pub struct Console {
    pub app: App,
    runbook: Arc<Runbook>,
    writer: Writer,
    replies: Option<UnboundedReceiver<Reply>>,
    followed: Option<UnboundedReceiver<Followed>>,
    _follower: FollowerHandle,
    /// The follower's last reported failure (a lost connection to a
    /// journal server), shown once when it starts and when it clears.
    follow_error: Option<String>,
    /// Polls, judges, runs actions and notifies while this console holds
    /// the lease.
    conductor: Conductor,
    inbox: Option<Inbox>,
    next_id: u64,
    read_only: bool,
    on_extra: Option<ExtraHandler>,
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
        let read_only = session.is_read_only();
        let journal_location = session.journal_location();
        let (conductor, inbox) =
            Conductor::start(&runbook, opts.mode, execute, read_only, journal_location);
        let (reply_tx, reply_rx) = mpsc::unbounded_channel();
        let writer = Writer::spawn_with(session, reply_tx, conductor.local_fires())
            .context("starting the journal writer")?;
        Ok(Console {
            app,
            writer,
            replies: Some(reply_rx),
            followed: Some(follow_rx),
            _follower: follower,
            follow_error: None,
            conductor,
            inbox: Some(inbox),
            runbook,
            next_id: 0,
            read_only,
            on_extra,
            clock,
        })
    }

    /// Does this console send the session's notifications (it holds the
    /// conductor's lease)?
    pub fn should_notify(&self) -> bool {
        self.conductor.should_notify()
    }

    /// Show what the conductor said since the last look.
    fn hear(&mut self) {
        for said in self.conductor.take_said() {
            self.app.update(match said {
                Said::Info(s) => Msg::Info(s),
                Said::Error(s) => Msg::Error(s),
            });
        }
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

    /// Hand the notifier every event after its cursors.
    fn pump_notify(&mut self) {
        let seen = folded!(self);
        self.conductor.pump_notify(seen);
        self.hear();
    }

    /// A delivery finished: the conductor journals it.
    pub fn on_notified(&mut self, sent: notify::Sent) -> bool {
        self.conductor.on_notified(sent, &self.writer);
        self.hear();
        true
    }

    /// A journal read the notifier asked for came back.
    fn on_notify_read(&mut self, read: crate::conductor::notify::Read) -> bool {
        let seen = folded!(self);
        self.conductor.on_read(read, seen);
        self.hear();
        true
    }

    /// While this console conducts, run a poller sending to `to` (the
    /// loop's `panels`).
    pub fn poll_into(&mut self, to: UnboundedSender<PanelStatus>) {
        self.conductor.poll_into(to);
    }

    /// Does this console hold the conductor's lease (poll, judge, and the
    /// place for work done once per session: an action queue, notifiers)?
    pub fn is_conductor(&self) -> bool {
        self.conductor.is_conducting()
    }

    /// The journal as this console has folded it.
    pub fn state(&self) -> &State {
        &self.app.story.state
    }

    fn error(&mut self, what: &str, e: impl std::fmt::Display) {
        self.app.update(Msg::Error(format!("{what}: {e}")));
    }

    /// Fold events (followed, or our own commits) in seq order; an event
    /// already folded is skipped, one past a gap waits for the follower.
    /// The conductor queues the actions each new event calls for.
    fn fold(&mut self, events: &[Event]) -> bool {
        let mut changed = false;
        for ev in events {
            if ev.seq != self.app.story.state.last_seq + 1 {
                continue;
            }
            // The app's state is this console's one fold (`session::story`).
            let stage_before = self.app.story.state.stage;
            changed |= self.app.update(Msg::Events(vec![ev.clone()]));
            self.conductor
                .on_folded(ev, stage_before, &self.app.story.state);
        }
        if changed {
            self.pump_notify();
        }
        changed
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
        let wall = self.clock.now();
        let seen = folded!(self);
        let claim = self.conductor.way_back_claim(id, cmd, seen, wall);
        if !self.writer.send(Request::Submit {
            id,
            cmd: cmd.clone(),
            claim,
        }) {
            self.app.update(Msg::Settled { id });
            self.error("journal", "the journal writer has stopped");
        }
    }

    /// Way-back commands the journal did not take in time: run them here
    /// now (the writer journals them late). Returns whether anything ran.
    pub fn on_way_back_due(&mut self) -> bool {
        let wall = self.clock.now();
        let seen = folded!(self);
        let ran = self.conductor.on_way_back_due(seen, wall);
        self.hear();
        ran
    }

    /// A poll round went to the writer while this console conducts.
    fn on_polled(&mut self) -> bool {
        let wall = self.clock.now();
        let seen = folded!(self);
        self.conductor.on_polled(seen, wall, &self.writer);
        self.hear();
        false
    }

    /// A reading from the follower: what every console shows.
    pub fn on_reading(&mut self, r: &Reading) -> bool {
        self.app.update(Msg::Reading(r.clone()))
    }

    /// An event from the follower (another console's, or our own echo).
    pub fn on_followed(&mut self, ev: &Event) -> bool {
        self.conductor.on_followed(ev);
        self.fold(std::slice::from_ref(ev))
    }

    /// The writer's answer.
    pub fn on_reply(&mut self, reply: Reply) -> bool {
        match reply {
            Reply::Submitted { id, result } => {
                self.conductor.settled(id);
                self.app.update(Msg::Settled { id });
                match result {
                    Ok(Outcome::Applied(events)) => {
                        self.fold(&events);
                    }
                    Ok(Outcome::Refused { reason, events }) => {
                        self.fold(&events);
                        self.app.update(Msg::Refused(reason));
                    }
                    Err(e) => self.error("journal", e),
                }
            }
            // Guards and gates this console decided as the conductor:
            // folded at once (the follower's echo is skipped).
            Reply::Conducted(events) => {
                self.fold(&events);
            }
            Reply::History(events) => self.conductor.on_history(events),
            Reply::Role { conductor, epoch } => {
                let seen = folded!(self);
                self.conductor
                    .set_role(conductor, epoch, seen, &self.writer);
                self.hear();
            }
            Reply::Retrying(cause) => {
                self.conductor.on_write_failed();
                self.error(
                    "journal",
                    format!("not journaled yet, kept and tried again every 0.5 s: {cause}"),
                );
            }
            Reply::Stored => self.conductor.on_stored(),
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
                self.conductor.on_write_failed();
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

    pub fn on_action_done(&mut self, done: ActionDone) -> bool {
        self.conductor.on_action_done(done, &self.writer);
        self.hear();
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
        self.conductor.leave();
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

/// What woke the loop.
enum Wake {
    Done(ActionDone),
    Notified(notify::Sent),
    Reply(Reply),
    /// A journal read the notifier asked for.
    NotifyRead(crate::conductor::notify::Read),
    Followed(Followed),
    /// A poll round went to the writer (this console conducts).
    Polled,
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
/// (`Console::poll_into` its sender; tests send statuses in), handed to
/// the writer on a task of its own (`Conductor::forward`). Returns how
/// it ended, after journaling the departure; the caller restores the
/// terminal.
pub async fn run_loop<B, K>(
    terminal: &mut Terminal<B>,
    console: &mut Console,
    mut keys: K,
    panels: UnboundedReceiver<PanelStatus>,
    gone: impl Future<Output = Gone>,
) -> anyhow::Result<Exit>
where
    B: Backend,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let Inbox {
        mut done,
        notified,
        reads: mut notify_reads,
    } = console.inbox.take().context("the console loop runs once")?;
    let mut replies = console
        .replies
        .take()
        .context("the console loop runs once")?;
    let mut followed = console
        .followed
        .take()
        .context("the console loop runs once")?;
    // Without targets the branch is disabled; a closed channel never wakes.
    let mut notified = notified;
    // Poll rounds go to the writer on a task of their own; the loop only
    // hears that one went (for the outage judge).
    let sink = console
        .writer
        .status_sink()
        .context("the journal writer has stopped")?;
    let mut polled = console
        .conductor
        .forward(panels, sink, console.clock.clone());
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
            Some(r) = notify_reads.recv() => Wake::NotifyRead(r),
            Some(f) = followed.recv() => Wake::Followed(f),
            _ = sleep_until_due(pacer.due()), if pacer.due().is_some() => Wake::Frame,
            _ = sleep_until_due(console.conductor.way_back_due()), if console.conductor.way_back_due().is_some() => Wake::WayBack,
            Some(()) = polled.recv() => Wake::Polled,
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
            Wake::NotifyRead(r) => console.on_notify_read(r),
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
            Wake::Polled => {
                while polled.try_recv().is_ok() {}
                console.on_polled()
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
    while console.conductor.notify_outstanding() > 0 {
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
    if console.conductor.in_flight() == 0 {
        return;
    }
    console.app.update(Msg::Info(format!(
        "waiting for {} running action(s) to finish and be journaled…",
        console.conductor.in_flight()
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
    while console.conductor.in_flight() > 0 {
        match tokio::time::timeout_at(deadline, done.recv()).await {
            Ok(Some(d)) => {
                console.on_action_done(d);
            }
            _ => break,
        }
    }
}
