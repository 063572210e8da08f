//! The runbook: serde model, loader with env expansion and spans, validation.
pub mod model;
