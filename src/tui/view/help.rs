//! The `?` overlay: every key of the normal mode (from the keymap table, so
//! it cannot drift from what the keys do) and every `:` command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::util::modal;
use crate::tui::app::App;
use crate::tui::command_line::COMMANDS;
use crate::tui::format::pad;
use crate::tui::keymap;
use crate::tui::mode::Mode;

const WIDTH: u16 = 78;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.theme();
    let mut lines = Vec::new();
    let table = keymap::table(&Mode::Normal);
    // Keys without a footer word (movement) share one line to keep the
    // overlay inside 24 rows.
    // n/N and esc are explained on the `/` line.
    let shown = |b: &&keymap::Binding| {
        !b.short.is_empty()
            && !matches!(b.action, keymap::Action::SearchNext | keymap::Action::Live)
    };
    for b in table.iter().filter(shown) {
        let observer = b.acts && app.opts.read_only;
        let style = if observer { t.dim() } else { t.plain() };
        let note = if observer { " (not for observers)" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(pad(b.label, 7), t.key()),
            Span::styled(format!("{}{note}", b.help), style),
        ]));
    }
    let mut moves = Vec::new();
    for b in table
        .iter()
        .filter(|b| b.short.is_empty() && b.action != keymap::Action::SearchPrev)
    {
        if !moves.is_empty() {
            moves.push(Span::raw("   "));
        }
        moves.push(Span::styled(b.label, t.key()));
        moves.push(Span::raw(format!(" {}", b.help)));
    }
    lines.push(Line::from(moves));
    for x in &app.opts.extra_keys {
        lines.push(Line::from(vec![
            Span::styled(pad(&x.key.to_string(), 7), t.key()),
            Span::raw(format!("demo: {}", x.label)),
        ]));
    }
    let usage: Vec<&str> = COMMANDS
        .iter()
        .map(|(_, u)| *u)
        .filter(|u| app.opts.allow_as || !u.starts_with("as "))
        .collect();
    let mut cmd = vec![Span::styled("Commands  ", t.bold())];
    for (i, u) in usage.iter().enumerate() {
        if i > 0 {
            cmd.push(Span::styled(" · ", t.dim()));
        }
        cmd.push(Span::styled(format!(":{u}"), t.plain()));
    }
    lines.push(Line::from(cmd));
    let inner_w = WIDTH.min(area.width.saturating_sub(2)).saturating_sub(2) as usize;
    // Long lines wrap: estimate their rows for the box height.
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w.max(1)).max(1))
        .sum();
    let height = rows as u16 + 2;
    let r = modal(frame, area, WIDTH, height);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.info())
        .title(Span::styled(
            " Help: keys and commands (esc closes) ",
            t.bold(),
        ));
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        r,
    );
}
