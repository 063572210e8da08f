//! The gates pane: each gate's state word and its numbered items, who
//! signed and when, vetoes with their reasons, automatic items with the
//! panel that satisfies them.

use chrono::TimeDelta;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, select};
use crate::health::PanelState;
use crate::runbook::model::GateItem;
use crate::session::state::{GateStatus, ItemState};
use crate::tui::app::{App, signers};
use crate::tui::format::{self, pad};
use crate::tui::mode::Pane;

const WORD_W: usize = 7;

/// An automatic item's progress: met, or how long it has been OK of how long.
pub fn auto_item(app: &App, item: &GateItem, panel: &str) -> (bool, String) {
    let Some(st) = app.panels.get(panel) else {
        return (false, format!("{panel} UNKNOWN"));
    };
    if st.state != PanelState::Ok {
        return (false, format!("{panel} {}", st.state.as_str()));
    }
    let need = TimeDelta::from_std(item.for_).unwrap_or_default();
    let held = st.state_since.map(|s| app.now - s).unwrap_or_default();
    if held >= need {
        (true, format!("{panel} OK {}", format::short_delta(held)))
    } else {
        (
            false,
            format!(
                "{panel} {}/{}",
                format::short_delta(held),
                format::short(item.for_)
            ),
        )
    }
}

fn item_line<'a>(
    app: &App,
    n: usize,
    item: &GateItem,
    st: Option<&ItemState>,
    w: usize,
    sel: bool,
) -> Line<'a> {
    let t = app.theme();
    let (word, word_style, who) = if let Some(v) = st.and_then(|s| s.veto.as_ref()) {
        ("VETO", t.error(), format!("{}: {}", v.operator, v.reason))
    } else if let Some(p) = &item.panel {
        let (met, text) = auto_item(app, item, p);
        if met {
            ("met", t.panel(PanelState::Ok), text)
        } else {
            ("waiting", t.warning(), text)
        }
    } else if let Some(s) = signers(st).first().copied() {
        let all = signers(st);
        let who = if all.len() > 1 {
            all.iter()
                .map(|s| s.operator.as_str())
                .collect::<Vec<_>>()
                .join("+")
        } else {
            format!("{} {}", s.operator, app.zone().hhmm(s.at))
        };
        ("signed", t.bold(), who)
    } else {
        let role = item
            .role
            .as_deref()
            .map(|r| format!("role {r}"))
            .unwrap_or_else(|| "anyone".into());
        ("open", t.warning(), role)
    };
    let cursor = if sel { "▸" } else { " " };
    let num = format!("{n:>2} ");
    let who_w = (w / 3).clamp(10, 36).min(format::cells(&who).max(10));
    let text_w = w.saturating_sub(1 + 3 + WORD_W + 1 + who_w + 1);
    let text = pad(&item.text, text_w);
    select(
        Line::from(vec![
            Span::raw(cursor),
            Span::raw(num),
            Span::styled(pad(word, WORD_W), word_style),
            Span::raw(" "),
            Span::raw(text),
            Span::raw(" "),
            Span::styled(format::fit(&who, who_w), t.dim()),
        ]),
        sel,
        t.selected(),
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, _g: Geometry) {
    let t = app.theme();
    let go = app
        .state
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::Go)
        .count();
    let count = Span::styled(format!("{go}/{} GO", app.runbook.gates.len()), t.dim());
    let block = pane_block(app, Pane::Gates, Some(count));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let focused = app.ui.focus == Pane::Gates;
    let selected = app.selected_item();

    let mut lines: Vec<Line> = Vec::new();
    let mut sel_line = 0;
    for (gi, gate) in app.runbook.gates.iter().enumerate() {
        let gs = app.state.gates.get(gi);
        let status = gs.map(|g| g.status).unwrap_or(GateStatus::Open);
        let mut head = vec![
            Span::styled(pad(status.as_str(), 6), t.gate(status)),
            Span::styled(gate.id.clone(), t.bold()),
            Span::raw("  "),
        ];
        let tp = match (gate.two_person, w >= 60) {
            (true, true) => "  [two-person]",
            (true, false) => " [2P]",
            _ => "",
        };
        let used: usize = head.iter().map(|s| s.width()).sum::<usize>() + tp.len();
        head.push(Span::raw(format::fit(&gate.title, w.saturating_sub(used))));
        head.push(Span::styled(tp, t.warning()));
        lines.push(Line::from(head));
        for (ii, item) in gate.items.iter().enumerate() {
            let sel = focused && selected == Some((gi, ii));
            if sel {
                sel_line = lines.len();
            }
            let st = gs.and_then(|g| g.items.get(ii));
            lines.push(item_line(app, ii + 1, item, st, w, sel));
        }
    }
    if app.runbook.gates.is_empty() {
        lines.push(Line::styled("(no gates in this runbook)", t.dim()));
    }
    let h = inner.height as usize;
    let first = sel_line.saturating_sub(h.saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((first as u16, 0)), inner);
}
