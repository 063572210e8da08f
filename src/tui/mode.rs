//! What the keyboard is talking to right now. One enum instead of a struct
//! of `show_*` booleans: exactly one of these is on screen at a time.

use crate::session::command::Command;

/// The four panes `tab` moves between, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Runbook,
    Health,
    Gates,
    Journal,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Runbook, Pane::Health, Pane::Gates, Pane::Journal];

    pub fn next(self) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ALL[(i + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ALL[(i + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Runbook => "Runbook",
            Pane::Health => "Health",
            Pane::Gates => "Gates",
            Pane::Journal => "Journal",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// The `:` line; its text lives in `App::cmdline`.
    CommandLine,
    /// A modal that asks `y` before a consequential command.
    Confirm(ConfirmKind),
    /// A one-line prompt (a reason, a note, an irreversible step's id).
    TextInput(TextPurpose),
    Help,
    Detail(DetailTarget),
    /// Typing a journal search after `/`; its text lives in `Ui::search_edit`.
    Search,
}

impl Mode {
    /// A question whose answer changes the cutover: keys typed before it
    /// appeared are dropped. (Quitting changes nothing: `q` `y` typed in
    /// one go still leaves.) Every confirmation takes only its own keys.
    pub fn asks(&self) -> bool {
        match self {
            Mode::Confirm(ConfirmKind::Quit) => false,
            Mode::Confirm(_) => true,
            // A reason typed ahead is the operator's own text, and the
            // rollback it leads to asks again; the id of an irreversible
            // step is the answer itself.
            Mode::TextInput(p) => matches!(p, TextPurpose::ConfirmIrreversible { .. }),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmKind {
    /// Expand to the next stage; `y` submits `command`.
    Action(Command),
    /// Finish a running step: d done, f failed, k skipped.
    Finish { step: String },
    /// Leave the console (never changes the cutover).
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TextPurpose {
    RollbackReason,
    /// Override the refusals of the command being confirmed.
    OverrideReason(Command),
    VetoReason {
        gate: String,
        item: u32,
    },
    Note,
    /// Starting an irreversible step: the operator types its id.
    ConfirmIrreversible {
        step: String,
    },
}

impl TextPurpose {
    pub fn prompt(&self) -> String {
        match self {
            TextPurpose::RollbackReason => "Rollback reason".into(),
            TextPurpose::OverrideReason(c) => {
                format!("Reason to override the refusal of `{}`", c.describe())
            }
            TextPurpose::VetoReason { gate, item } => format!("Veto {gate} #{item}: reason"),
            TextPurpose::Note => "Note".into(),
            TextPurpose::ConfirmIrreversible { step } => {
                format!("POINT OF NO RETURN: type `{step}` to start it")
            }
        }
    }
}

/// What `enter` opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailTarget {
    Step(usize),
    Panel(usize),
    Gate(usize),
    /// A journal event by seq: every field, the whole output tail.
    Event(u64),
}
