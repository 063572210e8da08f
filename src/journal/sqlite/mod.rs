//! The journal in one SQLite file per session (WAL, `BEGIN IMMEDIATE`,
//! gapless `seq`, triggers that refuse UPDATE and DELETE). Imports the
//! backend-neutral files (`backend`, `decode`, `error`, `follower`),
//! never `pg/`.
mod as_store;
pub(super) mod bell;
pub mod conduct;
mod connect;
pub(super) mod create;
pub(super) mod error;
pub mod follow;
pub mod identity;
pub(crate) mod notify_cursor;
mod row;
mod schema;
pub mod store;

use super::decode;
