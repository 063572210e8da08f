//! The way back never waits on the journal: a pause or rollback the rules
//! allow runs from this console when the journal has not taken it within
//! `WAY_BACK_WAIT` (`way_back`), or when a guard fires during a journal
//! outage (`outage_judge`); the writer journals it `recorded_late`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Conductor, Folded};
use crate::actions::queue::{self, Fence};
use crate::console_session::claim::Claim;
use crate::console_session::writer::{Request, Writer};
use crate::health::PanelMap;
use crate::runbook::model::Runbook;
use crate::session::command::Command;
use crate::session::decide::{Decision, Seen, decide};
use crate::session::event::{Event, EventBody, SessionMode};
use crate::session::state::State;

impl Conductor {
    /// A pause or rollback that the rules allow now (by what this console
    /// has folded, so a two-person request or a refusal never runs early)
    /// waits for the journal at most `WAY_BACK_WAIT`: its claim goes with
    /// it to the writer.
    pub fn way_back_claim(
        &mut self,
        id: u64,
        cmd: &Command,
        seen: Folded,
        wall: DateTime<Utc>,
    ) -> Option<Arc<Claim>> {
        if !matches!(cmd, Command::Pause { .. } | Command::Rollback { .. }) {
            return None;
        }
        way_back_body(
            &self.runbook,
            &seen.story.state,
            &seen.story.panels,
            seen.operator,
            cmd,
            wall,
        )?;
        Some(
            self.way_back
                .arm(id, cmd.clone(), tokio::time::Instant::now()),
        )
    }

    /// The writer answered command `id`: it no longer waits.
    pub fn settled(&mut self, id: u64) {
        self.way_back.settled(id);
    }

    /// When a way-back command has waited its longest for the journal.
    pub fn way_back_due(&self) -> Option<tokio::time::Instant> {
        self.way_back.due()
    }

    /// Way-back commands the journal did not take in time: run them here
    /// now (the writer journals them late). Returns whether anything ran.
    pub fn on_way_back_due(&mut self, seen: Folded, wall: DateTime<Utc>) -> bool {
        let rb = Arc::clone(&self.runbook);
        let due = self
            .way_back
            .take_due(tokio::time::Instant::now(), wall, |cmd| {
                way_back_body(
                    &rb,
                    &seen.story.state,
                    &seen.story.panels,
                    seen.operator,
                    cmd,
                    wall,
                )
            });
        for (cmd, body) in &due {
            self.run_way_back_now(body.clone(), seen, wall);
            self.error(format!(
                "{}: the journal did not answer within {} s, so this console runs it now; it is journaled (recorded late) as soon as the journal answers",
                cmd.describe(),
                queue::WAY_BACK_WAIT.as_secs()
            ));
        }
        !due.is_empty()
    }

    /// A guard fired during a journal outage: run its pause or rollback
    /// here now and hand the decision to the writer to journal late.
    pub(super) fn run_late(
        &mut self,
        events: Vec<EventBody>,
        seen: Folded,
        wall: DateTime<Utc>,
        writer: &Writer,
    ) {
        let Some(body) = events
            .iter()
            .find(|b| {
                matches!(
                    b,
                    EventBody::Paused { .. } | EventBody::RollbackStarted { .. }
                )
            })
            .cloned()
        else {
            return;
        };
        // Planned as an ordinary decision: the queue skips late ones.
        let mut plan_body = body;
        plan_body.set_recorded_late(None);
        self.run_way_back_now(plan_body, seen, wall);
        let what = crate::describe::event(Some(&self.runbook), &events[0]);
        self.error(format!(
            "{what}: the journal has not answered for {} s, so this console acts on its own readings; journaled (recorded late) when the journal answers",
            queue::WAY_BACK_WAIT.as_secs()
        ));
        self.send(writer, Request::Late { events });
    }

    /// Run the pause or rollback `body` decides, here and now (Late fence).
    fn run_way_back_now(&mut self, body: EventBody, seen: Folded, wall: DateTime<Utc>) {
        let ev = Event {
            seq: seen.story.state.last_seq + 1,
            ts: wall,
            operator: seen.operator.to_string(),
            body,
        };
        let mode = seen.story.state.mode.unwrap_or(SessionMode::Rehearsal);
        for mut job in queue::plan(&self.runbook, mode, &[ev], seen.story.state.stage) {
            self.late_runs += 1;
            job.id = format!(
                "late-{}-{}/{}",
                std::process::id(),
                self.late_runs,
                job.action_name()
            );
            job.fence = Fence::Late;
            self.effects.run_now(job);
            self.in_flight += 1;
        }
    }
}

/// The pause or rollback `cmd` decides to on `state`, if the rules allow
/// it outright (not a two-person request, not refused).
fn way_back_body(
    runbook: &Runbook,
    state: &State,
    readings: &PanelMap,
    operator: &str,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Option<EventBody> {
    let seen = Seen::of(state);
    match decide(runbook, state, cmd, operator, readings, now, seen) {
        Decision::Apply(bodies) => bodies.into_iter().find(|b| {
            matches!(
                b,
                EventBody::Paused { .. } | EventBody::RollbackStarted { .. }
            )
        }),
        Decision::Refuse { .. } => None,
    }
}
