//! The journal pane: the latest events, newest last, one readable line per
//! kind with the operator who caused it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, select};
use crate::runbook::model::{GuardThen, GuardWhen, Runbook};
use crate::session::event::{Event, EventBody, RollbackOutcome, StepOutcome, Trigger};
use crate::tui::app::App;
use crate::tui::format::{self, pad};
use crate::tui::mode::Pane;
use crate::tui::theme::Theme;

const OPERATOR_W: usize = 9;
const OPERATOR_W_NARROW: usize = 6;

fn item_text(rb: &Runbook, gate: &str, item: u32) -> String {
    rb.gate(gate)
        .and_then(|g| g.items.get(item.saturating_sub(1) as usize))
        .map(|i| format!(" “{}”", i.text))
        .unwrap_or_default()
}

fn by(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Operator => "",
        Trigger::Guard => " by guard",
    }
}

/// One event as one sentence (without time and operator).
pub fn describe(rb: &Runbook, body: &EventBody) -> String {
    match body {
        EventBody::SessionOpened { mode, .. } => format!("session opened ({})", mode.as_str()),
        EventBody::RunbookChangeAccepted { .. } => "accepted a changed runbook".into(),
        EventBody::OperatorAttached { read_only, .. } => {
            if *read_only {
                "attached (read-only)".into()
            } else {
                "attached".into()
            }
        }
        EventBody::OperatorDetached { reason, .. } => match reason {
            Some(r) => format!("detached ({})", r.as_str()),
            None => "detached".into(),
        },
        EventBody::ConductorChanged { reason, .. } => {
            format!("conducts now ({})", reason.as_str())
        }
        EventBody::CutoverStarted {} => "STARTED the cutover".into(),
        EventBody::Signed { gate, item, .. } => {
            format!("signed {gate} #{item}{}", item_text(rb, gate, *item))
        }
        EventBody::Withdrawn { gate, item } => format!("withdrew signature {gate} #{item}"),
        EventBody::Vetoed { gate, item, reason } => format!("VETOED {gate} #{item}: {reason}"),
        EventBody::VetoLifted { gate, item, .. } => format!("lifted veto {gate} #{item}"),
        EventBody::GateGo { gate, .. } => format!("gate {gate} is GO"),
        EventBody::GateReopened { gate } => format!("gate {gate} reopened"),
        EventBody::Refused { what, reason } => format!("refused `{what}`: {reason}"),
        EventBody::StepStarted { step } => format!("started step {step}"),
        EventBody::StepFinished { step, outcome } => {
            let o = match outcome {
                StepOutcome::Done => "done",
                StepOutcome::Failed => "FAILED",
                StepOutcome::Skipped => "skipped",
            };
            format!("finished step {step}: {o}")
        }
        EventBody::Paused {
            reason, trigger, ..
        } => format!("PAUSED{}: {reason}", by(*trigger)),
        EventBody::Resumed { reason, trigger } => format!("resumed{}: {reason}", by(*trigger)),
        EventBody::ActionRequested { action, reason } => {
            format!(
                "requested {} ({reason}): needs a second operator",
                action.as_str()
            )
        }
        EventBody::ActionWithdrawn { action } => {
            format!("withdrew the {} request", action.as_str())
        }
        EventBody::Expanded {
            to_stage,
            exposure,
            override_reason,
            ..
        } => {
            let ov = override_reason
                .as_ref()
                .map(|r| format!(" OVERRIDE: {r}"))
                .unwrap_or_default();
            format!("EXPANDED to {to_stage} {}{ov}", format::exposure(*exposure))
        }
        EventBody::ExpandRefused { reason } => format!("expand refused: {reason}"),
        EventBody::RollbackStarted {
            trigger, reason, ..
        } => format!("ROLLBACK started{}: {reason}", by(*trigger)),
        EventBody::RollbackFinished { outcome, .. } => match outcome {
            RollbackOutcome::Done => "rollback finished: done".into(),
            RollbackOutcome::Failed => "ROLLBACK FAILED".into(),
        },
        EventBody::GuardFired {
            panel, when, then, ..
        } => {
            let when = match when {
                GuardWhen::Fail => "FAIL",
                GuardWhen::Warn => "WARN",
                GuardWhen::Stale => "STALE",
            };
            let then = match then {
                GuardThen::Pause => "pause",
                GuardThen::Rollback => "rollback",
            };
            format!("GUARD fired: {panel} {when} → {then}")
        }
        EventBody::ActionRan {
            action,
            executed,
            exit_code,
            duration_ms,
            output_tail,
            webhook,
        } => {
            if !executed {
                return format!("{action}: (rehearsal: not executed)");
            }
            let code = exit_code
                .map(|c| format!("exit {c}"))
                .unwrap_or_else(|| "no exit code".into());
            let tail = output_tail
                .lines()
                .last()
                .map(|l| format!(": {l}"))
                .unwrap_or_default();
            let hook = webhook
                .as_ref()
                .map(|w| format!(", webhook {w}"))
                .unwrap_or_default();
            format!("ran {action}: {code} in {duration_ms}ms{hook}{tail}")
        }
        EventBody::Note { text } => format!("note: {text}"),
        EventBody::Completed {} => "COMPLETED the cutover".into(),
        EventBody::Unknown { kind, .. } => format!("({kind})"),
    }
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
        EventBody::ActionRan {
            exit_code: Some(c), ..
        } if *c != 0 => t.error(),
        EventBody::Paused { .. } | EventBody::ActionRequested { .. } => t.warning(),
        EventBody::CutoverStarted {}
        | EventBody::Expanded { .. }
        | EventBody::GateGo { .. }
        | EventBody::Completed {} => t.bold(),
        EventBody::OperatorAttached { .. }
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
