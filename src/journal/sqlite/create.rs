//! Creating a journal so several Unix accounts in one group can share it,
//! atomically (a concurrent opener never sees a half-made file), and
//! warning when it sits on a network filesystem.

use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior, params};

use super::connect::{APPLICATION_ID, check_existing, configure};
use super::error::JournalError;
use crate::journal::backend::{META_APP, SCHEMA_VERSION};

const SCHEMA: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events(
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    operator TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the warroom journal is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the warroom journal is append-only'); END;
";

/// Build the journal in a temporary file beside `path`, then link it into
/// place without clobbering: a concurrent opener sees either no file or a
/// complete journal, never a half-initialised one.
pub(crate) fn create_journal(path: &Path) -> Result<(), JournalError> {
    let create_err = |cause: String| JournalError::Create {
        path: path.to_path_buf(),
        cause,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_shared_dir(dir)
            .map_err(|e| create_err(format!("folder {}: {e}", crate::untrusted::show_path(dir))))?;
    }
    let tmp = tmp_path(path);
    let result = (|| {
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o660)
            .open(&tmp)
            .map_err(|e| create_err(e.to_string()))?;
        // The umask may have removed group write; sharing needs it.
        f.set_permissions(fs::Permissions::from_mode(0o660))
            .map_err(|e| create_err(e.to_string()))?;
        drop(f);
        let mut conn = Connection::open(&tmp).map_err(|e| create_err(e.to_string()))?;
        configure(&mut conn, &tmp).map_err(|e| create_err(e.to_string()))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| create_err(e.to_string()))?;
        tx.execute_batch(SCHEMA)
            .map_err(|e| create_err(e.to_string()))?;
        tx.execute_batch(super::schema::CONDUCT_SCHEMA)
            .map_err(|e| create_err(e.to_string()))?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('application', ?1), ('created_by', ?2)",
            params![META_APP, format!("warroom {}", env!("CARGO_PKG_VERSION"))],
        )
        .map_err(|e| create_err(e.to_string()))?;
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
        ))
        .map_err(|e| create_err(e.to_string()))?;
        tx.commit().map_err(|e| create_err(e.to_string()))?;
        // Closing the last connection checkpoints the WAL into the file.
        conn.close().map_err(|(_, e)| create_err(e.to_string()))?;
        match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            // Another console created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(_) if !path.exists() => {
                // Filesystems without hard links: a plain rename.
                fs::rename(&tmp, path).map_err(|e| create_err(e.to_string()))
            }
            Err(_) => Ok(()),
        }
    })();
    let _ = fs::remove_file(&tmp);
    for suffix in ["-wal", "-shm"] {
        let mut p = tmp.clone().into_os_string();
        p.push(suffix);
        let _ = fs::remove_file(PathBuf::from(p));
    }
    result?;
    check_existing(path)
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journal".into());
    path.with_file_name(format!(".{name}.creating-{}", std::process::id()))
}

/// Create `dir` (and parents) when missing; folders this creates are
/// `2770`: group members can add the `-wal`/`-shm` files, and setgid makes
/// new files inherit the folder's group.
pub fn ensure_shared_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        ensure_shared_dir(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => fs::set_permissions(dir, fs::Permissions::from_mode(0o2770)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A warning when `path` lives on NFS or SMB/CIFS: SQLite's WAL needs shared
/// memory and POSIX locks that those do not provide reliably.
pub fn network_fs_warning(path: &Path) -> Option<String> {
    let probe = if path.exists() {
        path.to_path_buf()
    } else {
        path.parent()?.to_path_buf()
    };
    let st = nix::sys::statfs::statfs(&probe).ok()?;
    #[allow(clippy::unnecessary_cast)]
    let name = network_fs_name(st.filesystem_type().0 as i64)?;
    Some(format!(
        "{}: the journal is on a network filesystem ({name}); SQLite locking is unreliable there, and consoles on other hosts would corrupt it. Put the journal on a local disk of the shared host (--journal PATH).",
        crate::untrusted::show_path(path)
    ))
}

/// statfs magic numbers of filesystems where SQLite's WAL is unsafe.
fn network_fs_name(magic: i64) -> Option<&'static str> {
    match magic {
        0x6969 => Some("NFS"),
        0x517B => Some("SMB"),
        0xFF53_4D42 => Some("CIFS"),
        0xFE53_4D42 => Some("SMB2"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_filesystems_are_recognised_by_magic() {
        assert_eq!(network_fs_name(0x6969), Some("NFS"));
        assert_eq!(network_fs_name(0xFF53_4D42), Some("CIFS"));
        assert_eq!(network_fs_name(0xFE53_4D42), Some("SMB2"));
        assert_eq!(network_fs_name(0xEF53), None, "ext4");
        assert_eq!(network_fs_name(0x0102_1994), None, "tmpfs");
    }
}
