//! The journal over TLS to a real PostgreSQL that accepts only TLS
//! (common/pg_tls.rs): libpq's sslmodes through rustls. `require`
//! encrypts without checking the certificate; `verify-full` checks the
//! chain against `sslrootcert` and the host name; every refusal names its
//! cause and never the password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pg.rs"]
mod pg;
#[path = "common/pg_tls.rs"]
mod pg_tls;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use chrono::Utc;
use pg_tls::{PASSWORD, tls_cluster};
use warroom::console_session::{OpenOptions, Session};
use warroom::health::PanelMap;
use warroom::journal::NewEvent;
use warroom::journal::open::{open_store, read_all};
use warroom::session::command::{Command as Cmd, Outcome};
use warroom::session::event::{EventBody, SessionMode};
use warroom::session::testkit::sample_runbook;

fn refusal(url: &Path) -> String {
    let e = match open_store(pg::at(url), true) {
        Ok(_) => panic!("{} connected", url.display()),
        Err(e) => e.to_string(),
    };
    assert!(!e.contains(PASSWORD), "the password leaked: {e}");
    eprintln!("refused: {e}");
    e
}

/// One note, committed through a store of its own.
fn append_note(url: &Path, text: &str) {
    let (mut store, _) = open_store(pg::at(url), false).unwrap();
    let mut w = store.begin().unwrap();
    w.append(&NewEvent {
        ts: Utc::now(),
        operator: "ann".into(),
        body: EventBody::Note { text: text.into() },
    })
    .unwrap();
    w.commit().unwrap();
}

/// Every connection of warroom's to this database is encrypted.
fn assert_all_encrypted(c: &pg_tls::TlsCluster, db: &str) {
    let row =
        c.pg.admin()
            .query_one(
                "SELECT count(*), coalesce(bool_and(s.ssl), false) FROM pg_stat_ssl s \
             JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1",
                &[&db],
            )
            .unwrap();
    let (n, all): (i64, bool) = (row.get(0), row.get(1));
    assert!(n > 0 && all, "{n} connections, all TLS: {all}");
}

#[test]
fn require_encrypts_and_a_console_session_appends_and_reads_back() {
    let Some(c) = tls_cluster() else { return };
    let db = c.fresh("require");
    let url = c.url("127.0.0.1", &db, "sslmode=require");
    let mut s = Session::open(
        Arc::new(sample_runbook()),
        pg::at(&url),
        OpenOptions {
            mode: SessionMode::Live,
            operator: "ann".into(),
            host: Some("bastion-eu".into()),
            read_only: false,
            accept_runbook_change: false,
        },
    )
    .unwrap();
    let note = Cmd::Note {
        text: "over TLS".into(),
    };
    let outcome = s.submit(&note, &PanelMap::new(), Utc::now()).unwrap();
    assert!(matches!(outcome, Outcome::Applied(_)), "{outcome:?}");
    assert_all_encrypted(c, &db);
    drop(s);
    let notes: Vec<_> = read_all(pg::at(&url))
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.body {
            EventBody::Note { text } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(notes, ["over TLS"]);
}

/// Each of these connects, encrypted: the default `prefer` (the server
/// accepts only TLS), `verify-full` with the CA to the name in the
/// certificate, `verify-ca` (chain only) to an address it does not name.
#[test]
fn these_modes_connect_encrypted() {
    let Some(c) = tls_cluster() else { return };
    let db = c.fresh("connects");
    for url in [
        c.url("127.0.0.1", &db, "application_name=x"),
        c.verified("verify-full", "localhost", &db, &c.ca()),
        c.verified("verify-ca", "127.0.0.1", &db, &c.ca()),
    ] {
        let (_store, _) =
            open_store(pg::at(&url), true).unwrap_or_else(|e| panic!("{}: {e}", url.display()));
        assert_all_encrypted(c, &db);
    }
}

#[test]
fn verify_full_with_a_wrong_ca_is_refused_naming_the_roots() {
    let Some(c) = tls_cluster() else { return };
    let db = c.fresh("wrongca");
    let url = c.verified("verify-full", "localhost", &db, &c.wrong_ca());
    let e = refusal(&url);
    assert!(
        e.contains("certificate of localhost not signed by a trusted root")
            && e.contains("wrong-ca.crt")
            && e.contains("sslmode=verify-full"),
        "{e}"
    );
    // require with a root given checks the chain, as libpq does.
    let url = c.verified("require", "localhost", &db, &c.wrong_ca());
    let e = refusal(&url);
    assert!(
        e.contains("not signed by a trusted root")
            && e.contains("sslmode=require, with a root certificate: checked as verify-ca"),
        "{e}"
    );
}

#[test]
fn verify_full_to_an_address_the_certificate_does_not_name_is_refused() {
    let Some(c) = tls_cluster() else { return };
    let db = c.fresh("wrongname");
    let e = refusal(&c.verified("verify-full", "127.0.0.1", &db, &c.ca()));
    assert!(
        e.contains("certificate not valid for host 127.0.0.1 (it names") && e.contains("localhost"),
        "{e}"
    );
}

#[test]
fn disable_against_a_tls_only_server_shows_the_servers_refusal() {
    let Some(c) = tls_cluster() else { return };
    let db = c.fresh("disable");
    let e = refusal(&c.url("127.0.0.1", &db, "sslmode=disable"));
    assert!(
        e.contains("no pg_hba.conf entry") && e.contains("no encryption"),
        "{e}"
    );
}

/// A server that answers the TLS request with "no" (a plain server).
#[test]
fn require_against_a_server_without_tls_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        s.read_exact(&mut request).unwrap();
        s.write_all(b"N").unwrap();
    });
    let url = Path::new("postgresql://ann:hunter2@127.0.0.1:1/x?sslmode=require")
        .to_string_lossy()
        .replace(":1/", &format!(":{port}/"));
    let e = refusal(Path::new(&url));
    assert!(
        e.contains("server does not support TLS but sslmode=require"),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
    server.join().unwrap();
}

/// `prefer` (the default) as libpq has it: a connection over TLS that
/// fails is tried once more without TLS. The server here says yes to TLS,
/// then answers the handshake with garbage; the second connection must
/// start plain (a StartupMessage, protocol 3.0) and the error names both.
#[test]
fn prefer_tries_plain_after_a_failed_tls_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        s.read_exact(&mut request).unwrap();
        assert_eq!(
            &request[4..],
            &[0x04, 0xd2, 0x16, 0x2f],
            "an SSLRequest first"
        );
        s.write_all(b"S").unwrap();
        s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap();
        drop(s);
        // The second try, if it comes: waited for with a deadline, so a
        // missing fallback fails here instead of hanging.
        listener.set_nonblocking(true).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut s = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                Err(_) => return false,
            }
        };
        s.set_nonblocking(false).unwrap();
        let mut startup = [0u8; 8];
        s.read_exact(&mut startup).unwrap();
        startup[4..] == [0, 3, 0, 0]
    });
    let url = format!("postgresql://ann:hunter2@127.0.0.1:{port}/x");
    let e = refusal(Path::new(&url));
    assert!(server.join().unwrap(), "the second try was not plain");
    assert!(e.contains("and over TLS:"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
}

/// The binary: `journal init` and `report` over verify-full. The password
/// never on the command line: `journal init` reads the URL from a file of
/// mode 600 (`--journal-file`), `report` takes it from PGPASSWORD.
#[test]
fn journal_init_and_report_go_through_tls() {
    use std::os::unix::fs::PermissionsExt;
    let Some(c) = tls_cluster() else { return };
    let db = c.fresh("binary");
    let url = c.verified("verify-full", "localhost", &db, &c.ca());
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("journal-url");
    std::fs::write(&url_file, url.to_str().unwrap()).unwrap();
    std::fs::set_permissions(&url_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["journal", "init", "--journal-file"])
        .arg(&url_file)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    append_note(&url, "reported over TLS");
    let bare = |u: &Path| PathBuf::from(u.to_str().unwrap().replace(&format!(":{PASSWORD}@"), "@"));
    let report = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("report")
        .arg(bare(&url))
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&report.stdout);
    assert!(out.contains("reported over TLS"), "{out}");
    // The wrong CA: exit code and message, no password.
    let bad = c.verified("verify-full", "localhost", &db, &c.wrong_ca());
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("report")
        .arg(bare(&bad))
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("not signed by a trusted root"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
}

#[test]
fn a_client_certificate_replaces_the_password() {
    let Some(c) = tls_cluster() else { return };
    let q = format!(
        "sslmode=verify-full&sslrootcert={}&{}",
        c.ca(),
        c.client_cert_query()
    );
    let url = Path::new(&format!(
        "postgresql://warroom@localhost:{}/certdb?{q}",
        c.pg.port
    ))
    .to_path_buf();
    let (_store, _) = open_store(pg::at(&url), true).unwrap();
    // Without the certificate the server refuses (its own words).
    let bare = format!(
        "postgresql://warroom@localhost:{}/certdb?sslmode=verify-full&sslrootcert={}",
        c.pg.port,
        c.ca()
    );
    let e = refusal(Path::new(&bare));
    assert!(e.contains("certificate"), "{e}");
}

/// A URL that cannot be right whatever the server says is bad input:
/// exit 2 from `report`, `journal init` and `run`, before any connection.
#[test]
fn a_bad_sslmode_or_root_file_is_refused_as_bad_input() {
    let runbook = concat!(env!("CARGO_MANIFEST_DIR"), "/runbooks/api-canary.toml");
    for (args, url, says) in [
        (
            vec!["report"],
            "postgresql://ann@db.internal/x?sslmode=verify-some",
            "sslmode=verify-some: not one of",
        ),
        (
            vec!["journal", "init"],
            "postgresql://ann@db.internal/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            "sslrootcert: cannot read /nonexistent/ca.pem",
        ),
        (
            vec!["run", runbook, "--journal"],
            "postgresql://ann@db.internal/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            "sslrootcert: cannot read /nonexistent/ca.pem",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(&args)
            .arg(url)
            .env("PGPASSWORD", "hunter2")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "{args:?}: {err}");
    }
}
