//! The attack of issue 15, end to end: a metrics server whose `error` field
//! and a webhook receiver whose endless 500 body carry an OSC title, a
//! screen clear, an OSC 52 clipboard write and a bidi override, and an
//! action whose output prints them too. The real console in a pty, `check
//! --probe` and the Markdown report: none of those bytes comes out, and the
//! console stays small while the webhook never stops talking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pty.rs"]
mod pty;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command as Proc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pty::{Console, journal_events, wait_until};

const T: Duration = Duration::from_secs(30);
const ATTACK: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}]52;c;aGVsbG8=\u{7}\u{202e}evil";

/// Prometheus answers every query with ATTACK as its error; POST /hook
/// answers 500 with ATTACK and then bytes without end.
fn serve(hook_bytes: Arc<AtomicUsize>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let hook_bytes = hook_bytes.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                if line.starts_with("POST /hook") {
                    let head = format!(
                        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{ATTACK}"
                    );
                    if w.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let chunk = vec![b'x'; 64 * 1024];
                    while w.write_all(&chunk).is_ok() {
                        hook_bytes.fetch_add(chunk.len(), Ordering::SeqCst);
                    }
                    return;
                }
                let body = serde_json::json!({
                    "status": "error", "errorType": "bad_data", "error": ATTACK
                })
                .to_string();
                let resp = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = w.write_all(resp.as_bytes());
            });
        }
    });
    port
}

fn runbook(port: u16) -> String {
    format!(
        r#"
[cutover]
id = "hostile"
title = "Hostile input"
strategy = "canary"

[roles]
ic = "Incident commander"

[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:{port}"

[[panels]]
id = "errors"
title = "Error ratio"
source = "prom"
query = "up"
every = "1s"
fail = "> 0.05"

[[stages]]
name = "ten"
exposure = 10

[actions.pause]
run = '''printf '\033]0;PWNED\007\033[2J\033]52;c;aGVsbG8=\007' '''
webhook = {{ url = "http://127.0.0.1:{port}/hook" }}
[actions.rollback]
run = "true"
"#
    )
}

fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (bad, name) in [
        ("\u{1b}]0;PWNED", "a window-title OSC"),
        ("\u{1b}]52", "an OSC 52 clipboard write"),
        ("\u{202e}", "a bidi override"),
        ("\u{7}", "a BEL (OSC terminator)"),
        ("PWNED\u{7}", "a terminated OSC"),
    ] {
        assert!(!text.contains(bad), "{what} holds {name}");
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn escape_laden_errors_bodies_and_output_reach_no_terminal_and_no_report() {
    let hook_bytes = Arc::new(AtomicUsize::new(0));
    let port = serve(hook_bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("rb.toml");
    std::fs::write(&rb, runbook(port)).unwrap();
    let journal = dir.path().join("r.db");
    let (rbs, j) = (rb.to_str().unwrap(), journal.to_str().unwrap());

    // check --probe prints the source's error: escaped.
    let probe = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["check", "--probe", rbs])
        .output()
        .unwrap();
    let mut all = probe.stdout.clone();
    all.extend_from_slice(&probe.stderr);
    assert_inert("check --probe", &all);
    assert!(
        String::from_utf8_lossy(&all).contains("\\x1b]0;PWNED"),
        "{}",
        String::from_utf8_lossy(&all)
    );

    let args = [
        "rehearse",
        rbs,
        "--journal",
        j,
        "--execute",
        "--as",
        "alice",
    ];
    let mut c = Console::spawn(&args, 120, 40, dir.path(), &[]);
    c.wait_for("REHEARSAL", T);
    c.wait_until(T, "the panel's error", |s| s.contains("ERROR"));
    c.command("begin");
    c.wait_for("RUNNING", T);
    c.command("pause attack drill");
    let pid = c.pid().unwrap();
    let events = wait_until(T, "the pause action's result", || {
        let ev = journal_events(&journal);
        ev.iter().any(|e| e["kind"] == "action_ran").then_some(ev)
    });
    let ran = events.iter().find(|e| e["kind"] == "action_ran").unwrap();
    let hook = ran["webhook"].as_str().unwrap_or_default().to_string();
    assert!(hook.contains("HTTP 500"), "{ran}");
    assert!(hook.contains("\\x1b]0;PWNED"), "{hook}");
    assert!(
        ran["output_tail"].as_str().unwrap().contains("\\x1b]52"),
        "{ran}"
    );
    // Let the console draw the result, then look at every byte it wrote.
    c.wait_until(T, "the webhook's answer on screen", |s| {
        s.contains("HTTP 500")
    });
    let rss = rss_kib(pid);
    eprintln!(
        "console RSS after an endless webhook body: {rss} KiB; the receiver wrote {} bytes before we hung up",
        hook_bytes.load(Ordering::SeqCst)
    );
    assert!(rss > 0 && rss < 50 * 1024, "console RSS {rss} KiB");
    assert_inert("the console's pty stream", &c.raw_output());
    c.send("q");
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);

    let report = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", j])
        .output()
        .unwrap();
    assert!(report.status.success());
    assert_inert("the Markdown report", &report.stdout);
    let md = String::from_utf8_lossy(&report.stdout);
    assert!(md.contains("attack drill"), "{md}");
    let jsonl = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", "--format", "jsonl", j])
        .output()
        .unwrap();
    assert!(jsonl.status.success());
    assert_inert("the JSON Lines report", &jsonl.stdout);
    assert!(String::from_utf8_lossy(&jsonl.stdout).contains("HTTP 500"));
}
