//! The journal: the session's durable, shared, append-only record.
//!
//! `store` appends and reads (SQLite, WAL, one file per session), `follow`
//! delivers other consoles' appends (woken by `bell`), `paths` knows the default locations.
pub mod backend;
mod bell;
pub mod clock;
pub mod conduct;
mod create;
pub mod decode;
mod error;
pub mod follow;
pub mod identity;
pub mod notify_cursor;
pub mod open;
pub mod paths;
pub mod pg;
pub mod store;

pub use backend::{Store, StoreTx};
pub use clock::JournalClock;
pub use create::{ensure_shared_dir, network_fs_warning};
pub use follow::{Followed, FollowerHandle, follow};
pub use store::{Journal, JournalError, NewEvent, WriteTx};
