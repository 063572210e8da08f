//! One keymap table per mode: (keys, label, action, help). The footer and
//! the `?` overlay are both generated from these tables, so what the screen
//! promises is exactly what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
use super::mode::{ConfirmKind, Mode, Pane};
use crate::session::state::{Status, StepStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Begin,
    PauseResume,
    Expand,
    /// Stop the announced automatic expand.
    Hold,
    Rollback,
    SignToggle,
    VetoLift,
    StepStartFinish,
    Note,
    NextPane,
    PrevPane,
    Up,
    Down,
    Details,
    Help,
    CommandLine,
    Quit,
    // Modal actions.
    Confirm,
    Override,
    FinishDone,
    FinishFailed,
    FinishSkipped,
    Submit,
    Complete,
    HistoryPrev,
    HistoryNext,
    Cancel,
    // The journal.
    PageUp,
    PageDown,
    Oldest,
    Newest,
    Search,
    SearchNext,
    SearchPrev,
    Zoom,
    Live,
}

type Key = (KeyCode, KeyModifiers);
const fn k(c: char) -> Key {
    (KeyCode::Char(c), KeyModifiers::NONE)
}
const fn code(c: KeyCode) -> Key {
    (c, KeyModifiers::NONE)
}
const CTRL_C: Key = (KeyCode::Char('c'), KeyModifiers::CONTROL);

#[derive(Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the key is written on screen.
    pub label: &'static str,
    pub action: Action,
    /// One word for the footer.
    pub short: &'static str,
    /// A sentence for the help overlay.
    pub help: &'static str,
    /// Changes the cutover: not offered to a read-only observer.
    pub acts: bool,
    /// Whether the key does something here and now (the footer shows only those).
    pub when: fn(&App) -> bool,
}

impl Binding {
    pub fn matches(&self, key: &KeyEvent) -> bool {
        // Shift is part of the character itself (`?`, `:`), so ignore it.
        let mods = key.modifiers - KeyModifiers::SHIFT;
        self.keys.iter().any(|(c, m)| *c == key.code && *m == mods)
    }
}

fn always(_: &App) -> bool {
    true
}
fn ready(a: &App) -> bool {
    a.story.state.status == Status::Ready
}
fn running_or_paused(a: &App) -> bool {
    matches!(a.story.state.status, Status::Running | Status::Paused)
}
fn running(a: &App) -> bool {
    a.story.state.status == Status::Running
}
fn auto_expand_announced(a: &App) -> bool {
    a.story.state.canary.announced().is_some()
}
fn can_roll_back(a: &App) -> bool {
    matches!(a.story.state.status, Status::Running | Status::Paused)
        || a.story.state.rollback_failed
}
fn on_gate_item(a: &App) -> bool {
    a.ui.focus == Pane::Gates && a.selected_item().is_some()
}
fn on_step(a: &App) -> bool {
    a.ui.focus == Pane::Runbook
        && a.selected_step().is_some_and(|i| {
            matches!(
                a.story.state.steps.get(i).map(|s| s.status),
                Some(StepStatus::Pending | StepStatus::Running | StepStatus::Failed)
            )
        })
}
fn has_selection(a: &App) -> bool {
    a.detail_target().is_some()
}
fn refused(a: &App) -> bool {
    a.confirm_refused()
}
fn searching(a: &App) -> bool {
    a.ui.focus == Pane::Journal && a.journal_query().is_some()
}
fn off_live(a: &App) -> bool {
    a.ui.search.is_some() || a.ui.journal_back > 0 || a.ui.zoom
}

const NORMAL: &[Binding] = &[
    Binding {
        keys: &[k('b')],
        label: "b",
        action: Action::Begin,
        short: "begin",
        help: "begin the cutover: starts the clock and the rollback deadline",
        acts: true,
        when: ready,
    },
    Binding {
        keys: &[k('p')],
        label: "p",
        action: Action::PauseResume,
        short: "pause/resume",
        help: "pause at once (reason: operator), or resume when paused",
        acts: true,
        when: running_or_paused,
    },
    Binding {
        keys: &[k('e')],
        label: "e",
        action: Action::Expand,
        short: "expand",
        help: "expand to the next stage (shows command, evidence, refusals; asks y)",
        acts: true,
        when: running,
    },
    Binding {
        keys: &[k('h')],
        label: "h",
        action: Action::Hold,
        short: "hold",
        help: "hold: stop the automatic expand counting down (journaled as yours)",
        acts: true,
        when: auto_expand_announced,
    },
    Binding {
        keys: &[k('r')],
        label: "r",
        action: Action::Rollback,
        short: "rollback",
        help: "roll back: type a reason, then confirm with y",
        acts: true,
        when: can_roll_back,
    },
    Binding {
        keys: &[code(KeyCode::Char(' '))],
        label: "space",
        action: Action::SignToggle,
        short: "sign",
        help: "sign the selected gate item, or withdraw your signature",
        acts: true,
        when: on_gate_item,
    },
    Binding {
        keys: &[k('x')],
        label: "x",
        action: Action::VetoLift,
        short: "veto",
        help: "veto (no-go) the selected gate item with a reason, or lift a veto",
        acts: true,
        when: on_gate_item,
    },
    Binding {
        keys: &[k('s')],
        label: "s",
        action: Action::StepStartFinish,
        short: "start/finish",
        help: "start the selected step, or finish it (done, failed, skipped)",
        acts: true,
        when: on_step,
    },
    Binding {
        keys: &[k('n')],
        label: "n/N",
        action: Action::SearchNext,
        short: "next match",
        help: "journal search: next older match (N: next newer)",
        acts: false,
        when: searching,
    },
    Binding {
        keys: &[(KeyCode::Char('N'), KeyModifiers::NONE)],
        label: "N",
        action: Action::SearchPrev,
        short: "",
        help: "newer match",
        acts: false,
        when: searching,
    },
    Binding {
        keys: &[k('n')],
        label: "n",
        action: Action::Note,
        short: "note",
        help: "add a note to the journal",
        acts: true,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Tab)],
        label: "tab",
        action: Action::NextPane,
        short: "pane",
        help: "next pane (shift-tab: previous)",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[(KeyCode::BackTab, KeyModifiers::NONE)],
        label: "S-tab",
        action: Action::PrevPane,
        short: "",
        help: "back",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        label: "↑/k",
        action: Action::Up,
        short: "",
        help: "up",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        label: "↓/j",
        action: Action::Down,
        short: "",
        help: "down",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[k('/')],
        label: "/",
        action: Action::Search,
        short: "filter",
        help: "filter the focused pane (journal: search, n/N older/newer; esc: live)",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::PageUp)],
        label: "PgUp",
        action: Action::PageUp,
        short: "",
        help: "journal page back",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::PageDown)],
        label: "PgDn",
        action: Action::PageDown,
        short: "",
        help: "page on",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[k('g'), code(KeyCode::Home)],
        label: "g",
        action: Action::Oldest,
        short: "",
        help: "oldest",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[(KeyCode::Char('G'), KeyModifiers::NONE), code(KeyCode::End)],
        label: "G",
        action: Action::Newest,
        short: "",
        help: "newest",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[k('z')],
        label: "z",
        action: Action::Zoom,
        short: "",
        help: "zoom the focused pane to the whole screen and back",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        label: "esc",
        action: Action::Live,
        short: "live",
        help: "back to live: end the search or filter, the newest journal line, no zoom",
        acts: false,
        when: off_live,
    },
    Binding {
        keys: &[code(KeyCode::Enter)],
        label: "enter",
        action: Action::Details,
        short: "details",
        help: "details of the selection: errors, values, notes, signers",
        acts: false,
        when: has_selection,
    },
    Binding {
        keys: &[k('?')],
        label: "?",
        action: Action::Help,
        short: "help",
        help: "this help",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[k(':')],
        label: ":",
        action: Action::CommandLine,
        short: "command",
        help: "command line (tab completes, ↑/↓ history)",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[k('q'), CTRL_C],
        label: "q",
        action: Action::Quit,
        short: "quit",
        help: "quit this console (asks first; the cutover goes on)",
        acts: false,
        when: always,
    },
];

const COMMAND_LINE: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        label: "enter",
        action: Action::Submit,
        short: "run",
        help: "run the command",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Tab)],
        label: "tab",
        action: Action::Complete,
        short: "complete",
        help: "complete the word",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Up)],
        label: "↑",
        action: Action::HistoryPrev,
        short: "history",
        help: "previous command",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Down)],
        label: "↓",
        action: Action::HistoryNext,
        short: "",
        help: "next command",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Esc), CTRL_C],
        label: "esc",
        action: Action::Cancel,
        short: "cancel",
        help: "leave the command line",
        acts: false,
        when: always,
    },
];

const CONFIRM_ACTION: &[Binding] = &[
    Binding {
        keys: &[k('y')],
        label: "y",
        action: Action::Confirm,
        short: "confirm",
        help: "run it",
        acts: true,
        when: always,
    },
    Binding {
        keys: &[k('o')],
        label: "o",
        action: Action::Override,
        short: "override",
        help: "override the refusal: type a reason (journaled)",
        acts: true,
        when: refused,
    },
    Binding {
        keys: &[k('n'), code(KeyCode::Esc), CTRL_C],
        label: "n/esc",
        action: Action::Cancel,
        short: "cancel",
        help: "cancel (any other key is ignored, never passed on)",
        acts: false,
        when: always,
    },
];

const CONFIRM_FINISH: &[Binding] = &[
    Binding {
        keys: &[k('d')],
        label: "d",
        action: Action::FinishDone,
        short: "done",
        help: "the step is done",
        acts: true,
        when: always,
    },
    Binding {
        keys: &[k('f')],
        label: "f",
        action: Action::FinishFailed,
        short: "failed",
        help: "the step failed",
        acts: true,
        when: always,
    },
    Binding {
        keys: &[k('k')],
        label: "k",
        action: Action::FinishSkipped,
        short: "skipped",
        help: "the step was skipped",
        acts: true,
        when: always,
    },
    Binding {
        keys: &[k('n'), code(KeyCode::Esc), CTRL_C],
        label: "n/esc",
        action: Action::Cancel,
        short: "cancel",
        help: "cancel (any other key is ignored, never passed on)",
        acts: false,
        when: always,
    },
];

const CONFIRM_QUIT: &[Binding] = &[
    Binding {
        keys: &[k('y')],
        label: "y",
        action: Action::Confirm,
        short: "quit",
        help: "leave this console; the cutover goes on",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[k('n'), code(KeyCode::Esc), CTRL_C],
        label: "n/esc",
        action: Action::Cancel,
        short: "stay",
        help: "stay",
        acts: false,
        when: always,
    },
];

const TEXT_INPUT: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        label: "enter",
        action: Action::Submit,
        short: "ok",
        help: "accept",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Esc), CTRL_C],
        label: "esc",
        action: Action::Cancel,
        short: "cancel",
        help: "cancel",
        acts: false,
        when: always,
    },
];

const SEARCH: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        label: "enter",
        action: Action::Submit,
        short: "keep",
        help: "keep the filter or search (journal: n/N next older/newer match)",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Esc), CTRL_C],
        label: "esc",
        action: Action::Cancel,
        short: "cancel",
        help: "end the filter or search, back to live",
        acts: false,
        when: always,
    },
];

const OVERLAY: &[Binding] = &[Binding {
    keys: &[
        code(KeyCode::Esc),
        code(KeyCode::Enter),
        k('q'),
        k('?'),
        CTRL_C,
    ],
    label: "esc",
    action: Action::Cancel,
    short: "close",
    help: "close",
    acts: false,
    when: always,
}];

const DETAIL: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        label: "↑/k",
        action: Action::Up,
        short: "scroll",
        help: "scroll up",
        acts: false,
        when: always,
    },
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        label: "↓/j",
        action: Action::Down,
        short: "",
        help: "scroll down",
        acts: false,
        when: always,
    },
    OVERLAY[0],
];

/// The table for a mode.
pub fn table(mode: &Mode) -> &'static [Binding] {
    match mode {
        Mode::Normal => NORMAL,
        Mode::CommandLine => COMMAND_LINE,
        Mode::Confirm(ConfirmKind::Action(_)) => CONFIRM_ACTION,
        Mode::Confirm(ConfirmKind::Finish { .. }) => CONFIRM_FINISH,
        Mode::Confirm(ConfirmKind::Quit) => CONFIRM_QUIT,
        Mode::TextInput(_) => TEXT_INPUT,
        Mode::Help => OVERLAY,
        Mode::Detail(_) => DETAIL,
        Mode::Search => SEARCH,
    }
}

/// The action a key means in this mode, if any. In a confirm modal an
/// unbound key means nothing (it is ignored with a hint, never passed on).
pub fn lookup(mode: &Mode, key: &KeyEvent) -> Option<Action> {
    let t = table(mode);
    t.iter().find(|b| b.matches(key)).map(|b| b.action)
}

/// `lookup` where one key has two meanings (`n`: next match while a
/// journal search is on, else note): the binding that works here and now
/// wins, then the first.
pub fn lookup_for(app: &App, key: &KeyEvent) -> Option<Action> {
    table(&app.ui.mode)
        .iter()
        .find(|b| b.matches(key) && (b.when)(app))
        .map(|b| b.action)
        .or_else(|| lookup(&app.ui.mode, key))
}

/// A demo-only key (fault injection and the like) supplied by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraKey {
    pub key: char,
    pub label: String,
    /// Handed back to the caller in `Effect::Extra` when pressed.
    pub id: String,
}
