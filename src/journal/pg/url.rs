//! A `postgresql://` (or `postgres://`) journal location: libpq's URL
//! syntax, parsed by tokio-postgres (`?host=/run/postgresql` for a Unix
//! socket, `sslmode`, `options=-csearch_path%3Dcutover_42` for a schema),
//! with the password taken as libpq does: the URL, then `PGPASSWORD`, then
//! `~/.pgpass` (or `PGPASSFILE`). The password is never shown: every
//! message names the journal by `display`, which has none.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, Config, NoTls};

use super::super::error::JournalError;
use super::hosts::{self, Endpoint, Target};
use super::tls::{self, RustlsConnect, SslMode};

/// Does this text name a PostgreSQL journal?
pub fn is_url(raw: &str) -> bool {
    raw.starts_with("postgresql://") || raw.starts_with("postgres://")
}

/// Does this `postgresql://` URL carry a password (`user:PASSWORD@` or
/// `?password=`)? Read from the text itself, before any parser could
/// quote it: a command line must not carry one.
pub fn has_password(raw: &str) -> bool {
    if !is_url(raw) {
        return false;
    }
    let after = raw.split_once("://").map_or("", |(_, r)| r);
    let authority = after.split(['/', '?']).next().unwrap_or_default();
    let in_userinfo = authority
        .rsplit_once('@')
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .is_some_and(|(_, pw)| !pw.is_empty());
    let in_query = raw.split_once('?').is_some_and(|(_, q)| {
        q.split('&').any(|p| {
            p.split_once('=')
                .is_some_and(|(k, v)| k == "password" && !v.is_empty())
        })
    });
    in_userinfo || in_query
}

/// `passfile=FILE` taken out of the URL (libpq's parameter; tokio-postgres
/// does not know it): the password file to read instead of `PGPASSFILE`
/// or `~/.pgpass`.
fn split_passfile(raw: &str) -> (String, Option<PathBuf>) {
    let Some((base, query)) = raw.split_once('?') else {
        return (raw.to_string(), None);
    };
    let mut file = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| match p.strip_prefix("passfile=") {
            Some(v) => {
                file = Some(PathBuf::from(tls::percent_decode(v)));
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, file)
}

/// A parsed URL: how to connect, and how to name it on screen.
#[derive(Clone)]
pub struct PgUrl {
    /// Everything but the hosts (each host adds itself: `Endpoint::config`).
    config: Config,
    /// The servers in the URL's order, each with the password found for
    /// it (`~/.pgpass` lines name a host).
    hosts: Vec<(Endpoint, Option<String>)>,
    /// `target_session_attrs` (libpq's default: `any`).
    pub target: Target,
    /// A reader's URL (`read_only`): its sessions are read-only by design,
    /// so only recovery tells a standby.
    reader: bool,
    /// The sslmode in force (libpq's default: `prefer`).
    pub ssl_mode: SslMode,
    /// None: plain (`disable`, or a Unix socket).
    tls: Option<RustlsConnect>,
    /// `postgresql://user@host:port/db`: no password, ever.
    pub display: PathBuf,
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display.to_string_lossy())
    }
}

impl PgUrl {
    /// Parse the URL as written (once, at the command line: the parsed
    /// value travels from there, so nothing reopens by the display form).
    pub fn parse(raw: &str) -> Result<PgUrl, JournalError> {
        let invalid = |cause: String| JournalError::Open {
            path: PathBuf::from("postgresql://…"),
            cause: format!("not a valid PostgreSQL URL: {}", scrub(&cause, raw)),
        };
        let (stripped, passfile) = split_passfile(raw);
        let (raw_rest, tls_params) = tls::split_tls_params(&stripped).map_err(invalid)?;
        let (raw_rest, target) = hosts::split_target(&raw_rest).map_err(invalid)?;
        // The parser's error could quote the URL: name none of it.
        let full = Config::from_str(&raw_rest).map_err(|e| invalid(e.to_string()))?;
        let endpoints = hosts::endpoints(&full).map_err(invalid)?;
        let mut config = Config::from_str(&hosts::without_hosts(&raw_rest))
            .map_err(|e| invalid(e.to_string()))?;
        if config.get_user().is_none() {
            config.user(&crate::console_session::identity::current_operator());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        dead_peer_defaults(&mut config, &raw_rest);
        config.application_name("warroom");
        let display = PathBuf::from(display(&config, &endpoints, target));
        // libpq's rule: a Unix socket never carries TLS.
        let local = endpoints.iter().all(Endpoint::is_unix);
        let asked = tls_params.mode.unwrap_or(SslMode::Prefer);
        let ssl_mode = if local {
            SslMode::Disable
        } else {
            tls::effective_mode(asked, &tls_params)
        };
        config.ssl_mode(ssl_mode.wire());
        let tls = match ssl_mode {
            SslMode::Disable => None,
            m => Some(
                RustlsConnect::new(m, &tls_params).map_err(|cause| JournalError::Open {
                    path: display.clone(),
                    cause,
                })?,
            ),
        };
        let hosts = endpoints
            .into_iter()
            .map(|ep| {
                let pw = match config.get_password() {
                    Some(_) => None,
                    None => password_from_env_or_pgpass(&config, &ep, passfile.as_deref()),
                };
                (ep, pw)
            })
            .collect();
        Ok(PgUrl {
            config,
            hosts,
            target,
            reader: false,
            ssl_mode,
            tls,
            display,
        })
    }

    /// Connect to the first server of the list that answers and suits
    /// `target_session_attrs`, in order (a second pass for
    /// `prefer-standby`); every server's reason is named when none does.
    pub fn connect(&self) -> Result<Client, JournalError> {
        let mut tried: Vec<(String, String)> = Vec::new();
        for pass in self.target.passes() {
            for (ep, pw) in &self.hosts {
                let mut client = match self.connect_one(ep, pw.as_deref()) {
                    Ok(c) => c,
                    Err(cause) => {
                        tried.push((ep.label(), cause));
                        continue;
                    }
                };
                if *pass == Target::Any {
                    return Ok(client);
                }
                match hosts::server_state(&mut client) {
                    Ok((standby, read_only))
                        if pass.accepts(standby, read_only && !self.reader) =>
                    {
                        return Ok(client);
                    }
                    Ok((standby, _)) => tried.push((ep.label(), pass.refusal(standby))),
                    Err(e) => tried.push((ep.label(), super::describe(&e))),
                }
            }
        }
        let cause = match tried.as_slice() {
            [(_, only)] if self.hosts.len() == 1 => only.clone(),
            _ => format!(
                "no server of {} took the connection: {}",
                self.hosts.len(),
                tried
                    .iter()
                    .map(|(host, why)| format!("{host}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        Err(JournalError::Open {
            path: self.display.clone(),
            cause,
        })
    }

    fn connect_one(&self, ep: &Endpoint, password: Option<&str>) -> Result<Client, String> {
        let mut config = ep.config(&self.config);
        if let Some(pw) = password {
            config.password(pw);
        }
        // A Unix socket in a list of TCP hosts: still never TLS.
        let tls = self.tls.as_ref().filter(|_| !ep.is_unix());
        if tls.is_none() {
            config.ssl_mode(postgres::config::SslMode::Disable);
        }
        let connected = match tls {
            Some(t) => config.connect(t.clone()),
            None => config.connect(NoTls),
        };
        match connected {
            Ok(c) => Ok(c),
            // libpq's `prefer`: when the connection over TLS fails (a
            // handshake the server botched, a `hostnossl`-only pg_hba),
            // try once more without TLS; say both causes if that fails too.
            Err(over_tls) if self.ssl_mode == SslMode::Prefer && tls.is_some() => {
                let mut plain = config.clone();
                plain.ssl_mode(postgres::config::SslMode::Disable);
                plain.connect(NoTls).map_err(|e| {
                    format!(
                        "{} (and over TLS: {})",
                        self.explain(&e),
                        self.explain(&over_tls)
                    )
                })
            }
            Err(e) => Err(self.explain(&e)),
        }
    }

    /// tokio-postgres says "server does not support TLS": say which
    /// sslmode asked for it.
    fn explain(&self, e: &postgres::Error) -> String {
        let said = super::describe(e);
        if said.contains("server does not support TLS") {
            format!(
                "server does not support TLS but sslmode={} (ask its admin for ssl = on, or use sslmode=prefer)",
                self.ssl_mode.name()
            )
        } else {
            said
        }
    }
}

/// Remove the raw URL (and so any password in it) from a message.
fn scrub(msg: &str, raw: &str) -> String {
    if raw.is_empty() {
        msg.to_string()
    } else {
        msg.replace(raw, "…")
    }
}

/// The schema (one session each) is part of the name: `options` is shown,
/// and so are every host and `target_session_attrs`: the name is a URL that
/// reaches the same session (`report` on it, from another process).
fn display(c: &Config, eps: &[Endpoint], target: Target) -> String {
    let user = c.get_user().unwrap_or_default();
    let db = c.get_dbname().unwrap_or(user);
    let mut params: Vec<String> = Vec::new();
    let tcp: Option<Vec<String>> = eps
        .iter()
        .map(|e| match &e.host {
            Host::Tcp(h) => Some(format!("{h}:{}", e.port)),
            Host::Unix(_) => None,
        })
        .collect();
    let authority = match tcp {
        Some(list) if !list.is_empty() => list.join(","),
        _ => {
            let hosts: Vec<String> = eps
                .iter()
                .map(|e| match &e.host {
                    Host::Tcp(h) => h.clone(),
                    Host::Unix(p) => p.display().to_string(),
                })
                .collect();
            let ports: Vec<String> = eps.iter().map(|e| e.port.to_string()).collect();
            params.push(format!("host={}", hosts.join(",")));
            params.push(format!("port={}", ports.join(",")));
            String::new()
        }
    };
    if target != Target::Any {
        params.push(format!("target_session_attrs={}", target.name()));
    }
    if let Some(o) = c.get_options() {
        params.push(format!(
            "options={}",
            o.replace(' ', "%20").replace('=', "%3D")
        ));
    }
    let s = format!("postgresql://{user}@{authority}/{db}");
    if params.is_empty() {
        s
    } else {
        format!("{s}?{}", params.join("&"))
    }
}

/// A server that vanishes without closing its connections (a host down,
/// a partition) must be noticed in seconds, not after the kernel's two
/// hours of keepalive idle: unless the URL says otherwise, probe an idle
/// connection after 5 s, every 2 s, 3 times, and give up on data unacked
/// for 10 s. Then the next request tries the next host.
fn dead_peer_defaults(c: &mut Config, raw: &str) {
    let said = |key: &str| raw.contains(&format!("{key}="));
    if !said("keepalives_idle") {
        c.keepalives_idle(Duration::from_secs(5));
    }
    if !said("keepalives_interval") {
        c.keepalives_interval(Duration::from_secs(2));
    }
    if !said("keepalives_retries") {
        c.keepalives_retries(3);
    }
    if !said("tcp_user_timeout") {
        c.tcp_user_timeout(Duration::from_secs(10));
    }
}

fn password_from_env_or_pgpass(
    c: &Config,
    ep: &Endpoint,
    passfile: Option<&Path>,
) -> Option<String> {
    if let Ok(pw) = std::env::var("PGPASSWORD") {
        return Some(pw);
    }
    let file = match (passfile, std::env::var_os("PGPASSFILE")) {
        (Some(f), _) => f.to_path_buf(),
        (None, Some(f)) => PathBuf::from(f),
        (None, None) => PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    // libpq ignores a password file others can read.
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&file).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let mut text = String::new();
    use std::io::Read;
    std::fs::File::open(&file)
        .ok()?
        .take(64 * 1024)
        .read_to_string(&mut text)
        .ok()?;
    let host = match &ep.host {
        Host::Tcp(h) => h.clone(),
        Host::Unix(_) => "localhost".to_string(),
    };
    let port = ep.port.to_string();
    let user = c.get_user().unwrap_or_default();
    let db = c.get_dbname().unwrap_or(user);
    pgpass_lookup(&text, [&host, &port, db, user])
}

/// The first `host:port:db:user:password` line matching (`*` matches
/// anything; `\:` and `\\` are escapes).
pub fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            continue;
        }
        if fields[..4]
            .iter()
            .zip(want)
            .all(|(f, w)| f == "*" || f == w)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(last)) = (chars.next(), out.last_mut()) {
                    last.push(n);
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out
}

impl PgUrl {
    /// The same URL for a reader (the report, the status page): every
    /// connection made from it is read-only from its first statement
    /// (`default_transaction_read_only` in the startup packet, so there is
    /// no window before a `SET`). The server refuses any write on it.
    pub fn is_reader(&self) -> bool {
        self.reader
    }

    pub fn read_only(&self) -> PgUrl {
        let mut u = self.clone();
        u.reader = true;
        let opts = match self.config.get_options() {
            Some(o) if !o.trim().is_empty() => format!("{o} {READ_ONLY}"),
            _ => READ_ONLY.to_string(),
        };
        u.config.options(&opts);
        u
    }
}

/// The startup option that makes a connection read-only.
const READ_ONLY: &str = "-c default_transaction_read_only=on";

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_matches_wildcards_and_escapes() {
        let text = "# comment\nother:5432:*:ann:nope\n*:5432:cut\\:db:ann:s3\\:cret\n";
        assert_eq!(
            pgpass_lookup(text, ["db1", "5432", "cut:db", "ann"]).as_deref(),
            Some("s3:cret")
        );
        assert_eq!(pgpass_lookup(text, ["db1", "5433", "cut:db", "ann"]), None);
    }

    #[test]
    fn the_display_form_never_holds_the_password() {
        let u = PgUrl::parse("postgresql://ann:hunter2@db.example:6543/cutover?sslmode=disable")
            .unwrap();
        assert_eq!(
            u.display,
            PathBuf::from("postgresql://ann@db.example:6543/cutover")
        );
        assert!(!format!("{u:?}").contains("hunter2"));
        let sock = PgUrl::parse("postgres://ann@/cut?host=/tmp/pg&port=5444").unwrap();
        assert_eq!(
            sock.display,
            PathBuf::from("postgresql://ann@/cut?host=/tmp/pg&port=5444")
        );
    }

    #[test]
    fn the_parsed_url_carries_password_and_schema_and_its_display_neither_password() {
        let full = "postgresql://ann:pw9@db.example:6543/cut?options=-csearch_path%3Dbilling";
        let u = PgUrl::parse(full).unwrap();
        assert_eq!(
            u.display,
            PathBuf::from("postgresql://ann@db.example:6543/cut?options=-csearch_path%3Dbilling")
        );
        assert_eq!(u.config.get_password(), Some(&b"pw9"[..]));
        assert_eq!(u.config.get_options(), Some("-csearch_path=billing"));
        // No process-wide memory of URLs: the display form is only a name.
        let again = PgUrl::parse(&u.display.to_string_lossy()).unwrap();
        assert_ne!(again.config.get_password(), Some(&b"pw9"[..]));
    }

    #[test]
    fn a_reader_url_keeps_the_schema_and_adds_read_only() {
        let u = PgUrl::parse("postgresql://ann@db.example/cut?options=-csearch_path%3Dbilling")
            .unwrap();
        let r = u.read_only();
        assert_eq!(
            r.config.get_options(),
            Some("-csearch_path=billing -c default_transaction_read_only=on")
        );
        assert_eq!(r.display, u.display);
        let bare = PgUrl::parse("postgresql://ann@db.example/cut").unwrap();
        assert_eq!(
            bare.read_only().config.get_options(),
            Some("-c default_transaction_read_only=on")
        );
    }

    #[test]
    fn a_multi_host_name_keeps_every_host_and_the_target() {
        let u = PgUrl::parse("postgresql://ann@a:5432,b:5433/cut?target_session_attrs=read-write")
            .unwrap();
        let shown = "postgresql://ann@a:5432,b:5433/cut?target_session_attrs=read-write";
        assert_eq!(u.display, PathBuf::from(shown));
        assert_eq!(u.hosts.len(), 2);
        // Another process reading the name reaches the same servers.
        let again = PgUrl::parse(&u.display.to_string_lossy()).unwrap();
        assert_eq!(again.display, u.display);
        assert_eq!(again.target, Target::ReadWrite);
        let sock = PgUrl::parse("postgresql://ann@/cut?host=/tmp/p,/tmp/q&port=1,2").unwrap();
        assert_eq!(
            sock.display,
            PathBuf::from("postgresql://ann@/cut?host=/tmp/p,/tmp/q&port=1,2")
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_echoing_it() {
        let e = PgUrl::parse("postgresql://ann:hunter2@h:notaport/x")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(is_url("postgres://h/x"));
        assert!(!is_url("/tmp/live.db"));
    }
}
