//! Steady-state and latency measurements of the real binary in a
//! pseudo-terminal. Run through `scripts/measure.sh`; numbers go to
//! docs/PERFORMANCE.md.
//!
//! Usage: `measure BINARY` (steady state, keys, pairing, first frame, 500
//! panels) or `measure soak BINARY MINUTES` (50 panels at 1 s, RSS trend).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// The screen every vt100 parser here reads (the consoles run at 120x40).
const ROWS: std::num::NonZeroU16 = std::num::NonZeroU16::new(40).unwrap();
const COLS: std::num::NonZeroU16 = std::num::NonZeroU16::new(120).unwrap();

struct Run {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    chunks: mpsc::Receiver<(Instant, usize, Vec<u8>)>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

fn spawn(bin: &str, args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> (Run, Instant) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(bin);
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let (tx, chunks) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send((Instant::now(), n, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    (
        Run {
            child,
            writer,
            chunks,
            _master: pair.master,
        },
        started,
    )
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Drain output for `d`; returns bytes seen.
fn drain(run: &Run, d: Duration) -> usize {
    let end = Instant::now() + d;
    let mut n = 0;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Ok((_, k, _)) = run.chunks.recv_timeout(left) {
            n += k;
        }
    }
    n
}

fn steady(bin: &str, args: &[&str], env: &[(&str, &str)], label: &str, secs: u64) -> (Run, u32) {
    let (run, _) = spawn(bin, args, env, 120, 40);
    let pid = run.child.process_id().unwrap();
    drain(&run, Duration::from_secs(6)); // warm-up: first frame, first polls
    let cpu0 = cpu_seconds(pid);
    let bytes = drain(&run, Duration::from_secs(secs));
    let cpu = (cpu_seconds(pid) - cpu0) / secs as f64 * 100.0;
    println!(
        "{label}: {:.0} bytes/s to the terminal, {cpu:.2} % of one core over {secs} s, RSS {} MiB",
        bytes as f64 / secs as f64,
        rss_kib(pid) / 1024
    );
    (run, pid)
}

fn key_latency(run: &mut Run, n: usize) {
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        while run.chunks.try_recv().is_ok() {}
        let key = if i % 2 == 0 { "j" } else { "k" };
        let t = Instant::now();
        run.writer.write_all(key.as_bytes()).unwrap();
        run.writer.flush().unwrap();
        if let Ok((at, _, _)) = run.chunks.recv_timeout(Duration::from_secs(1)) {
            lat.push(at.duration_since(t));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "key to screen over {} keys: {}",
        lat.len(),
        percentiles(lat)
    );
}

/// `p50 X ms, p99 Y ms, max Z ms` of the samples.
fn percentiles(mut lat: Vec<Duration>) -> String {
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p = |q: f64| ms(lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)]);
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        p(0.5),
        p(0.99),
        ms(lat[lat.len() - 1])
    )
}

/// A loopback HTTP server answering every request with a one-series
/// Prometheus instant-query result (also a 2xx for http panels).
fn ok_server() -> u16 {
    counting_server(Arc::new(AtomicUsize::new(0)))
}

/// `ok_server` that counts the requests it answers in `hits`.
fn counting_server(hits: Arc<AtomicUsize>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let hits = Arc::clone(&hits);
            std::thread::spawn(move || {
                let mut s = s;
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n > 0 {
                        hits.fetch_add(1, Ordering::Relaxed);
                    }
                    let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.1"]}]}}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if n == 0 || s.write_all(head.as_bytes()).is_err() || s.write_all(body).is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// Every panel a Prometheus query of its own: one request per panel per second.
fn big_runbook(dir: &Path, steps: usize, panels: usize, port: u16) -> String {
    let mut s = format!(
        "[cutover]\nid = \"big\"\ntitle = \"Big runbook\"\nstrategy = \"phased\"\n\n[roles]\nic = \"IC\"\n\n\
         [sources.prom]\ntype = \"prometheus\"\nurl = \"http://127.0.0.1:{port}\"\n\n"
    );
    for i in 0..panels {
        s += &format!(
            "[[panels]]\nid = \"p{i}\"\ntitle = \"Panel {i}\"\nsource = \"prom\"\nquery = \"sum(rate(x_{i}[1m]))\"\nunit = \"seconds\"\nevery = \"1s\"\nwarn = \"> 0.5\"\n\n"
        );
    }
    s += "[[stages]]\nname = \"all\"\nexposure = 100\n\n";
    for i in 0..steps {
        s += &format!(
            "[[steps]]\nid = \"s{i}\"\ntitle = \"Step {i}\"\nowner = \"ic\"\nexpect = \"5m\"\n\n"
        );
    }
    s += "[actions.rollback]\nrun = \"true\"\n";
    let p = dir.join(format!("big-{steps}-{panels}.toml"));
    std::fs::write(&p, s).unwrap();
    p.to_str().unwrap().to_string()
}

fn first_frame(bin: &str, rb: &str, journal: &str) {
    let (run, started) = spawn(
        bin,
        &["rehearse", rb, "--journal", journal, "--as", "ic"],
        &[],
        120,
        40,
    );
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    loop {
        let (at, _, bytes) = run
            .chunks
            .recv_timeout(Duration::from_secs(10))
            .expect("no frame in 10 s");
        parser.process(&bytes);
        if parser.screen().contents().contains("Big runbook") {
            println!(
                "first frame, 500 steps / 200 panels: {:.1} ms",
                at.duration_since(started).as_secs_f64() * 1e3
            );
            break;
        }
    }
    let mut run = run;
    let _ = run.child.kill();
}

/// Quit as an operator does (`q`, `y`) so the console writes its frame
/// stats; returns them.
fn quit(mut run: Run, stats: &Path) -> String {
    run.writer.write_all(b"q").unwrap();
    run.writer.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    run.writer.write_all(b"y").unwrap();
    run.writer.flush().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if run.child.try_wait().unwrap().is_some() {
            return std::fs::read_to_string(stats)
                .unwrap_or_else(|e| format!("no frame stats: {e}"))
                .trim()
                .replace('\n', "; ");
        }
        let _ = run.chunks.recv_timeout(Duration::from_millis(50));
    }
    let _ = run.child.kill();
    "the console did not quit within 10 s".into()
}

/// Wait until the vt100 screen fed from `run` contains `needle`; the
/// instant the chunk that completed it arrived.
fn seen_at(run: &Run, parser: &mut vt100::Parser, needle: &str) -> Instant {
    loop {
        let (at, _, bytes) = run
            .chunks
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("{needle:?} not shown within 5 s"));
        parser.process(&bytes);
        if parser.screen().contents().contains(needle) {
            return at;
        }
    }
}

/// Pairing: alice journals a note, bob's console shows it. Two processes,
/// one journal, each in its own pseudo-terminal, as on the shared host.
fn pairing(bin: &str, rb: &str, journal: &str, n: usize) {
    let args = |who: &'static str| ["rehearse", rb, "--journal", journal, "--as", who];
    let (mut alice, _) = spawn(bin, &args("alice"), &[], 120, 40);
    let mut alice_screen = vt100::Parser::new(ROWS, COLS, 0);
    seen_at(&alice, &mut alice_screen, "REHEARSAL");
    let (bob, _) = spawn(bin, &args("bob"), &[], 120, 40);
    let mut bob_screen = vt100::Parser::new(ROWS, COLS, 0);
    seen_at(&bob, &mut bob_screen, "alice");
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        let mark = format!("mark-{i:04}");
        alice
            .writer
            .write_all(format!(":note {mark}").as_bytes())
            .unwrap();
        alice.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(30));
        while let Ok((_, _, b)) = bob.chunks.try_recv() {
            bob_screen.process(&b);
        }
        let t = Instant::now();
        alice.writer.write_all(b"\r").unwrap();
        alice.writer.flush().unwrap();
        lat.push(seen_at(&bob, &mut bob_screen, &mark).duration_since(t));
        while alice.chunks.try_recv().is_ok() {}
    }
    println!(
        "pairing, note in one console shown in another, {} notes: {}",
        lat.len(),
        percentiles(lat)
    );
    let _ = alice.child.kill();
    let mut bob = bob;
    let _ = bob.child.kill();
}

/// 50 panels at 1 s for `minutes`: RSS every 30 s, the slope of the second
/// half (KiB per 10 min), CPU over the whole run and the frame stats.
fn soak(bin: &str, minutes: u64) {
    let dir = tempfile::tempdir().unwrap();
    let port = ok_server();
    let rb = big_runbook(dir.path(), 20, 50, port);
    let stats = dir.path().join("frames.txt");
    let journal = dir.path().join("soak.db");
    let (run, _) = spawn(
        bin,
        &[
            "rehearse",
            &rb,
            "--journal",
            journal.to_str().unwrap(),
            "--as",
            "ic",
        ],
        &[("WARROOM_FRAME_STATS", stats.to_str().unwrap())],
        120,
        40,
    );
    let pid = run.child.process_id().unwrap();
    drain(&run, Duration::from_secs(5));
    let cpu0 = cpu_seconds(pid);
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut bytes = 0usize;
    let end = minutes * 60;
    let mut t = 0;
    while t <= end {
        let rss = rss_kib(pid);
        println!("soak t={:>5} s  RSS {:>6} KiB", t, rss);
        samples.push((t as f64, rss));
        if t == end {
            break;
        }
        bytes += drain(&run, Duration::from_secs(30));
        t += 30;
    }
    let cpu = (cpu_seconds(pid) - cpu0) / end as f64 * 100.0;
    let half: Vec<&(f64, u64)> = samples[samples.len() / 2..].iter().collect();
    let n = half.len() as f64;
    let mx = half.iter().map(|s| s.0).sum::<f64>() / n;
    let my = half.iter().map(|s| s.1 as f64).sum::<f64>() / n;
    let cov: f64 = half.iter().map(|s| (s.0 - mx) * (s.1 as f64 - my)).sum();
    let var: f64 = half.iter().map(|s| (s.0 - mx).powi(2)).sum();
    let slope = if var > 0.0 { cov / var * 600.0 } else { 0.0 };
    let (first, last) = (samples[0].1, samples[samples.len() - 1].1);
    let max = samples.iter().map(|s| s.1).max().unwrap();
    println!(
        "soak, 50 panels @ 1 s, 120x40, {minutes} min: RSS start {:.1} MiB, end {:.1} MiB, max {:.1} MiB; \
         second-half trend {slope:+.0} KiB per 10 min; {:.2} % of one core; {:.0} bytes/s",
        first as f64 / 1024.0,
        last as f64 / 1024.0,
        max as f64 / 1024.0,
        cpu,
        bytes as f64 / end as f64
    );
    println!("soak frames: {}", quit(run, &stats));
}

/// Only the conductor polls: the endpoint sees the same requests per
/// second with 1, 3 and 10 consoles on one journal (5 panels @ 1 s), and
/// the consoles together cost little CPU.
fn fleet(bin: &str, dir: &Path) {
    let hits = Arc::new(AtomicUsize::new(0));
    let port = counting_server(Arc::clone(&hits));
    let rb = big_runbook(dir, 10, 5, port);
    for n in [1usize, 3, 10] {
        let journal = dir.join(format!("fleet-{n}.db"));
        let journal = journal.to_str().unwrap();
        let mut runs = Vec::new();
        for i in 0..n {
            let who = format!("op{i}");
            let (run, _) = spawn(
                bin,
                &["rehearse", &rb, "--journal", journal, "--as", &who],
                &[],
                120,
                40,
            );
            runs.push(run);
        }
        // Warm-up: every console attached, the conductor polling.
        let warm = Instant::now() + Duration::from_secs(6);
        while Instant::now() < warm {
            for r in &runs {
                while r.chunks.try_recv().is_ok() {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let pids: Vec<u32> = runs.iter().map(|r| r.child.process_id().unwrap()).collect();
        let cpu0: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
        let hits0 = hits.load(Ordering::Relaxed);
        let secs = 20;
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            for r in &runs {
                while r.chunks.try_recv().is_ok() {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let req = (hits.load(Ordering::Relaxed) - hits0) as f64 / secs as f64;
        let cpu: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum::<f64>() - cpu0;
        println!(
            "{n:>2} console(s) on one journal, 5 panels @ 1 s: endpoint {req:.1} requests/s; \
             all consoles together {:.2} % of one core over {secs} s",
            cpu / secs as f64 * 100.0
        );
        for mut r in runs {
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }
}

/// Another process holds the journal's write lock for 4 s: keys are still
/// answered (p99), the clock keeps ticking, and a note typed during the
/// lock shows "pending" and lands once the lock is released.
fn write_lock(bin: &str, dir: &Path) {
    let port = ok_server();
    let rb = big_runbook(dir, 10, 5, port);
    let journal = dir.join("lock.db");
    let (mut run, _) = spawn(
        bin,
        &[
            "rehearse",
            &rb,
            "--journal",
            journal.to_str().unwrap(),
            "--as",
            "ic",
        ],
        &[],
        120,
        40,
    );
    let mut screen = vt100::Parser::new(ROWS, COLS, 0);
    seen_at(&run, &mut screen, "REHEARSAL");
    drain(&run, Duration::from_secs(3));
    let mut lat = Vec::new();
    // One connection for every round: closing a connection from another
    // process can delete a live journal's WAL (see RELIABILITY.md), after
    // which its locks no longer reach the console.
    let conn = rusqlite::Connection::open(&journal).unwrap();
    for round in 0..5 {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let held = Instant::now();
        let mark = format!("held-{round}");
        run.writer
            .write_all(format!(":note {mark}\r").as_bytes())
            .unwrap();
        run.writer.flush().unwrap();
        let pending = {
            let until = Instant::now() + Duration::from_secs(1);
            let mut shown = false;
            while Instant::now() < until && !shown {
                if let Ok((_, _, b)) = run.chunks.recv_timeout(Duration::from_millis(50)) {
                    screen.process(&b);
                }
                shown = screen.screen().contents().contains("pending:");
            }
            shown
        };
        let mut ticks = 0;
        let mut last_clock = String::new();
        let mut i = 0;
        while held.elapsed() < Duration::from_millis(3800) {
            while let Ok((_, _, b)) = run.chunks.try_recv() {
                screen.process(&b);
            }
            // The header's clock: the first HH:MM:SS on the screen.
            let text = screen.screen().contents();
            let clock = text
                .split_whitespace()
                .find(|w| w.len() == 8 && w.as_bytes()[2] == b':' && w.as_bytes()[5] == b':')
                .unwrap_or("")
                .to_string();
            if clock != last_clock {
                ticks += 1;
                last_clock = clock;
            }
            let key = if i % 2 == 0 { "j" } else { "k" };
            i += 1;
            let t = Instant::now();
            run.writer.write_all(key.as_bytes()).unwrap();
            run.writer.flush().unwrap();
            if let Ok((at, _, b)) = run.chunks.recv_timeout(Duration::from_secs(1)) {
                lat.push(at.duration_since(t));
                screen.process(&b);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        while held.elapsed() < Duration::from_secs(4) {
            std::thread::sleep(Duration::from_millis(5));
        }
        while let Ok((_, _, b)) = run.chunks.try_recv() {
            screen.process(&b);
        }
        let still_pending = screen.screen().contents().contains("pending:");
        conn.execute_batch("COMMIT").unwrap();
        let released = Instant::now();
        // Landed: in the journal pane, no longer pending.
        let landed = loop {
            let (at, _, b) = run
                .chunks
                .recv_timeout(Duration::from_secs(5))
                .expect("the note did not land within 5 s of the release");
            screen.process(&b);
            let text = screen.screen().contents();
            if text.contains(&mark) && !text.contains("pending:") {
                break at;
            }
        };
        println!(
            "write lock held 4 s (round {round}): \"pending\" shown {pending} (still at release: {still_pending}), clock changed {ticks} times, \
             note landed {:.1} ms after release",
            landed.duration_since(released).as_secs_f64() * 1e3
        );
    }
    // The notes typed under the lock, as journaled.
    let notes: i64 = conn
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'note'", [], |r| {
            r.get(0)
        })
        .unwrap();
    println!("notes typed under the lock: 5, journaled: {notes}");
    println!(
        "keys while another process holds the write lock, {} keys: {}",
        lat.len(),
        percentiles(lat)
    );
    let _ = run.child.kill();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let absolute = |p: &str| {
        // portable-pty starts children in $HOME: make the path absolute.
        std::fs::canonicalize(p)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    if args.get(1).map(String::as_str) == Some("soak") {
        let bin = absolute(args.get(2).expect("usage: measure soak BINARY MINUTES"));
        let minutes = args
            .get(3)
            .and_then(|m| m.parse().ok())
            .unwrap_or(30)
            .max(1);
        soak(&bin, minutes);
        return;
    }
    let bin = absolute(
        args.get(1)
            .expect("usage: measure BINARY [demo|first|pairing|panels|fleet|lock]"),
    );
    // One part only, when iterating on it.
    let only = args.get(2).cloned();
    let want = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let dir = tempfile::tempdir().unwrap();
    let j = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let port = ok_server();

    if want("demo") {
        demo(&bin, &j("demo.db"));
    }
    if want("first") {
        let rb = big_runbook(dir.path(), 500, 200, port);
        first_frame(&bin, &rb, &j("first.db"));
    }
    if want("fleet") {
        fleet(&bin, dir.path());
    }
    if want("lock") {
        write_lock(&bin, dir.path());
    }
    if want("pairing") {
        let small = big_runbook(dir.path(), 10, 5, port);
        pairing(&bin, &small, &j("pair.db"), 200);
    }
    if want("panels") {
        let rb500 = big_runbook(dir.path(), 10, 500, port);
        let stats = dir.path().join("frames-500.txt");
        let (big, _) = steady(
            &bin,
            &["rehearse", &rb500, "--journal", &j("big.db"), "--as", "ic"],
            &[("WARROOM_FRAME_STATS", stats.to_str().unwrap())],
            "500 panels @ 1 s, 120x40",
            20,
        );
        println!("500 panels frames: {}", quit(big, &stats));
    }
}

/// The demo at steady state, then 200 keys.
fn demo(bin: &str, journal: &str) {
    let (mut demo, _) = steady(
        bin,
        &["demo", "--journal", journal],
        &[],
        "demo, 120x40, 5 panels @ 1 s",
        20,
    );
    key_latency(&mut demo, 200);
    let _ = demo.child.kill();
}
