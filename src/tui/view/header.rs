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

/// The exposure as `session::story` decides it (the status page and the
/// report decide it there too), in the header's words.
fn exposure_text(app: &App, compact: bool) -> String {
    use crate::session::story::{Exposure, exposure};
    match exposure(&app.runbook, &app.story.state) {
        Exposure::Unknown if compact => "unknown (expand interrupted)".into(),
        Exposure::Unknown => "exposure unknown (expand interrupted)".into(),
        Exposure::Stage(_, s) if compact => format!("{} {}", s.name, format::exposure(s.exposure)),
        Exposure::Stage(i, s) => format!(
            "stage {}/{} {} {}",
            i + 1,
            app.runbook.stages.len(),
            s.name,
            format::exposure(s.exposure)
        ),
        Exposure::RolledBack | Exposure::None => "not exposed (0%)".into(),
    }
}

/// One thing the header says. Short of width, the item with the lowest
/// `prio` gives way first: to its next shorter form, then wholly. Nothing
/// is ever cut mid-word. Add an item by pushing it onto `line1` or
/// `line2` with a priority beside its neighbours'.
pub struct Item {
    pub prio: u8,
    /// Longest first; each is drawn whole or not at all.
    pub forms: Vec<Vec<Span<'static>>>,
}

impl Item {
    pub fn new(prio: u8, span: Span<'static>) -> Item {
        Item {
            prio,
            forms: vec![vec![span]],
        }
    }

    /// Several renderings, longest first.
    pub fn forms(prio: u8, forms: Vec<Span<'static>>) -> Item {
        Item {
            prio,
            forms: forms.into_iter().map(|s| vec![s]).collect(),
        }
    }
}

/// Priorities: what an IC must see at a glance stays longest.
pub mod prio {
    pub const MODE: u8 = 100;
    pub const STATUS: u8 = 100;
    pub const READ_ONLY: u8 = 100;
    pub const AUTO_EXPAND: u8 = 97;
    pub const ELAPSED: u8 = 95;
    pub const DEADLINE: u8 = 90;
    pub const EXPOSURE: u8 = 90;
    pub const ATTENTION: u8 = 85;
    pub const ATTEMPT: u8 = 82;
    pub const CLOCK: u8 = 80;
    pub const BAKE: u8 = 60;
    pub const GUARDS: u8 = 50;
    pub const CONDUCTOR: u8 = 30;
    pub const OPERATORS: u8 = 20;
}

const SEP: usize = 2;

fn cells(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.width()).sum()
}

/// Which form of each item is shown in `width` cells (None: dropped).
/// Items are kept in their order; `SEP` cells between neighbours.
pub fn fit(items: &[Item], width: usize) -> Vec<Option<usize>> {
    let mut form: Vec<Option<usize>> = items
        .iter()
        .map(|i| (!i.forms.is_empty()).then_some(0))
        .collect();
    let total = |form: &[Option<usize>]| {
        let shown: Vec<usize> = items
            .iter()
            .zip(form)
            .filter_map(|(i, f)| f.map(|f| cells(&i.forms[f])))
            .collect();
        shown.iter().sum::<usize>() + SEP * shown.len().saturating_sub(1)
    };
    while total(&form) > width {
        // The lowest priority shown (the last of equals) gives way.
        let Some(i) = (0..items.len())
            .filter(|i| form[*i].is_some())
            .min_by_key(|i| (items[*i].prio, usize::MAX - i))
        else {
            break;
        };
        form[i] = form[i].map(|f| f + 1).filter(|f| *f < items[i].forms.len());
    }
    form
}

/// The fitted items as one line's spans, `SEP` apart.
fn join(items: Vec<Item>, width: usize) -> Vec<Span<'static>> {
    let form = fit(&items, width);
    let mut out = Vec::new();
    for (item, f) in items.into_iter().zip(form) {
        if let Some(f) = f {
            if !out.is_empty() {
                out.push(Span::raw(" ".repeat(SEP)));
            }
            out.extend(item.forms.into_iter().nth(f).unwrap_or_default());
        }
    }
    out
}

/// The first line's items, left to right (the title and the clock are
/// placed around them).
fn line1(app: &App, g: Geometry) -> Vec<Item> {
    let t = app.theme();
    let st = &app.story.state;
    let mut items = vec![Item::new(
        prio::MODE,
        Span::styled(mode_word(app.opts.mode), t.mode(app.opts.mode)),
    )];
    if app.opts.read_only {
        items.push(Item::new(
            prio::READ_ONLY,
            Span::styled("READ-ONLY", t.warning()),
        ));
    } else if app.opts.mode == SessionMode::Live && !app.runbook.lists(&app.operator) {
        // Not in [operators]: the rules refuse every act but a note.
        items.push(Item::new(
            prio::READ_ONLY,
            Span::styled("WATCH+NOTE", t.warning()),
        ));
    }
    items.push(Item::new(
        prio::STATUS,
        Span::styled(st.status.as_str(), t.status(st.status)),
    ));
    if st.attempts.number > 1 {
        items.push(Item::forms(
            prio::ATTEMPT,
            vec![
                Span::styled(format!("attempt {}", st.attempts.number), t.bold()),
                Span::styled(format!("#{}", st.attempts.number), t.bold()),
            ],
        ));
    }
    let mut exposure = vec![Span::styled(exposure_text(app, true), t.bold())];
    if !g.compact {
        exposure.insert(0, Span::styled(exposure_text(app, false), t.bold()));
    }
    items.push(Item::forms(prio::EXPOSURE, exposure));
    let mut bake: Vec<Span> = bake_span(app, true).into_iter().collect();
    if !g.compact {
        bake.splice(0..0, bake_span(app, false));
    }
    if !bake.is_empty() {
        items.push(Item::forms(prio::BAKE, bake));
    }
    items
}

/// The second line's items, left to right.
fn line2(app: &App) -> Vec<Item> {
    let t = app.theme();
    let st = &app.story.state;
    let mut items = Vec::new();
    items.extend(auto_expand_item(app));
    items.push(Item::new(
        prio::ELAPSED,
        match crate::session::story::elapsed(st, app.now) {
            // A finished attempt stops the clock where it ended.
            Some(d) => Span::raw(format!("elapsed {}", crate::timefmt::countdown(d))),
            None => Span::styled("not started", t.dim()),
        },
    ));
    items.push(Item::new(prio::DEADLINE, deadline_span(app)));
    let attention = super::attention::summary(app);
    if !attention.is_empty() {
        let n: usize = attention
            .split(", ")
            .filter_map(|p| p.split(' ').next()?.parse::<usize>().ok())
            .sum();
        items.push(Item::forms(
            prio::ATTENTION,
            vec![
                Span::styled(format!("⚠ {attention}"), t.warning()),
                Span::styled(format!("⚠ {n} not OK"), t.warning()),
            ],
        ));
    }
    items.push(Item::new(prio::GUARDS, guards_span(app)));
    // Who polls and judges for every console (the lease holder).
    if let Some(c) = &app.story.state.conductor {
        items.push(Item::new(
            prio::CONDUCTOR,
            Span::raw(format!("conductor: {c}")),
        ));
    }
    items.push(Item::forms(
        prio::OPERATORS,
        operators(app).into_iter().map(Span::raw).collect(),
    ));
    items
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, g: Geometry) {
    let t = app.theme();
    let width = area.width as usize;
    let mut clock = app.zone().clock_abbrev(app.now);
    if let Some(skew) = app.clock_skew {
        // The time shown is the journal's; this host's own clock is off.
        clock.push_str(&format!(
            " (host {})",
            crate::journal::clock::skew_text(-skew)
        ));
    }

    // Line 1: ` title  items … clock`; the title takes what is left, cut
    // only between words, or gives way.
    let mut items = line1(app, g);
    let clock = Span::styled(clock, t.bold());
    let clock_w = clock.width();
    items.push(Item::new(prio::CLOCK, clock.clone()));
    let show_clock = fit(&items, width.saturating_sub(2))
        .last()
        .is_some_and(Option::is_some);
    items.pop();
    let room = width.saturating_sub(2 + if show_clock { clock_w + SEP } else { 0 });
    let body = join(items, room);
    let mut l1 = vec![Span::raw(" ")];
    if let Some(title) = format::fit_words(
        &app.runbook.cutover.title,
        room.saturating_sub(cells(&body) + SEP),
    ) {
        l1.push(Span::styled(title, t.bold()));
        l1.push(Span::raw(" ".repeat(SEP)));
    }
    l1.extend(body);
    if show_clock {
        let gap = width.saturating_sub(cells(&l1) + clock_w + 1);
        l1.push(Span::raw(" ".repeat(gap)));
        l1.push(clock);
    }

    let mut l2 = vec![Span::raw(" ")];
    l2.extend(join(line2(app), width.saturating_sub(2)));
    if let Some(d) = app.story.state.unacknowledged_damage() {
        // Nobody may miss it: it takes the second line until acknowledged.
        let room = width.saturating_sub(2);
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

/// The announced automatic expand, on every console: where to, in how
/// long, and the key that stops it.
fn auto_expand_item(app: &App) -> Option<Item> {
    let (to, at) = app.story.state.canary.announced()?;
    let left = at - app.now;
    let when = if left <= TimeDelta::zero() {
        "now".to_string()
    } else {
        // Round up: "in 0s" while it has not run would read as a bug.
        let secs = (left.num_milliseconds() + 999) / 1000;
        format!(
            "in {}",
            crate::timefmt::rounded_delta(TimeDelta::seconds(secs))
        )
    };
    let style = app
        .theme()
        .warning()
        .add_modifier(ratatui::style::Modifier::BOLD);
    Some(Item::forms(
        prio::AUTO_EXPAND,
        vec![
            Span::styled(format!("AUTO-EXPAND to {to} {when}: h holds"), style),
            Span::styled(format!("AUTO {to} {when} h:hold"), style),
            Span::styled(format!("AUTO {when}"), style),
        ],
    ))
}

fn deadline_span(app: &App) -> Span<'static> {
    let t = app.theme();
    if app.story.state.attempts.no_return.is_some() && !app.story.state.status.is_final() {
        // No countdown to a rollback that is refused anyway.
        return Span::styled("PAST NO RETURN", t.error());
    }
    if app.story.state.status.is_final() && app.story.state.rollback_deadline.is_some() {
        // Nothing left to roll back against: the countdown stops.
        return Span::styled("rollback deadline stopped", t.dim());
    }
    let Some(d) = app.story.state.live_rollback_deadline() else {
        return match app.runbook.cutover.rollback_deadline {
            Some(crate::runbook::model::Deadline::After(dur)) => Span::styled(
                format!("rollback window {}", crate::timefmt::rounded(dur)),
                t.dim(),
            ),
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
        Span::styled(
            format!("rollback in {}", crate::timefmt::countdown(left)),
            t.error(),
        )
    } else {
        Span::raw(format!("rollback in {}", crate::timefmt::countdown(left)))
    }
}

/// How long the header says `bake over: expand allowed` after the bake ends.
pub const BAKE_OVER_CUE: TimeDelta = TimeDelta::minutes(10);

/// While the current stage bakes, how long until an expand is allowed by
/// time; then, for a while, that the bake is over.
fn bake_span(app: &App, compact: bool) -> Option<Span<'static>> {
    if let Some(end) = super::journal::bake_over(app) {
        return (app.story.state.status == Status::Running && app.now - end < BAKE_OVER_CUE).then(
            || {
                Span::styled(
                    if compact {
                        "bake over".to_string()
                    } else {
                        super::journal::BAKE_OVER.to_string()
                    },
                    app.theme().bold(),
                )
            },
        );
    }
    let stage = app.runbook.stages.get(app.story.state.stage?)?;
    let entered = app.story.state.stage_entered_at?;
    let left = entered.checked_add_signed(TimeDelta::from_std(stage.bake).ok()?)? - app.now;
    if app.story.state.status != Status::Running || left <= TimeDelta::zero() {
        return None;
    }
    Some(Span::styled(
        if compact {
            format!("bake {}", crate::timefmt::rounded_delta(left))
        } else {
            format!("bake {} left", crate::timefmt::countdown(left))
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
    // Overridden guards are silent for a while: say so, and for how long,
    // so nobody reads "armed" while one is off.
    let silenced: Vec<chrono::TimeDelta> = app
        .runbook
        .guards
        .iter()
        .filter_map(|g| {
            let until = app
                .story
                .state
                .guard_silenced_until
                .get(&crate::session::reduce::guard_key(g))?;
            (*until > app.now).then(|| *until - app.now)
        })
        .collect();
    match app.story.state.status {
        Status::Running | Status::Paused if !silenced.is_empty() => {
            let left = silenced.iter().max().copied().unwrap_or_default();
            Span::styled(
                format!(
                    "guards armed ({}), {} SILENCED {} more",
                    n - silenced.len(),
                    silenced.len(),
                    crate::timefmt::countdown(left)
                ),
                t.warning(),
            )
        }
        Status::Running | Status::Paused => Span::styled(format!("guards armed ({n})"), t.bold()),
        Status::Ready => Span::styled(format!("guards arm at begin ({n})"), t.dim()),
        _ => Span::styled("guards off", t.dim()),
    }
}

/// Operators attached now, this console's first as `(you)`; observers
/// `(ro)`: every name, then fewer names and `+N` for the rest, then only
/// the count (`ops: 3`). Never a name cut in half.
fn operators(app: &App) -> Vec<String> {
    let mut out = vec![format!("{} (you)", app.operator)];
    out.extend(
        app.story
            .state
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
    let mut forms: Vec<String> = (1..=out.len())
        .rev()
        .map(|k| {
            let more = out.len() - k;
            let names = out[..k].join(", ");
            if more > 0 {
                format!("ops: {names} +{more}")
            } else {
                format!("ops: {names}")
            }
        })
        .collect();
    forms.push(format!("ops: {}", out.len()));
    forms
}

/// Lines under the header for things an IC must not miss: a two-person
/// request waiting for a second operator, a rollback that failed.
pub fn banner_lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme();
    let mut out = Vec::new();
    for p in &app.story.state.pending {
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
        .story
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
    if app.story.state.rollback_failed {
        out.push(Line::from(vec![
            Span::styled(" ROLLBACK FAILED ", t.error()),
            Span::raw("see the journal; r retries the rollback"),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(prio: u8, forms: &[&'static str]) -> Item {
        Item::forms(prio, forms.iter().map(|f| Span::raw(*f)).collect())
    }

    fn shown(items: &[Item], width: usize) -> String {
        let form = fit(items, width);
        items
            .iter()
            .zip(form)
            .filter_map(|(i, f)| f.map(|f| i.forms[f][0].content.to_string()))
            .collect::<Vec<_>>()
            .join("  ")
    }

    #[test]
    fn the_lowest_priority_gives_way_first_and_nothing_is_cut() {
        let items = [
            item(95, &["elapsed 0:25:10"]),
            item(85, &["⚠ 1 FAIL, 1 VETO", "⚠ 2 not OK"]),
            item(30, &["conductor: alice"]),
            item(
                20,
                &["ops: alice (you), bob", "ops: alice (you) +1", "ops: 2"],
            ),
        ];
        assert_eq!(
            shown(&items, 80),
            "elapsed 0:25:10  ⚠ 1 FAIL, 1 VETO  conductor: alice  ops: alice (you), bob"
        );
        // The operators shrink to a count, then go; then the conductor.
        assert_eq!(
            shown(&items, 60),
            "elapsed 0:25:10  ⚠ 1 FAIL, 1 VETO  conductor: alice  ops: 2"
        );
        assert_eq!(shown(&items, 50), "elapsed 0:25:10  ⚠ 1 FAIL, 1 VETO");
        // The attention count takes its short form before going.
        assert_eq!(shown(&items, 30), "elapsed 0:25:10  ⚠ 2 not OK");
        assert_eq!(shown(&items, 15), "elapsed 0:25:10");
        assert_eq!(shown(&items, 5), "");
    }
}
