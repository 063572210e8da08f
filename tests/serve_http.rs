//! `warroom serve` over real HTTP on loopback: the token guards every
//! route, every write method is refused, outside text is shown as text,
//! the security headers are there, and a note written after a browser
//! connected reaches it as a Server-Sent Event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/serve.rs"]
mod kit;

use std::time::{Duration, Instant};

use kit::TOKEN;
use kit::client;
use reqwest::StatusCode;

#[tokio::test]
async fn without_the_token_every_route_and_method_is_401() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, _s) = kit::session(dir.path(), &rb);
    let srv = kit::serve(&rb, &journal).await;
    kit::assert_401_everywhere(srv.addr).await;
}

#[tokio::test]
async fn with_the_token_every_write_method_is_405_and_the_journal_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, _s) = kit::session(dir.path(), &rb);
    let before = warroom::journal::Journal::open_read_only(&journal)
        .unwrap()
        .last_seq()
        .unwrap();
    let srv = kit::serve(&rb, &journal).await;
    kit::assert_405_for_writes(srv.addr).await;
    for route in ["/", "/report.md", "/report.html"] {
        let (status, body) = kit::get(srv.addr, route).await;
        assert_eq!(status, StatusCode::OK, "{route}");
        assert!(body.contains("Billing platform migration to v2"));
    }
    let after = warroom::journal::Journal::open_read_only(&journal)
        .unwrap()
        .last_seq()
        .unwrap();
    assert_eq!(before, after, "serving wrote to the journal");
}

/// GET / with the token until `pred` holds on the body (the follower
/// delivers the journal within about 50 ms of the server's start).
async fn page_until(
    c: &reqwest::Client,
    url: &str,
    pred: impl Fn(&str) -> bool,
) -> (reqwest::header::HeaderMap, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = c.get(url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers().clone();
        let body = r.text().await.unwrap();
        if pred(&body) {
            return (h, body);
        }
        assert!(Instant::now() < deadline, "page never matched:\n{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_page_shows_the_session_escapes_a_script_note_and_admits_only_its_own_script() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, mut s) = kit::session(dir.path(), &rb);
    kit::note(&mut s, "<script>alert(1)</script> & \u{1b}]0;pwned\u{7}");
    let srv = kit::serve(&rb, &journal).await;
    let c = client();
    let url = format!("http://{}/?token={TOKEN}", srv.addr);
    let (h, body) = page_until(&c, &url, |b| b.contains("alert(1)")).await;
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\x1b]0;pwned\\x07"),
        "{body}"
    );
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(!body.contains('\u{1b}'));
    // The header and every panel's state word, beside its colour class.
    assert!(body.contains("<h1>Billing platform migration to v2</h1>"));
    assert!(body.contains("RUNNING"));
    for word in ["OK", "WARN", "FAIL", "STALE"] {
        assert!(
            body.contains(&format!("<span class=\"word\">{word}</span>")),
            "{word}"
        );
    }
    assert!(body.contains("<svg class=\"spark\""));
    assert!(body.contains("<noscript><meta http-equiv=\"refresh\""));
    // One script and one style, both carrying the nonce the CSP admits.
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );
    assert_eq!(body.matches("<script").count(), 1);
    assert!(body.contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(!body.contains("src=\"http") && !body.contains("<form") && !body.contains("<a "));
    // The token given in the query goes into a strict, script-proof cookie,
    // and the cookie alone then opens the page.
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let again = c
        .get(format!("http://{}/", srv.addr))
        .header("Cookie", cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get("set-cookie").is_none());
    // A fresh nonce each time.
    let (h2, _) = page_until(&c, &url, |_| true).await;
    assert_ne!(h2["content-security-policy"], h["content-security-policy"]);
}

#[tokio::test]
async fn a_note_written_after_connecting_arrives_as_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, mut s) = kit::session(dir.path(), &rb);
    let srv = kit::serve(&rb, &journal).await;
    let mut events = kit::Events::open(srv.addr).await;
    // Connected and drawn once: now the operator types a note.
    events
        .until("at all", Duration::from_secs(10), |_| true)
        .await;
    kit::note(&mut s, "written after <connecting>");
    let written = Instant::now();
    events
        .until("with the note", Duration::from_secs(10), |p| {
            p.contains("written after &lt;connecting&gt;")
        })
        .await;
    eprintln!("note to event: {:?}", written.elapsed());
}

/// The page is drawn once for every viewer: two viewers receive the very
/// same bytes for a note, and the note sends its journal line alone (at
/// most the clocks, which move with time, come between).
#[tokio::test]
async fn two_viewers_get_the_same_bytes_for_a_note_and_only_its_journal_line() {
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, mut s) = kit::session(dir.path(), &rb);
    let srv = kit::serve(&rb, &journal).await;
    let mut a = kit::Events::open(srv.addr).await;
    let mut b = kit::Events::open(srv.addr).await;
    for v in [&mut a, &mut b] {
        v.until("with the session", Duration::from_secs(10), |p| {
            p.contains("RUNNING") && p.contains("f-journal")
        })
        .await;
    }
    kit::note(&mut s, "only <this> changed");
    let mut got = Vec::new();
    for v in [&mut a, &mut b] {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let block = v.next_block(deadline).await.expect("no note event");
            let (id, html) = kit::parse_block(&block);
            if html.contains("only &lt;this&gt; changed") {
                // The new line alone, not the journal's whole tail.
                assert_eq!(id, "f-journal-add", "{block}");
                assert_eq!(html.matches("<li>").count(), 1, "{block}");
                got.push(block);
                break;
            }
            let clock = id == "f-clock" || (id.starts_with("f-p") && id.ends_with('t'));
            assert!(clock, "a note sent {id}:\n{block}");
        }
    }
    assert_eq!(got[0], got[1], "two viewers, different bytes");
}
