//! A PostgreSQL primary and its streaming standby on loopback, for the
//! failover tests: `initdb` a primary, `pg_basebackup -R` a standby from
//! it, each on its own TCP port on 127.0.0.1 (and a Unix socket in the
//! folder). `synchronous`: the primary waits for the standby's flush
//! before a commit returns (`synchronous_commit = on`,
//! `synchronous_standby_names = '*'`), as docs/POSTGRES.md asks of an
//! operator. As root (CI) both run as the `postgres` account. A watchdog
//! stops both and removes the folder when this test process ends.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Pair {
    pub dir: PathBuf,
    pub primary: u16,
    pub standby: u16,
    bin: PathBuf,
}

include!("pg_cmd.rs");

/// A TCP port free on loopback now (the server binds it a moment later).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start both, or None (skip) without PostgreSQL.
pub fn start(synchronous: bool) -> Option<Pair> {
    let Some(bin) = bin_dir() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("PostgreSQL is missing; CI must install the Debian package `postgresql`");
        }
        eprintln!("skipped: PostgreSQL not installed (apt-get install postgresql)");
        return None;
    };
    let dir = tempfile::Builder::new()
        .prefix("warroom-pg-pair-")
        .tempdir()
        .unwrap()
        .keep();
    if nix::unistd::getuid().is_root() {
        let mut c = Command::new("chown");
        c.arg("postgres:postgres").arg(&dir);
        run(c, "chown");
    }
    let (primary, standby) = (free_port(), free_port());
    let pair = Pair {
        dir,
        primary,
        standby,
        bin,
    };
    let mut init = as_owner(&pair.bin.join("initdb"));
    init.args([
        "-A",
        "trust",
        "-U",
        "warroom",
        "--no-sync",
        "-E",
        "UTF8",
        "-D",
    ])
    .arg(pair.data("primary"));
    run(init, "initdb");
    let sync = if synchronous {
        " -c synchronous_commit=on -c synchronous_standby_names='*'"
    } else {
        ""
    };
    pair.ctl_start(
        "primary",
        primary,
        &format!("-c wal_level=replica -c max_wal_senders=4{sync}"),
    );
    // Stop both when this process ends, however it ends.
    let ctl = if nix::unistd::getuid().is_root() {
        format!(
            "runuser -u postgres -- {}",
            pair.bin.join("pg_ctl").display()
        )
    } else {
        pair.bin.join("pg_ctl").display().to_string()
    };
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {ctl} -D '{p}' -m immediate stop >/dev/null 2>&1; \
         {ctl} -D '{s}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        p = pair.data("primary").display(),
        s = pair.data("standby").display(),
        dir = pair.dir.display(),
    );
    // Outlives this process by design: never waited for.
    #[allow(clippy::zombie_processes)]
    Command::new("setsid")
        .args(["sh", "-c", &stop])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut base = as_owner(&pair.bin.join("pg_basebackup"));
    base.args(["-h", "127.0.0.1", "-U", "warroom", "-R", "-c", "fast", "-p"])
        .arg(primary.to_string())
        .arg("-D")
        .arg(pair.data("standby"));
    run(base, "pg_basebackup");
    pair.start_standby();
    if synchronous {
        pair.wait_streaming("sync");
    }
    Some(pair)
}

impl Pair {
    fn data(&self, which: &str) -> PathBuf {
        self.dir.join(which)
    }

    fn ctl_start(&self, which: &str, port: u16, extra: &str) {
        let mut ctl = as_owner(&self.bin.join("pg_ctl"));
        ctl.args(["-w", "-D"])
            .arg(self.data(which))
            .arg("-l")
            .arg(self.dir.join(format!("{which}.log")))
            .arg("-o")
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{}' {extra}",
                self.dir.display()
            ))
            .arg("start");
        run(ctl, &format!("pg_ctl start {which}"));
    }

    fn ctl(&self, which: &str, args: &[&str]) {
        let mut ctl = as_owner(&self.bin.join("pg_ctl"));
        ctl.args(["-w", "-D"]).arg(self.data(which)).args(args);
        run(ctl, &format!("pg_ctl {args:?} {which}"));
    }

    pub fn start_standby(&self) {
        self.ctl_start("standby", self.standby, "");
    }

    pub fn stop_standby(&self) {
        self.ctl("standby", &["-m", "fast", "stop"]);
    }

    /// The primary dies as a host would: no shutdown checkpoint, every
    /// connection cut.
    pub fn kill_primary(&self) {
        self.ctl("primary", &["-m", "immediate", "stop"]);
    }

    /// What an HA tool does once the primary is gone.
    pub fn promote_standby(&self) {
        self.ctl("standby", &["promote"]);
    }

    /// A client of its own on one server (no warroom code).
    pub fn client(&self, port: u16, db: &str) -> postgres::Client {
        postgres::Config::new()
            .user("warroom")
            .dbname(db)
            .host("127.0.0.1")
            .port(port)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// The journal URL listing `ports` in that order.
    pub fn url(&self, db: &str, ports: &[u16], target: &str) -> String {
        let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        format!(
            "postgresql://warroom@{}/{db}?target_session_attrs={target}&sslmode=disable",
            hosts.join(",")
        )
    }

    /// Wait until the primary reports its standby streaming in `state`
    /// (`sync` or `async`).
    pub fn wait_streaming(&self, state: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n: i64 = self
                .client(self.primary, "postgres")
                .query_one(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = $1",
                    &[&state],
                )
                .unwrap()
                .get(0);
            if n > 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the standby never streamed ({state})"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
