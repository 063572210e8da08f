//! Keys in each mode to changes of mode and queued effects: the half of
//! `update` that reads the keyboard. A child of `app` so it can reach the
//! effect queue without making it public.

use crossterm::event::KeyEvent;

use super::{App, Effect, signers};
use crate::runbook::model::ActionKind;
use crate::session::command::Command;
use crate::session::event::{SessionMode, StepOutcome};
use crate::session::rules;
use crate::session::state::{Status, StepStatus};
use crate::tui::command_line::{self, Parsed};
use crate::tui::completion;
use crate::tui::keymap::{self, Action};
use crate::tui::mode::{ConfirmKind, Mode, Pane, TextPurpose};
use crate::tui::preview;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) {
        let mode = self.ui.mode.clone();
        let action = keymap::lookup_for(self, &key);
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
                    let r = self.ui.cmdline.take_refused();
                    self.say_refused(r);
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
                    let r = self.ui.text.take_refused();
                    self.say_refused(r);
                }
            },
            Mode::Confirm(kind) => match action {
                Some(Action::Cancel) => {
                    self.ui.mode = Mode::Normal;
                    self.info("cancelled");
                }
                Some(a) if self.confirm_takes(&kind, a) => {
                    self.ui.mode = Mode::Normal;
                    self.confirm(kind, a);
                }
                // Never passed on: a typed-ahead command line must not
                // turn into hotkeys behind the dialog.
                _ => {
                    let keys = match &kind {
                        ConfirmKind::Finish { .. } => "d, f, k, n or esc",
                        ConfirmKind::Action(cmd) if self.confirm_refused_for(cmd) => {
                            "y, o, n or esc"
                        }
                        _ => "y, n or esc",
                    };
                    self.info(format!("ignored: this question takes only {keys}"));
                }
            },
            Mode::Search => self.search_key(action, key),
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

    /// A bracketed paste goes to the open prompt as one edit; with no
    /// prompt open it is dropped (never read as a burst of command keys).
    pub(super) fn on_paste(&mut self, text: &str) {
        let editor = match self.ui.mode {
            Mode::CommandLine => &mut self.ui.cmdline,
            Mode::TextInput(_) => &mut self.ui.text,
            Mode::Search => &mut self.ui.search_edit,
            _ => {
                self.info("paste ignored: open a note (or the : line) first");
                return;
            }
        };
        editor.paste(text);
        let r = editor.take_refused();
        self.say_refused(r);
    }

    /// Tell the operator what the prompt did not take.
    fn say_refused(&mut self, refused: Option<crate::tui::input::Refused>) {
        if let Some(r) = refused {
            self.error(r.message());
        }
    }

    fn normal(&mut self, a: Action) {
        match a {
            // Live, beginning is asked first: the gates and the first stage.
            Action::Begin if self.opts.mode == SessionMode::Live => {
                self.open_confirm(Command::Begin)
            }
            Action::Begin => self.submit(Command::Begin),
            Action::PauseResume => {
                if self.story.state.status == Status::Paused {
                    self.submit(Command::Resume {
                        override_reason: None,
                    })
                } else {
                    self.submit(Command::Pause {
                        reason: "operator".into(),
                    })
                }
            }
            Action::Expand => self.open_confirm(Command::Expand {
                override_reason: None,
            }),
            // One key, no question: stopping an expand is always safe.
            Action::Hold => self.submit(Command::Hold {
                reason: String::new(),
            }),
            Action::Rollback => {
                let pending = self
                    .story
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
            a => self.journal_key(a),
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

    /// The selected gate item (gate, item index) when Gates has the
    /// focus; otherwise says where to go and gives nothing.
    fn focused_item(&mut self) -> Option<(usize, usize)> {
        let item = self
            .selected_item()
            .filter(|_| self.ui.focus == Pane::Gates);
        if item.is_none() {
            self.info("select a gate item first (tab to Gates)");
        }
        item
    }

    /// The selected step when Runbook has the focus; otherwise says where
    /// to go and gives nothing.
    fn focused_step(&mut self) -> Option<usize> {
        let step = self
            .selected_step()
            .filter(|_| self.ui.focus == Pane::Runbook);
        if step.is_none() {
            self.info("select a step first (tab to Runbook)");
        }
        step
    }

    fn sign_toggle(&mut self) {
        let Some((gi, ii)) = self.focused_item() else {
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
        let signers = signers(
            self.story
                .state
                .gates
                .get(gi)
                .and_then(|gs| gs.items.get(ii)),
        );
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
        let Some((gi, ii)) = self.focused_item() else {
            return;
        };
        let gate = self.runbook.gates[gi].id.clone();
        let item = ii as u32 + 1;
        let vetoed = self
            .story
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
        let Some(i) = self.focused_step() else {
            return;
        };
        let step = &self.runbook.steps[i];
        let id = step.id.clone();
        match self.story.state.steps.get(i).map(|s| s.status) {
            Some(StepStatus::Running) => {
                if !self.acting_refused() {
                    self.ui.mode = Mode::Confirm(ConfirmKind::Finish { step: id });
                }
            }
            // Failed steps may be retried.
            Some(StepStatus::Pending | StepStatus::Failed) | None => self.start_step(id),
            Some(s) => self.info(format!("`{id}` is {}", s.as_str())),
        }
    }

    /// Starting a step, the same on every path (`s` and `:start`): the
    /// rules first (a refused step is submitted at once, so the refusal is
    /// journaled and its reason shown before anything is asked), then an
    /// irreversible step asks to type its id, then a step with a command
    /// shows it and asks `y`.
    fn start_step(&mut self, id: String) {
        let Some(idx) = self.runbook.steps.iter().position(|s| s.id == id) else {
            return self.submit(Command::Start { step: id });
        };
        let refused = rules::may_act_on_step(&self.runbook, &self.story.state, idx, &self.operator)
            .and_then(|()| {
                rules::may_start(
                    &self.runbook,
                    &self.story.state,
                    idx,
                    &self.story.panels,
                    self.now,
                )
            })
            .is_err();
        let step = &self.runbook.steps[idx];
        if refused {
            self.submit(Command::Start { step: id })
        } else if step.irreversible {
            self.open_text(TextPurpose::ConfirmIrreversible { step: id })
        } else if step.run.is_some() {
            self.open_confirm(Command::Start { step: id })
        } else {
            self.submit(Command::Start { step: id })
        }
    }

    fn move_sel(&mut self, d: isize) {
        if self.move_filtered(d) {
            return;
        }
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
                self.ui.journal_back = step(self.ui.journal_back, -d, self.story.tail.len())
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

    /// Is `a` one of this confirmation's own answers?
    fn confirm_takes(&self, kind: &ConfirmKind, a: Action) -> bool {
        match (kind, a) {
            (ConfirmKind::Action(cmd), Action::Override) => self.confirm_refused_for(cmd),
            (ConfirmKind::Action(_) | ConfirmKind::Quit, Action::Confirm) => true,
            (
                ConfirmKind::Finish { .. },
                Action::FinishDone | Action::FinishFailed | Action::FinishSkipped,
            ) => true,
            _ => false,
        }
    }

    fn confirm_refused_for(&self, cmd: &Command) -> bool {
        preview::preview(
            &self.runbook,
            &self.story.state,
            &self.story.panels,
            &self.operator,
            cmd,
            true,
            self.now,
        )
        .is_some_and(|p| !p.refusals.is_empty() && p.overridable)
    }

    fn text_done(&mut self, purpose: TextPurpose) {
        // Typed text is journaled and drawn on every console: no controls.
        let text = crate::untrusted::sanitize(self.ui.text.text().trim()).into_owned();
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
                if text != step {
                    self.error(format!("typed `{text}`, not `{step}`: not started"));
                } else if self.runbook.step(&step).is_some_and(|s| s.run.is_some()) {
                    // The id said "I mean it"; the dialog still shows what runs.
                    self.open_confirm(Command::Start { step })
                } else {
                    self.submit(Command::Start { step })
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
                    Parsed::Run(Command::Begin) if self.opts.mode == SessionMode::Live => {
                        self.open_confirm(Command::Begin)
                    }
                    Parsed::Run(Command::Start { step }) => self.start_step(step),
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
