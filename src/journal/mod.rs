//! The journal: the session's durable, shared, append-only record.
//!
//! `location` says where a journal lives (parsed once, at the command
//! line); `sqlite/` keeps it in one file per session (WAL; `follow`
//! delivers other consoles' appends, woken by `bell`), `pg/` in a
//! PostgreSQL schema; `backend` names what both do and the types they
//! share, with `decode`, `error` and `follower`; `open` is the one door
//! for callers; `paths` knows the default locations.
pub mod backend;
pub mod clock;
pub mod decode;
mod error;
pub mod follower;
pub mod location;
pub mod notify_cursor;
pub mod open;
pub mod paths;
pub mod pg;
pub mod sqlite;
mod version;

use sqlite::create;
pub use sqlite::{conduct, follow, identity, store};

pub use backend::{NewEvent, Store, StoreTx};
pub use clock::JournalClock;
pub use create::{ensure_shared_dir, network_fs_warning};
pub use error::JournalError;
pub use follow::follow;
pub use follower::{Followed, FollowerHandle};
pub use location::JournalLocation;
pub use store::{Journal, WriteTx};
