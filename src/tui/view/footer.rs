//! The bottom two rows: the message or the `:` line, then the keys that
//! work here and now, generated from the keymap table of the current mode.

use ratatui::Frame;
use ratatui::layout::{Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::session::state::Status;
use crate::tui::app::{App, Level};
use crate::tui::keymap;
use crate::tui::mode::Mode;
use crate::tui::view::journal;

/// The keys to show: those the mode's table says work now, minus actions
/// for an observer; demo keys after the table.
pub fn keys(app: &App) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = keymap::table(&app.ui.mode)
        .iter()
        .filter(|b| !b.short.is_empty())
        .filter(|b| !(b.acts && app.opts.read_only))
        .filter(|b| (b.when)(app))
        .map(|b| {
            let short = match b.action {
                keymap::Action::PauseResume if app.state.status == Status::Paused => "resume",
                keymap::Action::PauseResume => "pause",
                _ => b.short,
            };
            (b.label.to_string(), short.to_string())
        })
        .collect();
    if app.ui.mode == Mode::Normal && !app.opts.read_only {
        // Demo keys go before help and quit so they are not the first cut.
        let at = out.len().saturating_sub(3);
        for (i, x) in app.opts.extra_keys.iter().enumerate() {
            out.insert(at + i, (x.key.to_string(), x.label.clone()));
        }
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, compact: bool) {
    let t = app.theme();
    let [msg, keys_row] = Layout::vertical([1, 1]).areas(area);

    match (&app.ui.mode, &app.ui.message) {
        (Mode::CommandLine, m) => {
            let text = app.ui.cmdline.text();
            let mut spans = vec![Span::styled(":", t.key()), Span::raw(text.to_string())];
            if let Some(m) = m {
                let style = if m.level == Level::Error {
                    t.error()
                } else {
                    t.dim()
                };
                spans.push(Span::raw("   "));
                spans.push(Span::styled(m.text.clone(), style));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), msg);
            let x = msg.x + 1 + app.ui.cmdline.cursor() as u16;
            frame.set_cursor_position((x.min(msg.right().saturating_sub(1)), msg.y));
        }
        (_, Some(m)) => {
            let style = if m.level == Level::Error {
                t.error()
            } else {
                t.info()
            };
            frame.render_widget(
                Paragraph::new(Line::styled(format!(" {}", m.text), style)),
                msg,
            );
        }
        // Compact screens have a narrow journal: repeat the newest event
        // here in full so another operator's action is never missed.
        (_, None) if compact => {
            if let Some(e) = app.journal.back() {
                frame.render_widget(
                    Paragraph::new(journal::line(app, e, msg.width as usize)),
                    msg,
                );
            }
        }
        (_, None) => {}
    }

    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let width = keys_row.width as usize;
    let all = keys(app);
    let n = all.len();
    for (i, (k, label)) in all.into_iter().enumerate() {
        let w = k.chars().count() + 1 + label.chars().count() + 2;
        // Always leave room for the last entry (quit / cancel).
        let reserve = if i + 1 < n { 12 } else { 0 };
        if used + w + reserve > width && i + 1 < n {
            continue;
        }
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::raw(format!(" {label}  ")));
        used += w;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), keys_row);
}
