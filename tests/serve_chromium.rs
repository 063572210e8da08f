//! The status page in a real headless Chromium (Debian's `chromium`):
//! loaded with the token, it shows the runbook's title and every panel's
//! state word, shows a `<script>` note as text, and shows a note written
//! after it loaded without a reload. Skipped without Chromium, except
//! under CI=true, where a missing browser is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/cdp.rs"]
mod cdp;
#[path = "common/serve.rs"]
mod kit;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

#[test]
fn a_browser_with_the_token_follows_the_session_live() {
    if !Path::new(cdp::CHROMIUM).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{} is missing; CI must install the Debian package `chromium`",
                cdp::CHROMIUM
            );
        }
        eprintln!(
            "SKIPPED: {} not found (apt-get install chromium)",
            cdp::CHROMIUM
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, mut s) = kit::session(dir.path(), &rb);
    kit::note(&mut s, "<script>alert(1)</script>");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let srv = rt.block_on(kit::serve(&rb, &journal));
    let mut b = cdp::Browser::launch(&dir.path().join("profile"));
    b.open(&format!("http://{}/?token={}", srv.addr, kit::TOKEN));

    let body = "document.readyState === 'complete' ? document.body.innerText : ''";
    let page = b.wait_for(body, Duration::from_secs(20), |v| {
        text(v).contains("Billing platform migration to v2")
    });
    // The script connected (it says so), so what follows arrives live.
    b.wait_for(
        "document.getElementById('conn').textContent",
        Duration::from_secs(10),
        |v| text(v).contains("live"),
    );
    let words: Vec<String> = serde_json::from_value(
        b.eval("Array.from(document.querySelectorAll('.panel .word')).map(e => e.textContent)"),
    )
    .unwrap();
    assert_eq!(words.len(), rb.panels.len(), "{words:?}");
    for w in ["OK", "WARN", "FAIL", "STALE"] {
        assert!(words.iter().any(|x| x == w), "{w} missing from {words:?}");
    }
    // The hostile note is text: visible as typed, no element made of it.
    assert!(text(&page).contains("<script>alert(1)</script>"), "{page}");
    assert_eq!(
        b.eval("document.querySelectorAll('#live script').length"),
        Value::from(0)
    );
    // The token left the address bar (it lives in the HttpOnly cookie).
    assert_eq!(text(&b.eval("location.search")), "");
    assert_eq!(text(&b.eval("document.cookie")), "");

    b.eval("window.__loaded_once = true");
    kit::note(&mut s, "written after the page loaded");
    let written = Instant::now();
    b.wait_for(body, Duration::from_secs(10), |v| {
        text(v).contains("written after the page loaded")
    });
    eprintln!("note to page: {:?}", written.elapsed());
    // The same document: updated in place, not reloaded.
    assert_eq!(b.eval("window.__loaded_once === true"), Value::Bool(true));
}
