//! The loop: one `tokio::select!` over the terminal's events, the health
//! poller, the journal follower, finished actions, the clock and the
//! signals. Each message is folded into the `App` (pure); session calls
//! (SQLite, milliseconds) happen here between messages; actions run as
//! tasks. The screen is drawn only when something visible changed, and
//! panel changes at most every 100 ms (`frame_pacer`).
//!
//! ```text
//!  keys ────────────┐                ┌─> Session::submit ──────> journal (SQLite)
//!  panels ──────────┤                ├─> guard::decide + transact (once across consoles)
//!  journal follower ┼─> Console ─────┤
//!  actions done ────┤   (App.update) └─> Effects::spawn_for ──> action tasks ─┐
//!  clock, signals ──┘                                                          │
//!         ▲──────────────────────── ActionDone ────────────────────────────────┘
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::app::{App, AppOptions, Effect, Msg};
use super::effects::{ActionDone, Effects};
use super::frame_pacer::FramePacer;
use super::frame_stats::{self, FrameStats};
use super::terminal::Gone;
use super::view;
use crate::console_session::Session;
use crate::guard::{self, GuardTracker};
use crate::health::{PanelState, PanelStatus};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session;
use crate::session::event::{Event, EventBody};
use crate::session::state::StepStatus;

/// Beyond an action's own timeout, how long quitting waits for its result.
const ACTION_GRACE: Duration = Duration::from_secs(10);

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

/// The console's state between messages: the pure `App`, the session it
/// writes through, and what guards and actions need.
pub struct Console {
    pub app: App,
    pub session: Session,
    tracker: GuardTracker,
    effects: Effects,
    done_rx: Option<UnboundedReceiver<ActionDone>>,
    /// Action tasks started whose result has not come back yet.
    in_flight: usize,
    /// Since when this console has watched each panel.
    first_seen: BTreeMap<String, DateTime<Utc>>,
    on_extra: Option<ExtraHandler>,
}

impl Console {
    pub fn new(
        session: Session,
        opts: AppOptions,
        execute: bool,
        on_extra: Option<ExtraHandler>,
    ) -> Console {
        let runbook = Arc::clone(session.runbook());
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let now = Utc::now();
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
        for w in session.warnings() {
            app.update(Msg::Error(w.clone()));
        }
        Console {
            app,
            tracker: GuardTracker::default(),
            effects: Effects {
                runbook,
                mode: opts.mode,
                execute,
                client: reqwest::Client::new(),
                done: done_tx,
            },
            session,
            done_rx: Some(done_rx),
            in_flight: 0,
            first_seen: BTreeMap::new(),
            on_extra,
        }
    }

    /// Hand the app whatever the session folded in since it last looked.
    fn sync(&mut self) -> bool {
        let last = self.app.journal.back().map(|e| e.seq).unwrap_or(0);
        let tail = self.session.events();
        let events: Vec<Event> = tail
            .range(tail.partition_point(|e| e.seq <= last)..)
            .cloned()
            .collect();
        if events.is_empty() && self.app.state == *self.session.state() {
            return false;
        }
        self.app.update(Msg::Journal {
            events,
            state: self.session.state().clone(),
        })
    }

    fn error(&mut self, what: &str, e: impl std::fmt::Display) {
        self.app.update(Msg::Error(format!("{what}: {e}")));
    }

    /// Journal `events`' consequences: run the actions they call for.
    fn committed(&mut self, events: &[Event], stage_before: Option<usize>) {
        self.in_flight += self.effects.spawn_for(events, stage_before);
    }

    pub fn submit(&mut self, cmd: &session::command::Command) {
        let stage_before = self.session.state().stage;
        match self.session.submit(cmd, &self.app.panels, Utc::now()) {
            Ok(session::command::Outcome::Applied(events)) => {
                self.sync();
                self.committed(&events, stage_before);
            }
            Ok(session::command::Outcome::Refused { reason, .. }) => {
                self.sync();
                self.app.update(Msg::Refused(reason));
            }
            Err(e) => self.error("journal", e),
        }
    }

    /// A new panel status: show it and let guards decide (fired once
    /// across consoles: decided again inside the write transaction). Per
    /// status, so a breach that clears within one batch still fires a
    /// guard with `for = 0`. Returns whether the screen changed.
    pub fn on_panel(&mut self, st: PanelStatus) -> bool {
        // Watched since the first status, or since the state it reports
        // began if earlier (a poller never reports a state older than itself).
        let now = Utc::now();
        let since = st.state_since.map_or(now, |s| s.min(now));
        self.first_seen.entry(st.id.clone()).or_insert(since);
        let changed = self.app.update(Msg::Panel(st));
        if self.session.is_read_only() {
            return changed;
        }
        let runbook = Arc::clone(self.session.runbook());
        self.tracker.observe(&runbook, &self.app.panels, now);
        let decisions = guard::decide(
            &runbook,
            self.session.state(),
            &self.app.panels,
            &self.tracker,
            now,
        );
        let operator = self.session.operator().to_string();
        for d in decisions {
            let evidence = session::evidence(&self.app.panels);
            let stage_before = self.session.state().stage;
            match self.session.transact(
                |state, rb| guard::events_for(&d, rb, state, &evidence),
                &operator,
            ) {
                Ok(events) => self.committed(&events, stage_before),
                Err(e) => self.error("guard", e),
            }
        }
        changed
    }

    /// After a batch of panel statuses: journal automatic gate items that
    /// changed, and hand the app what was journaled. Once per batch: with
    /// 500 panels statuses arrive by the hundred, and a gate item reads a
    /// panel's `state_since`, so a flicker inside a batch still restarts
    /// its "OK for". Returns whether the journal changed the screen.
    pub fn judge_panels(&mut self) -> bool {
        if self.session.is_read_only() {
            return false;
        }
        let now = Utc::now();
        let runbook = Arc::clone(self.session.runbook());
        if self.may_judge_gates(&runbook, now)
            && let Err(e) = self.session.observe(&self.app.panels, now)
        {
            self.error("gates", e);
        }
        self.sync()
    }

    /// Can this console's view of the panels decide automatic gate items?
    /// Not while a panel it reads is OK but has been watched for less than
    /// the item's `for`: "OK for 4s" here means "OK for at least 4s", and
    /// a console that just attached would otherwise journal `gate_reopened`
    /// against the older consoles' `gate_go`, flapping the gate. A panel in
    /// a bad state is judged at once (that reopens the gate rightly).
    fn may_judge_gates(&self, runbook: &Runbook, now: DateTime<Utc>) -> bool {
        runbook
            .gates
            .iter()
            .flat_map(|g| &g.items)
            .filter_map(|i| Some((i.panel.as_ref()?, i.for_)))
            .all(|(panel, for_)| {
                let ok = self
                    .app
                    .panels
                    .get(panel)
                    .is_some_and(|p| p.state == PanelState::Ok);
                let watched = self
                    .first_seen
                    .get(panel)
                    .map(|t| now - *t)
                    .unwrap_or_default();
                !ok || watched
                    >= chrono::TimeDelta::from_std(for_).unwrap_or(chrono::TimeDelta::MAX)
            })
    }

    /// An event from the follower (another console's, or our own echo).
    pub fn on_followed(&mut self, ev: &Event) -> bool {
        self.session.apply_followed(ev);
        self.sync()
    }

    pub fn on_action_done(&mut self, done: ActionDone) -> bool {
        self.in_flight = self.in_flight.saturating_sub(1);
        let operator = self.session.operator().to_string();
        let events = done.events;
        if !events.is_empty()
            && let Err(e) = self.session.transact(
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
            )
        {
            self.error("journal", e);
        }
        if let Some(f) = done.failure {
            self.app.update(Msg::Error(f));
        }
        self.sync();
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
            _ => return false,
        }
        let mut quit = false;
        for effect in self.app.take_effects() {
            match effect {
                Effect::Submit(cmd) => self.submit(&cmd),
                Effect::SetOperator(name) => {
                    self.session.set_operator(&name);
                    self.app.update(Msg::Operator(name));
                }
                Effect::Extra(id) => {
                    let line = self.on_extra.as_mut().and_then(|f| f(&id));
                    if let Some(line) = line {
                        // Journaled as a note so the report tells why the
                        // numbers moved.
                        self.submit(&session::command::Command::Note { text: line.clone() });
                        self.app.update(Msg::Info(line));
                    }
                }
                Effect::Quit => quit = true,
            }
        }
        quit
    }

    /// Journal `operator_detached` (quitting never changes the cutover).
    pub fn detach(&mut self) {
        if let Err(e) = self.session.detach() {
            self.error("journal", e);
        }
    }
}

/// What woke the loop.
enum Wake {
    Done(ActionDone),
    Followed(Event),
    Panel(PanelStatus),
    Key(TermEvent),
    Tick,
    /// A panel change held back by the pacer is due.
    Frame,
}

/// Wait until `at`; forever when nothing is due (the branch is disabled
/// then anyway).
async fn sleep_until_due(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The loop, generic over the backend and the terminal's event stream so
/// tests drive it headless. Returns how it ended; the caller restores the
/// terminal.
pub async fn run_loop<B, K>(
    terminal: &mut Terminal<B>,
    console: &mut Console,
    mut keys: K,
    mut panels: UnboundedReceiver<PanelStatus>,
    mut followed: UnboundedReceiver<Event>,
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
            Some(ev) = followed.recv() => Wake::Followed(ev),
            _ = sleep_until_due(pacer.due()), if pacer.due().is_some() => Wake::Frame,
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
            Wake::Followed(ev) => {
                let mut r = console.on_followed(&ev);
                // Coalesce a burst (a replay after a gap) into one frame.
                while let Ok(ev) = followed.try_recv() {
                    r |= console.on_followed(&ev);
                }
                r
            }
            Wake::Panel(st) => {
                let mut changed = console.on_panel(st);
                while let Ok(st) = panels.try_recv() {
                    changed |= console.on_panel(st);
                }
                // What guards and gates decided is journaled: drawn at once.
                let decided = console.judge_panels();
                let now = tokio::time::Instant::now();
                decided || (changed && pacer.panel_changed(now))
            }
            Wake::Frame => true,
            Wake::Key(ev) => {
                if console.on_terminal(ev) {
                    break Exit::Quit;
                }
                true
            }
            Wake::Tick => console.app.update(Msg::Tick(Utc::now())),
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
    console.detach();
    Ok(exit)
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
    let rb = Arc::clone(console.session.runbook());
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
