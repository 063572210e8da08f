//! What marks a journal as warroom's and which shape it has, for both
//! backends (a leaf: `error` names the version, `backend` re-exports it).

/// Schema version stored in `PRAGMA user_version`.
/// 1: events only; 2: the conductor's lease, presence and readings.
pub const SCHEMA_VERSION: i64 = 2;
/// The `meta` row that marks a warroom journal.
pub(crate) const META_APP: &str = "warroom-journal";
