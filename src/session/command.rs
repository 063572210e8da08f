//! What an operator (or a guard) asks of the session: the command line and
//! the keys both produce these. `Session::submit` checks the rules against
//! the current journal inside the write transaction and appends the
//! resulting events, or one `refused` event.

use crate::runbook::model::ActionKind;
use crate::session::event::{Event, StepOutcome};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Begin,
    /// `item` is 1-based, as on screen.
    Sign {
        gate: String,
        item: u32,
    },
    Withdraw {
        gate: String,
        item: u32,
    },
    Veto {
        gate: String,
        item: u32,
        reason: String,
    },
    Lift {
        gate: String,
        item: u32,
    },
    Start {
        step: String,
    },
    Finish {
        step: String,
        outcome: StepOutcome,
    },
    Pause {
        reason: String,
    },
    /// `override_reason` set: resume although a guard's condition still
    /// holds (that guard is silenced for its `override_for`).
    Resume {
        override_reason: Option<String>,
    },
    /// `override_reason` set: the operator typed a reason to override refusals.
    Expand {
        override_reason: Option<String>,
    },
    Rollback {
        reason: String,
        override_reason: Option<String>,
    },
    Note {
        text: String,
    },
    /// Accept the journal's damage (the banner) so expand may go ahead.
    Acknowledge {
        reason: String,
    },
    /// The requester takes back a pending two-person request.
    WithdrawRequest {
        action: ActionKind,
    },
    /// Open a new attempt after the last one ended (`run --new-attempt`).
    NewAttempt {
        reason: String,
    },
    /// Stop the announced automatic expand (`h`, or `hold [REASON]`): a
    /// person expands from here.
    Hold {
        reason: String,
    },
}

impl Command {
    /// How the command reads in a `refused` event's `what`.
    pub fn describe(&self) -> String {
        match self {
            Command::Begin => "begin".into(),
            Command::Sign { gate, item } => format!("sign {gate} {item}"),
            Command::Withdraw { gate, item } => format!("withdraw {gate} {item}"),
            Command::Veto { gate, item, .. } => format!("veto {gate} {item}"),
            Command::Lift { gate, item } => format!("lift {gate} {item}"),
            Command::Start { step } => format!("start {step}"),
            Command::Finish { step, .. } => format!("finish {step}"),
            Command::Pause { .. } => "pause".into(),
            Command::Resume { .. } => "resume".into(),
            Command::Expand {
                override_reason: None,
            } => "expand".into(),
            Command::Expand {
                override_reason: Some(_),
            } => "expand --override".into(),
            Command::Rollback { .. } => "rollback".into(),
            Command::Note { .. } => "note".into(),
            Command::Acknowledge { .. } => "acknowledge".into(),
            Command::WithdrawRequest { action } => format!("withdraw-request {}", action.as_str()),
            Command::NewAttempt { .. } => "new-attempt".into(),
            Command::Hold { .. } => "hold".into(),
        }
    }
}

/// The result of one submit. Either way the events are committed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Appended events (e.g. `signed` then `gate_go`; or `action_requested`
    /// for the first half of a two-person action).
    Applied(Vec<Event>),
    /// The `refused` (or `expand_refused`) event that was appended.
    Refused { reason: String, events: Vec<Event> },
}
