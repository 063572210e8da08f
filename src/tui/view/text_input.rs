//! A one-line prompt in a box: reasons, notes, and the id an operator must
//! type before an irreversible step starts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::util::modal;
use crate::tui::app::{App, Level};
use crate::tui::mode::TextPurpose;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, purpose: &TextPurpose) {
    let t = app.theme();
    let irreversible = matches!(purpose, TextPurpose::ConfirmIrreversible { .. });
    let mut lines = Vec::new();
    if let TextPurpose::ConfirmIrreversible { step } = purpose {
        let title = app
            .runbook
            .step(step)
            .map(|s| s.title.clone())
            .unwrap_or_default();
        lines.push(Line::styled(
            format!("⚠ {title} cannot be undone."),
            t.irreversible(),
        ));
        lines.push(Line::styled(
            "Once it starts, rollback is refused on every path.",
            t.irreversible(),
        ));
        if let Some(run) = app.runbook.step(step).and_then(|s| s.run.as_ref()) {
            let note = if app.opts.executes {
                ""
            } else {
                " (rehearsal: not executed)"
            };
            lines.push(Line::from(format!(
                "runs: $ {}{note}",
                app.runbook.redact(run)
            )));
        }
    }
    let prompt_row = lines.len() as u16;
    lines.push(Line::from(vec![
        Span::styled("> ", t.key()),
        Span::raw(app.ui.text.text().to_string()),
    ]));
    if let Some(m) = app.ui.message.as_ref().filter(|m| m.level == Level::Error) {
        lines.push(Line::styled(m.text.clone(), t.error()));
    }
    lines.push(Line::from(vec![
        Span::styled("enter", t.key()),
        Span::raw(" ok   "),
        Span::styled("esc", t.key()),
        Span::raw(" cancel"),
    ]));
    let r = modal(
        frame,
        area,
        super::util::dialog_width(area, 66),
        lines.len() as u16 + 2,
    );
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(if irreversible {
            t.irreversible()
        } else {
            t.warning()
        })
        .title(Span::styled(format!(" {} ", purpose.prompt()), t.bold()));
    let inner = block.inner(r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
    let row = inner.y + prompt_row;
    let x = inner.x + 2 + app.ui.text.cursor_cells() as u16;
    frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), row));
}
