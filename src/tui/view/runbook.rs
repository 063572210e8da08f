//! The runbook pane: each step's state word, owner, planned and actual
//! duration (and the last rehearsal's), irreversible steps unmistakable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, scroll_for, select};
use crate::session::state::StepStatus;
use crate::tui::app::App;
use crate::tui::format::{self, pad, rpad};
use crate::tui::mode::Pane;

const STATE_W: usize = 7;
const OWNER_W: usize = 8;
const TIME_W: usize = 13;
const TIME_W_COMPACT: usize = 7;
const REHEARSAL_W: usize = 10;

/// Cells of the widest step id: the ids are what `:start` and the
/// irreversible confirmation take, so they are never cut.
fn id_w(app: &App) -> usize {
    app.runbook
        .steps
        .iter()
        .map(|s| format::cells(&s.id))
        .max()
        .unwrap_or(0)
}

/// The widest compact row in cells (borders excluded): what the layout
/// gives the pane so every id shows whole.
pub fn compact_width(app: &App) -> u16 {
    (3 + STATE_W + 1 + id_w(app) + 1 + TIME_W_COMPACT) as u16
}

/// Rows the pane holds (borders excluded).
pub fn rows(app: &App, compact: bool) -> u16 {
    app.runbook.steps.len().max(1) as u16 + u16::from(!compact)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, g: Geometry) {
    let t = app.theme();
    let rb = &app.runbook;
    let done = app
        .state
        .steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Done | StepStatus::Skipped))
        .count();
    // The selected step's block, said where the eye is: why it waits.
    let why = (app.ui.focus == Pane::Runbook)
        .then(|| app.step_blocked(app.ui.sel_step))
        .flatten()
        .map(|w| format!(" · {}: {w}", rb.steps[app.ui.sel_step].id))
        .unwrap_or_default();
    let count = Span::styled(format!("{done}/{} done{why}", rb.steps.len()), t.dim());
    let block = pane_block(app, Pane::Runbook, Some(count));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let w = inner.width as usize;
    let show_owner = w >= 50;
    let time_w = if g.compact { TIME_W_COMPACT } else { TIME_W };
    let show_rehearsal = !g.compact && !app.opts.rehearsal_durations.is_empty();
    let fixed = 3
        + STATE_W
        + 1
        + time_w
        + if show_owner { OWNER_W + 1 } else { 0 }
        + if show_rehearsal { REHEARSAL_W + 1 } else { 0 };
    let title_w = w.saturating_sub(fixed + 1);

    let mut lines = Vec::new();
    if !g.compact {
        let mut h = format!("   {} {}", pad("state", STATE_W), pad("step", title_w));
        if show_owner {
            h.push_str(&format!(" {}", pad("owner", OWNER_W)));
        }
        h.push_str(&format!(" {}", rpad("actual/plan", time_w)));
        if show_rehearsal {
            h.push_str(&format!(" {}", rpad("rehearsal", REHEARSAL_W)));
        }
        lines.push(Line::styled(h, t.dim()));
    }
    let rows = (inner.height as usize).saturating_sub(lines.len());
    let focused = app.ui.focus == Pane::Runbook;
    let first = scroll_for(app.ui.sel_step, rows);

    for (i, step) in rb.steps.iter().enumerate().skip(first).take(rows) {
        let st = app.state.steps.get(i);
        let status = st.map(|s| s.status).unwrap_or(StepStatus::Pending);
        let mark = if step.irreversible {
            Span::styled(if g.compact { "!" } else { "⚠" }, t.irreversible())
        } else {
            Span::raw(" ")
        };
        let cursor = if focused && i == app.ui.sel_step {
            "▸"
        } else {
            " "
        };
        let irr_tag = if step.irreversible && !g.compact {
            " IRREVERSIBLE"
        } else {
            ""
        };
        // The id first and whole (the word `:start` takes); the title, on
        // roomy screens, is what gets cut.
        let name = if g.compact {
            step.id.clone()
        } else {
            let room = title_w.saturating_sub(id_w(app) + 1 + irr_tag.len());
            format!(
                "{} {}",
                format::pad(&step.id, id_w(app)),
                format::fit(&step.title, room)
            )
        };
        let name_len = format::cells(&name) + irr_tag.len();

        let actual = st.and_then(|s| {
            let start = s.started_at?;
            let end = s.finished_at.unwrap_or(app.now);
            Some(end - start)
        });
        let over = matches!((actual, step.expect), (Some(a), Some(e)) if a.to_std().unwrap_or_default() > e);
        let plan = step.expect.map(format::short).unwrap_or_else(|| "—".into());
        let time = match actual {
            Some(a) => format!("{}/{plan}", format::short_delta(a)),
            None => plan,
        };

        let mut spans = vec![
            Span::raw(cursor),
            mark,
            Span::raw(" "),
            match app.step_blocked(i) {
                Some(_) => Span::styled(pad("blocked", STATE_W), t.dim()),
                None => Span::styled(pad(status.as_str(), STATE_W), t.step(status)),
            },
            Span::raw(" "),
            Span::raw(name),
            Span::styled(irr_tag, t.irreversible()),
            Span::raw(" ".repeat(title_w.saturating_sub(name_len) + 1)),
        ];
        if show_owner {
            let owner = step.owner.clone().unwrap_or_else(|| "—".into());
            spans.push(Span::styled(pad(&owner, OWNER_W), t.dim()));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            rpad(&time, time_w),
            if over { t.warning() } else { t.plain() },
        ));
        if show_rehearsal {
            let r = app
                .opts
                .rehearsal_durations
                .get(&step.id)
                .map(|d| format::short(*d))
                .unwrap_or_else(|| "—".into());
            spans.push(Span::raw(" "));
            spans.push(Span::styled(rpad(&r, REHEARSAL_W), t.dim()));
        }
        lines.push(select(
            Line::from(spans),
            focused && i == app.ui.sel_step,
            t.selected(),
        ));
    }
    if rb.steps.is_empty() {
        lines.push(Line::styled("(no steps in this runbook)", t.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
