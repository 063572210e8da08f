//! The health pane: one tile per panel with its value in its unit, the
//! state as a word and a colour, a sparkline, and the change since start.
//! A panel with no good number never shows a value that looks healthy.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, select};
use super::{attention, scroll};
use crate::health::{PanelState, PanelStatus};
use crate::runbook::model::Panel;
use crate::tui::app::App;
use crate::tui::format::{self, pad, rpad};
use crate::tui::mode::Pane;

const STATE_W: usize = 7;
const VALUE_W: usize = 9;
const DELTA_W: usize = 10;
/// A threshold as the one-line rows show it: `> 100,000` fits.
const THRESHOLD_W: usize = 10;
const VALUE_W_COMPACT: usize = 8;

/// Panels in the order the pane shows them. Not focused and short of
/// rows, the ones that are not OK come first, the worst first: what needs
/// a look is what shows (the rest are counted on the border).
fn order(app: &App, fits: bool, focused: bool) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..app.runbook.panels.len())
        .filter(|i| app.panel_shown(*i))
        .collect();
    if !fits && !focused {
        shown.sort_by_key(|i| attention::rank(attention::panel(app, *i)));
    }
    shown
}

/// Lines per panel: the geometry's tile, a thresholds line when the pane
/// has the height, and down to one-line rows before any panel is hidden.
fn lines_per(g: Geometry, n: usize, h: usize) -> usize {
    let mut per = if g.tile_lines == 2 && h >= n * 3 {
        3
    } else {
        g.tile_lines as usize
    };
    while per > 1 && n * per > h {
        per -= 1;
    }
    per.max(1)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, g: Geometry) {
    let t = app.theme();
    let bad = app
        .story
        .panels
        .values()
        .filter(|p| !matches!(p.state, PanelState::Ok))
        .count();
    let mut title = if bad == 0 && !app.story.panels.is_empty() {
        ("all OK".to_string(), t.panel(PanelState::Ok))
    } else {
        (
            format!("{bad} not OK"),
            if bad > 0 { t.warning() } else { t.dim() },
        )
    };
    if let Some(q) = app.filter_for(Pane::Health) {
        title.0 = format!("{}  /{q}", title.0);
    }
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let n = (0..app.runbook.panels.len())
        .filter(|i| app.panel_shown(*i))
        .count();
    let per = lines_per(g, n.max(1), h);
    let rows = h / per;
    let focused = app.ui.focus == Pane::Health;
    let shown = order(app, n <= rows, focused);
    let sel = shown
        .iter()
        .position(|i| *i == app.ui.sel_panel)
        .unwrap_or(0);
    let first = if focused {
        scroll::follow(shown.len(), rows, sel)
    } else {
        0
    };
    let labels: Vec<Option<&str>> = shown.iter().map(|i| attention::panel(app, *i)).collect();
    let hidden = scroll::Hidden::of(&labels, first, rows);
    let title_cells = format::cells(&title.0) + Pane::Health.title().len() + 4;
    let block = hidden.mark(
        pane_block(app, Pane::Health, Some(Span::styled(title.0, title.1))),
        t,
        area.width,
        title_cells,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // One threshold column for every row: as wide as the widest shown.
    let thr_w = shown
        .iter()
        .skip(first)
        .take(rows)
        .filter_map(|i| {
            let p = app.runbook.panels.get(*i)?;
            let st = app.story.panels.get(&p.id)?;
            Some(format::cells(&rule_cell(app, p, st)))
        })
        .max()
        .unwrap_or(0)
        .min(THRESHOLD_W);
    let mut lines = Vec::new();
    for &i in shown.iter().skip(first).take(rows) {
        let panel = &app.runbook.panels[i];
        let unknown = PanelStatus::unknown(&panel.id);
        let st = app.story.panels.get(&panel.id).unwrap_or(&unknown);
        let sel = focused && i == app.ui.sel_panel;
        let tile = if per == 1 {
            vec![one_line(app, panel, st, w, thr_w, sel)]
        } else {
            tile(app, panel, st, w, per, sel)
        };
        lines.extend(tile);
    }
    if app.runbook.panels.is_empty() {
        lines.push(Line::styled("(no panels in this runbook)", t.dim()));
    } else if shown.is_empty() {
        lines.push(Line::styled(
            "(no panel holds the filter; esc shows all)",
            t.dim(),
        ));
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

/// The threshold that matters now: the one breached, else the fail one.
fn threshold_text(panel: &Panel, st: &PanelStatus) -> String {
    let pick = match st.state {
        PanelState::Warn => panel.warn.or(panel.fail),
        _ => panel.fail.or(panel.warn),
    };
    match (pick, panel.fail_ratio) {
        (Some(th), _) => format::threshold(&th, panel.unit),
        (None, Some(r)) => format!("> {r}x base"),
        _ => String::new(),
    }
}

/// The one-line row's rule column: the current stage's comparison with
/// the baseline when there is one (what the canary is judged on), else
/// the threshold.
fn rule_cell(app: &App, panel: &Panel, st: &PanelStatus) -> String {
    let Some(c) = app.story.state.canary.panels.get(&panel.id) else {
        return threshold_text(panel, st);
    };
    // "pass .85", "FAIL <.001", "INCONC .24": the verdict and p in the
    // column's ten cells; details (d) and the journal carry the rest.
    match c.p {
        Some(p) if p < 0.001 => format!("{} <.001", short_verdict(c.verdict)),
        Some(p) => format!(
            "{} {}",
            short_verdict(c.verdict),
            format!("{p:.2}").trim_start_matches('0')
        ),
        None => short_verdict(c.verdict).to_string(),
    }
}

fn short_verdict(v: crate::analysis::Verdict) -> &'static str {
    match v {
        crate::analysis::Verdict::Pass => "pass",
        crate::analysis::Verdict::Fail => "FAIL",
        crate::analysis::Verdict::Inconclusive => "INCONC",
    }
}

/// One line per panel: `STATE  title  value  threshold  spark` (the
/// sparkline only where the width allows).
fn one_line<'a>(
    app: &App,
    panel: &Panel,
    st: &PanelStatus,
    w: usize,
    thr_w: usize,
    sel: bool,
) -> Line<'a> {
    let t = app.theme();
    let thr = rule_cell(app, panel, st);
    let fixed = 1 + STATE_W + 1 + 1 + VALUE_W_COMPACT + 1 + thr_w;
    let spark_w = if w >= fixed + 14 + 6 {
        (w / 8).clamp(4, 20)
    } else {
        0
    };
    let title_w = w.saturating_sub(fixed + if spark_w > 0 { spark_w + 1 } else { 0 });
    let cursor = if sel { "▸" } else { " " };
    let mut spans = vec![
        Span::raw(cursor),
        Span::styled(pad(st.state.as_str(), STATE_W), t.panel(st.state)),
        Span::raw(" "),
        Span::raw(pad(
            format::label(&panel.title, &panel.id, title_w),
            title_w,
        )),
        Span::raw(" "),
        Span::raw(rpad(&value_text(panel, st), VALUE_W_COMPACT)),
        Span::raw(" "),
        Span::styled(pad(&thr, thr_w), t.dim()),
    ];
    if spark_w > 0 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format::sparkline(st.history.iter().copied(), spark_w),
            t.dim(),
        ));
    }
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
        if let Some(c) = app.story.state.canary.panels.get(&panel.id) {
            parts.push(format!("vs baseline: {}", c.summary()));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::view::{COMPACT, ROOMY, WIDE};

    #[test]
    fn tiles_shrink_to_one_line_rows_before_a_panel_is_hidden() {
        // Roomy: thresholds when the height allows, then two lines, then one.
        assert_eq!(lines_per(ROOMY, 11, 40), 3);
        assert_eq!(lines_per(ROOMY, 11, 29), 2);
        assert_eq!(lines_per(ROOMY, 11, 21), 1);
        assert_eq!(lines_per(WIDE, 11, 30), 2);
        // Still one line each when even that does not fit: the pane scrolls.
        assert_eq!(lines_per(ROOMY, 11, 8), 1);
        assert_eq!(lines_per(COMPACT, 11, 40), 1);
    }
}
