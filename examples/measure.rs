//! Steady-state and latency measurements of the real binary in a
//! pseudo-terminal. Run through `scripts/measure.sh`; numbers go to
//! docs/PERFORMANCE.md. Usage: measure BINARY
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Run {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    chunks: mpsc::Receiver<(Instant, usize, Vec<u8>)>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

fn spawn(bin: &str, args: &[&str], cols: u16, rows: u16) -> (Run, Instant) {
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

fn steady(bin: &str, args: &[&str], label: &str, secs: u64) -> (Run, u32) {
    let (run, _) = spawn(bin, args, 120, 40);
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
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    println!(
        "key to screen over {} keys: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );
}

/// A loopback HTTP server answering every request with a one-series
/// Prometheus instant-query result (also a 2xx for http panels).
fn ok_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut s = s;
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
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
        120,
        40,
    );
    let mut parser = vt100::Parser::new(40, 120, 0);
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

fn main() {
    let bin = std::env::args().nth(1).expect("usage: measure BINARY");
    // portable-pty starts children in $HOME: make the path absolute.
    let bin = std::fs::canonicalize(&bin)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let j = |n: &str| dir.path().join(n).to_str().unwrap().to_string();

    let (mut demo, _) = steady(
        &bin,
        &["demo", "--journal", &j("demo.db")],
        "demo, 120x40, 5 panels @ 1 s",
        20,
    );
    key_latency(&mut demo, 200);
    let _ = demo.child.kill();

    let port = ok_server();
    let rb = big_runbook(dir.path(), 500, 200, port);
    first_frame(&bin, &rb, &j("first.db"));

    let rb500 = big_runbook(dir.path(), 10, 500, port);
    let (mut big, _) = steady(
        &bin,
        &["rehearse", &rb500, "--journal", &j("big.db"), "--as", "ic"],
        "500 panels @ 1 s, 120x40",
        20,
    );
    let _ = big.child.kill();
}
