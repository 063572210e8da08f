//! A throwaway PostgreSQL cluster for the tests, one per test binary:
//! Debian's `postgresql` package, `initdb` and `pg_ctl` in a temporary
//! folder, listening only on a Unix socket there. As root (CI) the cluster
//! runs as the `postgres` account (`initdb` refuses root). A watchdog
//! shell stops it and removes the folder when this test process ends.
//!
//! Without PostgreSQL the tests are skipped, except under `CI=true`,
//! where a missing server is a failure.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

include!("skip.rs");
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Cluster {
    pub dir: PathBuf,
    /// 5432 unless the setup chose another (its socket's name too).
    pub port: u16,
    /// How to start it again after `stop` (the way-back outage tests).
    restart: Vec<String>,
    bin: PathBuf,
}

/// How a cluster differs from the plain one: files to write into its
/// data folder after `initdb` (name, contents; written as the cluster's
/// owner, mode 0600), and server options.
#[derive(Default)]
pub struct Setup {
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub options: String,
    pub port: Option<u16>,
}

include!("pg_cmd.rs");

fn start() -> Option<Cluster> {
    start_with(Setup::default())
}

/// A throwaway cluster of its own (stopped when this process ends), or
/// None (skip) when PostgreSQL is not installed.
pub fn start_with(setup: Setup) -> Option<Cluster> {
    let Some(bin) = bin_dir() else {
        skipped_without("postgresql", "the Debian package `postgresql`");
        return None;
    };
    let dir = tempfile::Builder::new()
        .prefix("warroom-pg-")
        .tempdir()
        .unwrap()
        .keep();
    if nix::unistd::getuid().is_root() {
        run(
            {
                let mut c = Command::new("chown");
                c.arg("postgres:postgres").arg(&dir);
                c
            },
            "chown",
        );
    }
    let data = dir.join("data");
    let port = setup.port.unwrap_or(5432);
    let mut init = as_owner(&bin.join("initdb"));
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
    .arg(&data);
    run(init, "initdb");
    for (name, contents) in &setup.files {
        let path = data.join(name);
        std::fs::write(&path, contents).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        if nix::unistd::getuid().is_root() {
            let mut c = Command::new("chown");
            c.arg("postgres:postgres").arg(&path);
            run(c, "chown");
        }
    }
    let restart: Vec<String> = vec![
        "-w".into(),
        "-D".into(),
        data.display().to_string(),
        "-l".into(),
        dir.join("log").display().to_string(),
        "-o".into(),
        format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c max_connections=200 -c port={port} {}",
            dir.display(),
            setup.options
        ),
        "start".into(),
    ];
    let mut ctl = as_owner(&bin.join("pg_ctl"));
    ctl.args(&restart);
    run(ctl, "pg_ctl start");
    // Stop the cluster when this process ends, however it ends.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {ctl} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        ctl = if nix::unistd::getuid().is_root() {
            format!("runuser -u postgres -- {}", bin.join("pg_ctl").display())
        } else {
            bin.join("pg_ctl").display().to_string()
        },
        data = data.display(),
        dir = dir.display(),
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
    Some(Cluster {
        dir,
        port,
        restart,
        bin,
    })
}

/// The shared cluster, or None (skip) when PostgreSQL is not installed.
/// Every test that finds none is reported skipped (`skip.rs`).
pub fn cluster() -> Option<&'static Cluster> {
    static C: OnceLock<Option<Cluster>> = OnceLock::new();
    if bin_dir().is_none() {
        skipped_without("postgresql", "the Debian package `postgresql`");
        return None;
    }
    C.get_or_init(start).as_ref()
}

impl Cluster {
    /// Stop the server (fast: open connections are cut), as an outage.
    pub fn stop(&self) {
        let mut ctl = as_owner(&self.bin.join("pg_ctl"));
        ctl.args(["-w", "-m", "fast", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop");
        run(ctl, "pg_ctl stop");
    }

    /// Start it again after `stop`, with the same options.
    pub fn start_again(&self) {
        let mut ctl = as_owner(&self.bin.join("pg_ctl"));
        ctl.args(&self.restart);
        run(ctl, "pg_ctl start");
    }

    pub fn url(&self, db: &str) -> PathBuf {
        PathBuf::from(format!(
            "postgresql://warroom@/{db}?host={}&port={}",
            self.dir.display(),
            self.port
        ))
    }

    pub fn admin(&self) -> postgres::Client {
        postgres::Config::new()
            .user("warroom")
            .dbname("postgres")
            .host_path(&self.dir)
            .port(self.port)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// A fresh database for one test (tests run in parallel).
    pub fn fresh(&self, name: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let db = format!(
            "{name}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        // On a thread of its own: a test may be inside a tokio runtime,
        // where the sync client cannot block.
        std::thread::scope(|s| {
            s.spawn(|| {
                self.admin()
                    .batch_execute(&format!("CREATE DATABASE {db}"))
                    .unwrap()
            })
            .join()
            .unwrap()
        });
        self.url(&db)
    }

    /// A connection of its own to the database of `url` (no warroom code).
    pub fn raw(&self, url: &Path) -> postgres::Client {
        postgres::Config::new()
            .user("warroom")
            .dbname(&db_of(url))
            .host_path(&self.dir)
            .port(self.port)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// Terminate every connection to the database of `url`.
    pub fn kill_connections(&self, url: &Path) -> u64 {
        let db = db_of(url);
        self.admin()
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                &[&db],
            )
            .unwrap()
            .len() as u64
    }
}

/// The database name of a `postgresql://warroom@/DB?host=…` test URL.
pub fn db_of(url: &Path) -> String {
    let s = url.to_str().unwrap();
    let after = &s[s.find("@/").unwrap() + 2..];
    after.split('?').next().unwrap().to_string()
}

/// A journal location as the command line parses it (a file or a URL).
pub fn at(url: &Path) -> warroom::journal::JournalLocation {
    warroom::journal::JournalLocation::parse(url.to_str().unwrap()).unwrap()
}
