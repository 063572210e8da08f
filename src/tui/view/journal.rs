//! The journal pane: the latest events, newest last, one readable line per
//! kind with the operator who caused it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, select};
use crate::runbook::model::Runbook;
use crate::session::event::{Event, EventBody, RollbackOutcome, StepOutcome};
use crate::tui::app::App;
use crate::tui::format::{self, pad};
use crate::tui::mode::Pane;
use crate::tui::theme::Theme;

const OPERATOR_W: usize = 9;
const OPERATOR_W_NARROW: usize = 6;

/// One event as one sentence (without time and operator): the one
/// describer's words, so the screen, the report and chat agree.
pub fn describe(rb: &Runbook, body: &EventBody) -> String {
    crate::describe::event(Some(rb), body)
}

/// Emphasis by kind: decisions stand out, refusals and failures in red.
fn style(t: Theme, body: &EventBody) -> Style {
    match body {
        EventBody::Refused { .. } | EventBody::ExpandRefused { .. } | EventBody::Vetoed { .. } => {
            t.error()
        }
        EventBody::RollbackStarted { .. } | EventBody::GuardFired { .. } => t.error(),
        EventBody::RollbackFinished {
            outcome: RollbackOutcome::Failed,
            ..
        } => t.error(),
        EventBody::StepFinished {
            outcome: StepOutcome::Failed,
            ..
        } => t.error(),
        EventBody::ActionRan { .. } if !crate::actions::succeeded(body) => t.error(),
        EventBody::ActionRetried { .. } => t.warning(),
        EventBody::Paused { .. } | EventBody::ActionRequested { .. } => t.warning(),
        EventBody::CutoverStarted {}
        | EventBody::Expanded { .. }
        | EventBody::GateGo { .. }
        | EventBody::Completed {} => t.bold(),
        EventBody::Notified { status, .. } if !crate::notify::deliver::delivered(status) => {
            t.error()
        }
        EventBody::Notified { .. }
        | EventBody::OperatorAttached { .. }
        | EventBody::OperatorDetached { .. }
        | EventBody::ConductorChanged { .. }
        | EventBody::SessionOpened { .. } => t.dim(),
        _ => t.plain(),
    }
}

/// The time column: seconds only where the pane has the width.
fn time_col(app: &App, ts: chrono::DateTime<chrono::Utc>, w: usize) -> (String, usize) {
    if w < 50 {
        (app.zone().hhmm(ts), OPERATOR_W_NARROW)
    } else {
        (app.zone().clock(ts), OPERATOR_W)
    }
}

/// One event as the searchable text line the pane shows (time, operator,
/// the describer's sentence, redacted): search matches what is on screen.
pub fn text(app: &App, e: &Event) -> String {
    format!(
        "{} {} {}",
        app.zone().clock(e.ts),
        e.operator,
        app.runbook.redact(&describe(&app.runbook, &e.body))
    )
}

/// `text` split at every case-folded occurrence of `q`, the matches styled.
fn highlight<'a>(text: String, q: Option<&str>, base: Style, hl: Style) -> Vec<Span<'a>> {
    let Some(q) = q.filter(|q| !q.is_empty()) else {
        return vec![Span::styled(text, base)];
    };
    let lower = text.to_lowercase();
    let ql = q.to_lowercase();
    // Lower-casing can change byte lengths (rare scripts): then mark nothing.
    if lower.len() != text.len() {
        return vec![Span::styled(text, base)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(&ql).map(|i| i + at) {
        let end = i + ql.len();
        if !text.is_char_boundary(i) || !text.is_char_boundary(end) {
            break;
        }
        out.push(Span::styled(text[at..i].to_string(), base));
        out.push(Span::styled(text[i..end].to_string(), hl));
        at = end;
    }
    out.push(Span::styled(text[at..].to_string(), base));
    out
}

/// One event on one line of `w` cells (the text cut), or wrapped onto as
/// many lines as it needs (`wrap`: the zoomed journal).
fn event_lines<'a>(app: &App, e: &Event, w: usize, wrap: bool) -> Vec<Line<'a>> {
    let t = app.theme();
    let text = app.runbook.redact(&describe(&app.runbook, &e.body));
    let (time, op_w) = time_col(app, e.ts, w);
    let lead = format::cells(&time) + 1 + op_w + 1;
    let text_w = w.saturating_sub(lead);
    let q = app.journal_query();
    let parts = if wrap {
        format::wrap(&text, text_w.max(1))
    } else {
        vec![format::fit(&text, text_w)]
    };
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let mut spans = if i == 0 {
                vec![
                    Span::styled(format!("{time} "), t.dim()),
                    Span::raw(pad(&e.operator, op_w)),
                    Span::raw(" "),
                ]
            } else {
                vec![Span::raw(" ".repeat(lead))]
            };
            spans.extend(highlight(part, q, style(t, &e.body), t.search_match()));
            Line::from(spans)
        })
        .collect()
}

pub fn line<'a>(app: &App, e: &Event, w: usize) -> Line<'a> {
    event_lines(app, e, w, false)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// A cue the console derives (not an event, never journaled): when the
/// current stage's bake ended, shown once at its time among the events.
pub fn bake_over(app: &App) -> Option<chrono::DateTime<chrono::Utc>> {
    use crate::session::state::Status;
    let i = app.story.state.stage?;
    app.runbook.stages.get(i + 1)?;
    let entered = app.story.state.stage_entered_at?;
    let end = entered + chrono::TimeDelta::from_std(app.runbook.stages.get(i)?.bake).ok()?;
    (matches!(app.story.state.status, Status::Running | Status::Paused) && end <= app.now)
        .then_some(end)
}

pub const BAKE_OVER: &str = "bake over: expand allowed";

pub fn draw(frame: &mut Frame, area: Rect, app: &App, _g: Geometry) {
    let t = app.theme();
    let mut title = Vec::new();
    if let Some(q) = app
        .journal_query()
        .filter(|_| app.ui.mode != crate::tui::mode::Mode::Search)
    {
        let n = app.journal_matches(q).len();
        title.push(format!("/{q} ({n})"));
    }
    // Scrolled back: the `▼ N more` marker says what is newer below.
    let title = title.join("  ");
    let title_cells = format::cells(&title) + Pane::Journal.title().len() + 4;
    let extra = (!title.is_empty()).then(|| Span::styled(title, t.warning()));
    let block = pane_block(app, Pane::Journal, extra);
    let inner = block.inner(area);
    let h = inner.height as usize;
    app.ui.journal_page.set(inner.height);
    let w = inner.width as usize;
    let end = app.story.tail.len().saturating_sub(app.ui.journal_back);
    let focused = app.ui.focus == Pane::Journal;
    // From the selected (newest shown) line upwards until the pane is full:
    // blocks of lines, newest first, each with its time.
    let mut blocks: Vec<(chrono::DateTime<chrono::Utc>, Vec<Line>)> = Vec::new();
    let mut filled = 0;
    let mut first = end;
    for i in (0..end).rev() {
        if filled >= h {
            break;
        }
        let Some(e) = app.story.tail.get(i) else {
            break;
        };
        let mut ls = event_lines(app, e, w, app.ui.zoom);
        if focused && i + 1 == end {
            // The selection is the newest line shown (enter: details).
            ls = ls
                .into_iter()
                .map(|l| select(l, true, t.selected()))
                .collect();
        }
        filled += ls.len();
        blocks.push((e.ts, ls));
        first = i;
    }
    // Scrolled far back: newer lines fill the rows below the selection.
    let newer_from = blocks.len();
    for i in end..app.story.tail.len() {
        if filled >= h {
            break;
        }
        let Some(e) = app.story.tail.get(i) else {
            break;
        };
        let ls = event_lines(app, e, w, app.ui.zoom);
        filled += ls.len();
        blocks.insert(0, (e.ts, ls));
    }
    let newer = blocks.len() - newer_from;
    let last = end + newer;
    // The bake cue goes where its time falls, when that spot is in view:
    // not past the selected line, not before the oldest line considered.
    if let Some(c) = bake_over(app) {
        let after_end = app.story.tail.get(last).is_none_or(|n| n.ts > c);
        let before_first = first > 0 && app.story.tail.get(first).is_some_and(|e| e.ts > c);
        if after_end && !before_first {
            let (time, op_w) = time_col(app, c, w);
            let cue = Line::from(vec![
                Span::styled(format!("{time} "), t.dim()),
                Span::raw(pad("", op_w)),
                Span::raw(" "),
                Span::styled(BAKE_OVER, t.bold()),
            ]);
            let at = blocks
                .iter()
                .position(|(ts, _)| *ts <= c)
                .unwrap_or(blocks.len());
            blocks.insert(at, (c, vec![cue]));
        }
    }
    let mut rows: Vec<Line> = blocks
        .into_iter()
        .flat_map(|(_, ls)| ls.into_iter().rev())
        .collect();
    rows.reverse();
    // The selection stays in view: drop from the top, or from the bottom
    // when newer lines filled in below it.
    let over = rows.len().saturating_sub(h);
    let lines: Vec<Line> = if newer > 0 {
        rows.into_iter().take(h).collect()
    } else {
        rows.into_iter().skip(over).collect()
    };
    // Events out of view, older above and newer below (when scrolled back).
    let hidden = super::scroll::Hidden {
        above: first,
        below: app.story.tail.len().saturating_sub(last),
        ..Default::default()
    };
    frame.render_widget(hidden.mark(block, t, area.width, title_cells), area);
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("(nothing journaled yet)", t.dim())),
            inner,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
