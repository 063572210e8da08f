//! The screen: one file per pane, drawn from `&App` alone (no I/O), generic
//! over the ratatui backend so tests draw on `TestBackend`.

mod confirm;
mod detail;
mod footer;
mod gates;
mod header;
mod health;
mod help;
pub mod journal;
mod runbook;
mod text_input;
mod util;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::app::App;
use super::mode::{ConfirmKind, Mode};

/// The smallest screen the console draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The size-dependent choices, as named constants rather than numbers
/// sprinkled through the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Header rows (text; roomy layouts add a rule under it).
    pub header: u16,
    /// Lines per health tile: 1 = one-line rows, 2 = tile with sparkline,
    /// 3 = tile with thresholds too.
    pub tile_lines: u16,
    /// Journal pane rows including borders (0: shares a row with gates).
    pub journal: u16,
    /// Left column's share of the width, percent.
    pub left_pct: u16,
    pub compact: bool,
}

/// Compact: the runbook's share of the top row, the gates' of the bottom row.
pub const COMPACT_RUNBOOK_PCT: u16 = 40;
pub const COMPACT_GATES_PCT: u16 = 60;

/// 80x24 up to 119x39: every pane at once, one line per item.
pub const COMPACT: Geometry = Geometry {
    header: 2,
    tile_lines: 1,
    journal: 0,
    left_pct: 50,
    compact: true,
};
/// 120x40 and up: tiles with sparklines, a full-width journal.
pub const ROOMY: Geometry = Geometry {
    header: 3,
    tile_lines: 2,
    journal: 10,
    left_pct: 55,
    compact: false,
};
/// 200x60 and up: tiles show their thresholds; a longer journal.
pub const WIDE: Geometry = Geometry {
    header: 3,
    tile_lines: 3,
    journal: 16,
    left_pct: 50,
    compact: false,
};

pub fn geometry(area: Rect) -> Geometry {
    if area.width >= 200 && area.height >= 60 {
        WIDE
    } else if area.width >= 120 && area.height >= 40 {
        ROOMY
    } else {
        COMPACT
    }
}

/// Draw the whole console.
///
/// ```text
/// COMPACT (80x24)                        ROOMY (120x40) / WIDE (200x60)
/// ┌────────────────────────────────┐     ┌──────────────────────────────────────┐
/// │ title  MODE STATUS stage  clock │     │ title  MODE  STATUS  stage     clock  │
/// │ elapsed deadline guards ops     │     │ elapsed  deadline  guards  operators  │
/// │ [two-person request banner]     │     │ ──────────────────────────────────── │
/// ├─ Runbook ────┬─ Health ─────────┤     ├─ Runbook ───────────┬─ Health ───────┤
/// │ steps        │ 1 line/panel     │     │ steps               │ tiles with     │
/// ├─ Gates ──────┴─────┬─ Journal ──┤     ├─ Gates ─────────────┤ sparklines     │
/// │ items          │ latest events  │     │ items               │                │
/// ├────────────────┴────────────────┤     ├─ Journal ───────────┴────────────────┤
/// │ message  /  :command line       │     │ latest events, newest last            │
/// │ footer: keys that work now      │     ├──────────────────────────────────────┤
/// └────────────────────────────────┘     │ message / :command line; footer keys  │
///                                        └──────────────────────────────────────┘
/// ```
/// Modals (confirm, text input, help, details) draw over the centre.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let g = geometry(area);
    let banner = header::banner_lines(app);
    let [head, ban, body, bottom] = Layout::vertical([
        Constraint::Length(g.header),
        Constraint::Length(banner.len() as u16),
        Constraint::Min(8),
        Constraint::Length(2),
    ])
    .areas(area);
    header::draw(frame, head, app, g);
    frame.render_widget(Paragraph::new(banner), ban);

    let (body, journal_area) = if g.journal > 0 {
        let [b, j] =
            Layout::vertical([Constraint::Min(8), Constraint::Length(g.journal)]).areas(body);
        (b, Some(j))
    } else {
        (body, None)
    };
    let steps = app.runbook.steps.len() as u16;
    if g.compact {
        // Runbook beside health on top; gates (wider: item texts and
        // signers) beside the journal below.
        let panels = app.runbook.panels.len() as u16;
        let top = (steps.max(panels) + 2).min(body.height / 2).max(4);
        let [top_row, bottom_row] =
            Layout::vertical([Constraint::Length(top), Constraint::Min(3)]).areas(body);
        let [rb, hl] = Layout::horizontal([
            Constraint::Percentage(COMPACT_RUNBOOK_PCT),
            Constraint::Percentage(100 - COMPACT_RUNBOOK_PCT),
        ])
        .areas(top_row);
        let [gt, jr] = Layout::horizontal([
            Constraint::Percentage(COMPACT_GATES_PCT),
            Constraint::Percentage(100 - COMPACT_GATES_PCT),
        ])
        .areas(bottom_row);
        runbook::draw(frame, rb, app, g);
        gates::draw(frame, gt, app, g);
        health::draw(frame, hl, app, g);
        journal::draw(frame, jr, app, g);
    } else {
        let [left, right] = Layout::horizontal([
            Constraint::Percentage(g.left_pct),
            Constraint::Percentage(100 - g.left_pct),
        ])
        .areas(body);
        let head_row = 1;
        let top = (steps + 2 + head_row).min(left.height / 2).max(5);
        let [rb, gt] = Layout::vertical([Constraint::Length(top), Constraint::Min(3)]).areas(left);
        runbook::draw(frame, rb, app, g);
        gates::draw(frame, gt, app, g);
        health::draw(frame, right, app, g);
        if let Some(j) = journal_area {
            journal::draw(frame, j, app, g);
        }
    }
    footer::draw(frame, bottom, app, g.compact);

    match &app.ui.mode {
        Mode::Confirm(ConfirmKind::Action(_)) => confirm::draw(frame, area, app),
        Mode::Confirm(ConfirmKind::Finish { step }) => confirm::draw_finish(frame, area, app, step),
        Mode::Confirm(ConfirmKind::Quit) => confirm::draw_quit(frame, area, app),
        Mode::TextInput(p) => text_input::draw(frame, area, app, p),
        Mode::Help => help::draw(frame, area, app),
        Mode::Detail(t) => detail::draw(frame, area, app, t),
        Mode::Normal | Mode::CommandLine => {}
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "enlarge the terminal (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})",
        area.width, area.height
    );
    let h = 3.min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    let r = Rect::new(area.x, y, area.width, h);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(vec![Line::from(""), Line::from(text).centered()]).wrap(Wrap { trim: true }),
        r,
    );
}
