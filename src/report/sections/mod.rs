//! The change record's sections, one function each, in the order people
//! read them: the summary first, then the timeline, then the evidence.

mod actions;
mod analysis;
mod changes;
mod gates;
mod lists;
mod plan;
mod summary;

use std::path::Path;

use chrono::{DateTime, Utc};

use super::doc::{Doc, Runs, text};
use super::markdown::{Plan, Rehearsed};
use crate::describe;
use crate::runbook::model::Runbook;
use crate::session::event::Event;
use crate::session::state::State;
use crate::session::story::Story;

/// What every section reads.
pub struct Ctx<'a> {
    pub journal: &'a Path,
    pub events: &'a [Event],
    pub runbook: Option<&'a Runbook>,
    pub plan: &'a Plan<'a>,
    pub rehearsed: Option<&'a Rehearsed>,
    /// The state as every reader folds it (`session::story`), when the
    /// runbook is known.
    pub state: Option<State>,
    /// The runbook's zone (UTC without a runbook): every time in the record.
    pub zone: crate::timefmt::Zone,
    /// `[[notify]]` delivery cursors (none for an older journal, whose
    /// `notified` events say the same).
    pub cursors: &'a [crate::journal::notify_cursor::Cursor],
}

impl<'a> Ctx<'a> {
    pub fn new(
        journal: &'a Path,
        events: &'a [Event],
        plan: &'a Plan<'a>,
        rehearsed: Option<&'a Rehearsed>,
    ) -> Ctx<'a> {
        let runbook = match plan {
            Plan::Runbook(r) => Some(*r),
            Plan::Unavailable(_) => None,
        };
        Ctx {
            journal,
            events,
            runbook,
            plan,
            rehearsed,
            // The record needs no tail: the events are all here.
            state: runbook.map(|r| Story::of(r, events, [], 0).state),
            zone: runbook.map(|r| r.cutover.timezone).unwrap_or_default(),
            cursors: &[],
        }
    }

    pub fn describe(&self, e: &Event) -> String {
        describe::event(self.runbook, &e.body)
    }

    pub fn actor(&self, e: &Event) -> String {
        describe::actor(self.runbook, e)
    }

    /// A time in the record's zone, the console's formatter; headings and
    /// summary lines name the zone.
    pub fn time(&self, t: &DateTime<Utc>) -> String {
        self.zone.date_time(*t)
    }

    /// The zone's abbreviation at `t` (`UTC`, `CET`, `EDT`).
    pub fn abbrev(&self, t: &DateTime<Utc>) -> String {
        self.zone.abbrev(*t)
    }

    /// `09:03:10 alice (ic): signed …` as list-item runs.
    pub fn event_item(&self, e: &Event) -> Runs {
        vec![text(format!(
            "{} {}: {}",
            self.time(&e.ts),
            self.actor(e),
            self.describe(e)
        ))]
    }
}

pub fn span(a: DateTime<Utc>, b: DateTime<Utc>) -> String {
    crate::timefmt::seconds((b - a).to_std().unwrap_or_default())
}

/// The whole record.
pub fn build(cx: &Ctx) -> Doc {
    let mut doc = Doc::default();
    summary::title(cx, &mut doc);
    summary::summary(cx, &mut doc);
    changes::changes(cx, &mut doc);
    lists::timeline(cx, &mut doc);
    gates::gates(cx, &mut doc);
    plan::stages(cx, &mut doc);
    analysis::analysis(cx, &mut doc);
    plan::steps(cx, &mut doc);
    actions::actions(cx, &mut doc);
    actions::guards(cx, &mut doc);
    plan::panels(cx, &mut doc);
    lists::decisions(cx, &mut doc);
    lists::refusals(cx, &mut doc);
    actions::notifications(cx, &mut doc);
    lists::notes(cx, &mut doc);
    lists::operators(cx, &mut doc);
    doc
}
