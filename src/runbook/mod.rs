//! The runbook: serde model, loader with env expansion and spans, validation.
//!
//! `load` is the one entry point: it returns a validated `Runbook` (see
//! `model`) or every problem found, each with file:line:col.

pub mod accounts;
mod controls;
pub mod diag;
pub mod duration;
pub mod expand;
mod load;
pub mod model;
pub mod placeholders;
mod raw;
pub mod recorded;
mod required;
pub mod schema;
pub mod threshold;
mod unknown;
mod validate;
pub mod words;

pub use diag::{Diagnostic, Severity};
pub use load::{LoadError, Loaded, MAX_RUNBOOK_BYTES, load, load_str, read_bounded};
pub use model::Runbook;
