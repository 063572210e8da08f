//! Confirmation modals: before an expand or a rollback, show what will run,
//! the stage change, the evidence and any refusal with how to override it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::util::{dialog_width, modal};
use crate::health::PanelState;
use crate::tui::app::App;
use crate::tui::format::{self, pad};

fn keys_line<'a>(app: &App, keys: &[(&'a str, &'a str)]) -> Line<'a> {
    let t = app.theme();
    let mut spans = Vec::new();
    for (k, label) in keys {
        spans.push(Span::styled(*k, t.key()));
        spans.push(Span::raw(format!(" {label}   ")));
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.theme();
    let Some(p) = app.confirm_preview() else {
        return;
    };
    let width = dialog_width(area, 76);
    let inner_w = width.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();

    if let Some(change) = &p.stage_change {
        lines.push(Line::from(vec![
            Span::styled("Stage     ", t.dim()),
            Span::styled(change.clone(), t.bold()),
        ]));
    }
    // The command is shown whole, wrapped: what will run is never cut.
    let runs = p
        .runs
        .iter()
        .flat_map(|r| format::wrap(r, inner_w.saturating_sub(10)));
    for (i, r) in runs.enumerate() {
        let label = if i == 0 { "Runs      " } else { "          " };
        lines.push(Line::from(vec![Span::styled(label, t.dim()), Span::raw(r)]));
    }
    for n in &p.notes {
        let style = if n.starts_with("POINT OF NO RETURN") || n.starts_with("No return") {
            t.warning()
        } else {
            t.bold()
        };
        for (i, l) in format::wrap(n, inner_w).into_iter().enumerate() {
            let l = if i == 0 { l } else { format!("  {l}") };
            lines.push(Line::styled(l, style));
        }
    }
    if let Some(tp) = &p.two_person {
        lines.push(Line::from(vec![
            Span::styled("Approval  ", t.dim()),
            Span::styled(tp.clone(), t.warning()),
        ]));
    }
    let evidence_at = lines.len();
    lines.push(Line::from(""));
    if p.refusals.is_empty() {
        lines.push(Line::styled(
            "No refusal: the rules allow it now.",
            t.bold(),
        ));
        lines.push(keys_line(
            app,
            &[("y", "confirm: run it"), ("n/esc", "cancel")],
        ));
    } else {
        // Wrapped here so the room left for the evidence is counted right.
        for r in &p.refusals {
            for l in format::wrap(&format!("refused: {r}"), inner_w) {
                lines.push(Line::styled(l, t.error()));
            }
        }
    }
    if !p.refusals.is_empty() && !p.overridable {
        lines.push(Line::from("This refusal cannot be overridden."));
        lines.push(keys_line(app, &[("n/esc", "close: nothing runs")]));
    } else if !p.refusals.is_empty() {
        let cmd = if p.title.starts_with("Expand") {
            "expand"
        } else {
            "rollback"
        };
        lines.push(Line::from(format!(
            "To override, press o and type a reason (or :{cmd} --override REASON)."
        )));
        // One option a line: each says what it does.
        for k in [
            ("o", "override: type a reason (journaled), then it runs"),
            ("y", "ask again: runs only if the rules allow it by now"),
            ("n/esc", "cancel: nothing runs"),
        ] {
            lines.push(keys_line(app, &[k]));
        }
    }
    // Evidence fills the room the rest leaves; when short of rows, panels
    // that are not OK are listed first and the OK ones counted.
    let room = (area.height.saturating_sub(4) as usize).saturating_sub(lines.len() + 1);
    let evidence = evidence_lines(app, &p.evidence, inner_w, room);
    let mut all: Vec<Line> = lines.drain(..evidence_at).collect();
    all.push(Line::from(Span::styled("Evidence", t.dim())));
    all.extend(evidence);
    all.append(&mut lines);
    let lines = all;
    let height = lines.len() as u16 + 2;
    let r = modal(frame, area, width, height);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(if p.refusals.is_empty() {
            t.warning()
        } else {
            t.error()
        })
        .title(Span::styled(format!(" {} ", p.title), t.bold()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

fn evidence_lines<'a>(
    app: &App,
    evidence: &[(String, PanelState, String)],
    inner_w: usize,
    room: usize,
) -> Vec<Line<'a>> {
    let t = app.theme();
    let title_w = inner_w.saturating_sub(2 + 8 + 10);
    let row = |(title, state, value): &(String, PanelState, String)| {
        Line::from(vec![
            Span::raw("  "),
            Span::raw(pad(title, title_w)),
            Span::styled(pad(state.as_str(), 8), t.panel(*state)),
            Span::raw(format!("{value:>10}")),
        ])
    };
    if evidence.len() <= room {
        return evidence.iter().map(row).collect();
    }
    let mut bad: Vec<&(String, PanelState, String)> =
        evidence.iter().filter(|e| e.1 != PanelState::Ok).collect();
    bad.truncate(room.saturating_sub(1));
    let rest = evidence.len() - bad.len();
    let ok = evidence.iter().filter(|e| e.1 == PanelState::Ok).count();
    let mut out: Vec<Line> = bad.into_iter().map(row).collect();
    let note = if rest == ok {
        format!("  … and {rest} more panels OK")
    } else {
        format!("  … and {rest} more panels ({ok} OK; details: enter on Health)")
    };
    out.push(Line::styled(note, t.dim()));
    out
}

pub fn draw_finish(frame: &mut Frame, area: Rect, app: &App, step: &str) {
    let t = app.theme();
    let title = app
        .runbook
        .step(step)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let lines = vec![
        Line::from(format!("{step}: {title}")),
        Line::from(""),
        keys_line(
            app,
            &[
                ("d", "done"),
                ("f", "failed"),
                ("k", "skipped"),
                ("n/esc", "cancel: still running"),
            ],
        ),
    ];
    let r = modal(frame, area, dialog_width(area, 64), lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.warning())
        .title(Span::styled(" Finish step ", t.bold()));
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

pub fn draw_quit(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.theme();
    let lines = vec![
        Line::from("Leave this console? The cutover goes on; nothing changes."),
        Line::from(""),
        keys_line(app, &[("y", "quit this console"), ("n/esc", "stay")]),
    ];
    let r = modal(frame, area, 62, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.warning())
        .title(Span::styled(" Quit ", t.bold()));
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
