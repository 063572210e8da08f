//! The properties every reader of untrusted text must keep, written once
//! and checked twice: by proptest on stable in `cargo test`
//! (`tests/*_props.rs`, `src/health/exposition_tests.rs`) and by libFuzzer
//! on nightly (`fuzz/fuzz_targets/`, which include these files by path).
//! Each function panics when its property is broken.
#![allow(dead_code)]

pub mod command_line;
pub mod exposition;
pub mod journal;
pub mod runbook;
pub mod untrusted;
