//! A console's seat in a session: the I/O around the pure core in
//! `session/`.
//!
//! - `session`: `Session`, which folds the journal, decides commands inside
//!   the store's write transaction and appends.
//! - `identity`: who is at this console (Unix account, SSH host).
pub mod claim;
pub mod identity;
pub mod local_fires;
pub mod session;
pub mod writer;

pub use session::{OpenOptions, Session, SessionError};
