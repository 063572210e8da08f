//! `warroom serve` under a crowd (issue 27): half-sent requests are closed
//! after the header timeout, connections are capped per address and in
//! total (a viewer from elsewhere still gets the page), and a flood of
//! report requests is queued or told to retry, never rendered all at once.
//! Loopback only; bounded in count and time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/serve.rs"]
mod kit;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kit::TOKEN;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use warroom::serve::listen::{HEADER_TIMEOUT, MAX_PER_LOOPBACK};

const HALF: &[u8] = b"GET / HTTP/1.1\r\nHost: warroom\r\nX-Slow: ";

/// A connection from `from` (any 127.x address) that sends half a request.
async fn half_sent(from: &str, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut c = s.connect(to).await.unwrap();
    c.write_all(HALF).await.unwrap();
    c
}

/// What the server says on `c` before it closes, waiting at most `limit`;
/// `None` when it says nothing and keeps the connection open that long.
async fn answer(c: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, c.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// GET `route` with the token from the loopback address `from`.
async fn get_from(from: &str, to: SocketAddr, route: &str) -> (u16, String) {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut c = s.connect(to).await.unwrap();
    let req = format!(
        "GET {route} HTTP/1.1\r\nHost: warroom\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    );
    c.write_all(req.as_bytes()).await.unwrap();
    let text = answer(&mut c, Duration::from_secs(60)).await.unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, _s) = kit::session(dir.path(), &rb);
    let srv = kit::serve(&rb, &journal).await;
    let mut slow: Vec<TcpStream> = Vec::new();
    for _ in 0..20 {
        slow.push(half_sent("127.0.0.1", srv.addr).await);
    }
    // A connection that never sends a byte is held to the same clock.
    slow.push(TcpStream::connect(srv.addr).await.unwrap());
    let started = Instant::now();
    for c in &mut slow {
        let said = answer(c, HEADER_TIMEOUT + Duration::from_secs(10)).await;
        assert!(
            said.is_some(),
            "a half-sent request was kept open past the timeout"
        );
    }
    assert!(started.elapsed() < HEADER_TIMEOUT + Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_every_connection_and_a_viewer_elsewhere_still_gets_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, _s) = kit::session(dir.path(), &rb);
    let srv = kit::serve(&rb, &journal).await;
    let mut flood = Vec::new();
    for _ in 0..MAX_PER_LOOPBACK {
        flood.push(half_sent("127.0.0.1", srv.addr).await);
    }
    // One more from the same address: turned away at once, told when to retry.
    let mut extra = half_sent("127.0.0.1", srv.addr).await;
    let said = answer(&mut extra, Duration::from_secs(5))
        .await
        .expect("the connection past the cap was held open");
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    assert!(said.contains("Retry-After: 10"), "{said}");
    // Another address is served while the flood holds its connections.
    let (status, body) = get_from("127.0.0.2", srv.addr, "/").await;
    assert_eq!(status, 200, "{body:.300}");
    assert!(body.contains("Billing platform migration to v2"));
    drop(flood);
}

/// 30 report requests at once on a long journal: at most the render line
/// (two rendering, eight waiting) is taken, the rest are told to retry;
/// every answer is a report or a 503 with Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_report_requests_is_queued_or_told_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, s) = kit::session(dir.path(), &rb);
    drop(s);
    {
        let mut c = rusqlite::Connection::open(&journal).unwrap();
        let tx = c.transaction().unwrap();
        let last: i64 = tx
            .query_row("SELECT max(seq) FROM events", [], |r| r.get(0))
            .unwrap();
        let mut ins = tx
            .prepare(
                "INSERT INTO events(seq, ts, operator, kind, data) VALUES (?1, '2026-12-04T10:00:00Z', 'alice', 'note', ?2)",
            )
            .unwrap();
        for i in 1..=20_000i64 {
            let data = format!("{{\"text\":\"reading {i} looks fine\"}}");
            ins.execute(rusqlite::params![last + i, data]).unwrap();
        }
        drop(ins);
        tx.commit().unwrap();
    }
    let srv = kit::serve(&rb, &journal).await;
    let asks: Vec<_> = (0..30)
        .map(|_| tokio::spawn(get_from("127.0.0.1", srv.addr, "/report.html")))
        .collect();
    let (mut ok, mut later) = (0, 0);
    for a in asks {
        let (status, text) = a.await.unwrap();
        match status {
            200 => {
                assert!(text.contains("reading 20000 looks fine"));
                ok += 1;
            }
            503 => {
                assert!(
                    text.to_ascii_lowercase().contains("retry-after: 5"),
                    "{text:.300}"
                );
                later += 1;
            }
            other => panic!("HTTP {other}: {text:.300}"),
        }
    }
    assert!(ok >= 1, "no report at all");
    assert!(later >= 1, "all {ok} reports were rendered at once");
    assert!(ok <= 30 - later);
}
