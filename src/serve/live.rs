//! What the status page shows, folded from what the follower delivers by
//! the one fold every reader uses (`session::story`: the state from the
//! journal, the panels from the conductor's stored readings), and the
//! latest journal lines in the one describer's words. The page never
//! computes anything the console does not.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::journal::Followed;
use crate::runbook::model::Runbook;
use crate::session::story::Story;

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

/// The page's story (`session::story`, the fold every reader shares) and
/// its latest lines in the one describer's words.
#[derive(Debug, Clone)]
pub struct Live {
    pub story: Story,
    pub lines: VecDeque<Line>,
    /// Counters for `/metrics` (guard firings, actions, conductor changes).
    pub tally: super::metrics::Tally,
}

impl Live {
    pub fn new(rb: &Runbook) -> Live {
        Live {
            // The lines keep the tail the page shows; the story needs none.
            story: Story::new(rb, 0),
            lines: VecDeque::new(),
            tally: Default::default(),
        }
    }

    /// Fold one delivered event or reading.
    pub fn apply(&mut self, rb: &Runbook, f: &Followed) {
        match f {
            Followed::Event(e) => {
                if !self.story.event(rb, e) {
                    return;
                }
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
                self.story.reading(r);
            }
        }
    }
}
