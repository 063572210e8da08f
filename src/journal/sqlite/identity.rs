//! The journal file's identity: which file a console writes to, and who
//! else writes to a journal path.
//!
//! A SQLite connection keeps writing to the file it opened even after the
//! file was deleted or replaced at its path: the console would go on
//! journaling into a file nobody can open again, and a new console on the
//! same path would start a fresh session and conduct a second cutover.
//!
//! - **Noticed.** The writer compares the device and inode at the path
//!   with those of the file it opened once a second (`lost`).
//! - **One session per path.** Every console holding a journal open binds
//!   an abstract Unix socket named by the journal's canonical path and the
//!   file's device and inode (`Claim`). A console about to open a path
//!   lists the abstract sockets (`/proc/net/unix`) and refuses when a live
//!   console holds that path with another file (or with none left at the
//!   path). Abstract sockets live in the kernel, not the filesystem: the
//!   claim survives the file's and its folder's deletion, and disappears
//!   with its process however it ends (SIGKILL too), so there is no stale
//!   lock to clean up. A frozen console still holds its claim (it may wake
//!   up and act). Limits: consoles in other network namespaces
//!   (containers) do not see each other's claims; without `/proc` the
//!   check is skipped with a warning.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::error::JournalError;

const PREFIX: &str = "warroom-journal/";

/// Device and inode: which file a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    /// The file at `path` now (`None`: nothing there).
    pub fn at(path: &Path) -> std::io::Result<Option<FileId>> {
        match std::fs::metadata(path) {
            Ok(m) => Ok(Some(FileId {
                dev: m.dev(),
                ino: m.ino(),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn tag(&self) -> String {
        format!("{:x}-{:x}", self.dev, self.ino)
    }
}

/// What happened to the file this console opened, if anything (`None`
/// too when the path cannot be looked at now: that is not proof).
pub fn lost(path: &Path, opened: FileId) -> Option<String> {
    match FileId::at(path) {
        Ok(Some(id)) if id == opened => None,
        Ok(Some(_)) => Some(format!(
            "{}: the journal file was replaced by another file",
            path.display()
        )),
        Ok(None) => Some(format!(
            "{}: the journal file was deleted or moved away",
            path.display()
        )),
        Err(_) => None,
    }
}

/// A path's key: the same for every spelling of it (canonical folder).
fn key(path: &Path) -> String {
    let canonical = std::fs::canonicalize(path)
        .or_else(|_| {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = std::fs::canonicalize(dir.unwrap_or(Path::new(".")))?;
            Ok::<_, std::io::Error>(dir.join(path.file_name().unwrap_or_default()))
        })
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let hash = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    hex::encode(&hash[..16])
}

/// This console's claim on a journal path (held while the journal is
/// open; dropping it closes the socket).
#[derive(Debug)]
pub struct Claim {
    _socket: UnixListener,
}

/// Another live console on the path, holding another file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Other {
    file: String,
    pid: String,
}

/// Every live claim on `key` (from `/proc/net/unix`).
fn claims(key: &str) -> std::io::Result<Vec<Other>> {
    let table = std::fs::read_to_string("/proc/net/unix")?;
    let want = format!("@{PREFIX}{key}/");
    Ok(table
        .lines()
        .filter_map(|l| l.split_whitespace().nth(7))
        .filter_map(|name| name.strip_prefix(&want))
        .filter_map(|rest| {
            let (file, who) = rest.split_once('/')?;
            let pid = who.split('.').next().unwrap_or(who);
            Some(Other {
                file: file.to_string(),
                pid: pid.to_string(),
            })
        })
        .collect())
}

/// Refuse to open `path` when a live console holds it with a file other
/// than the one there now. Returns a warning when it cannot be checked.
pub fn check(path: &Path) -> Result<Option<String>, JournalError> {
    let here = FileId::at(path).ok().flatten().map(|id| id.tag());
    let others = match claims(&key(path)) {
        Ok(o) => o,
        Err(e) => return Ok(Some(cannot_check(&e))),
    };
    match others.into_iter().find(|o| Some(&o.file) != here.as_ref()) {
        None => Ok(None),
        Some(o) => Err(JournalError::InUse {
            path: path.to_path_buf(),
            cause: format!(
                "a console (pid {}) still runs a session on this path with {}: stop it (its journal is kept beside the path as *.rescued-PID) or use another path",
                o.pid,
                if here.is_some() {
                    "a file since replaced"
                } else {
                    "a file since deleted"
                }
            ),
        }),
    }
}

fn cannot_check(e: &std::io::Error) -> String {
    format!("cannot check for other consoles on this journal path (/proc/net/unix: {e})")
}

/// Claim `path` for the file `id` this console opened, then check again
/// (another console may have claimed it with another file meanwhile).
pub fn claim(path: &Path, id: FileId) -> Result<(Claim, Option<String>), JournalError> {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "{PREFIX}{}/{}/{}.{}",
        key(path),
        id.tag(),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let socket = SocketAddr::from_abstract_name(name.as_bytes())
        .and_then(|addr| UnixListener::bind_addr(&addr))
        .map_err(|e| JournalError::Open {
            path: path.to_path_buf(),
            cause: format!("cannot claim the journal's path (abstract socket {name}): {e}"),
        })?;
    let claim = Claim { _socket: socket };
    let warning = check(path)?;
    Ok((claim, warning))
}

/// Where a copy of a journal whose file is gone is kept: beside its path
/// when that folder is still there, else in the temporary folder.
pub fn rescue_path(path: &Path) -> PathBuf {
    let name = format!(
        "{}.rescued-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "journal".into()),
        std::process::id()
    );
    match path.parent().filter(|d| d.is_dir()) {
        Some(d) => d.join(name),
        None => std::env::temp_dir().join(name),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_on_a_deleted_file_refuses_a_new_one_on_the_same_path() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("live.db");
        std::fs::write(&path, b"x").unwrap();
        // Held open, as SQLite holds a journal: its inode stays taken.
        let _open = std::fs::File::open(&path).unwrap();
        let id = FileId::at(&path).unwrap().unwrap();
        assert_eq!(check(&path).unwrap(), None);
        let (held, _) = claim(&path, id).unwrap();
        // The same file: joining is fine, under any spelling of the path.
        assert_eq!(check(&path).unwrap(), None);
        let spelled = tmp.path().join(".").join("live.db");
        assert_eq!(check(&spelled).unwrap(), None);
        assert_eq!(lost(&path, id), None);
        std::fs::remove_file(&path).unwrap();
        assert!(lost(&path, id).unwrap().ends_with("deleted or moved away"));
        let e = check(&path).unwrap_err().to_string();
        assert!(e.contains(&format!("(pid {})", std::process::id())), "{e}");
        std::fs::write(&path, b"y").unwrap();
        assert!(
            lost(&path, id)
                .unwrap()
                .ends_with("replaced by another file")
        );
        assert!(check(&path).unwrap_err().to_string().contains("replaced"));
        drop(held);
        assert_eq!(
            check(&path).unwrap(),
            None,
            "the claim ends with its holder"
        );
    }
}
