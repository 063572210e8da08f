//! Health panels: sources, evaluation, polling.
pub mod state;
pub mod status;

pub use state::PanelState;
pub use status::{PanelMap, PanelStatus};
