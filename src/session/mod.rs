//! The session engine: events, a pure reducer, rules, commands in, events out.
//!
//! - `event`, `state`, `command`: the shared contracts.
//! - `reduce`: event → state (pure; replay = the same state).
//! - `rules`: gate status, who may sign or lift, expand and rollback refusals.
//! - `decide`: command → events against the current state (pure).
//! - `story`: the one fold every reader shows (state, readings, tail).
//!
//! Pure: no SQLite, no environment, no clock. The I/O-bound session handle
//! (`Session`, deciding inside the journal's write transaction) and the
//! operator's identity live in `console_session`.
pub mod auto;
pub mod canary;
pub mod command;
pub mod decide;
pub mod event;
pub mod evidence;
pub mod outcome;
pub mod reduce;
pub mod rules;
pub mod state;
pub mod story;
#[doc(hidden)]
pub mod testkit;

pub use evidence::evidence;
pub use reduce::{guard_key, reduce};
