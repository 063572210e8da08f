//! Shared drawing helpers: pane frames, modal boxes, row selection.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear};

use crate::tui::app::App;
use crate::tui::mode::{Mode, Pane};

/// A pane's frame: a heavier border and a marker when it has the focus.
pub fn pane_block<'a>(app: &App, pane: Pane, extra: Option<Span<'a>>) -> Block<'a> {
    // Under a modal no pane has the keyboard, so none looks focused.
    let focused = app.ui.focus == pane && matches!(app.ui.mode, Mode::Normal | Mode::CommandLine);
    let t = app.theme();
    let name = if focused {
        format!("▶ {} ", pane.title())
    } else {
        format!(" {} ", pane.title())
    };
    let mut title = vec![Span::styled(name, t.border(focused))];
    if let Some(e) = extra {
        title.push(e);
        title.push(Span::raw(" "));
    }
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(t.border(focused))
        .title(Line::from(title))
}

/// A dialog's width: three quarters of the screen, at least `min` (what
/// it needs at 80 columns) and at most `DIALOG_MAX_W`, where a command
/// line reads whole and the eye still finds both ends.
pub const DIALOG_MAX_W: u16 = 120;
pub fn dialog_width(area: Rect, min: u16) -> u16 {
    (area.width * 3 / 4)
        .clamp(min, DIALOG_MAX_W.max(min))
        .min(area.width.saturating_sub(4))
}

/// A modal box centred in `area`, cleared underneath.
pub fn modal(frame: &mut Frame, area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2));
    let h = height.min(area.height.saturating_sub(2));
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    r
}

/// Style a whole line as selected (reverse video works without colour).
pub fn select(line: Line<'_>, selected: bool, sel: Style) -> Line<'_> {
    if selected {
        line.patch_style(sel)
    } else {
        line
    }
}
