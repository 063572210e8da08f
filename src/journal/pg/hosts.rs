//! Several hosts in one URL, as libpq takes them, for a PostgreSQL that
//! fails over: `postgresql://a:5432,b:5433/db` or
//! `postgresql:///db?host=a,b&port=5432,5433`, tried in order, with
//! `target_session_attrs` choosing which server is acceptable
//! (`read-write`: not a standby and writes allowed; `primary`; `read-only`;
//! `standby`; `prefer-standby`; `any`, the default).
//!
//! tokio-postgres knows `any`, `read-write` and `read-only` only, keeps
//! only the last host's error and reads `?host=a,b` as one host named
//! "a,b"; so the list is ours: every host gets a config of its own (the
//! URL with its hosts taken out, parsed by tokio-postgres as before, plus
//! that one host), and each connection is asked `pg_is_in_recovery()` and
//! `transaction_read_only` when the target needs it. A reader's connection
//! is read-only on purpose (`PgUrl::read_only`), so for a reader only
//! recovery tells a standby.

use std::net::IpAddr;
use std::path::PathBuf;

use postgres::config::Host;
use postgres::{Client, Config};

/// `target_session_attrs`: which server a connection may stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        Some(match s {
            "any" => Target::Any,
            "read-write" => Target::ReadWrite,
            "read-only" => Target::ReadOnly,
            "primary" => Target::Primary,
            "standby" => Target::Standby,
            "prefer-standby" => Target::PreferStandby,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Any => "any",
            Target::ReadWrite => "read-write",
            Target::ReadOnly => "read-only",
            Target::Primary => "primary",
            Target::Standby => "standby",
            Target::PreferStandby => "prefer-standby",
        }
    }

    /// The passes over the host list: `prefer-standby` looks for a
    /// standby first, then takes any.
    pub fn passes(self) -> &'static [Target] {
        match self {
            Target::PreferStandby => &[Target::Standby, Target::Any],
            Target::Any => &[Target::Any],
            Target::ReadWrite => &[Target::ReadWrite],
            Target::ReadOnly => &[Target::ReadOnly],
            Target::Primary => &[Target::Primary],
            Target::Standby => &[Target::Standby],
        }
    }

    /// Is a server acceptable? `standby`: `pg_is_in_recovery()`;
    /// `read_only`: `transaction_read_only` where it means the server's
    /// setting (not for a reader, whose sessions are read-only by design).
    pub fn accepts(self, standby: bool, read_only: bool) -> bool {
        match self {
            Target::Any | Target::PreferStandby => true,
            Target::ReadWrite => !standby && !read_only,
            Target::ReadOnly => standby || read_only,
            Target::Primary => !standby,
            Target::Standby => standby,
        }
    }

    /// Why a server was passed over, in the log of a failed connect.
    pub fn refusal(self, standby: bool) -> String {
        let what = if standby {
            "a standby (in recovery)"
        } else {
            "a primary"
        };
        let what = if matches!(self, Target::ReadWrite) && !standby {
            "read-only (transaction_read_only = on)"
        } else {
            what
        };
        format!(
            "{what}, passed over for target_session_attrs={}",
            self.name()
        )
    }
}

/// One server of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub host: Host,
    pub hostaddr: Option<IpAddr>,
    pub port: u16,
}

impl Endpoint {
    /// How messages name it: `db-a:5432`, `/run/postgresql:5432`.
    pub fn label(&self) -> String {
        match &self.host {
            Host::Tcp(h) => format!("{h}:{}", self.port),
            Host::Unix(p) => format!("{}:{}", p.display(), self.port),
        }
    }

    pub fn is_unix(&self) -> bool {
        matches!(self.host, Host::Unix(_))
    }

    /// `base` (which holds no host) with this one host.
    pub fn config(&self, base: &Config) -> Config {
        let mut c = base.clone();
        match &self.host {
            Host::Tcp(h) => c.host(h),
            Host::Unix(p) => c.host_path(p),
        };
        if let Some(a) = self.hostaddr {
            c.hostaddr(a);
        }
        c.port(self.port);
        c
    }
}

/// `target_session_attrs=…` taken out of a URL (tokio-postgres refuses
/// the values it does not know).
pub fn split_target(raw: &str) -> Result<(String, Target), String> {
    let Some((base, query)) = raw.split_once('?') else {
        return Ok((raw.to_string(), Target::Any));
    };
    let mut target = Target::Any;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.strip_prefix("target_session_attrs=") {
            Some(v) => {
                let v = super::tls::percent_decode(v);
                target = Target::parse(&v).ok_or_else(|| {
                    format!(
                        "target_session_attrs={}: not one of any, read-write, read-only, primary, standby, prefer-standby",
                        crate::untrusted::sanitize(&v)
                    )
                })?;
            }
            None => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, target))
}

/// The URL without its hosts and ports (authority and `host=`,
/// `hostaddr=`, `port=`): every other parameter stays for tokio-postgres.
pub fn without_hosts(raw: &str) -> String {
    let (scheme, rest) = raw.split_once("://").unwrap_or(("postgresql", raw));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let user = authority
        .rsplit_once('@')
        .map(|(u, _)| format!("{u}@"))
        .unwrap_or_default();
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let kept: Vec<&str> = query
        .map(|q| {
            q.split('&')
                .filter(|p| {
                    let key = p.split('=').next().unwrap_or_default();
                    !matches!(key, "host" | "hostaddr" | "port")
                })
                .collect()
        })
        .unwrap_or_default();
    let path = if path.is_empty() { "/" } else { path };
    if kept.is_empty() {
        format!("{scheme}://{user}{path}")
    } else {
        format!("{scheme}://{user}{path}?{}", kept.join("&"))
    }
}

/// The servers of a parsed URL in order, libpq's way: a comma in a host
/// separates hosts; one port serves every host, or one port per host.
/// No host: the local socket folder.
pub fn endpoints(full: &Config) -> Result<Vec<Endpoint>, String> {
    let mut hosts: Vec<Host> = Vec::new();
    for h in full.get_hosts() {
        match h {
            Host::Tcp(s) => hosts.extend(s.split(',').map(host_of)),
            Host::Unix(p) => match p.to_str() {
                Some(s) if s.contains(',') => hosts.extend(s.split(',').map(host_of)),
                _ => hosts.push(h.clone()),
            },
        }
    }
    if hosts.is_empty() {
        hosts.push(Host::Unix(PathBuf::from("/var/run/postgresql")));
    }
    let ports = full.get_ports();
    let count = hosts.len();
    let port_of = |i: usize| -> Result<u16, String> {
        match ports.len() {
            0 => Ok(5432),
            1 => Ok(ports[0]),
            n if n == count => Ok(ports[i]),
            n => Err(format!(
                "{count} hosts but {n} ports: give one port, or one per host"
            )),
        }
    };
    let addrs = full.get_hostaddrs();
    if !addrs.is_empty() && addrs.len() != hosts.len() {
        return Err(format!(
            "{} hosts but {} hostaddrs: give one per host",
            hosts.len(),
            addrs.len()
        ));
    }
    hosts
        .into_iter()
        .enumerate()
        .map(|(i, host)| {
            Ok(Endpoint {
                host,
                hostaddr: addrs.get(i).copied(),
                port: port_of(i)?,
            })
        })
        .collect()
}

fn host_of(s: &str) -> Host {
    let s = s.trim();
    if s.starts_with('/') {
        Host::Unix(PathBuf::from(s))
    } else {
        Host::Tcp(s.to_string())
    }
}

/// Ask a fresh connection what it is: `(in recovery, read-only)`.
pub fn server_state(c: &mut Client) -> Result<(bool, bool), postgres::Error> {
    let row = c.query_one(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
        &[],
    )?;
    Ok((row.get(0), row.get(1)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eps(url: &str) -> Vec<String> {
        let (rest, _) = split_target(url).unwrap();
        endpoints(&Config::from_str(&rest).unwrap())
            .unwrap()
            .iter()
            .map(Endpoint::label)
            .collect()
    }

    #[test]
    fn hosts_are_read_in_order_as_libpq_reads_them() {
        for (url, want) in [
            (
                "postgresql://ann@a:5432,b:5433/db?target_session_attrs=read-write",
                vec!["a:5432", "b:5433"],
            ),
            (
                "postgresql://ann@/db?host=a,b&port=5432,5433",
                vec!["a:5432", "b:5433"],
            ),
            (
                "postgresql://ann@/db?host=a,b&port=6000",
                vec!["a:6000", "b:6000"],
            ),
            (
                "postgresql://ann@/db?host=/tmp/p1,/tmp/p2&port=5432,5433",
                vec!["/tmp/p1:5432", "/tmp/p2:5433"],
            ),
            ("postgresql://ann@db/x", vec!["db:5432"]),
            ("postgresql://ann@/x", vec!["/var/run/postgresql:5432"]),
        ] {
            assert_eq!(eps(url), want, "{url}");
        }
        let bad = Config::from_str("postgresql://ann@/db?host=a,b,c&port=1,2").unwrap();
        assert!(endpoints(&bad).unwrap_err().contains("3 hosts but 2 ports"));
    }

    #[test]
    fn the_url_without_hosts_keeps_everything_else() {
        for (url, want) in [
            (
                "postgresql://ann@a:1,b:2/db?options=-csearch_path%3Dx&host=c&port=3",
                "postgresql://ann@/db?options=-csearch_path%3Dx",
            ),
            ("postgres://a:5432/db", "postgres:///db"),
            ("postgresql://ann@", "postgresql://ann@/"),
            (
                "postgresql://ann@/db?host=/tmp/s&port=5&connect_timeout=3",
                "postgresql://ann@/db?connect_timeout=3",
            ),
        ] {
            assert_eq!(without_hosts(url), want, "{url}");
        }
    }

    #[test]
    fn target_session_attrs_is_taken_out_and_checked() {
        let (rest, t) =
            split_target("postgresql://a,b/db?target_session_attrs=read-write&sslmode=disable")
                .unwrap();
        assert_eq!(t, Target::ReadWrite);
        assert_eq!(rest, "postgresql://a,b/db?sslmode=disable");
        let (_, t) = split_target("postgresql://a/db?target_session_attrs=primary").unwrap();
        assert_eq!(t, Target::Primary);
        assert_eq!(split_target("postgresql://a/db").unwrap().1, Target::Any);
        let e = split_target("postgresql://a/db?target_session_attrs=master").unwrap_err();
        assert!(e.contains("master") && e.contains("read-write"), "{e}");
    }

    #[test]
    fn which_servers_each_target_accepts() {
        // (target, standby, read_only) -> accepted
        use Target::*;
        for (t, standby, ro, want) in [
            (Any, true, true, true),
            (ReadWrite, false, false, true),
            (ReadWrite, true, true, false),
            (ReadWrite, false, true, false),
            (Primary, false, true, true),
            (Primary, true, true, false),
            (ReadOnly, true, true, true),
            (ReadOnly, false, true, true),
            (ReadOnly, false, false, false),
            (Standby, true, true, true),
            (Standby, false, false, false),
        ] {
            assert_eq!(t.accepts(standby, ro), want, "{t:?} {standby} {ro}");
        }
        assert_eq!(PreferStandby.passes(), &[Standby, Any]);
    }
}
