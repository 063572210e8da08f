//! Health panels: sources, evaluation, polling.
//!
//! Sources (`source`) fetch numbers over HTTP; the evaluator (`evaluate`,
//! pure) turns them into a `PanelStatus`; the poller (`poller`) runs the
//! fetches on their schedules in tokio tasks and sends statuses as messages;
//! `probe` polls every panel once for `warroom check --probe`.
pub mod evaluate;
pub mod exposition;
pub mod poller;
pub mod probe;
pub mod reading;
pub mod source;
pub mod state;
pub mod status;
pub mod units;

pub use state::PanelState;
pub use status::{PanelMap, PanelStatus};
