//! A throwaway PostgreSQL cluster that speaks only TLS over TCP
//! (common/pg.rs starts it): `ssl = on`, a server certificate for
//! `localhost` signed by a CA made here with the `openssl` command, and
//! pg_hba `hostssl` lines only (password by SCRAM), listening on
//! 127.0.0.1 at a free port. Its Unix socket (`local` line, trust) is for
//! the tests' own administration.
//!
//! Without PostgreSQL or `openssl` the tests are skipped, except under
//! `CI=true`, where either missing is a failure.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

include!("skip.rs");
use std::sync::OnceLock;

use super::pg::{Cluster, Setup, start_with};

/// The password of the `warroom` role over TCP (never to be printed).
pub const PASSWORD: &str = "tls-Secret-4711";

pub struct TlsCluster {
    pub pg: Cluster,
    /// ca.crt (signed the server's), wrong-ca.crt (signed nothing here).
    pub certs: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const EC_KEY: [&str; 5] = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
];

/// A CA, a wrong CA, a server certificate naming only `localhost`, and a
/// client certificate for the role `warroom`.
fn make_certs(dir: &Path) {
    for ca in ["ca", "wrong-ca"] {
        let (key, crt, subj) = (
            format!("{ca}.key"),
            format!("{ca}.crt"),
            format!("/CN=warroom test {ca}"),
        );
        let mut args = vec!["req", "-x509"];
        args.extend(EC_KEY);
        args.extend([
            "-keyout",
            &key,
            "-out",
            &crt,
            "-days",
            "3",
            "-subj",
            &subj,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(dir, &args);
    }
    signed_by_ca(
        dir,
        "server",
        "/CN=localhost",
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    signed_by_ca(
        dir,
        "client",
        "/CN=warroom",
        "extendedKeyUsage=clientAuth\n",
    );
}

/// NAME.key and NAME.crt (v3, not a CA, with `ext`), signed by ca.crt.
fn signed_by_ca(dir: &Path, name: &str, subject: &str, ext: &str) {
    let (key, csr, crt, extfile) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.ext"),
    );
    let mut args = vec!["req"];
    args.extend(EC_KEY);
    args.extend(["-keyout", &key, "-out", &csr, "-subj", subject]);
    openssl(dir, &args);
    std::fs::write(
        dir.join(&extfile),
        format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n{ext}"),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "3",
            "-extfile",
            &extfile,
            "-out",
            &crt,
        ],
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join(&key), std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> Option<TlsCluster> {
    if !has_openssl() {
        return None;
    }
    let certs = tempfile::Builder::new()
        .prefix("warroom-pgtls-")
        .tempdir()
        .unwrap()
        .keep();
    make_certs(&certs);
    let read = |f: &str| std::fs::read(certs.join(f)).unwrap();
    // The database `certdb` takes a client certificate instead of a
    // password.
    let hba = "local all all trust\n\
               hostssl certdb all 127.0.0.1/32 cert\n\
               hostssl all all 127.0.0.1/32 scram-sha-256\n\
               hostssl all all ::1/128 scram-sha-256\n";
    let pg = start_with(Setup {
        files: vec![
            ("server.crt", read("server.crt")),
            ("server.key", read("server.key")),
            ("root.crt", read("ca.crt")),
            ("pg_hba.conf", hba.as_bytes().to_vec()),
        ],
        options: "-c ssl=on -c ssl_ca_file=root.crt -c listen_addresses=127.0.0.1 \
                  -c password_encryption=scram-sha-256"
            .into(),
        port: Some(free_port()),
    })?;
    // Into the cluster's folder, which the watchdog removes at the end.
    let certs = {
        let inside = pg.dir.join("certs");
        std::fs::rename(&certs, &inside).unwrap();
        inside
    };
    let mut admin = pg.admin();
    admin
        .batch_execute(&format!("ALTER ROLE warroom PASSWORD '{PASSWORD}'"))
        .unwrap();
    admin.batch_execute("CREATE DATABASE certdb").unwrap();
    Some(TlsCluster { pg, certs })
}

/// The shared TLS cluster, or None (skip).
pub fn tls_cluster() -> Option<&'static TlsCluster> {
    static C: OnceLock<Option<TlsCluster>> = OnceLock::new();
    if !has_openssl() {
        skipped_without("openssl", "the Debian package `openssl`");
        return None;
    }
    C.get_or_init(start).as_ref()
}

fn has_openssl() -> bool {
    Command::new("openssl").arg("version").output().is_ok()
}

impl TlsCluster {
    /// A fresh database; returns its name.
    pub fn fresh(&self, name: &str) -> String {
        let url = self.pg.fresh(name);
        super::pg::db_of(&url)
    }

    /// `postgresql://warroom:PASSWORD@HOST:PORT/DB?QUERY` over TCP.
    pub fn url(&self, host: &str, db: &str, query: &str) -> PathBuf {
        PathBuf::from(format!(
            "postgresql://warroom:{PASSWORD}@{host}:{}/{db}?{query}",
            self.pg.port
        ))
    }

    pub fn ca(&self) -> String {
        self.certs.join("ca.crt").display().to_string()
    }

    /// `sslmode=MODE&sslrootcert=CA` to `host`.
    pub fn verified(&self, mode: &str, host: &str, db: &str, ca: &str) -> PathBuf {
        self.url(host, db, &format!("sslmode={mode}&sslrootcert={ca}"))
    }

    /// `sslcert=…&sslkey=…` of the client certificate for `warroom`.
    pub fn client_cert_query(&self) -> String {
        format!(
            "sslcert={}&sslkey={}",
            self.certs.join("client.crt").display(),
            self.certs.join("client.key").display()
        )
    }

    pub fn wrong_ca(&self) -> String {
        self.certs.join("wrong-ca.crt").display().to_string()
    }
}
