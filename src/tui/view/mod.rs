//! The screen: one file per pane, drawn from `&App` alone (no I/O), generic
//! over the ratatui backend so tests draw on `TestBackend`.

mod attention;
mod confirm;
mod detail;
mod footer;
mod gates;
mod header;
mod health;
mod help;
pub mod journal;
pub mod layout;
mod runbook;
mod scroll;
mod text_input;
mod util;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::app::App;
use super::mode::{ConfirmKind, Mode, Pane};

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
    /// Left column's share of the width, percent.
    pub left_pct: u16,
    pub compact: bool,
}

/// 80x24 up to 119x39: every pane at once, one line per item.
pub const COMPACT: Geometry = Geometry {
    header: 2,
    tile_lines: 1,
    left_pct: 50,
    compact: true,
};
/// 120x40 and up: tiles with sparklines.
pub const ROOMY: Geometry = Geometry {
    header: 3,
    tile_lines: 2,
    left_pct: 55,
    compact: false,
};
/// 200x60 and up: tiles show their thresholds.
pub const WIDE: Geometry = Geometry {
    header: 3,
    tile_lines: 3,
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

/// What the panes hold, for the layout.
fn content(app: &App, g: Geometry) -> layout::Content {
    let panels = layout::rows_of(
        (0..app.runbook.panels.len())
            .filter(|i| app.panel_shown(*i))
            .count()
            .max(1),
    );
    let (gate_rows, gate_min) = gates::rows(app);
    layout::Content {
        runbook_rows: runbook::rows(app, g.compact),
        runbook_w: runbook::compact_width(app),
        health_rows: panels.saturating_mul(g.tile_lines),
        health_min: panels,
        gate_rows,
        gate_min,
        journal_rows: layout::rows_of(app.story.tail.len()),
        gate_heads: layout::rows_of(app.runbook.gates.len()),
        focus: app.ui.focus,
    }
}

/// Draw the whole console: the layout and its constraints are in
/// `layout.rs` (sketch and named consts there); this places the header,
/// banners, panes, footer and the open modal.
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
        Constraint::Length(layout::BOTTOM_ROWS),
    ])
    .areas(area);
    header::draw(frame, head, app, g);
    frame.render_widget(Paragraph::new(banner), ban);

    if app.ui.zoom {
        // One pane gets the whole body: the journal's long lines read whole.
        match app.ui.focus {
            Pane::Runbook => runbook::draw(frame, body, app, g),
            Pane::Health => health::draw(frame, body, app, g),
            Pane::Gates => gates::draw(frame, body, app, g),
            Pane::Journal => journal::draw(frame, body, app, g),
        }
    } else {
        let c = content(app, g);
        let a = if g.compact {
            layout::compact(body, c)
        } else {
            layout::roomy(body, c, g.left_pct)
        };
        runbook::draw(frame, a.runbook, app, g);
        gates::draw(frame, a.gates, app, g);
        health::draw(frame, a.health, app, g);
        journal::draw(frame, a.journal, app, g);
    }
    footer::draw(frame, bottom, app);

    match &app.ui.mode {
        Mode::Confirm(ConfirmKind::Action(_)) => confirm::draw(frame, area, app),
        Mode::Confirm(ConfirmKind::Finish { step }) => confirm::draw_finish(frame, area, app, step),
        Mode::Confirm(ConfirmKind::Quit) => confirm::draw_quit(frame, area, app),
        Mode::TextInput(p) => text_input::draw(frame, area, app, p),
        Mode::Help => help::draw(frame, area, app),
        Mode::Detail(t) => detail::draw(frame, area, app, t),
        Mode::Normal | Mode::CommandLine | Mode::Search => {}
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
