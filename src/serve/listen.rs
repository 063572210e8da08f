//! The accept loop of `warroom serve`, in place of `axum::serve`, so that a
//! crowd cannot drown the page:
//!
//! - a request's header must arrive within `HEADER_TIMEOUT` (hyper's
//!   timer; `axum::serve` sets none, and 19,995 half-sent requests once
//!   stayed open until the file descriptors ran out);
//! - at most `MAX_CONNECTIONS` open connections, and `MAX_PER_ADDRESS`
//!   from one address; one more is answered `503` with `Retry-After` and
//!   closed at once, so the limit costs no file descriptor beyond it;
//! - request heads are read into at most `MAX_BUF` bytes.
//!
//! The limits, chosen for 1,000 viewers (issue 26) while one address
//! cannot starve the others:
//! - 1,280 connections in all: 1,024 event streams (`MAX_VIEWERS`) and
//!   room for page loads, reports and scrapes beside them;
//! - 128 from one outside address: a NAT'd office fits, and an abusive
//!   address holds a tenth of the pool at most (with the header timeout,
//!   a slowloris from it costs nobody else a connection);
//! - 1,152 from a loopback address: the reverse proxy or SSH tunnel the
//!   README recommends, through which every viewer arrives with the same
//!   address; per-client limits then belong to the proxy. 128 stay free
//!   for other local clients (a scrape, an operator's curl).
//!
//! The process's descriptor limit is raised to fit at start
//! (`raise_descriptor_limit`): the usual soft limit of 1,024 would run
//! out first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// A request's head must be complete this long after the connection (or
/// the previous response) is ready for it.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections at most.
pub const MAX_CONNECTIONS: usize = 1280;
/// Open connections from one address at most (not loopback).
pub const MAX_PER_ADDRESS: usize = 128;
/// Open connections from one loopback address at most (a proxy's).
pub const MAX_PER_LOOPBACK: usize = MAX_CONNECTIONS - 128;
/// Descriptors the server wants: its connections and its journal's files.
pub const WANTED_DESCRIPTORS: u64 = MAX_CONNECTIONS as u64 + 256;

/// The cap on connections from `addr`.
pub fn cap_for(addr: IpAddr) -> usize {
    if addr.to_canonical().is_loopback() {
        MAX_PER_LOOPBACK
    } else {
        MAX_PER_ADDRESS
    }
}

/// Raise the soft limit on open files to `WANTED_DESCRIPTORS` (within
/// the hard limit); returns the limit now in force.
pub fn raise_descriptor_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < WANTED_DESCRIPTORS {
            let want = libc::rlimit {
                rlim_cur: WANTED_DESCRIPTORS.min(lim.rlim_max),
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                lim = want;
            }
        }
    }
    lim.rlim_cur
}
/// hyper's read buffer for a request head, at most.
const MAX_BUF: usize = 64 * 1024;

const TURNED_AWAY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nContent-Type: text/plain\r\nContent-Length: 41\r\nConnection: close\r\n\r\n503: too many connections; retry shortly\n";

/// Who holds how many connections.
#[derive(Default)]
struct Open {
    total: usize,
    by_addr: HashMap<IpAddr, usize>,
}

/// One connection's place; given back when dropped.
struct Slot {
    open: Arc<Mutex<Open>>,
    addr: IpAddr,
}

impl Slot {
    fn take(open: &Arc<Mutex<Open>>, addr: IpAddr) -> Option<Slot> {
        let mut o = open.lock().ok()?;
        let mine = o.by_addr.get(&addr).copied().unwrap_or(0);
        if o.total >= MAX_CONNECTIONS || mine >= cap_for(addr) {
            return None;
        }
        o.total += 1;
        o.by_addr.insert(addr, mine + 1);
        Some(Slot {
            open: Arc::clone(open),
            addr,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut o) = self.open.lock() {
            o.total = o.total.saturating_sub(1);
            if let Some(n) = o.by_addr.get_mut(&self.addr) {
                *n -= 1;
                if *n == 0 {
                    o.by_addr.remove(&self.addr);
                }
            }
            if o.total == 0 {
                drop(o);
                super::give_back_memory();
            }
        }
    }
}

/// Serve `app` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            // Out of descriptors or a connection reset before accept: the
            // listener itself is fine; wait a moment rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = Slot::take(&open, peer.ip()) else {
            // The socket's send buffer is empty: this write does not wait.
            let _ = stream.try_write(TURNED_AWAY);
            continue;
        };
        let svc = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_BUF);
            let _ = http.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_in_total_and_given_back() {
        let open = Arc::new(Mutex::new(Open::default()));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let held: Vec<Slot> = (0..MAX_PER_ADDRESS)
            .map(|_| Slot::take(&open, a).unwrap())
            .collect();
        assert!(Slot::take(&open, a).is_none(), "per-address cap");
        // A proxy on loopback carries every viewer: it may hold far more,
        // but not the whole pool.
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let mut others: Vec<Slot> = (0..MAX_PER_LOOPBACK - MAX_PER_ADDRESS)
            .map(|_| Slot::take(&open, proxy).unwrap())
            .collect();
        for i in 0..MAX_PER_ADDRESS {
            let b: IpAddr = format!("10.0.{}.{}", i / 200, i % 200 + 1).parse().unwrap();
            others.push(Slot::take(&open, b).unwrap());
        }
        let c: IpAddr = "10.9.9.9".parse().unwrap();
        assert!(Slot::take(&open, c).is_none(), "total cap");
        drop(held);
        assert!(Slot::take(&open, a).is_some(), "given back");
        drop(others);
        let o = open.lock().unwrap();
        assert_eq!(o.total, 0);
        assert!(o.by_addr.is_empty());
    }

    #[test]
    fn a_thousand_viewers_fit_and_only_loopback_may_bring_them_all() {
        const { assert!(super::super::MAX_VIEWERS >= 1000) };
        const { assert!(MAX_PER_LOOPBACK >= super::super::MAX_VIEWERS + 100) };
        const { assert!(MAX_CONNECTIONS > MAX_PER_LOOPBACK) };
        for (addr, cap) in [
            ("127.0.0.1", MAX_PER_LOOPBACK),
            ("::1", MAX_PER_LOOPBACK),
            ("::ffff:127.0.0.1", MAX_PER_LOOPBACK),
            ("192.0.2.7", MAX_PER_ADDRESS),
            ("2001:db8::1", MAX_PER_ADDRESS),
        ] {
            assert_eq!(cap_for(addr.parse().unwrap()), cap, "{addr}");
        }
    }
}
