//! What is still announced after the session ended (ROLLED_BACK or
//! COMPLETE): chat must never read `gate go-live is GO` after the
//! rollback it contradicts.
//!
//! Chosen: after the end, only the end itself (once), notes (people write
//! "postmortem at 15:00"), journal damage (true whenever it is found) and
//! `attempt_opened` (a new attempt starts: everything is announced again
//! from there) are sent. Everything else (gates, signatures, steps,
//! expands, pauses, guards, refusals, attach/detach, a second "end") is
//! skipped: the cursor moves past it and it is never sent.

use crate::session::event::{Event, EventBody, RollbackOutcome};

/// Ends the attempt as `reduce` does (a finished rollback, a completion).
fn ends(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::RollbackFinished {
            outcome: RollbackOutcome::Done,
            ..
        } | EventBody::Completed {}
    )
}

/// Still worth sending after the end.
fn true_after_end(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::Note { .. } | EventBody::Damaged { .. } | EventBody::AttemptOpened { .. }
    )
}

/// Walks events in journal order, knowing whether the attempt has ended.
#[derive(Debug, Clone, Copy)]
pub struct EndGate {
    ended: bool,
}

impl EndGate {
    /// For a batch of `events` read after a cursor, given whether the
    /// session stands ended once all of them are folded (`ended_now`): when
    /// the batch holds no end and no new attempt, the end (if any) came
    /// before it.
    pub fn for_batch(events: &[Event], ended_now: bool) -> EndGate {
        let turns = events
            .iter()
            .any(|e| ends(&e.body) || matches!(e.body, EventBody::AttemptOpened { .. }));
        EndGate {
            ended: ended_now && !turns,
        }
    }

    /// May `e` be announced? Call for every event in order (also those no
    /// target asks for), so the gate sees each end and each new attempt.
    pub fn pass(&mut self, e: &Event) -> bool {
        if matches!(e.body, EventBody::AttemptOpened { .. }) {
            self.ended = false;
            return true;
        }
        if self.ended {
            return true_after_end(&e.body);
        }
        if ends(&e.body) {
            self.ended = true;
        }
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::session::event::Trigger;

    fn ev(seq: u64, body: EventBody) -> Event {
        Event {
            seq,
            ts: Utc::now(),
            operator: "alice".into(),
            body,
        }
    }

    fn rolled_back(seq: u64) -> Event {
        ev(
            seq,
            EventBody::RollbackFinished {
                trigger: Trigger::Operator,
                reason: "r".into(),
                outcome: RollbackOutcome::Done,
            },
        )
    }

    fn go(seq: u64) -> Event {
        ev(
            seq,
            EventBody::GateGo {
                gate: "go-live".into(),
                evidence: Default::default(),
            },
        )
    }

    fn note(seq: u64) -> Event {
        ev(seq, EventBody::Note { text: "n".into() })
    }

    fn attempt(seq: u64) -> Event {
        ev(
            seq,
            EventBody::AttemptOpened {
                attempt: 2,
                reason: String::new(),
            },
        )
    }

    fn passed(events: &[Event], ended_now: bool) -> Vec<u64> {
        let mut g = EndGate::for_batch(events, ended_now);
        events.iter().filter(|e| g.pass(e)).map(|e| e.seq).collect()
    }

    #[test]
    fn table() {
        for (events, ended_now, sent) in [
            // The issue's case: GO journaled after ROLLED_BACK is not sent.
            (
                vec![go(1), rolled_back(2), go(3), note(4)],
                true,
                vec![1, 2, 4],
            ),
            // A takeover's batch after the end: the end came before it.
            (vec![go(5), note(6)], true, vec![6]),
            // Not ended: everything.
            (vec![go(5), note(6)], false, vec![5, 6]),
            // A new attempt announces again.
            (
                vec![rolled_back(1), go(2), attempt(3), go(4)],
                false,
                vec![1, 3, 4],
            ),
            // A second end after the first is not announced.
            (
                vec![rolled_back(1), ev(2, EventBody::Completed {})],
                true,
                vec![1],
            ),
        ] {
            assert_eq!(passed(&events, ended_now), sent, "{events:?}");
        }
    }
}
