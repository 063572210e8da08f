//! The runbook pane: each step's state word, owner, planned and actual
//! duration (and the last rehearsal's), irreversible steps unmistakable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Geometry;
use super::util::{pane_block, select};
use super::{attention, scroll};
use crate::session::state::StepStatus;
use crate::tui::app::App;
use crate::tui::format::{self, pad, rpad};
use crate::tui::mode::Pane;

const STATE_W: usize = 7;
const OWNER_W: usize = 8;
/// The time column is as wide as its widest value (`12m/1h30m`), never
/// cut, and at least as wide as its heading.
const TIME_MIN_W: usize = 5;
const TIME_HEADING: &str = "actual/plan";
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

/// A step's `actual/plan` (or the plan alone before it starts), and
/// whether it runs over the plan.
fn time_text(app: &App, i: usize) -> (String, bool) {
    let Some(step) = app.runbook.steps.get(i) else {
        return (String::new(), false);
    };
    let actual = app.story.state.steps.get(i).and_then(|s| {
        let start = s.started_at?;
        let end = s.finished_at.unwrap_or(app.now);
        Some(end - start)
    });
    let over =
        matches!((actual, step.expect), (Some(a), Some(e)) if a.to_std().unwrap_or_default() > e);
    let plan = step
        .expect
        .map(crate::timefmt::rounded)
        .unwrap_or_else(|| "—".into());
    let time = match actual {
        Some(a) => format!("{}/{plan}", crate::timefmt::rounded_delta(a)),
        None => plan,
    };
    (time, over)
}

/// The time column's width: its widest value now.
fn time_w(app: &App, compact: bool) -> usize {
    let widest = (0..app.runbook.steps.len())
        .map(|i| format::cells(&time_text(app, i).0))
        .max()
        .unwrap_or(0);
    let heading = if compact { 0 } else { TIME_HEADING.len() };
    widest.max(TIME_MIN_W).max(heading)
}

/// The widest compact row in cells (borders excluded): what the layout
/// gives the pane so every id and time shows whole.
pub fn compact_width(app: &App) -> u16 {
    super::layout::rows_of(3 + STATE_W + 1 + id_w(app) + 1 + time_w(app, true))
}

/// Steps the pane shows (the `/` filter applied).
fn shown(app: &App) -> Vec<usize> {
    (0..app.runbook.steps.len())
        .filter(|i| app.step_shown(*i))
        .collect()
}

/// Rows the pane holds (borders excluded).
pub fn rows(app: &App, compact: bool) -> u16 {
    super::layout::rows_of(shown(app).len().max(1) + usize::from(!compact))
}

/// Where the window goes when the pane is not focused: the first step
/// that needs a look, else the first still to do (what happens next).
fn anchor(app: &App, steps: &[usize]) -> usize {
    let todo = |i: &usize| {
        app.story
            .state
            .steps
            .get(*i)
            .is_none_or(|s| !matches!(s.status, StepStatus::Done | StepStatus::Skipped))
    };
    steps
        .iter()
        .position(|i| attention::step(app, *i).is_some())
        .or_else(|| steps.iter().position(todo))
        .unwrap_or(0)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, g: Geometry) {
    let t = app.theme();
    let rb = &app.runbook;
    let done = app
        .story
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
    // The filter first: it is what the operator just typed.
    let mut title = format!("{done}/{} done", rb.steps.len());
    if let Some(q) = app.filter_for(Pane::Runbook) {
        title = format!("{title}  /{q}");
    }
    title.push_str(&why);
    let steps = shown(app);
    let header_rows = usize::from(!g.compact);
    let h = (area.height.saturating_sub(2) as usize).saturating_sub(header_rows);
    let focused = app.ui.focus == Pane::Runbook;
    let sel = steps
        .iter()
        .position(|i| *i == app.ui.sel_step)
        .unwrap_or(0);
    let first = if focused {
        scroll::follow(steps.len(), h, sel)
    } else {
        scroll::first_row(steps.len(), h, anchor(app, &steps), 1)
    };
    let labels: Vec<Option<&str>> = steps.iter().map(|i| attention::step(app, *i)).collect();
    let hidden = scroll::Hidden::of(&labels, first, h);
    let title_cells = format::cells(&title) + Pane::Runbook.title().len() + 4;
    let block = hidden.mark(
        pane_block(app, Pane::Runbook, Some(Span::styled(title, t.dim()))),
        t,
        area.width,
        title_cells,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let w = inner.width as usize;
    let time_w = time_w(app, g.compact);
    let show_rehearsal = !g.compact && !app.opts.rehearsal_durations.is_empty();
    // The values on the right are never cut: the owner goes first, then
    // the rehearsal column, when the id would not fit whole.
    let left_min = 3 + STATE_W + 1 + id_w(app) + 1;
    let mut right = time_w;
    let show_rehearsal = show_rehearsal && left_min + right + REHEARSAL_W < w;
    if show_rehearsal {
        right += REHEARSAL_W + 1;
    }
    let show_owner = w >= 50 && left_min + right + OWNER_W < w;
    if show_owner {
        right += OWNER_W + 1;
    }
    let title_w = w.saturating_sub(3 + STATE_W + 1 + right + 1);

    let mut lines = Vec::new();
    if !g.compact {
        let mut h = format!("   {} {}", pad("state", STATE_W), pad("step", title_w));
        if show_owner {
            h.push_str(&format!(" {}", pad("owner", OWNER_W)));
        }
        h.push_str(&format!(" {}", rpad(TIME_HEADING, time_w)));
        if show_rehearsal {
            h.push_str(&format!(" {}", rpad("rehearsal", REHEARSAL_W)));
        }
        lines.push(Line::styled(h, t.dim()));
    }

    for &i in steps.iter().skip(first).take(h) {
        let step = &rb.steps[i];
        let st = app.story.state.steps.get(i);
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
        let id_cells = if g.compact {
            format::cells(&step.id)
        } else {
            id_w(app)
        };
        // The tag only where it leaves room for some title beside the
        // whole id (`⚠` marks the step anyway).
        let irr_tag = if step.irreversible && !g.compact && id_cells + 14 + 10 <= title_w {
            " IRREVERSIBLE"
        } else {
            ""
        };
        // The id first and whole (the word `:start` takes); the title, on
        // roomy screens, is what gets cut.
        let name = if g.compact {
            format::fit(&step.id, title_w)
        } else {
            let room = title_w.saturating_sub(id_cells + 1 + irr_tag.len());
            let title = if room >= 4 {
                format::fit(&step.title, room)
            } else {
                String::new()
            };
            format::fit(
                &format!("{} {title}", format::pad(&step.id, id_cells)),
                title_w.saturating_sub(irr_tag.len()),
            )
        };
        let name_len = format::cells(&name) + irr_tag.len();
        let (time, over) = time_text(app, i);

        let mut spans = vec![
            Span::raw(cursor),
            mark,
            Span::raw(" "),
            // A step the cutover waits on but may not start yet: its
            // state word in the warning colour (counted in the header).
            // "blocked": next in line (its `after` steps done) and still
            // refused by the rules; the title says why for the selected one.
            if attention::step(app, i) == Some("blocked") {
                Span::styled(pad("blocked", STATE_W), t.warning())
            } else {
                Span::styled(pad(status.as_str(), STATE_W), t.step(status))
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
                .map(|d| crate::timefmt::rounded(*d))
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
    } else if steps.is_empty() {
        lines.push(Line::styled(
            "(no step holds the filter; esc shows all)",
            t.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
