//! The console's model and its `update`: messages in (keys, panel
//! statuses, journal events, the clock), a redraw flag out. Side effects
//! are never performed here: `update` queues an `Effect` (submit a command,
//! switch operator, quit) that the loop drains and carries out, so this
//! file is pure and tests drive it headless.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

mod journal_nav;
mod keys;
mod pane_filter;

use super::input::{History, LineEditor};
use super::keymap::ExtraKey;
use super::mode::{ConfirmKind, DetailTarget, Mode, Pane};
use super::preview::{self, Preview};
use super::theme::Theme;
use crate::health::PanelStatus;
use crate::runbook::model::Runbook;
use crate::session::command::Command;
use crate::session::event::{Event, EventBody, SessionMode};
use crate::session::state::State;
use crate::session::story::{self, Story};

/// An item's current signatures, first signer first.
pub fn signers(
    item: Option<&crate::session::state::ItemState>,
) -> Vec<&crate::session::state::Signature> {
    match item {
        Some(i) if !i.signers.is_empty() => i.signers.iter().collect(),
        Some(i) => i.signed.iter().collect(),
        None => Vec::new(),
    }
}

/// How many journal events the console keeps in memory for the pane (its
/// story's tail).
pub const JOURNAL_KEEP: usize = 500;

#[derive(Debug, Clone)]
pub struct AppOptions {
    pub operator: String,
    pub mode: SessionMode,
    /// An observer: sees everything, acts on nothing.
    pub read_only: bool,
    /// Actions really execute (live, or a rehearsal with `--execute`).
    pub executes: bool,
    /// `:as NAME` allowed (rehearse and demo).
    pub allow_as: bool,
    pub theme: Theme,
    /// Demo-only keys (fault injection); handed back as `Effect::Extra`.
    pub extra_keys: Vec<ExtraKey>,
    /// Each step's duration in the last rehearsal, shown beside the plan.
    pub rehearsal_durations: BTreeMap<String, Duration>,
    /// `--tz`: clocks in this zone instead of the runbook's `timezone`.
    pub tz: Option<crate::timefmt::Zone>,
}

/// Something the loop must do on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Submit(Command),
    SetOperator(String),
    /// An extra key's id (demo fault injection).
    Extra(String),
    Quit,
}

#[derive(Debug, Clone)]
// One message at a time moves through `update`; none is stored in bulk,
// so the size of the largest (a whole `State`) costs a memcpy, not memory.
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    Key(KeyEvent),
    /// Keys already queued when a question opened were dropped (the loop
    /// drains them before the question is drawn): say so.
    TypedAhead(usize),
    /// A bracketed paste: one event however long, for the open prompt.
    Paste(String),
    Resize,
    /// The wall clock; redraws only when the shown second changes.
    Tick(DateTime<Utc>),
    Panel(PanelStatus),
    /// The state a fuller fold made and its latest events: the writer's
    /// session hands its fold over when the console starts (it read the
    /// whole journal; the tail alone could not rebuild the state).
    Journal {
        events: Vec<Event>,
        state: State,
    },
    /// New journal events, in seq order, for the app to fold itself
    /// (`session::story`): the console's one fold, no state copied.
    Events(Vec<Event>),
    /// A stored reading the follower delivered (`session::story`).
    Reading(crate::health::reading::Reading),
    /// The session refused a command (already journaled): show why.
    Refused(String),
    /// Something failed outside the rules (I/O, an action): show it.
    Error(String),
    Info(String),
    /// The operator is now this name (after `:as`).
    Operator(String),
    /// A command handed to the journal writer, not answered yet.
    Pending {
        id: u64,
        what: String,
    },
    /// The writer answered command `id` (its outcome comes as its own message).
    Settled {
        id: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub level: Level,
}

/// Selection and modal state: everything on screen that is not the cutover.
#[derive(Debug, Clone)]
pub struct Ui {
    pub mode: Mode,
    pub focus: Pane,
    pub sel_step: usize,
    pub sel_panel: usize,
    /// Index into `App::items()` (every gate item, flattened).
    pub sel_item: usize,
    /// Lines scrolled back from the newest journal entry.
    pub journal_back: usize,
    /// Lines scrolled down in the details overlay.
    pub detail_scroll: u16,
    pub message: Option<Message>,
    /// The focused pane fills the body (`z`); journal lines read whole.
    pub zoom: bool,
    /// The query kept after `/` ... enter: the journal highlights it (n/N
    /// move), the other panes show only rows holding it.
    pub search: Option<String>,
    /// The pane `/` was pressed on: where the query applies.
    pub search_pane: Pane,
    pub search_edit: LineEditor,
    /// Text lines the journal pane showed at the last draw: a page for
    /// PgUp/PgDn (the draw knows the height, `update` does not).
    pub journal_page: std::cell::Cell<u16>,
    pub cmdline: LineEditor,
    pub history: History,
    pub text: LineEditor,
}

pub struct App {
    pub runbook: Arc<Runbook>,
    /// The state, the panels and the latest events (at most
    /// `JOURNAL_KEEP`), folded by the one fold every reader uses
    /// (`session::story`).
    pub story: Story,
    pub operator: String,
    pub opts: AppOptions,
    pub now: DateTime<Utc>,
    pub ui: Ui,
    /// Each panel's value when the cutover started (first good value after).
    pub start_values: BTreeMap<String, f64>,
    pub quit: bool,
    /// A journal row that could not be read back (the hook for "journal
    /// damaged at seq N"): shown as a banner under the header.
    pub damaged_at: Option<u64>,
    /// Commands handed to the journal writer and not answered yet, by id.
    pub pending: BTreeMap<u64, String>,
    /// The journal's clock minus this host's, when more than 2 s apart
    /// (`journal::clock`): the header says so.
    pub clock_skew: Option<chrono::TimeDelta>,
    /// The journal's file was deleted or replaced under this console
    /// (`Reply::JournalLost`): the header says so until it quits.
    pub journal_lost: bool,
    effects: Vec<Effect>,
}

impl App {
    pub fn new(runbook: Arc<Runbook>, state: State, opts: AppOptions, now: DateTime<Utc>) -> Self {
        let mut story = Story::new(&runbook, JOURNAL_KEEP);
        story.state = state;
        App {
            operator: opts.operator.clone(),
            runbook,
            story,
            opts,
            now,
            ui: Ui {
                mode: Mode::Normal,
                focus: Pane::Runbook,
                sel_step: 0,
                sel_panel: 0,
                sel_item: 0,
                journal_back: 0,
                detail_scroll: 0,
                message: None,
                zoom: false,
                search: None,
                search_pane: Pane::Journal,
                search_edit: LineEditor::new(),
                journal_page: std::cell::Cell::new(10),
                cmdline: LineEditor::new(),
                history: History::default(),
                text: LineEditor::new(),
            },
            start_values: BTreeMap::new(),
            quit: false,
            damaged_at: None,
            pending: BTreeMap::new(),
            clock_skew: None,
            journal_lost: false,
            effects: Vec::new(),
        }
    }

    pub fn theme(&self) -> Theme {
        self.opts.theme
    }

    /// The zone every clock on this console is shown in.
    pub fn zone(&self) -> crate::timefmt::Zone {
        self.opts.tz.unwrap_or(self.runbook.cutover.timezone)
    }

    /// What the loop must carry out, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Every gate item as (gate index, item index), in screen order.
    pub fn items(&self) -> Vec<(usize, usize)> {
        self.runbook
            .gates
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| (0..g.items.len()).map(move |ii| (gi, ii)))
            .collect()
    }

    pub fn selected_item(&self) -> Option<(usize, usize)> {
        self.items().get(self.ui.sel_item).copied()
    }

    pub fn selected_step(&self) -> Option<usize> {
        (self.ui.sel_step < self.runbook.steps.len()).then_some(self.ui.sel_step)
    }

    /// In the journal pane the selection is the newest line shown: the
    /// newest event, or the one `journal_back` lines before it.
    pub fn selected_event(&self) -> Option<&Event> {
        let i = self
            .story
            .tail
            .len()
            .checked_sub(1 + self.ui.journal_back)?;
        self.story.tail.get(i)
    }

    pub fn detail_target(&self) -> Option<DetailTarget> {
        match self.ui.focus {
            Pane::Runbook => self.selected_step().map(DetailTarget::Step),
            Pane::Health => (self.ui.sel_panel < self.runbook.panels.len())
                .then_some(DetailTarget::Panel(self.ui.sel_panel)),
            Pane::Gates => self.selected_item().map(|(g, _)| DetailTarget::Gate(g)),
            Pane::Journal => self.selected_event().map(|e| DetailTarget::Event(e.seq)),
        }
    }

    /// The confirm modal's preview, when one is open.
    pub fn confirm_preview(&self) -> Option<Preview> {
        match &self.ui.mode {
            Mode::Confirm(ConfirmKind::Action(cmd)) => preview::preview(
                &self.runbook,
                &self.story.state,
                &self.story.panels,
                &self.operator,
                cmd,
                !self.opts.executes,
                self.now,
            ),
            _ => None,
        }
    }

    /// Why pending step `i` may not start now (its gate, `after` steps or
    /// `stage`), once the cutover has begun; `None` when it may, or before
    /// the begin (every step waits for that alike).
    pub fn step_blocked(&self, i: usize) -> Option<String> {
        let st = self.story.state.steps.get(i)?;
        if self.story.state.status == crate::session::state::Status::Ready
            || !matches!(st.status, crate::session::state::StepStatus::Pending)
        {
            return None;
        }
        crate::session::rules::may_start(
            &self.runbook,
            &self.story.state,
            i,
            &self.story.panels,
            self.now,
        )
        .err()
    }

    /// The open confirmation is refused, and every refusal may be overridden.
    pub fn confirm_refused(&self) -> bool {
        self.confirm_preview()
            .is_some_and(|p| !p.refusals.is_empty() && p.overridable)
    }

    // Status-line texts may quote outside text (a webhook's answer, a
    // source's error): sanitized here, the one place they are shown.
    fn info(&mut self, text: impl Into<String>) {
        self.ui.message = Some(Message {
            text: crate::untrusted::sanitize(&text.into()).into_owned(),
            level: Level::Info,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.ui.message = Some(Message {
            text: crate::untrusted::sanitize(&text.into()).into_owned(),
            level: Level::Error,
        });
    }

    fn submit(&mut self, cmd: Command) {
        if self.opts.read_only {
            self.error("read-only: an observer cannot act");
            return;
        }
        self.effects.push(Effect::Submit(cmd));
    }

    /// Fold one message in; true when the screen must be redrawn.
    pub fn update(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Key(k) => {
                self.on_key(k);
                true
            }
            Msg::TypedAhead(n) => {
                self.info(format!(
                    "{n} key(s) typed before this question appeared were dropped: read it, then answer"
                ));
                true
            }
            Msg::Paste(text) => {
                self.on_paste(&text);
                true
            }
            Msg::Resize => true,
            Msg::Tick(now) => {
                let redraw = now.timestamp() != self.now.timestamp();
                self.now = now;
                redraw
            }
            Msg::Panel(st) => self.panel(st),
            Msg::Reading(r) => {
                // Compared with the panel before the fold: the story
                // updates it in place, so `panel` alone sees no change.
                let before = self.story.panels.get(&r.panel).cloned();
                match self.story.reading(&r) {
                    Some(st) => {
                        self.panel(st);
                        self.story.panels.get(&r.panel) != before.as_ref()
                    }
                    None => false,
                }
            }
            Msg::Events(events) => {
                let mut new = Vec::with_capacity(events.len());
                for e in events {
                    if self.story.event(&self.runbook, &e) {
                        new.push(e);
                    }
                }
                !new.is_empty() && self.took(&new)
            }
            Msg::Journal { events, state } => {
                self.story.state = state;
                let last = self.story.tail.back().map_or(0, |e| e.seq);
                let new: Vec<Event> = events.into_iter().filter(|e| e.seq > last).collect();
                for e in &new {
                    story::fold_tail(&mut self.story.tail, JOURNAL_KEEP, e);
                }
                self.took(&new);
                true
            }
            Msg::Refused(reason) => {
                self.error(format!("refused: {reason}"));
                true
            }
            Msg::Error(e) => {
                self.error(e);
                true
            }
            Msg::Info(i) => {
                self.info(i);
                true
            }
            Msg::Pending { id, what } => {
                self.pending.insert(id, what);
                true
            }
            Msg::Settled { id } => self.pending.remove(&id).is_some(),
            Msg::Operator(name) => {
                self.info(format!("acting as {name}"));
                self.operator = name;
                true
            }
        }
    }

    /// A panel's status, with its value when the cutover started.
    fn panel(&mut self, mut st: PanelStatus) -> bool {
        if self.story.state.started_at.is_some()
            && !self.start_values.contains_key(&st.id)
            && let Some(v) = st.value
        {
            self.start_values.insert(st.id.clone(), v);
        }
        st.start_value = self.start_values.get(&st.id).copied().or(st.start_value);
        let changed = self.story.panels.get(&st.id) != Some(&st);
        self.story.panels.insert(st.id.clone(), st);
        changed
    }

    /// Events just folded into the story (its tail ends with them): the
    /// journal pane's bookkeeping.
    fn took(&mut self, new: &[Event]) -> bool {
        for e in new {
            // Scrolled back (reading, or on a search match): the
            // line in view stays in view as new ones arrive.
            if self.ui.journal_back > 0 {
                self.ui.journal_back += 1;
            }
            if matches!(e.body, EventBody::CutoverStarted {}) {
                self.capture_start_values();
            }
        }
        self.ui.journal_back = self
            .ui
            .journal_back
            .min(self.story.tail.len().saturating_sub(1));
        // A newer event replaces the bottom line's message (a
        // guard's pause replaces "demo: injected fault"), except
        // while the operator is typing against it.
        if !new.is_empty() && self.ui.mode == super::mode::Mode::Normal {
            self.ui.message = None;
        }
        true
    }

    fn capture_start_values(&mut self) {
        for (id, st) in &mut self.story.panels {
            if let Some(v) = st.value {
                self.start_values.insert(id.clone(), v);
                st.start_value = Some(v);
            }
        }
    }
}
