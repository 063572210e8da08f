//! The session engine: events, a pure reducer, rules, commands in, events out.
pub mod command;
pub mod event;
pub mod state;
