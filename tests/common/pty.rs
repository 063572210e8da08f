//! The real binary in a pseudo-terminal, its screen parsed with vt100.
//! Every wait polls a condition until a deadline; nothing sleeps and hopes.
// Each test binary includes this file and uses a different subset of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub struct Console {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for checks on the terminal restore.
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Console {
    /// Start `warroom ARGS` at `cols`x`rows` in `cwd` with extra `env`.
    pub fn spawn(args: &[&str], cols: u16, rows: u16, cwd: &Path, env: &[(&str, &str)]) -> Console {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_warroom"));
        cmd.args(args);
        Console::spawn_command(cmd, cols, rows, cwd, env)
    }

    /// `spawn` as another Unix account (`setpriv` switches uid and gid,
    /// groups cleared): a second operator on one machine. Tests run as root.
    pub fn spawn_as_uid(
        uid: u32,
        args: &[&str],
        cols: u16,
        rows: u16,
        cwd: &Path,
        env: &[(&str, &str)],
    ) -> Console {
        let mut cmd = CommandBuilder::new("setpriv");
        let id = uid.to_string();
        cmd.args(["--reuid", &id, "--regid", &id, "--clear-groups"]);
        cmd.arg(env!("CARGO_BIN_EXE_warroom"));
        cmd.args(args);
        Console::spawn_command(cmd, cols, rows, cwd, env)
    }

    fn spawn_command(
        mut cmd: CommandBuilder,
        cols: u16,
        rows: u16,
        cwd: &Path,
        env: &[(&str, &str)],
    ) -> Console {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn warroom");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            nonzero(rows),
            nonzero(cols),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Console {
            child,
            master: pair.master,
            writer,
            parser,
            raw,
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Answer the question on screen with `key`, once it is drawn (keys
    /// typed before a question appears are dropped, as a person's would be).
    /// Returns once the question is gone, so the next keys are not typed
    /// ahead of the next question.
    pub fn answer(&mut self, key: &str) {
        let t = Duration::from_secs(20);
        self.wait_for("n/esc", t);
        self.send(key);
        self.wait_until(t, "the question answered", |s| !s.contains("n/esc"));
    }

    /// Type a command line: `:` + text + Enter.
    pub fn command(&mut self, text: &str) {
        self.send(":");
        self.send(text);
        self.send("\r");
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Wait until the screen contains `needle`; panic with the screen if not.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(timeout, &format!("screen to show {needle:?}"), |s| {
            s.contains(needle)
        })
    }

    pub fn wait_until(&self, timeout: Duration, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize pty");
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(nonzero(rows), nonzero(cols));
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Wait for the process to exit; its exit code, or panic at the deadline.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "warroom did not exit within {timeout:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// Poll `cond` until true or the deadline; panic naming `what`.
pub fn wait_until<T>(timeout: Duration, what: &str, mut cond: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = cond() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The journal as `warroom report --format jsonl` prints it: what a user
/// (or jq) would read.
pub fn journal_events(journal: &Path) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", "--format", "jsonl"])
        .arg(journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// vt100 takes screen sizes as `NonZeroU16`; a zero size becomes one cell.
pub fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).unwrap_or(std::num::NonZeroU16::MIN)
}
