//! A journal that went back: after a failover to a standby that had not
//! received every commit (asynchronous replication), the new primary's
//! events end before what a console already read. Appending there would
//! give new events seqs that consoles already hold for other events, and
//! followers, reading after their last seq, would never see them: two
//! histories under one name. So a console that finds its journal behind
//! what it read refuses to write and says why; nothing is decided on a
//! forked history. With synchronous replication (docs/POSTGRES.md) a
//! commit returns only once the standby has it, and this never fires.

use std::path::Path;

use postgres::Client;

use super::super::decode::MAX_SEQ;
use super::super::error::JournalError;

/// Refuse when the server's last event (`max`) is before the last one this
/// console read or wrote (`seen`).
pub fn not_behind(path: &Path, seen: u64, max: u64) -> Result<(), JournalError> {
    if max >= seen {
        return Ok(());
    }
    Err(JournalError::Corrupt {
        path: path.to_path_buf(),
        cause: format!(
            "the server's events end at seq {max}, but this console read up to seq {seen}: \
             the database lost committed events (a failover to a standby that was behind?). \
             Nothing more is written; set synchronous_commit = on with synchronous_standby_names \
             on the primary (docs/POSTGRES.md) and restore the lost events before going on"
        ),
    })
}

/// A fresh connection (the follower's, after a reconnect) must not be on
/// a server behind what was already delivered.
pub fn check_connection(c: &mut Client, path: &Path, seen: u64) -> Result<(), JournalError> {
    let max: i64 = c
        .query_one(
            "SELECT COALESCE(MAX(seq), 0) FROM warroom_events WHERE seq BETWEEN 1 AND $1",
            &[&MAX_SEQ],
        )
        .map_err(super::pg_err(path))?
        .get(0);
    not_behind(path, seen, u64::try_from(max).unwrap_or(0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn only_a_journal_behind_what_was_read_is_refused() {
        let p = Path::new("postgresql://ann@a:1,b:2/db");
        assert!(not_behind(p, 0, 0).is_ok());
        assert!(not_behind(p, 41, 41).is_ok());
        assert!(not_behind(p, 41, 45).is_ok());
        let e = not_behind(p, 42, 40).unwrap_err();
        assert!(!e.may_pass());
        let said = e.to_string();
        assert!(said.contains("seq 40") && said.contains("seq 42"), "{said}");
        assert!(said.contains("synchronous_commit"), "{said}");
    }
}
