//! Every process an action started, including those that left its process
//! group, so that a timeout or a rollback can stop all of them.
//!
//! A process group is not a tree: `setsid`, a double fork or a daemon
//! leaves `kill(-pgid)` behind. Two things find them here:
//! - warroom is a child subreaper (`PR_SET_CHILD_SUBREAPER`): a process
//!   whose parent exits is re-parented to warroom instead of init, so it
//!   stays inside warroom's tree;
//! - every command runs with `_WARROOM_RUN=<unique>` (outside the documented `WARROOM_*` context) in its
//!   environment, which its descendants inherit: a process anywhere in
//!   `/proc` (of our user) whose environment carries the token is ours.
//!
//! A run's members: the descendants of its shell, plus every process that
//! carries its token. Not covered: a process that both cleared its
//! environment (`env -i`, some daemons) and was orphaned (its parent chain
//! back to the shell broke), and a process that moved into another user's
//! account (setuid): neither can be told apart from unrelated processes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

/// The environment variable that marks every process of one run.
pub const TOKEN_VAR: &str = "_WARROOM_RUN";
/// Bytes of `/proc/PID/environ` read: the token is set by warroom, but the
/// runbook's own environment comes first and may be large.
const ENVIRON_LIMIT: u64 = 1 << 20;

static SUBREAPER: Once = Once::new();
/// Pids of the shells `run_command` spawned whose status tokio has not
/// collected yet: never reaped here.
static SHELLS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
static RUNS: AtomicU64 = AtomicU64::new(0);

/// Make this process a child subreaper (once; Linux only). Called before
/// the first command starts, so nothing a command starts can be orphaned
/// out of our tree while warroom lives.
pub fn become_subreaper() {
    SUBREAPER.call_once(|| {
        #[cfg(target_os = "linux")]
        {
            let _ = nix::sys::prctl::set_child_subreaper(true);
        }
    });
}

/// Spawn a command's shell with `spawn` and register its pid as tokio's,
/// under the same lock `reap_orphans` takes: an orphan reaper can never
/// collect the status of a shell tokio is about to wait for.
pub fn spawn_shell<T>(
    spawn: impl FnOnce() -> std::io::Result<T>,
    pid: impl Fn(&T) -> Option<u32>,
) -> std::io::Result<T> {
    let mut shells = SHELLS.lock().unwrap_or_else(|e| e.into_inner());
    let child = spawn()?;
    if let Some(p) = pid(&child) {
        shells.insert(p as i32);
    }
    Ok(child)
}

/// tokio collected this shell's status.
pub fn shell_done(pid: i32) {
    SHELLS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&pid);
}

/// As a subreaper warroom inherits whatever a command left running in the
/// background; when those exit they are our zombies. Collect every dead
/// child of ours that is not a shell tokio waits for (warroom starts no
/// other processes).
pub fn reap_orphans() {
    let shells = SHELLS.lock().unwrap_or_else(|e| e.into_inner());
    let me = std::process::id() as i32;
    for (pid, row) in table() {
        if row.ppid == me && row.state == 'Z' && !shells.contains(&pid) {
            let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
        }
    }
}

/// A token unique to one run of one command: the pid alone can repeat
/// (containers that each run as pid 1, a reused pid), so the process's
/// start time goes with it; a takeover stops processes by this token.
pub fn new_token() -> String {
    static STARTED: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    });
    format!(
        "{}-{started:x}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    )
}

/// One row of `/proc/PID/stat`: parent and state letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProcRow {
    ppid: i32,
    state: char,
}

/// `pid (comm) S ppid …`: the command name may contain spaces and `)`.
fn parse_stat(text: &str) -> Option<ProcRow> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some(ProcRow { ppid, state })
}

fn table() -> BTreeMap<i32, ProcRow> {
    let mut rows = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return rows;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            && let Some(row) = parse_stat(&text)
        {
            rows.insert(pid, row);
        }
    }
    rows
}

fn carries(pid: i32, needle: &[u8]) -> bool {
    let Ok(f) = std::fs::File::open(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let mut buf = Vec::new();
    if f.take(ENVIRON_LIMIT).read_to_end(&mut buf).is_err() {
        return false;
    }
    buf.split(|b| *b == 0).any(|var| var == needle)
}

/// The live (not zombie) members of the run whose shell is `root` and whose
/// token is `token`; never this process itself.
pub fn members(root: i32, token: &str) -> BTreeSet<i32> {
    let rows = table();
    let me = std::process::id() as i32;
    let needle = format!("{TOKEN_VAR}={token}").into_bytes();
    let mut found = BTreeSet::new();
    for (&pid, row) in &rows {
        if pid == me || row.state == 'Z' {
            continue;
        }
        let mut p = pid;
        let mut below_root = false;
        // Bounded walk up: a cycle cannot happen in /proc, a race can.
        for _ in 0..64 {
            if p == root {
                below_root = true;
                break;
            }
            match rows.get(&p) {
                Some(r) if r.ppid > 1 => p = r.ppid,
                _ => break,
            }
        }
        if below_root || carries(pid, &needle) {
            found.insert(pid);
        }
    }
    found
}

/// Send `sig` to each of `pids`.
pub fn signal_all(pids: &BTreeSet<i32>, sig: Signal) {
    for &pid in pids {
        let _ = kill(Pid::from_raw(pid), sig);
    }
}

/// Collect the exit status of those of `pids` that are our own dead
/// children (re-parented to us as subreaper), except `shell`, whose status
/// belongs to tokio. Pids reaped or not ours are removed from `pids`.
pub fn reap(pids: &mut BTreeSet<i32>, shell: i32) {
    let me = std::process::id() as i32;
    pids.retain(|&pid| {
        if pid == shell {
            return false;
        }
        let row = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|t| parse_stat(&t));
        match row {
            Some(r) if r.ppid == me && r.state == 'Z' => {
                let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
                false
            }
            Some(_) => true,
            None => false,
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        let cases = [
            ("12 (sh) S 1 12 12 0", Some((1, 'S'))),
            ("99 (a b) c) Z 42 1 1", Some((42, 'Z'))),
            ("7 (x)", None),
            ("garbage", None),
        ];
        for (text, want) in cases {
            let got = parse_stat(text).map(|r| (r.ppid, r.state));
            assert_eq!(got, want, "{text}");
        }
    }
}

/// This host's name, as `action_started` records it (where its processes
/// run).
pub fn host_name() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
}

/// What stopping an orphaned run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaped {
    /// Processes that carried the run's token when we looked.
    pub found: usize,
    /// Still there at the end (could not be stopped in time).
    pub left: usize,
    pub waited: std::time::Duration,
}

/// Stop every process of this host that carries `token` (an action left
/// running by a console that went away or froze) and wait until they are
/// gone: TERM, then KILL after `grace`, giving up after twice that. Blocks:
/// run it off the loop. Only processes that carry the token can be seen: one
/// that cleared its environment is not ours to recognise.
pub fn stop_carriers(token: &str, grace: std::time::Duration) -> Reaped {
    let started = std::time::Instant::now();
    // Root 0: no walk reaches it, so only carriers of the token count.
    let mut live = members(0, token);
    let found = live.len();
    let mut sig = Signal::SIGTERM;
    while !live.is_empty() && started.elapsed() < grace * 2 {
        signal_all(&live, sig);
        std::thread::sleep(std::time::Duration::from_millis(50));
        reap_orphans();
        live = members(0, token);
        if started.elapsed() >= grace {
            sig = Signal::SIGKILL;
        }
    }
    Reaped {
        found,
        left: live.len(),
        waited: started.elapsed(),
    }
}
