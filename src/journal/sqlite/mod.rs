//! The journal in one SQLite file per session (WAL, `BEGIN IMMEDIATE`,
//! gapless `seq`, triggers that refuse UPDATE and DELETE).
pub(super) mod bell;
pub mod conduct;
pub(super) mod create;
pub mod follow;
pub mod identity;
pub mod store;

use super::{decode, error};
