//! `warroom serve`: a read-only status page of a session for people without
//! SSH. It follows the journal and the conductor's readings like an
//! observer console (the journal opened read-only, a file or a PostgreSQL
//! URL on read-only connections; no lease, no presence, no write), folds
//! them with the same `reduce`, words events with the one describer and
//! serves one page, its Server-Sent Events and the report.
//!
//! Read-only by construction: every route is GET (axum answers 405 to any
//! other method), and nothing holds a write connection.

mod auth;
pub mod frames;
pub mod listen;
pub mod live;
pub mod metrics;
pub mod page;
mod sparkline;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use tokio::sync::watch;

use crate::journal::{Followed, FollowerHandle};
use crate::report::{self, Format};
use crate::runbook::model::Runbook;
use live::Live;

pub use auth::{random_hex, token_from_file};

/// An event stream with nothing new says so this often (an SSE comment),
/// so proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Open event streams at most; one more is told to come back later (its
/// browser retries by itself), so a crowd cannot exhaust the host. Each
/// costs a socket and a few kilobytes: 1,000 viewers of a cutover are a
/// big company's whole engineering floor.
pub const MAX_VIEWERS: usize = 1024;

/// Reports rendered at once at most (each holds the whole journal and its
/// page in memory: about 190 MB for 100,000 events); others wait their turn.
pub const MAX_RENDERS: usize = 2;

/// Reports waiting for their turn at most; one more is answered 503 with
/// `Retry-After`, so a flood neither piles up memory nor waits forever.
pub const MAX_RENDER_QUEUE: usize = 8;

/// How often the follower's error is looked at, so the page shows a lost
/// journal (a dropped database connection) and its recovery.
const ERROR_LOOK: Duration = Duration::from_millis(250);

/// What every handler shares.
#[derive(Clone)]
pub struct Shared {
    rb: Arc<Runbook>,
    zone: crate::timefmt::Zone,
    journal: crate::journal::JournalLocation,
    token: Arc<str>,
    live: Arc<RwLock<Live>>,
    /// The live part as drawn once for every viewer (`frames`).
    frames: watch::Receiver<Arc<frames::Frame>>,
    /// Kept for its error (a journal that stops reading is shown on the
    /// page); following stops when the last clone is dropped.
    follower: Arc<FollowerHandle>,
    viewers: Arc<tokio::sync::Semaphore>,
    /// Turns to render a report (`MAX_RENDERS`), and how many wait or render.
    renders: Arc<tokio::sync::Semaphore>,
    render_line: Arc<std::sync::atomic::AtomicUsize>,
}

/// A running server: its address, and the follower feeding it (dropping
/// this stops following).
pub struct Server {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    _fold: tokio::task::JoinHandle<()>,
    _draw: tokio::task::JoinHandle<()>,
}

/// Follow `journal` and serve the page on `listener` behind `token`.
/// Opens the journal read-only at once, so a missing journal is reported
/// before anything is served.
pub fn start(
    rb: Arc<Runbook>,
    zone: crate::timefmt::Zone,
    journal: impl Into<crate::journal::JournalLocation>,
    listener: tokio::net::TcpListener,
    token: String,
) -> Result<Server, crate::journal::JournalError> {
    let journal = journal.into();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Followed>();
    let follower = Arc::new(crate::journal::open::follow_store(&journal, tx)?);
    let live = Arc::new(RwLock::new(Live::new(&rb)));
    let (bump, changed) = watch::channel(0u64);
    let fold = tokio::spawn(fold(
        Arc::clone(&rb),
        Arc::clone(&live),
        rx,
        Arc::downgrade(&follower),
        bump,
    ));
    let (publish, frames) = watch::channel(Arc::new(frames::Frame::default()));
    let draw = tokio::spawn(frames::run(
        frames::Sources {
            rb: Arc::clone(&rb),
            zone,
            live: Arc::clone(&live),
            follower: Arc::downgrade(&follower),
        },
        changed,
        publish,
    ));
    let shared = Shared {
        rb,
        zone,
        journal,
        token: token.into(),
        live,
        frames,
        follower,
        viewers: Arc::new(tokio::sync::Semaphore::new(MAX_VIEWERS)),
        renders: Arc::new(tokio::sync::Semaphore::new(MAX_RENDERS)),
        render_line: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    };
    let addr = listener
        .local_addr()
        .map_err(|e| crate::journal::JournalError::Open {
            path: shared.journal.display().into(),
            cause: format!("listening: {e}"),
        })?;
    let app = router(shared);
    let task = tokio::spawn(listen::serve(listener, app));
    Ok(Server {
        addr,
        task,
        _fold: fold,
        _draw: draw,
    })
}

/// Fold what the follower delivers, and wake the event streams after each
/// batch and whenever the follower's error appears or clears (a dropped
/// database connection shows on the page while it lasts, not at the next
/// tick). Holds the follower weakly: it stops when the server is dropped.
async fn fold(
    rb: Arc<Runbook>,
    live: Arc<RwLock<Live>>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Followed>,
    follower: std::sync::Weak<FollowerHandle>,
    bump: watch::Sender<u64>,
) {
    let mut look = tokio::time::interval(ERROR_LOOK);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut shown: Option<String> = None;
    loop {
        tokio::select! {
            f = rx.recv() => {
                let Some(f) = f else { return };
                if let Ok(mut l) = live.write() {
                    l.apply(&rb, &f);
                    // Fold everything already delivered before waking the
                    // streams: a replay of the whole journal is one redraw.
                    while let Ok(more) = rx.try_recv() {
                        l.apply(&rb, &more);
                    }
                }
                bump.send_modify(|n| *n += 1);
            }
            _ = look.tick() => {
                let Some(f) = follower.upgrade() else { return };
                let now = f.error();
                if now != shown {
                    shown = now;
                    bump.send_modify(|n| *n += 1);
                }
            }
        }
    }
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/events", get(events))
        .route("/report.md", get(report_md))
        .route("/report.html", get(report_html))
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            auth::require_token,
        ))
        .with_state(shared)
}

fn at(s: &Shared) -> page::At {
    page::At {
        now: Utc::now(),
        zone: s.zone,
    }
}

async fn index(State(s): State<Shared>) -> Response {
    let Ok(nonce) = random_hex(16) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "no randomness for the page's nonce\n",
        )
            .into_response();
    };
    let html = match s.live.read() {
        Ok(l) => page::page(&s.rb, &l, s.follower.error().as_deref(), at(&s), &nonce),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response();
    if let Some(csp) = auth::page_csp(&nonce) {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    resp
}

/// Every fragment now, then after every frame the fragments it changed,
/// as named events (`event: f-p0v`): bytes encoded once for all viewers.
async fn events(State(s): State<Shared>) -> Response {
    let Ok(seat) = Arc::clone(&s.viewers).try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "10")],
            "503: too many viewers of this page right now\n",
        )
            .into_response();
    };
    let mut frames = s.frames.clone();
    frames.mark_changed();
    let stream = futures::stream::unfold(
        (frames, 0u64, seat),
        |(mut frames, seen, seat)| async move {
            loop {
                if !frames.has_changed().unwrap_or(false) {
                    match tokio::time::timeout(KEEP_ALIVE, frames.changed()).await {
                        Err(_) => {
                            let ping = Bytes::from_static(b": still here\n\n");
                            return Some((Ok::<_, Infallible>(ping), (frames, seen, seat)));
                        }
                        // The drawing task ended: the server is going away.
                        Ok(Err(_)) => return None,
                        Ok(Ok(())) => {}
                    }
                }
                let frame = Arc::clone(&frames.borrow_and_update());
                let out = frame.since(seen);
                if !out.is_empty() {
                    return Some((Ok(out), (frames, frame.version, seat)));
                }
            }
        },
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            // nginx would otherwise buffer the stream behind a reverse proxy.
            (
                header::HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// The session as Prometheus metrics (`metrics`), behind the same token.
async fn metrics_text(State(s): State<Shared>) -> Response {
    let body = match s.live.read() {
        Ok(l) => metrics::render(
            &s.rb,
            &l,
            &l.tally,
            s.follower.error().as_deref(),
            Utc::now(),
        ),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

async fn report_md(State(s): State<Shared>) -> Response {
    report_as(s, Format::Markdown, "text/markdown; charset=utf-8", None).await
}

async fn report_html(State(s): State<Shared>) -> Response {
    // The report is one page with its own inline style and no script.
    let csp = HeaderValue::from_static(
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    report_as(s, Format::Html, "text/html; charset=utf-8", Some(csp)).await
}

async fn report_as(
    s: Shared,
    f: Format,
    ctype: &'static str,
    csp: Option<HeaderValue>,
) -> Response {
    let Some(place) = InLine::join(&s.render_line) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "503: too many reports being built right now\n",
        )
            .into_response();
    };
    let Ok(turn) = Arc::clone(&s.renders).acquire_owned().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    // The turn and the place go with the render: a client that hangs up
    // does not free them while the render still runs.
    let line = Arc::clone(&s.render_line);
    let built = tokio::task::spawn_blocking(move || {
        let held = (turn, place);
        let mut out = Vec::new();
        let r = report::run_with(&s.journal, f, Some(&s.rb), &mut out).map(|()| out);
        drop(held);
        r
    })
    .await;
    // The last render of a burst gives the memory back to the system, a
    // moment later: once the pages it built have been sent.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if line.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            give_back_memory();
        }
    });
    match built {
        Ok(Ok(body)) => {
            let mut resp = (
                [(header::CONTENT_TYPE, HeaderValue::from_static(ctype))],
                body,
            )
                .into_response();
            if let Some(csp) = csp {
                resp.headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            resp
        }
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("report: {e}\n")).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Return freed heap to the system. A report holds the whole journal and
/// its page (about 190 MB for 100,000 events); glibc keeps what was freed
/// in its per-thread arenas, so after a burst of reports the server stayed
/// at several times its size at rest. Called when no report is in line,
/// and when the last connection closes (after a flood of them).
pub(crate) fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own allocator state, under
    // its locks; it takes no pointer of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A place in the report line (rendering or waiting); given back on drop,
/// also when the client goes away while waiting.
struct InLine(Arc<std::sync::atomic::AtomicUsize>);

impl InLine {
    fn join(line: &Arc<std::sync::atomic::AtomicUsize>) -> Option<InLine> {
        use std::sync::atomic::Ordering;
        let most = MAX_RENDERS + MAX_RENDER_QUEUE;
        line.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < most).then_some(n + 1)
        })
        .ok()
        .map(|_| InLine(Arc::clone(line)))
    }
}

impl Drop for InLine {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "404: this page has /, /events, /report.md, /report.html and /metrics\n",
    )
        .into_response()
}
