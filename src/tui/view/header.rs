//! The header: what cutover, which mode, what status, which stage, what
//! time, how long since the start, how long until rollback is no longer
//! possible, who is attached, and whether guards are armed.

use chrono::TimeDelta;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Geometry;
use crate::runbook::model::ActionKind;
use crate::session::event::SessionMode;
use crate::session::state::Status;
use crate::tui::app::App;
use crate::tui::format;

/// The countdown turns red inside this window.
pub const DEADLINE_WARN: TimeDelta = TimeDelta::minutes(30);

fn mode_word(m: SessionMode) -> &'static str {
    match m {
        SessionMode::Live => " LIVE ",
        SessionMode::Rehearsal => "REHEARSAL",
        SessionMode::Demo => "DEMO",
    }
}

fn stage_text(app: &App, compact: bool) -> String {
    match app
        .state
        .stage
        .and_then(|i| app.runbook.stages.get(i).map(|s| (i, s)))
    {
        Some((_, s)) if compact => format!("{} {}", s.name, format::exposure(s.exposure)),
        Some((i, s)) => format!(
            "stage {}/{} {} {}",
            i + 1,
            app.runbook.stages.len(),
            s.name,
            format::exposure(s.exposure)
        ),
        None => "not exposed (0%)".into(),
    }
}

/// `stage_text`, unless an interrupted expand left the exposure unknown.
fn exposure_text(app: &App, compact: bool) -> String {
    if app.state.expand_interrupted {
        return if compact {
            "unknown (expand interrupted)".into()
        } else {
            "exposure unknown (expand interrupted)".into()
        };
    }
    stage_text(app, compact)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, g: Geometry) {
    let t = app.theme();
    let rb = &app.runbook;
    let st = &app.state;
    let mut clock = app.zone().clock_abbrev(app.now);
    if let Some(skew) = app.clock_skew {
        // The time shown is the journal's; this host's own clock is off.
        clock.push_str(&format!(
            " (host {})",
            crate::journal::clock::skew_text(-skew)
        ));
    }

    let mut l1: Vec<Span> = vec![
        Span::styled(mode_word(app.opts.mode), t.mode(app.opts.mode)),
        Span::raw("  "),
    ];
    if app.opts.read_only {
        l1.push(Span::styled("READ-ONLY", t.warning()));
        l1.push(Span::raw("  "));
    }
    l1.extend([
        Span::styled(st.status.as_str(), t.status(st.status)),
        Span::raw("  "),
        Span::styled(exposure_text(app, g.compact), t.bold()),
        Span::raw("  "),
    ]);
    if let Some(b) = bake_span(app, g.compact) {
        l1.push(b);
        l1.push(Span::raw("  "));
    }
    let used: usize = l1.iter().map(|s| s.width()).sum::<usize>() + clock.len() + 1;
    let room = (area.width as usize).saturating_sub(used);
    l1.insert(0, Span::raw(" "));
    let title = format::fit(&rb.cutover.title, room.saturating_sub(3));
    let gap = room.saturating_sub(title.chars().count() + 3);
    l1.insert(1, Span::styled(title, t.bold()));
    l1.insert(2, Span::raw("  "));
    l1.push(Span::raw(" ".repeat(gap)));
    l1.push(Span::styled(clock, t.bold()));

    let mut l2 = vec![Span::raw(" ")];
    match st.started_at {
        Some(s) => {
            // A final state stops the clock at its last event.
            let end = match st.status {
                Status::RolledBack | Status::Complete => st
                    .completed_at
                    .or(app.journal.back().map(|e| e.ts))
                    .unwrap_or(app.now),
                _ => app.now,
            };
            l2.push(Span::raw(format!("elapsed {}", format::hms(end - s))))
        }
        None => l2.push(Span::styled("not started", t.dim())),
    }
    l2.push(Span::raw("  "));
    l2.push(deadline_span(app));
    l2.push(Span::raw("  "));
    l2.push(guards_span(app));
    l2.push(Span::raw("  "));
    // Who polls and judges for every console (the lease holder).
    if let Some(c) = &app.state.conductor {
        l2.push(Span::raw(format!("conductor: {c}  ")));
    }
    let used: usize = l2.iter().map(|s| s.width()).sum();
    if let Some(ops) = operators(app, (area.width as usize).saturating_sub(used)) {
        l2.push(Span::raw(ops));
    }
    if let Some(d) = st.unacknowledged_damage() {
        // Nobody may miss it: it takes the second line until acknowledged.
        let room = (area.width as usize).saturating_sub(2);
        l2 = vec![
            Span::raw(" "),
            Span::styled(format::fit(&d.to_string(), room), t.error()),
        ];
    }

    if app.journal_lost {
        // As the damage banner: the second line until the console quits.
        let room = (area.width as usize).saturating_sub(2);
        l2 = vec![
            Span::raw(" "),
            Span::styled(
                format::fit(
                    "JOURNAL FILE GONE: forward moves refused; pause and rollback still act",
                    room,
                ),
                t.error(),
            ),
        ];
    }

    let block = if g.header > 2 {
        Block::new().borders(Borders::BOTTOM).border_style(t.dim())
    } else {
        Block::new()
    };
    frame.render_widget(
        Paragraph::new(vec![Line::from(l1), Line::from(l2)]).block(block),
        area,
    );
}

fn deadline_span(app: &App) -> Span<'static> {
    let t = app.theme();
    if app.state.status.is_final() && app.state.rollback_deadline.is_some() {
        // Nothing left to roll back against: the countdown stops.
        return Span::styled("rollback deadline stopped", t.dim());
    }
    let Some(d) = app.state.live_rollback_deadline() else {
        return match app.runbook.cutover.rollback_deadline {
            Some(crate::runbook::model::Deadline::After(dur)) => {
                Span::styled(format!("rollback window {}", format::short(dur)), t.dim())
            }
            _ => Span::styled("no rollback deadline", t.dim()),
        };
    };
    let left = d - app.now;
    if left <= TimeDelta::zero() {
        Span::styled(
            format!("ROLLBACK DEADLINE PASSED ({})", app.zone().hhmm_abbrev(d)),
            t.error(),
        )
    } else if left <= DEADLINE_WARN {
        Span::styled(format!("rollback in {}", format::hms(left)), t.error())
    } else {
        Span::raw(format!("rollback in {}", format::hms(left)))
    }
}

/// How long the header says `bake over: expand allowed` after the bake ends.
pub const BAKE_OVER_CUE: TimeDelta = TimeDelta::minutes(10);

/// While the current stage bakes, how long until an expand is allowed by
/// time; then, for a while, that the bake is over.
fn bake_span(app: &App, compact: bool) -> Option<Span<'static>> {
    if let Some(end) = super::journal::bake_over(app) {
        return (app.state.status == Status::Running && app.now - end < BAKE_OVER_CUE).then(|| {
            Span::styled(
                if compact {
                    "bake over".to_string()
                } else {
                    super::journal::BAKE_OVER.to_string()
                },
                app.theme().bold(),
            )
        });
    }
    let stage = app.runbook.stages.get(app.state.stage?)?;
    let entered = app.state.stage_entered_at?;
    let left = entered.checked_add_signed(TimeDelta::from_std(stage.bake).ok()?)? - app.now;
    if app.state.status != Status::Running || left <= TimeDelta::zero() {
        return None;
    }
    Some(Span::styled(
        if compact {
            format!("bake {}", format::short_delta(left))
        } else {
            format!("bake {} left", format::hms(left))
        },
        app.theme().warning(),
    ))
}

fn guards_span(app: &App) -> Span<'static> {
    let t = app.theme();
    let n = app.runbook.guards.len();
    if n == 0 {
        return Span::styled("no guards", t.dim());
    }
    match app.state.status {
        Status::Running | Status::Paused => Span::styled(format!("guards armed ({n})"), t.bold()),
        Status::Ready => Span::styled(format!("guards arm at begin ({n})"), t.dim()),
        _ => Span::styled("guards off", t.dim()),
    }
}

/// Operators attached now, this console's first as `(you)`; observers `(ro)`.
/// Names that do not fit in `room` are counted (`+2`), never cut mid-name.
/// `ops: you, others` fit to `room` cells: the names that fit and `+N`
/// for the rest; on a narrow screen only the count (`ops: 3`); nothing
/// when even that does not fit (never a label cut in half).
fn operators(app: &App, room: usize) -> Option<String> {
    let mut out = vec![format!("{} (you)", app.operator)];
    out.extend(
        app.state
            .attached
            .values()
            .filter(|a| a.consoles > 0 && a.operator != app.operator)
            .map(|a| {
                if a.read_only {
                    format!("{} (ro)", a.operator)
                } else {
                    a.operator.clone()
                }
            }),
    );
    let mut shown = format!("ops: {}", out[0]);
    if format::cells(&shown) + if out.len() > 1 { 4 } else { 0 } > room {
        let count = format!("ops: {}", out.len());
        return (count.len() <= room).then_some(count);
    }
    for (i, name) in out.iter().enumerate().skip(1) {
        let more = format!(" +{}", out.len() - i);
        if format::cells(&shown)
            + 2
            + format::cells(name)
            + if i + 1 < out.len() { more.len() } else { 0 }
            > room
        {
            shown.push_str(&more);
            break;
        }
        shown.push_str(", ");
        shown.push_str(name);
    }
    Some(shown)
}

/// Lines under the header for things an IC must not miss: a two-person
/// request waiting for a second operator, a rollback that failed.
pub fn banner_lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme();
    let mut out = Vec::new();
    for p in &app.state.pending {
        let how = match p.action {
            ActionKind::Rollback => "r then y",
            ActionKind::Expand => "e then y",
            ActionKind::Pause | ActionKind::Resume => "p",
        };
        let next = if p.requested_by == app.operator {
            "waiting for a different operator".to_string()
        } else {
            format!("to confirm: {how}")
        };
        // The reason goes last: it is the part that may be cut.
        out.push(Line::from(vec![
            Span::styled(" TWO-PERSON ", t.warning()),
            Span::raw(format!(
                " {} asked by {} {}, {next}: {}",
                p.action.as_str(),
                p.requested_by,
                app.zone().hhmm(p.at),
                p.reason
            )),
        ]));
    }
    // The reader's damage (until acknowledged), or the hook's.
    let damage = app
        .state
        .unacknowledged_damage()
        .map(|d| d.to_string())
        .or(app
            .damaged_at
            .map(|seq| format!("journal damaged at seq {seq}: later events may be missing")));
    if let Some(d) = damage {
        out.push(Line::from(vec![
            Span::styled(" JOURNAL DAMAGED ", t.error()),
            Span::raw(format!(" {d}; :acknowledge REASON once read")),
        ]));
    }
    if app.state.rollback_failed {
        out.push(Line::from(vec![
            Span::styled(" ROLLBACK FAILED ", t.error()),
            Span::raw("see the journal; r retries the rollback"),
        ]));
    }
    out
}
