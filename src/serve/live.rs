//! What the status page shows, folded from what the follower delivers:
//! the pure state from the journal (`reduce`), the panels from the
//! conductor's readings, and the latest journal lines in the one
//! describer's words. The page never computes anything the console does not.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::health::reading;
use crate::health::{PanelMap, PanelStatus};
use crate::journal::Followed;
use crate::runbook::model::Runbook;
use crate::session::reduce::reduce;
use crate::session::state::State;

/// How many journal lines the page keeps (newest last).
pub const LINES: usize = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// The operator with their role, as the describer words them.
    pub who: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Live {
    pub state: State,
    pub panels: PanelMap,
    pub lines: VecDeque<Line>,
    /// Counters for `/metrics` (guard firings, actions, conductor changes).
    pub tally: super::metrics::Tally,
}

impl Live {
    pub fn new(rb: &Runbook) -> Live {
        Live {
            state: State::new(rb),
            panels: rb
                .panels
                .iter()
                .map(|p| (p.id.clone(), PanelStatus::unknown(&p.id)))
                .collect(),
            lines: VecDeque::new(),
            tally: Default::default(),
        }
    }

    /// Fold one delivered event or reading.
    pub fn apply(&mut self, rb: &Runbook, f: &Followed) {
        match f {
            Followed::Event(e) => {
                reduce(&mut self.state, rb, e);
                self.tally.apply(&e.body);
                if self.lines.len() >= LINES {
                    self.lines.pop_front();
                }
                self.lines.push_back(Line {
                    seq: e.seq,
                    at: e.ts,
                    who: crate::describe::actor(Some(rb), e),
                    text: crate::describe::event(Some(rb), &e.body),
                });
            }
            Followed::Reading(r) => {
                reading::apply(&mut self.panels, r);
            }
        }
    }
}
