//! The health-source fault matrix: every source kind × every fault, each
//! cell one panel polled by `probe` against a server started here.
//!
//! The rule under test is "zero false OK": a fault that leaves no reading
//! to trust shows no value and is never OK or WARN. The few cells where
//! the fault does not touch what the source measures (a slow answer; an
//! `http` source, whose body is never read; a rate Prometheus computed
//! itself) must show the real value, and say so in their row.
//!
//! Run with `--nocapture` to see the matrix as RELIABILITY.md quotes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use warroom::health::PanelState;
use warroom::health::probe::probe;
use warroom::runbook::{Runbook, load_str};

/// Every source's timeout but the slow ones': a hang costs this long.
const TIMEOUT: &str = "500ms";
/// A slow answer takes this long...
const SLOW: Duration = Duration::from_millis(300);
/// ...under a timeout far above it, so a loaded machine cannot turn a slow
/// cell into a timeout.
const SLOW_TIMEOUT: &str = "3s";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Prometheus,
    Scrape,
    Json,
    Http,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Prometheus, Kind::Scrape, Kind::Json, Kind::Http];

    /// The runbook's `type`, also the path the server answers this kind on.
    fn name(self) -> &'static str {
        match self {
            Kind::Prometheus => "prometheus",
            Kind::Scrape => "scrape",
            Kind::Json => "json",
            Kind::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    Refused,
    Hang,
    Status5xx,
    Garbage,
    Empty,
    NaN,
    Several,
    CounterReset,
    Slow,
}

impl Fault {
    const ALL: [Fault; 9] = [
        Fault::Refused,
        Fault::Hang,
        Fault::Status5xx,
        Fault::Garbage,
        Fault::Empty,
        Fault::NaN,
        Fault::Several,
        Fault::CounterReset,
        Fault::Slow,
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::Refused => "refused",
            Fault::Hang => "hang",
            Fault::Status5xx => "5xx",
            Fault::Garbage => "garbage",
            Fault::Empty => "empty",
            Fault::NaN => "NaN",
            Fault::Several => "several",
            Fault::CounterReset => "reset",
            Fault::Slow => "slow",
        }
    }

    fn from_name(s: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// What a cell must show.
#[derive(Debug, Clone, Copy)]
enum Shows {
    /// No reading can be trusted: no value, this state, this exact text
    /// (`{dead}` stands for the refused port).
    NoValue(PanelState, &'static str),
    /// A real reading: this state, a value in `min..=max`, no error text.
    Reading(PanelState, f64, f64),
}

use Fault::*;
use Kind::*;
use PanelState::{Error as ERROR, Fail as FAIL, Ok as OK, Unknown as UNKNOWN, Warn as WARN};

/// The matrix. The last column says why a cell shows what it shows when
/// that is not plain "the poll failed".
#[rustfmt::skip]
const MATRIX: &[(Kind, Fault, Shows, &str)] = &[
    (Prometheus, Refused,      Shows::NoValue(ERROR, "connection refused (127.0.0.1:{dead})"), ""),
    (Prometheus, Hang,         Shows::NoValue(ERROR, "timed out after 500ms"), ""),
    (Prometheus, Status5xx,    Shows::NoValue(ERROR, "HTTP 503 Service Unavailable"),
        "a well-formed answer behind a 503 (a proxy's stale copy) is not believed"),
    (Prometheus, Garbage,      Shows::NoValue(ERROR, "not a Prometheus API response (body is not valid JSON at line 1 col 1)"), ""),
    (Prometheus, Empty,        Shows::NoValue(ERROR, "no data"), "an empty result vector"),
    (Prometheus, NaN,          Shows::NoValue(ERROR, "value is NaN"), ""),
    (Prometheus, Several,      Shows::NoValue(ERROR, "query returned 3 series; wrap it in sum() or max()"), ""),
    (Prometheus, CounterReset, Shows::Reading(OK, 2.5, 2.5),
        "rate() is computed by Prometheus, which handles resets itself: the answer is a real rate"),
    (Prometheus, Slow,         Shows::Reading(OK, 42.0, 42.0), "late but within the timeout: a real value"),

    (Scrape, Refused,      Shows::NoValue(ERROR, "connection refused (127.0.0.1:{dead})"), ""),
    (Scrape, Hang,         Shows::NoValue(ERROR, "timed out after 500ms"), ""),
    (Scrape, Status5xx,    Shows::NoValue(ERROR, "HTTP 503 Service Unavailable"),
        "a well-formed page behind a 503 is not believed"),
    (Scrape, Garbage,      Shows::NoValue(ERROR, "bad /metrics page: line 1: expected a metric name at column 1"), ""),
    (Scrape, Empty,        Shows::NoValue(ERROR, "the /metrics page has no samples"), "a 200 with an empty page"),
    (Scrape, NaN,          Shows::NoValue(ERROR, "value is NaN"), ""),
    (Scrape, Several,      Shows::NoValue(ERROR, "jobs_total matches 3 series; add labels to pick one"), ""),
    (Scrape, CounterReset, Shows::NoValue(UNKNOWN, "counter reset: waiting for a second sample"),
        "rate = true and the counter went down: the rate restarts, it is never negative"),
    (Scrape, Slow,         Shows::Reading(OK, 42.0, 42.0), "late but within the timeout: a real value"),

    (Json, Refused,      Shows::NoValue(ERROR, "connection refused (127.0.0.1:{dead})"), ""),
    (Json, Hang,         Shows::NoValue(ERROR, "timed out after 500ms"), ""),
    (Json, Status5xx,    Shows::NoValue(ERROR, "HTTP 503 Service Unavailable"),
        "a well-formed document behind a 503 is not believed"),
    (Json, Garbage,      Shows::NoValue(ERROR, "body is not valid JSON at line 1 col 1"), ""),
    (Json, Empty,        Shows::NoValue(ERROR, "body is empty"), "a 200 with an empty body"),
    (Json, NaN,          Shows::NoValue(ERROR, "body is not valid JSON at line 1 col 11"),
        "JSON has no NaN; Python's json.dumps writes a bare NaN, which is refused"),
    (Json, Several,      Shows::NoValue(ERROR, "/value is an array of 3, not a number"), ""),
    (Json, CounterReset, Shows::NoValue(UNKNOWN, "counter reset: waiting for a second sample"),
        "rate = true on a counter in the document that went down: as scrape"),
    (Json, Slow,         Shows::Reading(OK, 42.0, 42.0), "late but within the timeout: a real value"),

    (Http, Refused,      Shows::NoValue(ERROR, "connection refused (127.0.0.1:{dead})"), ""),
    (Http, Hang,         Shows::NoValue(ERROR, "timed out after 500ms"), ""),
    (Http, Status5xx,    Shows::NoValue(FAIL, "HTTP 503 Service Unavailable"),
        "for a health check a non-2xx is the answer \"down\": FAIL, not ERROR"),
    // The value of an `http` panel is the response time (seconds), below
    // the 500 ms timeout since it answered; the body is never read.
    (Http, Garbage,      Shows::Reading(OK, 0.0, 0.5), "n/a: the body is not read, garbage cannot occur"),
    (Http, Empty,        Shows::Reading(OK, 0.0, 0.5), "n/a: the body is not read; an empty 200 is up"),
    (Http, NaN,          Shows::Reading(OK, 0.0, 0.5), "n/a: the body is not read, NaN cannot occur"),
    (Http, Several,      Shows::Reading(OK, 0.0, 0.5), "n/a: the body is not read, there are no series"),
    (Http, CounterReset, Shows::Reading(OK, 0.0, 0.5),
        "n/a: `rate = true` on http is refused by check (asserted below); the panel polls the counter page and shows its response time"),
    (Http, Slow,         Shows::Reading(WARN, 0.3, 3.0),
        "the response time is the value: 300 ms is above its warn of 250 ms"),
];

/// Hits per kind on the counter-reset endpoints.
type Hits = Arc<[AtomicU64; 4]>;

/// What the server answers for one kind and fault. The shape is always
/// right for the kind; the fault is the only thing wrong with it.
async fn answer(kind: Kind, fault: String, hits: Hits) -> Response {
    let Some(fault) = Fault::from_name(&fault) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match fault {
        Refused => StatusCode::NOT_FOUND.into_response(), // never reached
        Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            body(kind, &["42"]).into_response()
        }
        Status5xx => (StatusCode::SERVICE_UNAVAILABLE, body(kind, &["42"])).into_response(),
        Garbage => "<html><body>502 Bad Gateway</body></html>".into_response(),
        Empty if kind == Prometheus => body(kind, &[]).into_response(),
        Empty => "".into_response(),
        NaN => body(kind, &["NaN"]).into_response(),
        Several => body(kind, &["1", "2", "3"]).into_response(),
        CounterReset if kind == Prometheus => body(kind, &["2.5"]).into_response(),
        CounterReset => {
            // 1000, then 400: the counter went down between the samples.
            let n = hits[kind as usize].fetch_add(1, Ordering::SeqCst);
            let v = 1000u64.saturating_sub(n * 600).to_string();
            body(kind, &[&v]).into_response()
        }
        Slow => {
            tokio::time::sleep(SLOW).await;
            body(kind, &["42"]).into_response()
        }
    }
}

/// A well-formed answer of the kind holding these values, as text.
fn body(kind: Kind, values: &[&str]) -> String {
    match kind {
        Prometheus => {
            let series: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    format!(r#"{{"metric":{{"pod":"p{i}"}},"value":[1700000000.1,"{v}"]}}"#)
                })
                .collect();
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
                series.join(",")
            )
        }
        Scrape => {
            let mut page = String::from("# TYPE jobs_total counter\n");
            for (i, v) in values.iter().enumerate() {
                page.push_str(&format!("jobs_total{{pod=\"p{i}\"}} {v}\n"));
            }
            page + "other_total 7\n"
        }
        Json => match values {
            [one] => format!(r#"{{"value": {one}, "other": 7}}"#),
            many => format!(r#"{{"value": [{}], "other": 7}}"#, many.join(", ")),
        },
        Http => values.join("\n"),
    }
}

fn route(kind: Kind) -> MethodRouter<Hits> {
    get(
        move |State(hits): State<Hits>, Path(fault): Path<String>| async move {
            answer(kind, fault, hits).await
        },
    )
}

async fn serve() -> String {
    let app = Router::new()
        .route("/{fault}/prometheus/api/v1/query", route(Prometheus))
        .route("/{fault}/scrape", route(Scrape))
        .route("/{fault}/json", route(Json))
        .route("/{fault}/http", route(Http))
        .with_state(Hits::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A loopback port nobody listens on: bind, note the port, drop.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn cell_id(kind: Kind, fault: Fault) -> String {
    format!("{}_{}", kind.name(), fault.name())
}

/// One source and one panel for the cell.
fn cell_toml(kind: Kind, fault: Fault, base: &str, dead: u16) -> String {
    let id = cell_id(kind, fault);
    let url = match fault {
        Refused => format!("http://127.0.0.1:{dead}/{}", kind.name()),
        _ => format!("{base}/{}/{}", fault.name(), kind.name()),
    };
    let timeout = if fault == Slow { SLOW_TIMEOUT } else { TIMEOUT };
    let key = match (kind, fault) {
        (Prometheus, CounterReset) => "query = 'rate(jobs_total[1m])'",
        (Prometheus, _) => "query = 'jobs_total'",
        (Scrape, _) => "metric = 'jobs_total'",
        (Json, _) => "pointer = '/value'",
        (Http, _) => "",
    };
    let extra = match (kind, fault) {
        (Scrape | Json, CounterReset) => "rate = true",
        (Http, Slow) => "warn = \"> 0.25\"",
        _ => "",
    };
    format!(
        "[sources.{id}]\ntype = \"{}\"\nurl = \"{url}\"\ntimeout = \"{timeout}\"\n\n\
         [[panels]]\nid = \"{id}\"\ntitle = \"{id}\"\nsource = \"{id}\"\n{key}\n{extra}\n\n",
        kind.name()
    )
}

const HEAD: &str = "[cutover]\nid = \"t\"\ntitle = \"T\"\nstrategy = \"big-bang\"\n\n\
                    [actions.rollback]\nrun = \"true\"\n\n";

fn load(toml: &str) -> Result<Runbook, String> {
    let text = format!("{HEAD}{toml}");
    load_str(&text, FsPath::new("matrix.toml"), &|_| None)
        .map(|l| l.runbook)
        .map_err(|e| e.to_string())
}

/// The matrix as RELIABILITY.md quotes it: kind × fault → state, `*` where
/// the state comes with a real value.
fn render(shown: &HashMap<(Kind, Fault), (PanelState, Option<f64>)>) -> String {
    let w = 9;
    let mut out = format!("{:<12}", "kind");
    for f in Fault::ALL {
        out.push_str(&format!("{:<w$}", f.name()));
    }
    for k in Kind::ALL {
        out.push_str(&format!("\n{:<12}", k.name()));
        for f in Fault::ALL {
            let (state, value) = shown[&(k, f)];
            let mark = if value.is_some() { "*" } else { "" };
            out.push_str(&format!("{:<w$}", format!("{state}{mark}")));
        }
    }
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    lines.join("\n") + "\n(* = shows a value)"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_and_fault_shows_its_state_and_never_a_false_ok() {
    // The table is complete: every pair exactly once, 4 × 9 = 36.
    assert_eq!(MATRIX.len(), 36, "a row was dropped or added");
    for k in Kind::ALL {
        for f in Fault::ALL {
            let n = MATRIX.iter().filter(|r| (r.0, r.1) == (k, f)).count();
            assert_eq!(n, 1, "{} × {}: {n} rows", k.name(), f.name());
        }
    }

    let base = serve().await;
    let dead = dead_port();
    let toml: String = MATRIX
        .iter()
        .map(|(k, f, _, _)| cell_toml(*k, *f, &base, dead))
        .collect();
    let rb = load(&toml).unwrap();
    let got: HashMap<String, _> = probe(&rb)
        .await
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    assert_eq!(got.len(), 36);

    // Every cell is checked and the matrix printed before anything fails,
    // so one broken cell shows beside the rest.
    let mut shown = HashMap::new();
    let mut wrong = Vec::new();
    for (kind, fault, want, why) in MATRIX {
        let s = &got[&cell_id(*kind, *fault)];
        shown.insert((*kind, *fault), (s.state, s.value));
        let cell = format!("{} × {} ({why}): {s:?}", kind.name(), fault.name());
        match *want {
            Shows::NoValue(state, text) => {
                // Zero false OK: no value, not green, not a made-up WARN.
                if matches!(s.state, OK | WARN) || s.value.is_some() {
                    wrong.push(format!("FALSE {}: {cell}", s.state));
                }
                let text = text.replace("{dead}", &dead.to_string());
                if (s.state, s.error.as_deref()) != (state, Some(&*text)) {
                    wrong.push(format!("want {state} {text:?}: {cell}"));
                }
            }
            Shows::Reading(state, min, max) => {
                let v = s.value.unwrap_or(f64::NAN);
                if (s.state, s.error.as_deref()) != (state, None) || !(min..=max).contains(&v) {
                    wrong.push(format!(
                        "want {state} with a value in {min}..={max}: {cell}"
                    ));
                }
            }
        }
    }
    let untrusted = MATRIX
        .iter()
        .filter(|r| matches!(r.2, Shows::NoValue(..)))
        .count();
    eprintln!(
        "fault matrix: {} cells; {untrusted} leave no reading to trust and must show no value and neither OK nor WARN\n{}",
        MATRIX.len(),
        render(&shown)
    );
    assert!(wrong.is_empty(), "cells wrong:\n{}", wrong.join("\n"));

    // The http × counter-reset cell as configured with a rate: refused
    // before anything is polled.
    let with_rate = cell_toml(Http, CounterReset, &base, dead) + "rate = true\n";
    let refused = load(&with_rate).unwrap_err();
    assert!(
        refused.contains("rate applies to counters; an http source measures response time"),
        "{refused}"
    );
}

/// Serves raw HTTP/1.1 bytes by path (what axum will not send on purpose);
/// `stall` keeps the connection open after them.
async fn raw_server(answers: Vec<(&'static str, String, bool)>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answers = Arc::new(answers);
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or("/");
                let Some((_, bytes, stall)) = answers.iter().find(|a| a.0 == path) else {
                    return;
                };
                let _ = sock.write_all(bytes.as_bytes()).await;
                if *stall {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

/// Variants the matrix's one-row-per-cell leaves out, each one a way to
/// show a partial or foreign page as a reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_cut_short_stalled_or_of_another_api_is_never_a_reading() {
    // A page promising 200 bytes that sends one good line: parsed as it
    // stands it would be a believable `jobs_total 42`.
    let half = "HTTP/1.1 200 OK\r\ncontent-length: 200\r\n\r\njobs_total 42\n".to_string();
    let foreign = r#"{"message":"hello"}"#;
    let foreign = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{foreign}",
        foreign.len()
    );
    let base = raw_server(vec![
        ("/stalled", half.clone(), true),
        ("/cut", half, false),
        ("/foreign/api/v1/query", foreign, false),
    ])
    .await;
    let source = |id: &str, kind: &str, path: &str| {
        format!(
            "[sources.{id}]\ntype = \"{kind}\"\nurl = \"{base}{path}\"\ntimeout = \"{TIMEOUT}\"\n"
        )
    };
    let panel = |id: &str, key: &str| {
        format!("[[panels]]\nid = \"{id}\"\ntitle = \"{id}\"\nsource = \"{id}\"\n{key}\n\n")
    };
    let rb = load(&format!(
        "{}{}{}\n{}{}{}",
        source("stalled", "scrape", "/stalled"),
        source("cut", "scrape", "/cut"),
        source("foreign", "prometheus", "/foreign"),
        panel("stalled", "metric = 'jobs_total'"),
        panel("cut", "metric = 'jobs_total'"),
        panel("foreign", "query = 'jobs_total'"),
    ))
    .unwrap();
    let got: HashMap<String, _> = probe(&rb)
        .await
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let addr = base.trim_start_matches("http://");
    for (id, text) in [
        // The timeout covers the body, not only the headers.
        ("stalled", "timed out after 500ms".to_string()),
        // hyper's own words follow the colon; the cause and place are ours.
        ("cut", format!("reading the response failed ({addr}): ")),
        (
            "foreign",
            "not a Prometheus API response (valid JSON, but missing field `status` at line 1 column 19)"
                .to_string(),
        ),
    ] {
        let s = &got[id];
        assert_eq!((s.state, s.value), (ERROR, None), "{id}: {s:?}");
        let error = s.error.as_deref().unwrap_or("");
        assert!(error.starts_with(&text), "{id}: want {text:?}, got {error:?}");
    }
}
