//! The status page in a real headless Chromium (Debian's `chromium`):
//! loaded with the token, it shows the runbook's title and every panel's
//! state word, shows a `<script>` note as text, and shows a note written
//! after it loaded without a reload; on a SQLite journal and on a
//! PostgreSQL one. Skipped without Chromium (or PostgreSQL), except under
//! CI=true, where a missing browser (or server) is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/cdp.rs"]
mod cdp;
#[path = "common/serve.rs"]
mod kit;
#[path = "common/pg.rs"]
mod pg;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use warroom::console_session::Session;

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Is Chromium there? Skipped without, failing under CI=true.
fn chromium() -> bool {
    if !Path::new(cdp::CHROMIUM).exists() {
        pg::skipped_without("chromium", "the Debian package `chromium`");
        return false;
    }
    true
}

#[test]
fn a_browser_with_the_token_follows_the_session_live() {
    if !chromium() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, s) = kit::session(dir.path(), &rb);
    follows_live(dir.path(), &journal, s);
}

/// The same on a PostgreSQL journal: the console and the page on one URL.
#[test]
fn a_browser_follows_a_session_journaled_on_postgresql() {
    if !chromium() {
        return;
    }
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("serve_chromium");
    let dir = tempfile::tempdir().unwrap();
    let s = kit::session_at(&url, &kit::runbook());
    follows_live(dir.path(), &url, s);
}

/// Load the page of the session journaled at `journal` (where `s` writes)
/// in a headless Chromium with its profile in `dir`, and follow it.
fn follows_live(dir: &Path, journal: &Path, mut s: Session) {
    let rb = kit::runbook();
    kit::note(&mut s, "<script>alert(1)</script>");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let srv = rt.block_on(kit::serve(&rb, journal));
    let mut b = cdp::Browser::launch(&dir.join("profile"));
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
    // Each fragment is an element the stream replaces by id: as many
    // after an update as before, none doubled.
    let frags = "document.querySelectorAll(\"#live [id^='f-']\").length";
    let before = b.eval(frags);
    assert!(
        before.as_u64().unwrap() > rb.panels.len() as u64 * 4,
        "{before}"
    );
    kit::note(&mut s, "written after the page loaded");
    let written = Instant::now();
    b.wait_for(body, Duration::from_secs(10), |v| {
        text(v).contains("written after the page loaded")
    });
    eprintln!("note to page: {:?}", written.elapsed());
    // The same document: updated in place, not reloaded.
    assert_eq!(b.eval("window.__loaded_once === true"), Value::Bool(true));
    assert_eq!(b.eval(frags), before);
    assert_eq!(
        b.eval("document.querySelectorAll('#f-journal').length"),
        Value::from(1)
    );
}
