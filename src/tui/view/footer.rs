//! The bottom two rows: the message or the `:` line, then the keys that
//! work here and now, generated from the keymap table of the current mode.

use ratatui::Frame;
use ratatui::layout::{Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::session::state::Status;
use crate::tui::app::{App, Level};
use crate::tui::format::cells;
use crate::tui::keymap::{self, Action};
use crate::tui::mode::Mode;
use crate::tui::view::journal;

/// One footer entry: key, word, and whether it is never dropped for room.
pub struct FooterKey {
    pub key: String,
    pub label: String,
    pub essential: bool,
}

/// The keys to show: those the mode's table says work now, minus actions
/// for an observer; demo keys before help and quit. Help, the command line
/// and quit (or a modal's cancel) are essential: the rest are dropped
/// first when the row is too narrow.
pub fn keys(app: &App) -> Vec<FooterKey> {
    let table = keymap::table(&app.ui.mode);
    let mut seen = Vec::new();
    let mut out: Vec<FooterKey> = table
        .iter()
        .filter(|b| !b.short.is_empty())
        .filter(|b| !(b.acts && app.opts.read_only))
        .filter(|b| (b.when)(app))
        // One meaning per key: the first that works now (`n` next match
        // while searching, else note).
        .filter(|b| {
            let k = b.keys.first().copied();
            let fresh = !seen.contains(&k);
            seen.push(k);
            fresh
        })
        .map(|b| {
            let short = match b.action {
                Action::PauseResume if app.story.state.status == Status::Paused => "resume",
                Action::PauseResume => "pause",
                Action::Confirm
                    if app
                        .confirm_preview()
                        .is_some_and(|p| !p.refusals.is_empty()) =>
                {
                    "ask again"
                }
                _ => b.short,
            };
            FooterKey {
                key: b.label.to_string(),
                label: short.to_string(),
                essential: matches!(
                    b.action,
                    Action::Help | Action::CommandLine | Action::Quit | Action::Cancel
                ),
            }
        })
        .collect();
    if app.ui.mode == Mode::Normal && !app.opts.read_only {
        let at = out.iter().position(|k| k.essential).unwrap_or(out.len());
        for (i, x) in app.opts.extra_keys.iter().enumerate() {
            out.insert(
                at + i,
                FooterKey {
                    key: x.key.to_string(),
                    label: x.label.clone(),
                    essential: false,
                },
            );
        }
    }
    out
}

fn cost(k: &FooterKey) -> usize {
    cells(&k.key) + 1 + cells(&k.label) + 2
}

/// The keys that fit in `width` cells, in table order: essential keys
/// always, then the first optional keys that fit. The demo's fault keys
/// shrink to one entry (`1/2/3/4/0 faults`) rather than vanish.
pub fn fitted(app: &App, width: usize) -> Vec<FooterKey> {
    let mut all = keys(app);
    let room_for = |ks: &[FooterKey]| width.saturating_sub(1 + ks.iter().map(cost).sum::<usize>());
    let extras: Vec<&str> = app
        .opts
        .extra_keys
        .iter()
        .map(|x| x.label.as_str())
        .collect();
    let is_extra = |k: &FooterKey| extras.contains(&k.label.as_str()) && k.key.chars().count() == 1;
    if !extras.is_empty() && room_for(&all) == 0 {
        let keys: Vec<String> = all
            .iter()
            .filter(|k| is_extra(k))
            .map(|k| k.key.clone())
            .collect();
        if let Some(at) = all.iter().position(&is_extra) {
            all.retain(|k| !is_extra(k));
            all.insert(
                at.min(all.len()),
                FooterKey {
                    key: keys.join("/"),
                    label: "faults".into(),
                    essential: true,
                },
            );
        }
    }
    let essentials: Vec<FooterKey> = all
        .iter()
        .filter(|k| k.essential)
        .map(|k| FooterKey {
            key: k.key.clone(),
            label: k.label.clone(),
            essential: true,
        })
        .collect();
    let mut room = room_for(&essentials);
    all.into_iter()
        .filter(|k| {
            if k.essential {
                return true;
            }
            let fits = cost(k) <= room;
            if fits {
                room -= cost(k);
            }
            fits
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
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
            let x = msg.x + 1 + app.ui.cmdline.cursor_cells() as u16;
            frame.set_cursor_position((x.min(msg.right().saturating_sub(1)), msg.y));
        }
        (Mode::Search, _) => {
            let q = app.ui.search_edit.text();
            let n = app.search_count();
            let spans = vec![
                Span::styled("/", t.key()),
                Span::raw(q.to_string()),
                Span::styled(format!("   {n} matching"), t.dim()),
            ];
            frame.render_widget(Paragraph::new(Line::from(spans)), msg);
            let x = msg.x + 1 + app.ui.search_edit.cursor_cells() as u16;
            frame.set_cursor_position((x.min(msg.right().saturating_sub(1)), msg.y));
        }
        // A command waiting for the journal (another process holds the
        // write lock): say so until the writer answers.
        (_, m) if !app.pending.is_empty() && m.as_ref().is_none_or(|m| m.level != Level::Error) => {
            let what: Vec<&str> = app.pending.values().map(String::as_str).collect();
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!(" pending: {} (waiting for the journal)", what.join(", ")),
                    t.info(),
                )),
                msg,
            );
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
        // No message: the newest event, so another operator's action (or a
        // guard's) is never missed whatever the journal pane shows.
        (_, None) => {
            if let Some(e) = app.story.tail.back() {
                frame.render_widget(
                    Paragraph::new(journal::line(app, e, msg.width as usize)),
                    msg,
                );
            }
        }
    }

    let all = fitted(app, keys_row.width as usize);
    let mut spans = vec![Span::raw(" ")];
    for k in &all {
        spans.push(Span::styled(k.key.clone(), t.key()));
        spans.push(Span::raw(format!(" {}  ", k.label)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), keys_row);
}
