//! The journal: the session's durable, shared, append-only record.
//!
//! `sqlite/` keeps it in one file per session (WAL; `follow` delivers
//! other consoles' appends, woken by `bell`), `pg/` in a PostgreSQL
//! schema; `backend` names what both do; `paths` knows the default
//! locations.
pub mod backend;
pub mod clock;
pub mod decode;
mod error;
pub mod open;
pub mod paths;
pub mod pg;
pub mod sqlite;

use sqlite::create;
pub use sqlite::{conduct, follow, identity, store};

pub use backend::{Store, StoreTx};
pub use clock::JournalClock;
pub use create::{ensure_shared_dir, network_fs_warning};
pub use follow::{Followed, FollowerHandle, follow};
pub use store::{Journal, JournalError, NewEvent, WriteTx};
