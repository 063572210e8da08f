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

pub fn line<'a>(app: &App, e: &Event, w: usize) -> Line<'a> {
    let t = app.theme();
    let text = describe(&app.runbook, &e.body);
    // A narrow pane drops the seconds and shortens the operator column.
    let (time, op_w) = if w < 50 {
        (format::hhmm(e.ts), OPERATOR_W_NARROW)
    } else {
        (format::clock(e.ts), OPERATOR_W)
    };
    let text_w = w.saturating_sub(time.len() + 1 + op_w + 1);
    Line::from(vec![
        Span::styled(format!("{time} "), t.dim()),
        Span::raw(pad(&e.operator, op_w)),
        Span::raw(" "),
        Span::styled(
            format::fit(&app.runbook.redact(&text), text_w),
            style(t, &e.body),
        ),
    ])
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, _g: Geometry) {
    let t = app.theme();
    let extra = (app.ui.journal_back > 0)
        .then(|| Span::styled(format!("{} newer below", app.ui.journal_back), t.warning()));
    let block = pane_block(app, Pane::Journal, extra);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    let end = app.journal.len().saturating_sub(app.ui.journal_back);
    let start = end.saturating_sub(h);
    let focused = app.ui.focus == Pane::Journal;
    let lines: Vec<Line> = app
        .journal
        .range(start..end)
        .enumerate()
        .map(|(i, e)| {
            let l = line(app, e, inner.width as usize);
            // The selection is the newest line shown (enter: details).
            select(l, focused && start + i + 1 == end, t.selected())
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("(nothing journaled yet)", t.dim())),
            inner,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
