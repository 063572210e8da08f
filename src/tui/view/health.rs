//! The health pane: one tile per panel with its value in its unit, the
//! state as a word and a colour, a sparkline, and the change since start.
//! A panel with no good number never shows a value that looks healthy.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, scroll_for, select};
use crate::health::{PanelState, PanelStatus};
use crate::runbook::model::Panel;
use crate::tui::app::App;
use crate::tui::format::{self, pad, rpad};
use crate::tui::mode::Pane;

const STATE_W: usize = 7;
const VALUE_W: usize = 9;
const DELTA_W: usize = 10;
const DELTA_W_COMPACT: usize = 8;
const VALUE_W_COMPACT: usize = 8;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, g: Geometry) {
    let t = app.theme();
    let bad = app
        .panels
        .values()
        .filter(|p| !matches!(p.state, PanelState::Ok))
        .count();
    let summary = if bad == 0 && !app.panels.is_empty() {
        Span::styled("all OK", t.panel(PanelState::Ok))
    } else {
        Span::styled(
            format!("{bad} not OK"),
            if bad > 0 { t.warning() } else { t.dim() },
        )
    };
    let block = pane_block(app, Pane::Health, Some(summary));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Roomy tiles grow a thresholds line when the pane has the height.
    let n = app.runbook.panels.len().max(1);
    let per = if g.tile_lines == 2 && inner.height as usize >= n * 3 {
        3
    } else {
        g.tile_lines as usize
    };
    let rows = inner.height as usize / per.max(1);
    let focused = app.ui.focus == Pane::Health;
    let first = scroll_for(app.ui.sel_panel, rows);
    let mut lines = Vec::new();
    for (i, panel) in app.runbook.panels.iter().enumerate().skip(first).take(rows) {
        let unknown = PanelStatus::unknown(&panel.id);
        let st = app.panels.get(&panel.id).unwrap_or(&unknown);
        let sel = focused && i == app.ui.sel_panel;
        let tile = if per == 1 {
            vec![one_line(app, panel, st, inner.width as usize, sel)]
        } else {
            tile(app, panel, st, inner.width as usize, per, sel)
        };
        lines.extend(tile);
    }
    if app.runbook.panels.is_empty() {
        lines.push(Line::styled("(no panels in this runbook)", t.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn value_text(panel: &Panel, st: &PanelStatus) -> String {
    match st.value {
        Some(v)
            if !matches!(
                st.state,
                PanelState::Error | PanelState::Stale | PanelState::Unknown
            ) =>
        {
            format::value(v, panel.unit)
        }
        // A last-known value under STALE is shown dimmed in brackets.
        Some(v) if st.state == PanelState::Stale => format!("({})", format::value(v, panel.unit)),
        _ => "—".into(),
    }
}

fn delta_text(panel: &Panel, st: &PanelStatus) -> String {
    match (st.value, st.start_value) {
        (Some(v), Some(s)) if st.state != PanelState::Error => format::delta(v, s, panel.unit),
        _ => String::new(),
    }
}

/// Compact: `title  value  STATE  Δ  spark` on one line.
fn one_line<'a>(app: &App, panel: &Panel, st: &PanelStatus, w: usize, sel: bool) -> Line<'a> {
    let t = app.theme();
    let show_delta = w >= 40;
    let spark_w = (w / 8).clamp(3, 20);
    let fixed = 1
        + VALUE_W_COMPACT
        + 1
        + STATE_W
        + 1
        + spark_w
        + if show_delta { DELTA_W_COMPACT + 1 } else { 0 };
    let title_w = w.saturating_sub(fixed);
    let cursor = if sel { "▸" } else { " " };
    let mut spans = vec![
        Span::raw(cursor),
        Span::raw(pad(
            format::label(&panel.title, &panel.id, title_w.saturating_sub(1)),
            title_w,
        )),
        Span::raw(rpad(&value_text(panel, st), VALUE_W_COMPACT)),
        Span::raw(" "),
        Span::styled(pad(st.state.as_str(), STATE_W), t.panel(st.state)),
    ];
    if show_delta {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            pad(&delta_text(panel, st), DELTA_W_COMPACT),
            t.dim(),
        ));
    }
    spans.push(Span::raw(" "));
    spans.push(Span::styled(
        format::sparkline(st.history.iter().copied(), spark_w),
        t.dim(),
    ));
    select(Line::from(spans), sel, t.selected())
}

/// Roomy: a title line with the state word on the right, then value,
/// delta and a sparkline; the widest layout adds thresholds and age.
fn tile<'a>(
    app: &App,
    panel: &Panel,
    st: &PanelStatus,
    w: usize,
    lines: usize,
    sel: bool,
) -> Vec<Line<'a>> {
    let t = app.theme();
    let cursor = if sel { "▸ " } else { "  " };
    let title_w = w.saturating_sub(2 + STATE_W + 1);
    let l1 = select(
        Line::from(vec![
            Span::raw(cursor),
            Span::styled(pad(&panel.title, title_w), t.bold()),
            Span::raw(" "),
            Span::styled(rpad(st.state.as_str(), STATE_W), t.panel(st.state)),
        ]),
        sel,
        t.selected(),
    );
    let value = value_text(panel, st);
    let mut l2 = vec![
        Span::raw("    "),
        Span::styled(rpad(&value, VALUE_W), t.bold()),
        Span::raw(" "),
        Span::styled(pad(&delta_text(panel, st), DELTA_W), t.dim()),
        Span::raw(" "),
    ];
    let rest = w.saturating_sub(4 + VALUE_W + 1 + DELTA_W + 1);
    match (&st.state, &st.error) {
        (PanelState::Error | PanelState::Stale, Some(e)) => {
            l2.push(Span::styled(format::fit(e, rest), t.panel(st.state)))
        }
        (PanelState::Unknown, _) => l2.push(Span::styled("no poll yet", t.dim())),
        _ => l2.push(Span::styled(
            format::sparkline(st.history.iter().copied(), rest),
            t.info(),
        )),
    }
    let mut out = vec![l1, Line::from(l2)];
    if lines >= 3 {
        let mut parts = Vec::new();
        if let Some(w) = panel.warn {
            parts.push(format!("warn {}", format::threshold(&w, panel.unit)));
        }
        if let Some(f) = panel.fail {
            parts.push(format!("fail {}", format::threshold(&f, panel.unit)));
        }
        if let Some(r) = panel.fail_ratio {
            parts.push(format!("fail > {r}x baseline"));
        }
        if let Some(s) = st.state_since {
            parts.push(format!(
                "{} since {}",
                st.state.as_str(),
                app.zone().hhmm(s)
            ));
        }
        out.push(Line::styled(
            format!(
                "    {}",
                format::fit(&parts.join(" · "), w.saturating_sub(4))
            ),
            t.dim(),
        ));
    }
    out
}
