//! A session for the status page tests: the billing runbook, a rehearsal
//! journal with a started cutover and one reading per panel, and the
//! status page serving it on an ephemeral loopback port.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use warroom::console_session::{OpenOptions, Session};
use warroom::health::reading::Reading;
use warroom::health::{PanelMap, PanelState};
use warroom::journal::open::open_store;
use warroom::runbook::model::Runbook;
use warroom::session::command::Command;
use warroom::session::event::SessionMode;

pub const TOKEN: &str = "test-token-0123456789abcdef";

pub fn runbook() -> Arc<Runbook> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/billing-phased.toml");
    Arc::new(warroom::runbook::load(&path).unwrap().runbook)
}

/// A started session in `dir`, one reading per panel (states cycling
/// through OK, WARN, FAIL, STALE); returns the journal and alice's seat.
pub fn session(dir: &Path, rb: &Arc<Runbook>) -> (PathBuf, Session) {
    let journal = dir.join("rehearsal-1.db");
    let s = session_at(&journal, rb);
    (journal, s)
}

/// `session` at any journal location: a file or a `postgresql://` URL.
pub fn session_at(journal: &Path, rb: &Arc<Runbook>) -> Session {
    let journal = located(journal);
    let mut s = Session::open(
        Arc::clone(rb),
        &journal,
        OpenOptions {
            mode: SessionMode::Rehearsal,
            operator: "alice".into(),
            host: None,
            read_only: false,
            accept_runbook_change: false,
        },
    )
    .unwrap();
    s.submit(&Command::Begin, &PanelMap::new(), Utc::now())
        .unwrap();
    let states = [
        PanelState::Ok,
        PanelState::Warn,
        PanelState::Fail,
        PanelState::Stale,
    ];
    let now = Utc::now();
    let mut readings: Vec<Reading> = rb
        .panels
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            (0..3).map(move |k| Reading {
                id: 0,
                panel: p.id.clone(),
                state: states[i % states.len()],
                value: Some(0.5 + k as f64),
                baseline: None,
                error: None,
                sampled_at: Some(now),
                state_since: Some(now),
                last_good: Some(now),
            })
        })
        .collect();
    let (mut j, _) = open_store(journal, false).unwrap();
    let mut tx = j.begin().unwrap();
    tx.insert_readings(&mut readings).unwrap();
    tx.commit().unwrap();
    s
}

/// A journal location as the command line parses it: a file or a URL.
pub fn located(journal: &Path) -> warroom::journal::JournalLocation {
    warroom::journal::JournalLocation::parse(journal.to_str().unwrap()).unwrap()
}

pub fn note(s: &mut Session, text: &str) {
    s.submit(
        &Command::Note { text: text.into() },
        &PanelMap::new(),
        Utc::now(),
    )
    .unwrap();
}

/// The status page on 127.0.0.1:0.
pub async fn serve(rb: &Arc<Runbook>, journal: &Path) -> warroom::serve::Server {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    warroom::serve::start(
        Arc::clone(rb),
        warroom::timefmt::Zone::UTC,
        located(journal),
        l,
        TOKEN.into(),
    )
    .unwrap()
}

/// Every route of the page.
pub const ROUTES: [&str; 5] = ["/", "/events", "/report.md", "/report.html", "/metrics"];

/// An HTTP client that never follows a redirect.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Without the token (none, a wrong one, an empty one, a wrong cookie and
/// bearer), every route and method answers 401 and sets no cookie.
pub async fn assert_401_everywhere(addr: std::net::SocketAddr) {
    use reqwest::{Method, StatusCode};
    let c = client();
    for route in ROUTES.iter().chain(&["/nope"]) {
        for m in [Method::GET, Method::POST, Method::DELETE] {
            for url in [
                format!("http://{addr}{route}"),
                format!("http://{addr}{route}?token=wrong-token-0123456789"),
                format!("http://{addr}{route}?token="),
            ] {
                let r = c.request(m.clone(), &url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{m} {url}");
                assert_eq!(r.headers()["x-content-type-options"], "nosniff");
                assert_eq!(r.headers()["referrer-policy"], "no-referrer");
                assert!(r.headers().get("set-cookie").is_none());
            }
        }
        let r = c
            .get(format!("http://{addr}{route}"))
            .header("Cookie", "warroom_token=nope")
            .bearer_auth("also-not-it")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{route}");
    }
}

/// With the token, every write method on every route answers 405.
pub async fn assert_405_for_writes(addr: std::net::SocketAddr) {
    use reqwest::{Method, StatusCode};
    let c = client();
    for route in ROUTES {
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let r = c
                .request(m.clone(), format!("http://{addr}{route}"))
                .bearer_auth(TOKEN)
                .body("x")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{m} {route}");
        }
    }
}

/// GET `route` with the token as a bearer header.
pub async fn get_response(addr: std::net::SocketAddr, route: &str) -> reqwest::Response {
    client()
        .get(format!("http://{addr}{route}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

/// GET `route` with the token: its status and body.
pub async fn get(addr: std::net::SocketAddr, route: &str) -> (reqwest::StatusCode, String) {
    let r = get_response(addr, route).await;
    (r.status(), r.text().await.unwrap())
}

/// An open `/events` stream. The server sends the page's fragments by
/// name (`event: f-p0v`); this keeps the latest of each and shows them
/// together, in the order they first came (the page's order).
pub struct Events {
    resp: reqwest::Response,
    buf: String,
    frags: Vec<(String, String)>,
}

impl Events {
    pub async fn open(addr: std::net::SocketAddr) -> Events {
        let resp = get_response(addr, "/events").await;
        assert_eq!(resp.status(), reqwest::StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Events {
            resp,
            buf: String::new(),
            frags: Vec::new(),
        }
    }

    /// The next event block as sent (`event: ID`, its `data:` lines and
    /// the blank line), comments skipped; None when `deadline` passes first.
    pub async fn next_block(&mut self, deadline: std::time::Instant) -> Option<String> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if block.starts_with(':') {
                    continue;
                }
                let (id, html) = parse_block(&block);
                if id == "f-journal-add" {
                    // New lines on top of the journal's list, as the
                    // page's script puts them.
                    if let Some(slot) = self.frags.iter_mut().find(|(f, _)| f == "f-journal") {
                        let list = slot.1.find("data-keep=");
                        if let Some(at) =
                            list.and_then(|i| slot.1[i..].find('\n').map(|j| i + j + 1))
                        {
                            slot.1.insert_str(at, &html);
                        }
                    }
                    return Some(block);
                }
                match self.frags.iter_mut().find(|(f, _)| *f == id) {
                    Some(slot) => slot.1 = html,
                    None => self.frags.push((id, html)),
                }
                return Some(block);
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let chunk = tokio::time::timeout(left, self.resp.chunk())
                .await
                .ok()?
                .unwrap()
                .expect("the event stream ended");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The page's live part after the next event, or None when `deadline`
    /// passes first.
    pub async fn next_page(&mut self, deadline: std::time::Instant) -> Option<String> {
        self.next_block(deadline).await?;
        Some(self.frags.iter().map(|(_, h)| h.as_str()).collect())
    }

    /// Read events until the page satisfies `pred` (within `within`);
    /// returns it. Panics naming `what` and the last page otherwise.
    pub async fn until(
        &mut self,
        what: &str,
        within: std::time::Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = std::time::Instant::now() + within;
        let mut last = String::new();
        while let Some(page) = self.next_page(deadline).await {
            if pred(&page) {
                return page;
            }
            last = page;
        }
        panic!("no page event {what} within {within:?}; the last one:\n{last}");
    }
}

/// An event block's name and its data lines joined.
pub fn parse_block(block: &str) -> (String, String) {
    let id = block
        .lines()
        .find_map(|l| l.strip_prefix("event: "))
        .expect("an event without a name")
        .to_string();
    let data: Vec<&str> = block
        .lines()
        .filter_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:")))
        .collect();
    (id, data.join("\n"))
}
