//! The journal store: one SQLite file per session, append-only.
//!
//! Several consoles (separate processes, possibly separate Unix accounts in
//! one group) append to the same file. Every append runs inside a
//! `BEGIN IMMEDIATE` transaction, so the write lock is taken before the
//! transaction reads anything: `seq = max + 1` stays gapless across processes
//! and two writers can never deadlock past the busy timeout. An append
//! returns only after the commit (WAL, `synchronous=FULL`), which is what
//! lets the console show an effect only once it is durable.
//!
//! Nothing in this module updates or deletes an event; triggers in the
//! schema refuse it even from other tools.
//!
//! Sharing between operators: a new journal folder is created `2770` (setgid,
//! so files inherit the folder's group) and the file `0660`; SQLite creates
//! the `-wal` and `-shm` files with the database file's permissions.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use super::connect::{check_existing, configure, open_ro_conn, verify};
use super::create::{create_journal, network_fs_warning};
use super::decode::{MAX_SEQ, Row, RowReader, decode};
pub use super::error::JournalError;
use super::identity::{Claim, FileId};
use crate::journal::backend::seq_param;
pub use crate::journal::backend::{NewEvent, SCHEMA_VERSION, format_ts};
use crate::session::event::Event;

/// An open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    /// The conductor's tables were seen (schema 2): no need to look again.
    conduct_tables: std::cell::Cell<bool>,
    /// The file this connection opened, and this console's claim on its
    /// path (`identity.rs`); none for a read-only journal.
    identity: Option<(FileId, Claim)>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl Journal {
    /// Open the journal at `path` for appending, creating it (and its folder)
    /// when missing. Returns a warning when the file is on a network
    /// filesystem, where SQLite's locking cannot be trusted.
    pub fn open(path: &Path) -> Result<(Journal, Option<String>), JournalError> {
        Self::open_with(path, true)
    }

    /// Like `open`, but never creates: for joining an existing session.
    pub fn open_existing(path: &Path) -> Result<(Journal, Option<String>), JournalError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, create: bool) -> Result<(Journal, Option<String>), JournalError> {
        // Before anything is created: never a second session on a path a
        // live console holds with another (deleted, replaced) file.
        let unchecked = super::identity::check(path)?;
        let exists = match fs::metadata(path) {
            Ok(m) => m.len() > 0,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                return Err(JournalError::Open {
                    path: path.to_path_buf(),
                    cause: e.to_string(),
                });
            }
        };
        if exists {
            check_existing(path)?;
        } else if create {
            create_journal(path)?;
        } else {
            return Err(JournalError::Missing {
                path: path.to_path_buf(),
            });
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| JournalError::Open {
            path: path.to_path_buf(),
            cause: e.to_string(),
        })?;
        configure(&mut conn, path)?;
        verify(&conn, path)?;
        let mut conn = conn;
        super::schema::migrate(&mut conn, path)?;
        super::notify_cursor::ensure(&conn, path)?;
        // Touch the WAL now so a read-only folder fails here, at open, with
        // the path, and not at the first sign-off.
        conn.query_row("SELECT COUNT(*) FROM events WHERE seq = 0", [], |_| Ok(()))
            .map_err(|e| JournalError::sqlite(path, e))?;
        let id = FileId::at(path)
            .ok()
            .flatten()
            .ok_or_else(|| JournalError::Open {
                path: path.to_path_buf(),
                cause: "the file went away while it was being opened".into(),
            })?;
        let (claim, unclaimed) = super::identity::claim(path, id)?;
        let warning = network_fs_warning(path).or(unchecked).or(unclaimed);
        Ok((
            Journal {
                conn,
                path: path.to_path_buf(),
                read_only: false,
                conduct_tables: std::cell::Cell::new(true),
                identity: Some((id, claim)),
            },
            warning,
        ))
    }

    /// Open for reading only (the report, observers' followers): takes no
    /// lock that blocks writers and never writes to the file.
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        match fs::metadata(path) {
            Ok(m) if m.len() > 0 => {}
            Ok(_) => {
                return Err(JournalError::NotJournal {
                    path: path.to_path_buf(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(JournalError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => {
                return Err(JournalError::Open {
                    path: path.to_path_buf(),
                    cause: e.to_string(),
                });
            }
        }
        let conn = open_ro_conn(path)?;
        Ok(Journal {
            conn,
            path: path.to_path_buf(),
            read_only: true,
            conduct_tables: std::cell::Cell::new(false),
            identity: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What happened to the file this journal opened, if it was deleted or
    /// replaced at its path since (`identity.rs`).
    pub fn lost(&self) -> Option<String> {
        let (id, _) = self.identity.as_ref()?;
        super::identity::lost(&self.path, *id)
    }

    /// Copy everything this connection sees (the open file, even deleted)
    /// into a journal file of its own (`identity::rescue_path`), replacing
    /// the previous copy whole: what an operator can read or put back when
    /// the journal's file is gone.
    pub fn rescue(&self) -> Result<PathBuf, JournalError> {
        let to = super::identity::rescue_path(&self.path);
        let mut part = to.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let failed = |cause: String| JournalError::Create {
            path: to.clone(),
            cause,
        };
        match fs::remove_file(&part) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(failed(e.to_string())),
        }
        self.conn
            .execute("VACUUM INTO ?1", [part.to_string_lossy()])
            .map_err(|e| failed(e.to_string()))?;
        fs::rename(&part, &to).map_err(|e| failed(e.to_string()))?;
        Ok(to)
    }

    /// Every event with `seq > after`, in seq order.
    pub fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError> {
        read_since(&self.conn, &self.path, after)
    }

    /// The highest seq within range (0 when empty).
    pub fn last_seq(&self) -> Result<u64, JournalError> {
        last_seq(&self.conn, &self.path)
    }

    /// Every `[[notify]]` target's delivery cursor (`notify_cursor.rs`).
    pub fn notify_cursors(
        &self,
    ) -> Result<Vec<crate::journal::notify_cursor::Cursor>, JournalError> {
        super::notify_cursor::read(&self.conn, &self.path)
    }

    /// Readings with `id > after` (none in a version-1 journal).
    pub fn readings_since(
        &self,
        after: i64,
    ) -> Result<Vec<crate::health::reading::Reading>, JournalError> {
        // A version-1 journal read by the report or a follower has none
        // until a writing console migrates it.
        if !self.conduct_tables.get() {
            if !super::schema::has_conduct_tables(&self.conn, &self.path)? {
                return Ok(Vec::new());
            }
            self.conduct_tables.set(true);
        }
        super::schema::readings_since(&self.conn, &self.path, after)
    }

    /// The console holding the conductor's lease now, if any.
    pub fn lease_holder(&self) -> Result<Option<super::schema::Holder>, JournalError> {
        super::schema::holder(&self.conn, &self.path)
    }

    /// `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64, JournalError> {
        // Asked 20 times a second by every follower: prepared once.
        self.conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(|e| JournalError::sqlite(&self.path, e))
    }

    /// Take the write lock (`BEGIN IMMEDIATE`); read, decide and append
    /// inside it; `commit` makes the appends durable.
    pub fn begin(&mut self) -> Result<WriteTx<'_>, JournalError> {
        if self.read_only {
            return Err(JournalError::Open {
                path: self.path.clone(),
                cause: "opened read-only".into(),
            });
        }
        let path = self.path.as_path();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| JournalError::sqlite(path, e))?;
        // At most MAX_SEQ + 1: `append` refuses that one by name.
        let next_seq = last_seq(&tx, path)? + 1;
        Ok(WriteTx { tx, path, next_seq })
    }

    /// Append events in one transaction; returns them as stored.
    pub fn append(&mut self, events: &[NewEvent]) -> Result<Vec<Event>, JournalError> {
        let mut tx = self.begin()?;
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            out.push(tx.append(e)?);
        }
        tx.commit()?;
        Ok(out)
    }
}

/// An open write transaction (the write lock is held until commit or drop;
/// dropping without commit rolls back).
pub struct WriteTx<'a> {
    tx: rusqlite::Transaction<'a>,
    path: &'a Path,
    next_seq: u64,
}

impl WriteTx<'_> {
    pub(super) fn conn(&self) -> &Connection {
        &self.tx
    }
    pub(super) fn path(&self) -> &Path {
        self.path
    }

    /// Events committed by others with `seq > after`.
    pub fn read_since(&self, after: u64) -> Result<Vec<Event>, JournalError> {
        read_since(&self.tx, self.path, after)
    }

    /// Append one event; returns it exactly as a later replay will read it.
    pub fn append(&mut self, e: &NewEvent) -> Result<Event, JournalError> {
        let seq = self.next_seq;
        let stored = seq_param(seq, self.path)?;
        let ts = format_ts(&e.ts);
        let kind = e.body.kind();
        let data = serde_json::to_string(&e.body.fields()).map_err(|err| JournalError::Data {
            path: self.path.to_path_buf(),
            cause: format!("cannot encode event: {err}"),
        })?;
        self.tx
            .execute(
                "INSERT INTO events(seq, ts, operator, kind, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![stored, ts, e.operator, kind, data],
            )
            .map_err(|err| JournalError::sqlite(self.path, err))?;
        self.next_seq = seq + 1;
        // Decode what was stored, so the live state is built from the same
        // bytes a replay reads (float and timestamp round trips included).
        decode(self.path, stored, &ts, e.operator.clone(), &kind, &data)
    }

    /// Commit: returns once the events are durable.
    pub fn commit(self) -> Result<(), JournalError> {
        let path = self.path;
        self.tx
            .commit()
            .map_err(|e| JournalError::sqlite(path, e))?;
        // Now that it is visible: wake every console's follower.
        super::bell::ring(path);
        Ok(())
    }
}

/// The highest seq in `1..=MAX_SEQ` (0 when none): rows outside were
/// written by another tool and are never a position to append after.
fn last_seq(conn: &Connection, path: &Path) -> Result<u64, JournalError> {
    conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq BETWEEN 1 AND ?1")
        .and_then(|mut s| s.query_row([MAX_SEQ], |r| r.get::<_, i64>(0)))
        .map(|v| u64::try_from(v).unwrap_or(0))
        .map_err(|e| JournalError::sqlite(path, e))
}

fn read_since(conn: &Connection, path: &Path, after: u64) -> Result<Vec<Event>, JournalError> {
    // From the start, every row is read: those below seq 1 or above
    // MAX_SEQ are damage to show. After a position, only rows in range,
    // so damage outside is not delivered again with every read.
    let mut stmt = conn
        .prepare_cached(if after == 0 {
            "SELECT seq, ts, operator, kind, data FROM events ORDER BY seq"
        } else {
            "SELECT seq, ts, operator, kind, data FROM events
             WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
        })
        .map_err(|e| JournalError::sqlite(path, e))?;
    let from = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = if after == 0 {
        stmt.query_map([], Row::from_sql)
    } else {
        stmt.query_map([from, MAX_SEQ], Row::from_sql)
    }
    .map_err(|e| JournalError::sqlite(path, e))?;
    let mut reader = RowReader::new(after);
    let mut out = Vec::new();
    for row in rows {
        reader.push(row.map_err(|e| JournalError::sqlite(path, e))?, &mut out);
    }
    Ok(out)
}
