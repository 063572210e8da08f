//! Colours and emphasis. Every state is drawn as a word; colour only helps.
//! Only a panel that is OK (and a gate that is GO) is ever green. The
//! `no_color` theme emits no colour at all (`--no-color`, `NO_COLOR`): only
//! bold and reverse video remain, so the selection is still visible.

use ratatui::style::{Color, Modifier, Style};

use crate::health::PanelState;
use crate::session::event::SessionMode;
use crate::session::state::{GateStatus, Status, StepStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn color() -> Self {
        Theme { color: true }
    }

    pub fn no_color() -> Self {
        Theme { color: false }
    }

    /// `NO_COLOR` set to anything non-empty, or the flag, turns colour off.
    pub fn from_env(no_color_flag: bool) -> Self {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if no_color_flag || env {
            Theme::no_color()
        } else {
            Theme::color()
        }
    }

    pub fn has_color(&self) -> bool {
        self.color
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn plain(&self) -> Style {
        Style::new()
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// A journal search match: a colour block, or underlined bold without colour.
    pub fn search_match(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }

    pub fn info(&self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn irreversible(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn panel(&self, s: PanelState) -> Style {
        match s {
            PanelState::Ok => self.fg(Color::Green),
            PanelState::Warn => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            PanelState::Fail => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            PanelState::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            PanelState::Stale => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            PanelState::Unknown => self.dim(),
        }
    }

    pub fn status(&self, s: Status) -> Style {
        let base = match s {
            Status::Ready => self.fg(Color::Cyan),
            Status::Running => self.fg(Color::Cyan),
            Status::Paused => self.fg(Color::Yellow),
            Status::RollingBack => self.fg(Color::Red),
            Status::RolledBack => self.fg(Color::Magenta),
            Status::Complete => self.fg(Color::Blue),
        };
        base.add_modifier(Modifier::BOLD)
    }

    pub fn gate(&self, s: GateStatus) -> Style {
        match s {
            GateStatus::Go => self.fg(Color::Green).add_modifier(Modifier::BOLD),
            GateStatus::Open => self.fg(Color::Yellow),
            GateStatus::NoGo => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    pub fn step(&self, s: StepStatus) -> Style {
        match s {
            StepStatus::Pending => self.plain(),
            StepStatus::Running => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            StepStatus::Done => self.dim(),
            StepStatus::Skipped => self.dim(),
            StepStatus::Failed => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    /// LIVE is red and loud: nobody should mistake it for a rehearsal.
    pub fn mode(&self, m: SessionMode) -> Style {
        match m {
            SessionMode::Live => {
                if self.color {
                    Style::new()
                        .fg(Color::White)
                        .bg(Color::Red)
                        .add_modifier(Modifier::BOLD)
                } else {
                    Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
                }
            }
            SessionMode::Rehearsal => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            SessionMode::Demo => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
        }
    }
}
