//! The conductor's work, beside the console (in the spirit of gitui's
//! asyncgit): the action queue, the way back that never waits on the
//! journal, guards judged during a journal outage. The terminal loop only
//! hands it what it folded and shows what it says.

pub mod effects;
pub mod judge;
pub mod outage_judge;
pub mod way_back;
