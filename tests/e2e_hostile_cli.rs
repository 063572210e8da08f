//! Hostile input on the command line (issue 27): a runbook in a folder
//! whose name is an escape sequence, a runbook too large to read, and a
//! password in a `--journal` URL. The real binary, its bytes checked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pty.rs"]
mod pty;

use std::io::Write;
use std::process::{Command as Proc, Stdio};
use std::time::{Duration, Instant};

use pty::Console;

const T: Duration = Duration::from_secs(30);
const MINIMAL: &str = include_str!("fixtures/minimal.toml");
/// Sets the window title to `X` when printed raw.
const OSC: &str = "\u{1b}]0;X\u{7}";

fn warroom(args: &[&str]) -> std::process::Output {
    Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn both(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A folder named `ops<OSC>` holding a valid runbook.
fn osc_folder() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(format!("ops{OSC}"));
    std::fs::create_dir(&folder).unwrap();
    let rb = folder.join("rb.toml");
    std::fs::write(&rb, MINIMAL).unwrap();
    (dir, rb)
}

#[test]
fn check_prints_a_path_holding_an_escape_sequence_escaped() {
    let (_dir, rb) = osc_folder();
    let out = warroom(&["check", rb.to_str().unwrap()]);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("ops\\x1b]0;X\\x07/rb.toml: ok"), "{text}");

    // The same path in an error.
    std::fs::write(&rb, "[cutover\n").unwrap();
    let out = warroom(&["check", rb.to_str().unwrap()]);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("ops\\x1b]0;X\\x07/rb.toml"), "{text}");
}

#[test]
fn the_quit_message_prints_a_journal_path_holding_an_escape_sequence_escaped() {
    let (dir, rb) = osc_folder();
    let journal = rb.parent().unwrap().join("r.db");
    let args = [
        "rehearse",
        rb.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--as",
        "alice",
    ];
    let mut c = Console::spawn(&args, 120, 40, dir.path(), &[]);
    c.wait_for("REHEARSAL", T);
    c.send("q");
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
    let raw = c.raw_output();
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains(OSC), "the window title was set");
    let deadline = Instant::now() + T;
    while !String::from_utf8_lossy(&c.raw_output()).contains("report: warroom report") {
        assert!(Instant::now() < deadline, "no quit message: {text}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = String::from_utf8_lossy(&c.raw_output()).into_owned();
    assert!(!text.contains(OSC), "the window title was set");
    assert!(text.contains("ops\\x1b]0;X\\x07/r.db"), "{text}");
}

#[test]
fn a_runbook_over_four_mib_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("huge.toml");
    // 100 MB, sparse: the size is real, the disk is not used.
    let f = std::fs::File::create(&rb).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    drop(f);
    let out = warroom(&["check", rb.to_str().unwrap()]);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("larger than 4 MiB") && text.contains("huge.toml"),
        "{text}"
    );
}

#[test]
fn an_endless_runbook_is_refused_after_reading_at_most_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("endless.toml");
    let made = Proc::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut child = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["check", fifo.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Feed comment lines without end until the reader hangs up.
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let line = format!("# {}\n", "x".repeat(1022));
        let mut sent = 0usize;
        while w.write_all(line.as_bytes()).is_ok() {
            sent += line.len();
            if sent > 64 * 1024 * 1024 {
                break;
            }
        }
        sent
    });
    let deadline = Instant::now() + T;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("check read an endless runbook for {T:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let sent = writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(2), "{}", both(&out));
    assert!(both(&out).contains("larger than 4 MiB"), "{}", both(&out));
    assert!(sent < 64 * 1024 * 1024, "the reader took {sent} bytes");
}

#[test]
fn a_password_in_a_journal_url_on_the_command_line_is_refused_naming_the_other_ways() {
    let rb = concat!(env!("CARGO_MANIFEST_DIR"), "/runbooks/api-canary.toml");
    let url = "postgresql://ann:hunter2@db.internal/cutovers";
    for args in [
        vec!["run", rb, "--journal", url],
        vec!["rehearse", rb, "--journal", url],
        vec!["serve", rb, "--journal", url],
        vec!["report", url],
        vec!["journal", "init", url],
        vec!["report", "postgresql://ann@db.internal/x?password=hunter2"],
    ] {
        let out = warroom(&args);
        let text = both(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(!text.contains("hunter2"), "{args:?}: {text}");
        for name in [
            "PGPASSWORD",
            "~/.pgpass",
            "passfile=",
            "--journal-file FILE",
        ] {
            assert!(text.contains(name), "{args:?}: {name} missing: {text}");
        }
    }
}

#[test]
fn a_journal_file_holding_a_password_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("url");
    std::fs::write(&f, "postgresql://ann:hunter2@127.0.0.1:1/x\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = warroom(&["report", "--journal-file", f.to_str().unwrap()]);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("chmod 600") && !text.contains("hunter2"),
        "{text}"
    );
}
