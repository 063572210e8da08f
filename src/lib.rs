//! warroom: a terminal console for production cutovers.
//!
//! Data flows one way: the runbook (`runbook`) fixes the rules; operators'
//! commands and guards become events in the journal (`journal`); the state
//! is `reduce` over those events (`session`); health (`health`) and actions
//! (`actions`) run in tasks that only send messages to the console (`tui`).

pub mod actions;
pub mod analysis;
pub mod cli;
pub mod commands;
pub mod conductor;
pub mod console_session;
pub mod describe;
pub mod guard;
pub mod health;
pub mod journal;
pub mod notify;
pub mod report;
pub mod runbook;
pub mod runtime;
pub mod serve;
pub mod session;
pub mod sim;
pub mod timefmt;
pub mod tui;
pub mod untrusted;
