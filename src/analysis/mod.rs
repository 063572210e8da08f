//! Canary analysis: the canary's samples against the baseline's over a
//! stage's bake (Mann-Whitney U), and the stage's verdict from its
//! measurements in the Argo Rollouts sense (`count`, `failure_limit`,
//! `inconclusive_limit`).
//!
//! Pure: no I/O, no clock. The samples come from the stored readings
//! (`samples::SampleLog`, fed by the session); the conductor journals the
//! measurements and the verdict (`session::auto`).
pub mod compare;
pub mod mann_whitney;
pub mod samples;
pub mod stage;

pub use compare::{Compare, PanelComparison, Verdict, Worse};
pub use samples::SampleLog;
