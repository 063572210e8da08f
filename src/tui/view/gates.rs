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
use super::{attention, scroll};
use crate::health::PanelState;
use crate::runbook::model::GateItem;
use crate::session::state::{GateStatus, ItemState};
use crate::tui::app::{App, signers};
use crate::tui::format::{self, pad};
use crate::tui::mode::Pane;

const WORD_W: usize = 7;

/// An automatic item's progress: met, or how long it has been OK of how long.
pub fn auto_item(app: &App, item: &GateItem, panel: &str) -> (bool, String) {
    let Some(st) = app.story.panels.get(panel) else {
        return (false, format!("{panel} UNKNOWN"));
    };
    if st.state != PanelState::Ok {
        return (false, format!("{panel} {}", st.state.as_str()));
    }
    let need = TimeDelta::from_std(item.for_).unwrap_or_default();
    let held = st.state_since.map(|s| app.now - s).unwrap_or_default();
    if held >= need {
        (
            true,
            format!("{panel} OK {}", crate::timefmt::rounded_delta(held)),
        )
    } else {
        (
            false,
            format!(
                "{panel} {}/{}",
                crate::timefmt::rounded_delta(held),
                crate::timefmt::rounded(item.for_)
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

/// Items of gate `gi` satisfied now (signed, or automatic and met), of all.
fn satisfied(app: &App, gi: usize) -> (usize, usize) {
    let Some(gate) = app.runbook.gates.get(gi) else {
        return (0, 0);
    };
    let gs = app.story.state.gates.get(gi);
    let n = gate
        .items
        .iter()
        .enumerate()
        .filter(|(ii, item)| {
            let st = gs.and_then(|g| g.items.get(*ii));
            if st.is_some_and(|s| s.veto.is_some()) {
                return false;
            }
            match &item.panel {
                Some(p) => auto_item(app, item, p).0,
                None => !signers(st).is_empty(),
            }
        })
        .count();
    (n, gate.items.len())
}

/// A gate's heading line. Collapsed (`count`), it says how many items are
/// satisfied and whether one is vetoed, so a closed gate still tells its
/// state, id and count.
fn gate_line<'a>(app: &App, gi: usize, w: usize, count: bool) -> Line<'a> {
    let t = app.theme();
    let gate = &app.runbook.gates[gi];
    let status = app
        .story
        .state
        .gates
        .get(gi)
        .map(|g| g.status)
        .unwrap_or(GateStatus::Open);
    let mut head = vec![
        Span::styled(pad(status.as_str(), 6), t.gate(status)),
        Span::styled(gate.id.clone(), t.bold()),
        Span::raw("  "),
    ];
    if count {
        let (n, of) = satisfied(app, gi);
        head.push(Span::raw(format!("{n}/{of}  ")));
        if attention::gate(app, gi) == Some("VETO") {
            head.push(Span::styled("VETO", t.error()));
            head.push(Span::raw("  "));
        }
    }
    let tp = match (gate.two_person, w >= 60) {
        (true, true) => "  [two-person]",
        (true, false) => " [2P]",
        _ => "",
    };
    let used: usize = head.iter().map(|s| s.width()).sum::<usize>() + tp.len();
    head.push(Span::raw(format::fit(&gate.title, w.saturating_sub(used))));
    head.push(Span::styled(tp, t.warning()));
    Line::from(head)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, _g: Geometry) {
    let t = app.theme();
    let go = app
        .story
        .state
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::Go)
        .count();
    let mut title = format!("{go}/{} GO", app.runbook.gates.len());
    if let Some(q) = app.filter_for(Pane::Gates) {
        title = format!("{title}  /{q}");
    }
    let w = area.width.saturating_sub(2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let focused = app.ui.focus == Pane::Gates;
    let selected = app.selected_item();
    let (full, _) = rows(app);
    // Every gate open when they fit; else one line per gate and only the
    // selected gate's items.
    let collapsed = usize::from(full) > h;
    let opened = opened(app, collapsed, h);
    let mut lines: Vec<Line> = Vec::new();
    let mut labels: Vec<Option<&str>> = Vec::new();
    let mut sel_line = None;
    for (gi, gate) in app.runbook.gates.iter().enumerate() {
        let items: Vec<usize> = (0..gate.items.len())
            .filter(|ii| app.item_shown(gi, *ii))
            .collect();
        if items.is_empty() {
            continue;
        }
        let open = opened.get(gi).copied().unwrap_or(true);
        lines.push(gate_line(app, gi, w, collapsed));
        labels.push(attention::gate(app, gi));
        if !open {
            if focused && selected.is_some_and(|(g, _)| g == gi) {
                sel_line = Some(lines.len() - 1);
            }
            continue;
        }
        let gs = app.story.state.gates.get(gi);
        for ii in items {
            let sel = focused && selected == Some((gi, ii));
            if sel {
                sel_line = Some(lines.len());
            }
            let st = gs.and_then(|g| g.items.get(ii));
            lines.push(item_line(app, ii + 1, &gate.items[ii], st, w, sel));
            labels.push(attention::item(app, gi, ii));
        }
    }
    // Focused: the selection in view. Otherwise what needs a look (a
    // veto, the gate the cutover waits on), with its heading above it.
    let first = match sel_line {
        Some(s) => scroll::follow(lines.len(), h, s),
        None => {
            let a = labels.iter().position(Option::is_some).unwrap_or(0);
            scroll::first_row(lines.len(), h, a, 0)
        }
    };
    let hidden = scroll::Hidden::of(&labels, first, h);
    let title_cells = format::cells(&title) + Pane::Gates.title().len() + 4;
    let block = hidden.mark(
        pane_block(app, Pane::Gates, Some(Span::styled(title, t.dim()))),
        t,
        area.width,
        title_cells,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.runbook.gates.is_empty() {
        lines.push(Line::styled("(no gates in this runbook)", t.dim()));
    } else if lines.is_empty() {
        lines.push(Line::styled(
            "(no gate holds the filter; esc shows all)",
            t.dim(),
        ));
    }
    let shown: Vec<Line> = lines.into_iter().skip(first).take(h).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Which gates show their items. Collapsed, the selected gate opens, then
/// the gates that need a look, then those not GO, then the rest, while
/// they fit. (Every heading stays in view: a gate line says more than an
/// item line.)
fn opened(app: &App, collapsed: bool, h: usize) -> Vec<bool> {
    let gates = &app.runbook.gates;
    if !collapsed {
        return vec![true; gates.len()];
    }
    let items = |gi: usize| {
        (0..gates[gi].items.len())
            .filter(|ii| app.item_shown(gi, *ii))
            .count()
    };
    let sel = app
        .selected_item()
        .map(|(g, _)| g)
        .filter(|_| app.ui.focus == Pane::Gates);
    let mut open: Vec<bool> = (0..gates.len()).map(|gi| sel == Some(gi)).collect();
    let mut used: usize = (0..gates.len())
        .filter(|gi| items(*gi) > 0)
        .map(|gi| 1 + if open[gi] { items(gi) } else { 0 })
        .sum();
    let mut order: Vec<usize> = (0..gates.len()).collect();
    // What needs a look, then what is still to sign, then what is GO.
    let go = |gi: usize| {
        app.story
            .state
            .gates
            .get(gi)
            .is_some_and(|g| g.status == GateStatus::Go)
    };
    order.sort_by_key(|gi| (attention::gate(app, *gi).is_none(), go(*gi)));
    for gi in order {
        if !open[gi] && used + items(gi) <= h {
            open[gi] = true;
            used += items(gi);
        }
    }
    open
}

/// Rows the pane holds (borders excluded): every gate with every item,
/// and collapsed (one line per gate, the selected gate's items when the
/// pane has the focus).
pub fn rows(app: &App) -> (u16, u16) {
    let sel_gate = app
        .selected_item()
        .map(|(g, _)| g)
        .filter(|_| app.ui.focus == Pane::Gates);
    let mut full = 0;
    let mut min = 0;
    for (gi, gate) in app.runbook.gates.iter().enumerate() {
        let items = (0..gate.items.len())
            .filter(|ii| app.item_shown(gi, *ii))
            .count();
        if items == 0 {
            continue;
        }
        full += 1 + items;
        min += 1 + if sel_gate == Some(gi) { items } else { 0 };
    }
    (
        super::layout::rows_of(full.max(1)),
        super::layout::rows_of(min.max(1)),
    )
}
