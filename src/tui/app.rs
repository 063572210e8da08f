//! The console's model and its `update`: messages in (keys, panel
//! statuses, journal events, the clock), a redraw flag out. Side effects
//! are never performed here: `update` queues an `Effect` (submit a command,
//! switch operator, quit) that the loop drains and carries out, so this
//! file is pure and tests drive it headless.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::command_line::{self, Parsed};
use super::completion;
use super::input::{History, LineEditor};
use super::keymap::{self, Action, ExtraKey};
use super::mode::{ConfirmKind, DetailTarget, Mode, Pane, TextPurpose};
use super::preview::{self, Preview};
use super::theme::Theme;
use crate::health::{PanelMap, PanelStatus};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::command::Command;
use crate::session::event::{Event, EventBody, SessionMode, StepOutcome};
use crate::session::state::{State, Status, StepStatus};

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

/// How many journal events the console keeps in memory for the pane.
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
pub enum Msg {
    Key(KeyEvent),
    Resize,
    /// The wall clock; redraws only when the shown second changes.
    Tick(DateTime<Utc>),
    Panel(PanelStatus),
    /// New journal events (ours or another console's) and the state after them.
    Journal {
        events: Vec<Event>,
        state: State,
    },
    /// The session refused a command (already journaled): show why.
    Refused(String),
    /// Something failed outside the rules (I/O, an action): show it.
    Error(String),
    Info(String),
    /// The operator is now this name (after `:as`).
    Operator(String),
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
    pub cmdline: LineEditor,
    pub history: History,
    pub text: LineEditor,
}

pub struct App {
    pub runbook: Arc<Runbook>,
    pub state: State,
    pub panels: PanelMap,
    /// Latest events, newest last.
    pub journal: VecDeque<Event>,
    pub operator: String,
    pub opts: AppOptions,
    pub now: DateTime<Utc>,
    pub ui: Ui,
    /// Each panel's value when the cutover started (first good value after).
    pub start_values: BTreeMap<String, f64>,
    pub quit: bool,
    effects: Vec<Effect>,
}

impl App {
    pub fn new(runbook: Arc<Runbook>, state: State, opts: AppOptions, now: DateTime<Utc>) -> Self {
        let panels = runbook
            .panels
            .iter()
            .map(|p| (p.id.clone(), PanelStatus::unknown(&p.id)))
            .collect();
        App {
            operator: opts.operator.clone(),
            runbook,
            state,
            panels,
            journal: VecDeque::new(),
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
                cmdline: LineEditor::new(),
                history: History::default(),
                text: LineEditor::new(),
            },
            start_values: BTreeMap::new(),
            quit: false,
            effects: Vec::new(),
        }
    }

    pub fn theme(&self) -> Theme {
        self.opts.theme
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
        let i = self.journal.len().checked_sub(1 + self.ui.journal_back)?;
        self.journal.get(i)
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
                &self.state,
                &self.panels,
                &self.operator,
                cmd,
                !self.opts.executes,
                self.now,
            ),
            _ => None,
        }
    }

    /// The open confirmation is refused, and every refusal may be overridden.
    pub fn confirm_refused(&self) -> bool {
        self.confirm_preview()
            .is_some_and(|p| !p.refusals.is_empty() && p.overridable)
    }

    fn info(&mut self, text: impl Into<String>) {
        self.ui.message = Some(Message {
            text: text.into(),
            level: Level::Info,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.ui.message = Some(Message {
            text: text.into(),
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
            Msg::Resize => true,
            Msg::Tick(now) => {
                let redraw = now.timestamp() != self.now.timestamp();
                self.now = now;
                redraw
            }
            Msg::Panel(mut st) => {
                if self.state.started_at.is_some()
                    && !self.start_values.contains_key(&st.id)
                    && let Some(v) = st.value
                {
                    self.start_values.insert(st.id.clone(), v);
                }
                st.start_value = self.start_values.get(&st.id).copied().or(st.start_value);
                let changed = self.panels.get(&st.id) != Some(&st);
                self.panels.insert(st.id.clone(), st);
                changed
            }
            Msg::Journal { events, state } => {
                let last = self.journal.back().map(|e| e.seq).unwrap_or(0);
                for e in events.into_iter().filter(|e| e.seq > last) {
                    if matches!(e.body, EventBody::CutoverStarted {}) {
                        self.capture_start_values();
                    }
                    self.journal.push_back(e);
                }
                while self.journal.len() > JOURNAL_KEEP {
                    self.journal.pop_front();
                }
                self.state = state;
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
            Msg::Operator(name) => {
                self.info(format!("acting as {name}"));
                self.operator = name;
                true
            }
        }
    }

    fn capture_start_values(&mut self) {
        for (id, st) in &mut self.panels {
            if let Some(v) = st.value {
                self.start_values.insert(id.clone(), v);
                st.start_value = Some(v);
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        let mode = self.ui.mode.clone();
        let action = keymap::lookup(&mode, &key);
        match mode {
            Mode::Normal => {
                self.ui.message = None;
                match action {
                    Some(a) => self.normal(a),
                    None => {
                        if let crossterm::event::KeyCode::Char(c) = key.code
                            && let Some(x) = self.opts.extra_keys.iter().find(|x| x.key == c)
                        {
                            let id = x.id.clone();
                            if self.opts.read_only {
                                self.error("read-only: an observer cannot act");
                            } else {
                                self.effects.push(Effect::Extra(id));
                            }
                        }
                    }
                }
            }
            Mode::CommandLine => match action {
                Some(Action::Submit) => self.run_line(),
                Some(Action::Complete) => self.complete(),
                Some(Action::HistoryPrev) => {
                    let cur = self.ui.cmdline.text().to_string();
                    if let Some(h) = self.ui.history.older(&cur).map(str::to_string) {
                        self.ui.cmdline.set(&h);
                    }
                }
                Some(Action::HistoryNext) => {
                    if let Some(h) = self.ui.history.newer().map(str::to_string) {
                        self.ui.cmdline.set(&h);
                    }
                }
                Some(Action::Cancel) => {
                    self.ui.history.reset();
                    self.ui.mode = Mode::Normal;
                }
                _ => {
                    self.ui.cmdline.edit(key);
                }
            },
            Mode::TextInput(purpose) => match action {
                Some(Action::Submit) => self.text_done(purpose),
                Some(Action::Cancel) => {
                    self.ui.mode = Mode::Normal;
                    self.info("cancelled");
                }
                _ => {
                    self.ui.text.edit(key);
                }
            },
            Mode::Confirm(kind) => {
                self.ui.mode = Mode::Normal;
                self.confirm(kind, action.unwrap_or(Action::Cancel));
            }
            Mode::Help | Mode::Detail(_) => match action {
                Some(Action::Cancel) => self.ui.mode = Mode::Normal,
                Some(Action::Up) => self.ui.detail_scroll = self.ui.detail_scroll.saturating_sub(1),
                Some(Action::Down) => {
                    self.ui.detail_scroll = self.ui.detail_scroll.saturating_add(1)
                }
                _ => {}
            },
        }
    }

    fn normal(&mut self, a: Action) {
        match a {
            Action::Begin => self.submit(Command::Begin),
            Action::PauseResume => {
                if self.state.status == Status::Paused {
                    self.submit(Command::Resume)
                } else {
                    self.submit(Command::Pause {
                        reason: "operator".into(),
                    })
                }
            }
            Action::Expand => self.open_confirm(Command::Expand {
                override_reason: None,
            }),
            Action::Rollback => {
                let pending = self
                    .state
                    .pending
                    .iter()
                    .find(|p| p.action == ActionKind::Rollback)
                    .map(|p| (p.requested_by.clone(), p.reason.clone()));
                match pending {
                    // Four eyes: the requester cannot be the confirmer.
                    Some((by, _)) if by == self.operator => self.info(
                        "your rollback request is waiting for a different operator to press r",
                    ),
                    Some((_, reason)) => self.open_confirm(Command::Rollback {
                        reason,
                        override_reason: None,
                    }),
                    None => self.open_text(TextPurpose::RollbackReason),
                }
            }
            Action::SignToggle => self.sign_toggle(),
            Action::VetoLift => self.veto_lift(),
            Action::StepStartFinish => self.step_key(),
            Action::Note => self.open_text(TextPurpose::Note),
            Action::NextPane => self.ui.focus = self.ui.focus.next(),
            Action::PrevPane => self.ui.focus = self.ui.focus.prev(),
            Action::Up => self.move_sel(-1),
            Action::Down => self.move_sel(1),
            Action::Details => match self.detail_target() {
                Some(t) => {
                    self.ui.detail_scroll = 0;
                    self.ui.mode = Mode::Detail(t)
                }
                None => self.info("nothing selected here"),
            },
            Action::Help => self.ui.mode = Mode::Help,
            Action::CommandLine => {
                self.ui.cmdline.clear();
                self.ui.mode = Mode::CommandLine;
            }
            Action::Quit => self.ui.mode = Mode::Confirm(ConfirmKind::Quit),
            _ => {}
        }
    }

    fn acting_refused(&mut self) -> bool {
        if self.opts.read_only {
            self.error("read-only: an observer cannot act");
            true
        } else {
            false
        }
    }

    fn open_confirm(&mut self, cmd: Command) {
        if !self.acting_refused() {
            self.ui.mode = Mode::Confirm(ConfirmKind::Action(cmd));
        }
    }

    fn open_text(&mut self, purpose: TextPurpose) {
        if !self.acting_refused() {
            self.ui.text.clear();
            self.ui.mode = Mode::TextInput(purpose);
        }
    }

    fn sign_toggle(&mut self) {
        let Some((gi, ii)) = self
            .selected_item()
            .filter(|_| self.ui.focus == Pane::Gates)
        else {
            self.info("select a gate item first (tab to Gates)");
            return;
        };
        let g = &self.runbook.gates[gi];
        let gate = g.id.clone();
        let item = ii as u32 + 1;
        if let Some(p) = &g.items[ii].panel {
            let p = p.clone();
            self.info(format!("automatic item: satisfied while `{p}` stays OK"));
            return;
        }
        let signers = signers(self.state.gates.get(gi).and_then(|gs| gs.items.get(ii)));
        let two_person = g.two_person;
        if signers.iter().any(|s| s.operator == self.operator) {
            self.submit(Command::Withdraw { gate, item })
        } else if let (Some(first), false) = (signers.first(), two_person) {
            let op = first.operator.clone();
            self.info(format!("already signed by {op}"))
        } else {
            // Unsigned, or a two-person gate that needs a second operator.
            self.submit(Command::Sign { gate, item })
        }
    }

    fn veto_lift(&mut self) {
        let Some((gi, ii)) = self
            .selected_item()
            .filter(|_| self.ui.focus == Pane::Gates)
        else {
            self.info("select a gate item first (tab to Gates)");
            return;
        };
        let gate = self.runbook.gates[gi].id.clone();
        let item = ii as u32 + 1;
        let vetoed = self
            .state
            .gates
            .get(gi)
            .and_then(|gs| gs.items.get(ii))
            .is_some_and(|s| s.veto.is_some());
        if vetoed {
            self.submit(Command::Lift { gate, item });
        } else {
            self.open_text(TextPurpose::VetoReason { gate, item });
        }
    }

    fn step_key(&mut self) {
        let Some(i) = self
            .selected_step()
            .filter(|_| self.ui.focus == Pane::Runbook)
        else {
            self.info("select a step first (tab to Runbook)");
            return;
        };
        let step = &self.runbook.steps[i];
        let id = step.id.clone();
        match self.state.steps.get(i).map(|s| s.status) {
            Some(StepStatus::Running) => {
                if !self.acting_refused() {
                    self.ui.mode = Mode::Confirm(ConfirmKind::Finish { step: id });
                }
            }
            // Failed steps may be retried.
            Some(StepStatus::Pending | StepStatus::Failed) | None if step.irreversible => {
                self.open_text(TextPurpose::ConfirmIrreversible { step: id })
            }
            // A step with a command shows it and asks `y`.
            Some(StepStatus::Pending | StepStatus::Failed) | None if step.run.is_some() => {
                self.open_confirm(Command::Start { step: id })
            }
            Some(StepStatus::Pending | StepStatus::Failed) | None => {
                self.submit(Command::Start { step: id })
            }
            Some(s) => self.info(format!("`{id}` is {}", s.as_str())),
        }
    }

    fn move_sel(&mut self, d: isize) {
        fn step(v: usize, d: isize, n: usize) -> usize {
            if n == 0 {
                0
            } else {
                (v as isize + d).clamp(0, n as isize - 1) as usize
            }
        }
        match self.ui.focus {
            Pane::Runbook => self.ui.sel_step = step(self.ui.sel_step, d, self.runbook.steps.len()),
            Pane::Health => {
                self.ui.sel_panel = step(self.ui.sel_panel, d, self.runbook.panels.len())
            }
            Pane::Gates => self.ui.sel_item = step(self.ui.sel_item, d, self.items().len()),
            // Up scrolls back in time; down returns towards the newest.
            Pane::Journal => {
                self.ui.journal_back = step(self.ui.journal_back, -d, self.journal.len())
            }
        }
    }

    fn confirm(&mut self, kind: ConfirmKind, a: Action) {
        match (kind, a) {
            (ConfirmKind::Action(cmd), Action::Confirm) => self.submit(cmd),
            (ConfirmKind::Action(cmd), Action::Override) if self.confirm_refused_for(&cmd) => {
                self.open_text(TextPurpose::OverrideReason(cmd))
            }
            (ConfirmKind::Finish { step }, Action::FinishDone) => self.submit(Command::Finish {
                step,
                outcome: StepOutcome::Done,
            }),
            (ConfirmKind::Finish { step }, Action::FinishFailed) => self.submit(Command::Finish {
                step,
                outcome: StepOutcome::Failed,
            }),
            (ConfirmKind::Finish { step }, Action::FinishSkipped) => self.submit(Command::Finish {
                step,
                outcome: StepOutcome::Skipped,
            }),
            (ConfirmKind::Quit, Action::Confirm) => {
                self.quit = true;
                self.effects.push(Effect::Quit);
            }
            _ => self.info("cancelled"),
        }
    }

    fn confirm_refused_for(&self, cmd: &Command) -> bool {
        preview::preview(
            &self.runbook,
            &self.state,
            &self.panels,
            &self.operator,
            cmd,
            true,
            self.now,
        )
        .is_some_and(|p| !p.refusals.is_empty() && p.overridable)
    }

    fn text_done(&mut self, purpose: TextPurpose) {
        let text = self.ui.text.text().trim().to_string();
        if text.is_empty() {
            self.error("type something, or esc to cancel");
            return;
        }
        self.ui.mode = Mode::Normal;
        match purpose {
            TextPurpose::RollbackReason => self.open_confirm(Command::Rollback {
                reason: text,
                override_reason: None,
            }),
            TextPurpose::OverrideReason(Command::Expand { .. }) => self.submit(Command::Expand {
                override_reason: Some(text),
            }),
            TextPurpose::OverrideReason(Command::Rollback { reason, .. }) => {
                self.submit(Command::Rollback {
                    reason,
                    override_reason: Some(text),
                })
            }
            TextPurpose::OverrideReason(other) => self.submit(other),
            TextPurpose::VetoReason { gate, item } => self.submit(Command::Veto {
                gate,
                item,
                reason: text,
            }),
            TextPurpose::Note => self.submit(Command::Note { text }),
            TextPurpose::ConfirmIrreversible { step } => {
                if text == step {
                    self.submit(Command::Start { step })
                } else {
                    self.error(format!("typed `{text}`, not `{step}`: not started"));
                }
            }
        }
    }

    fn run_line(&mut self) {
        let line = self.ui.cmdline.text().to_string();
        self.ui.history.push(&line);
        match command_line::parse(&line, &self.runbook) {
            Ok(parsed) => {
                self.ui.mode = Mode::Normal;
                match parsed {
                    Parsed::Run(cmd @ (Command::Expand { .. } | Command::Rollback { .. })) => {
                        self.open_confirm(cmd)
                    }
                    // Typing the id on the line is the irreversible step's
                    // confirmation; a command still shows what it runs.
                    Parsed::Run(Command::Start { step })
                        if self.runbook.step(&step).is_some_and(|s| s.run.is_some()) =>
                    {
                        self.open_confirm(Command::Start { step })
                    }
                    Parsed::Run(cmd) => self.submit(cmd),
                    Parsed::Help => self.ui.mode = Mode::Help,
                    Parsed::Quit => self.ui.mode = Mode::Confirm(ConfirmKind::Quit),
                    Parsed::As(name) => {
                        if self.opts.allow_as {
                            self.effects.push(Effect::SetOperator(name));
                        } else {
                            self.error("`as` works only in rehearse and demo: live, you are your Unix account");
                        }
                    }
                }
            }
            // Keep the line so the typo can be fixed in place.
            Err(e) => self.error(e),
        }
    }

    fn complete(&mut self) {
        let line = self.ui.cmdline.text().to_string();
        let c = completion::complete(&line, &self.runbook);
        self.ui.cmdline.set(&c.apply(&line));
        if c.candidates.len() > 1 {
            self.info(c.candidates.join("  "));
        } else if c.candidates.is_empty() {
            self.info("no completion");
        } else {
            self.ui.message = None;
        }
    }
}
