//! Every source kind and every fault against HTTP servers started here.
//! The rule under test: a fault is never OK, and its text says what broke
//! without ever showing a secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::mpsc;
use warroom::health::probe::probe;
use warroom::health::{PanelState, PanelStatus, poller};
use warroom::runbook::{Runbook, load_str};

const TOKEN: &str = "s3cr3t-token-42";
const PASSWORD: &str = "pa55word-xyz";

#[derive(Default)]
struct Hits {
    metrics: AtomicU64,
    reset: AtomicU64,
}

async fn prom(Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let query = q.get("query").cloned().unwrap_or_default();
    let vector = |vals: &[&str]| {
        let series: Vec<String> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| format!(r#"{{"metric":{{"pod":"p{i}"}},"value":[1700000000.1,"{v}"]}}"#))
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            series.join(",")
        )
    };
    let body = match query.as_str() {
        "one" => vector(&["0.25"]),
        "empty" => vector(&[]),
        "many" => vector(&["1", "2", "3"]),
        "nan" => vector(&["NaN"]),
        "scalar" => {
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"7"]}}"#
                .into()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            vector(&["0.5"])
        }
        "hang" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            vector(&["1"])
        }
        "whoami" => {
            // An API error that echoes what it saw: proves the header and
            // User-Agent were sent, and that the echo is redacted.
            let seen = format!(
                "seen {} as {}",
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-"),
                headers
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-"),
            );
            let body = format!(r#"{{"status":"error","errorType":"bad_data","error":"{seen}"}}"#);
            return (StatusCode::BAD_REQUEST, body).into_response();
        }
        _ => {
            let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4: unexpected end of input"}"#;
            return (StatusCode::BAD_REQUEST, body).into_response();
        }
    };
    body.into_response()
}

async fn metrics(State(hits): State<Arc<Hits>>) -> String {
    let n = hits.metrics.fetch_add(1, Ordering::SeqCst);
    format!(
        "# HELP invoices_total Invoices.\n# TYPE invoices_total counter\n\
         invoices_total {}\ninvoices_created 1700000000\n\
         http_requests_total{{code=\"200\"}} 10\nhttp_requests_total{{code=\"500\"}} 1\n\
         latency_seconds{{quantile=\"0.99\"}} 0.312\nlatency_seconds{{quantile=\"0.5\"}} 0.1\n\
         broken NaN\n",
        1000 + n * 50
    )
}

/// A counter that goes down on every scrape: each sample is a reset.
async fn resetting(State(hits): State<Arc<Hits>>) -> String {
    let n = hits.reset.fetch_add(1, Ordering::SeqCst);
    format!("jobs_total {}\n", 1000u64.saturating_sub(n * 100))
}

async fn hang() -> &'static str {
    tokio::time::sleep(Duration::from_secs(60)).await;
    "late"
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(300)).await;
    "ok"
}

async fn serve() -> (String, Arc<Hits>) {
    let hits = Arc::new(Hits::default());
    let app = Router::new()
        .route("/api/v1/query", get(prom))
        .route("/metrics", get(metrics))
        .route("/resetting", get(resetting))
        .route(
            "/json",
            get(|| async { r#"{"mismatches": 0, "lag": {"p99": 1.5}, "mode": "dual-write"}"# }),
        )
        // Prometheus's own HTTP API read as a JSON document: values are
        // strings ("3"), and NaN is written "NaN".
        .route(
            "/prom-api-json",
            get(|| async {
                r#"{"status":"success","data":{"resultType":"vector","result":[
                    {"metric":{"job":"billing"},"value":[1700000000.123,"3"]},
                    {"metric":{"job":"broken"},"value":[1700000000.123,"NaN"]},
                    {"metric":{"job":"huge"},"value":[1700000000.123,"1e999"]}]}}"#
            }),
        )
        .route("/garbage", get(|| async { "<html>oops</html>" }))
        .route(
            "/500",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/broken/api/v1/query",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/down",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") }),
        )
        .route("/hang", get(hang))
        .route("/slow", get(slow))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), hits)
}

/// A loopback port nobody listens on: bind, note the port, drop.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn runbook(sources_and_panels: &str) -> Runbook {
    let text = format!(
        "[cutover]\nid = \"t\"\ntitle = \"T\"\nstrategy = \"big-bang\"\n\n\
         [actions.rollback]\nrun = \"true\"\n\n{sources_and_panels}"
    );
    let env = |name: &str| match name {
        "TOKEN" => Some(TOKEN.to_string()),
        "PASSWORD" => Some(PASSWORD.to_string()),
        _ => None,
    };
    match load_str(&text, Path::new("test.toml"), &env) {
        Ok(l) => l.runbook,
        Err(e) => panic!("test runbook refused:\n{e}\n{text}"),
    }
}

fn panel(id: &str, source: &str, key: &str, rest: &str) -> String {
    format!("[[panels]]\nid = \"{id}\"\ntitle = \"{id}\"\nsource = \"{source}\"\n{key}\n{rest}\n\n")
}

fn by_id(statuses: Vec<PanelStatus>) -> HashMap<String, PanelStatus> {
    statuses.into_iter().map(|s| (s.id.clone(), s)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_kind_and_fault_shows_the_right_state() {
    let (base, _) = serve().await;
    let dead = dead_port();
    let mut toml = format!(
        r#"
[sources.prom]
type = "prometheus"
url = "{base}"
timeout = "1s"
headers = {{ Authorization = "Bearer ${{TOKEN}}" }}
[sources.prom_dead]
type = "prometheus"
url = "http://admin:${{PASSWORD}}@127.0.0.1:{dead}"
headers = {{ Authorization = "Bearer ${{TOKEN}}" }}
[sources.prom_500]
type = "prometheus"
url = "{base}/broken"
[sources.metrics]
type = "scrape"
url = "{base}/metrics"
[sources.resetting]
type = "scrape"
url = "{base}/resetting"
[sources.metrics_garbage]
type = "scrape"
url = "{base}/garbage"
[sources.metrics_500]
type = "scrape"
url = "{base}/500"
[sources.doc]
type = "json"
url = "{base}/json"
[sources.prom_as_json]
type = "json"
url = "{base}/prom-api-json"
[sources.doc_garbage]
type = "json"
url = "{base}/garbage"
[sources.doc_hang]
type = "json"
url = "{base}/hang"
timeout = "500ms"
[sources.up]
type = "http"
url = "{base}/healthz"
[sources.down]
type = "http"
url = "{base}/down"
[sources.slow]
type = "http"
url = "{base}/slow"
timeout = "2s"
[sources.refused]
type = "http"
url = "http://127.0.0.1:{dead}/healthz"

"#
    );
    let q = |q: &str| format!("query = '{q}'");
    let m = |m: &str| format!("metric = '{m}'");
    let p = |p: &str| format!("pointer = '{p}'");
    for (id, source, key, rest) in [
        ("prom_one", "prom", q("one"), "warn = \"> 0.5\""),
        ("prom_scalar", "prom", q("scalar"), "fail = \"> 5\""),
        ("prom_empty", "prom", q("empty"), ""),
        ("prom_many", "prom", q("many"), ""),
        ("prom_nan", "prom", q("nan"), ""),
        ("prom_api_error", "prom", q("sum(("), ""),
        ("prom_slow", "prom", q("slow"), ""),
        ("prom_hang", "prom", q("hang"), ""),
        ("prom_secret_echo", "prom", q("whoami"), ""),
        ("prom_refused", "prom_dead", q("one"), ""),
        ("prom_500", "prom_500", q("one"), ""),
        (
            "prom_baseline_fail",
            "prom",
            q("one"),
            "baseline = 'slow'\nfail_ratio = 0.4",
        ),
        (
            "prom_baseline_empty",
            "prom",
            q("one"),
            "baseline = 'empty'\nfail_ratio = 2",
        ),
        (
            "scrape_ok",
            "metrics",
            m(r#"latency_seconds{quantile="0.99"}"#),
            "warn = \"> 0.3\"",
        ),
        ("scrape_rate", "metrics", m("invoices_total"), "rate = true"),
        ("scrape_many", "metrics", m("http_requests_total"), ""),
        (
            "scrape_none",
            "metrics",
            m(r#"http_requests_total{code="404"}"#),
            "",
        ),
        ("scrape_nan", "metrics", m("broken"), ""),
        ("scrape_reset", "resetting", m("jobs_total"), "rate = true"),
        ("scrape_garbage", "metrics_garbage", m("x"), ""),
        ("scrape_500", "metrics_500", m("x"), ""),
        ("json_ok", "doc", p("/lag/p99"), "fail = \"> 2\""),
        ("json_string", "doc", p("/mode"), ""),
        ("json_missing", "doc", p("/nope"), ""),
        (
            "json_prom_string",
            "prom_as_json",
            p("/data/result/0/value/1"),
            "fail = \"> 2\"",
        ),
        (
            "json_prom_nan",
            "prom_as_json",
            p("/data/result/1/value/1"),
            "",
        ),
        (
            "json_prom_huge",
            "prom_as_json",
            p("/data/result/2/value/1"),
            "",
        ),
        ("json_garbage", "doc_garbage", p("/x"), ""),
        ("json_hang", "doc_hang", p("/x"), ""),
        ("http_up", "up", "".into(), "unit = \"ms\""),
        ("http_down", "down", "".into(), ""),
        ("http_slow", "slow", "".into(), "warn = \"> 0.2\""),
        ("http_refused", "refused", "".into(), ""),
    ] {
        toml.push_str(&panel(id, source, &key, rest));
    }
    let rb = runbook(&toml);
    assert!(rb.secrets.iter().any(|s| s.contains(TOKEN)));

    let got = by_id(probe(&rb).await);
    assert_eq!(got.len(), rb.panels.len());

    use PanelState::*;
    let expect: &[(&str, PanelState, Option<f64>, Option<&str>)] = &[
        ("prom_one", Ok, Some(0.25), None),
        ("prom_scalar", Fail, Some(7.0), None),
        ("prom_empty", Error, None, Some("no data")),
        (
            "prom_many",
            Error,
            None,
            Some("query returned 3 series; wrap it in sum() or max()"),
        ),
        ("prom_nan", Error, None, Some("value is NaN")),
        (
            "prom_api_error",
            Error,
            None,
            Some("prometheus: parse error at char 4: unexpected end of input"),
        ),
        ("prom_slow", Ok, Some(0.5), None),
        ("prom_hang", Error, None, Some("timed out after 1s")),
        (
            "prom_secret_echo",
            Error,
            None,
            Some("prometheus: seen Bearer *** as warroom/0.1.0"),
        ),
        (
            "prom_500",
            Error,
            None,
            Some("HTTP 500 Internal Server Error"),
        ),
        (
            "prom_baseline_fail",
            Fail,
            Some(0.25),
            Some("more than 0.4 × baseline (0.5)"),
        ),
        (
            "prom_baseline_empty",
            Error,
            None,
            Some("baseline: no data"),
        ),
        ("scrape_ok", Warn, Some(0.312), None),
        (
            "scrape_many",
            Error,
            None,
            Some("http_requests_total matches 2 series; add labels to pick one"),
        ),
        (
            "scrape_none",
            Error,
            None,
            Some(r#"no series matches http_requests_total{code="404"}"#),
        ),
        ("scrape_nan", Error, None, Some("value is NaN")),
        (
            "scrape_reset",
            Unknown,
            None,
            Some("counter reset: waiting for a second sample"),
        ),
        (
            "scrape_garbage",
            Error,
            None,
            Some("bad /metrics page: line 1: expected a metric name at column 1"),
        ),
        (
            "scrape_500",
            Error,
            None,
            Some("HTTP 500 Internal Server Error"),
        ),
        ("json_ok", Ok, Some(1.5), None),
        (
            "json_string",
            Error,
            None,
            Some("/mode is a string (\"dual-write\"), not a number"),
        ),
        ("json_missing", Error, None, Some("nothing at /nope")),
        ("json_prom_string", Fail, Some(3.0), None),
        (
            "json_prom_nan",
            Error,
            None,
            Some("/data/result/1/value/1 is a string (\"NaN\"), not a finite number"),
        ),
        (
            "json_prom_huge",
            Error,
            None,
            Some("/data/result/2/value/1 is a string (\"1e999\"), beyond f64's range"),
        ),
        (
            "json_garbage",
            Error,
            None,
            Some("body is not valid JSON at line 1 col 1"),
        ),
        ("json_hang", Error, None, Some("timed out after 500ms")),
        (
            "http_down",
            Fail,
            None,
            Some("HTTP 503 Service Unavailable"),
        ),
        (
            "http_refused",
            Error,
            None,
            Some(&*Box::leak(
                format!("connection refused (127.0.0.1:{dead})").into_boxed_str(),
            )),
        ),
    ];
    for (id, state, value, text) in expect {
        let s = &got[*id];
        assert_eq!(
            (s.state, s.value, s.error.as_deref()),
            (*state, *value, *text),
            "panel {id}"
        );
    }
    // Values that depend on timing: right state, plausible number.
    let refused = &got["prom_refused"];
    assert_eq!(refused.state, Error);
    assert_eq!(
        refused.error.as_deref(),
        Some(&*format!("connection refused (127.0.0.1:{dead})"))
    );
    let rate = &got["scrape_rate"];
    assert_eq!(rate.state, Ok, "{rate:?}");
    let r = rate.value.unwrap();
    assert!(
        r > 0.0 && r < 100.0,
        "50 per scrape, about a second apart: {r}"
    );
    let up = &got["http_up"];
    assert_eq!(up.state, Ok);
    assert!(up.value.unwrap() < 1.0);
    let slow = &got["http_slow"];
    assert_eq!(slow.state, Warn, "slow but in time is a value: {slow:?}");
    assert!(slow.value.unwrap() >= 0.3);

    // Faults are never green, and nothing anywhere shows a secret.
    for s in got.values() {
        let text = format!("{s:?}");
        assert!(
            !text.contains(TOKEN) && !text.contains(PASSWORD),
            "secret leaked: {text}"
        );
    }
    let table = warroom::health::probe::table(&rb, &probe(&rb).await, false);
    assert!(
        !table.contains(TOKEN) && !table.contains(PASSWORD),
        "{table}"
    );
    let row = table.lines().find(|l| l.starts_with("prom_many ")).unwrap();
    assert!(
        row.contains(" ERROR ")
            && row.ends_with("query returned 3 series; wrap it in sum() or max()"),
        "{row}"
    );
}

/// Receive until `pred` holds for the statuses seen so far, or fail.
async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<PanelStatus>,
    seen: &mut Vec<PanelStatus>,
    deadline: Duration,
    what: &str,
    pred: impl Fn(&[PanelStatus]) -> bool,
) {
    let end = Instant::now() + deadline;
    while !pred(seen) {
        match tokio::time::timeout_at(end.into(), rx.recv()).await {
            Result::Ok(Some(s)) => seen.push(s),
            Result::Ok(None) => panic!("poller stopped while waiting for {what}"),
            Err(_) => panic!("no {what} within {deadline:?}; seen: {seen:#?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_source_delays_no_other_panel() {
    let (base, _) = serve().await;
    let rb = runbook(&format!(
        "[sources.hung]\ntype = \"json\"\nurl = \"{base}/hang\"\ntimeout = \"2s\"\n\
         [sources.doc]\ntype = \"json\"\nurl = \"{base}/json\"\n\n{}{}",
        panel(
            "hung",
            "hung",
            "pointer = '/x'",
            "every = \"200ms\"\nstale_after = 100"
        ),
        panel("lag", "doc", "pointer = '/lag/p99'", "every = \"200ms\""),
    ));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _poller = poller::spawn(Arc::new(rb), tx);
    let mut seen = Vec::new();
    wait_for(
        &mut rx,
        &mut seen,
        Duration::from_secs(10),
        "the hung panel's timeout",
        |s| s.iter().any(|s| s.id == "hung"),
    )
    .await;
    let hung = seen.iter().find(|s| s.id == "hung").unwrap();
    assert_eq!(hung.state, PanelState::Error);
    assert_eq!(hung.error.as_deref(), Some("timed out after 2s"));
    let on_time: Vec<_> = seen.iter().filter(|s| s.id == "lag").collect();
    // 2 s of a 200 ms schedule while the other source hung: ~10 polls.
    assert!(
        on_time.len() >= 5,
        "the healthy panel was held up: {} updates",
        on_time.len()
    );
    assert!(
        on_time
            .iter()
            .all(|s| s.state == PanelState::Ok && s.value == Some(1.5))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panels_on_one_scrape_source_share_one_fetch() {
    let (base, hits) = serve().await;
    let rb = runbook(&format!(
        "[sources.m]\ntype = \"scrape\"\nurl = \"{base}/metrics\"\n\n{}{}{}",
        panel(
            "a",
            "m",
            "metric = 'latency_seconds{quantile=\"0.5\"}'",
            "every = \"100ms\""
        ),
        panel(
            "b",
            "m",
            "metric = 'latency_seconds{quantile=\"0.99\"}'",
            "every = \"1s\""
        ),
        panel("c", "m", "metric = 'invoices_created'", "every = \"1s\""),
    ));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let poller = poller::spawn(Arc::new(rb), tx);
    let mut seen = Vec::new();
    wait_for(
        &mut rx,
        &mut seen,
        Duration::from_secs(10),
        "5 updates of each panel",
        |s| {
            ["a", "b", "c"]
                .iter()
                .all(|id| s.iter().filter(|s| s.id == *id).count() >= 5)
        },
    )
    .await;
    drop(poller);
    let fetches = hits.metrics.load(Ordering::SeqCst);
    assert!(
        (5..=7).contains(&fetches),
        "15 panel updates took {fetches} fetches"
    );
    let last_c = seen.iter().rev().find(|s| s.id == "c").unwrap();
    assert_eq!(
        (last_c.state, last_c.value),
        (PanelState::Ok, Some(1_700_000_000.0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_source_goes_stale_without_any_result() {
    let (base, _) = serve().await;
    let rb = runbook(&format!(
        "[sources.hung]\ntype = \"http\"\nurl = \"{base}/hang\"\ntimeout = \"30s\"\n\n{}",
        panel("silent", "hung", "", "every = \"100ms\"\nstale_after = 3"),
    ));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _poller = poller::spawn(Arc::new(rb), tx);
    let mut seen = Vec::new();
    wait_for(&mut rx, &mut seen, Duration::from_secs(5), "STALE", |s| {
        !s.is_empty()
    })
    .await;
    assert_eq!(seen[0].state, PanelState::Stale, "{seen:?}");
    assert_eq!(
        seen[0].last_poll, None,
        "no poll has returned: the clock tick did it"
    );
}

#[test]
#[ignore = "measurement: run with --ignored --nocapture, reports poller CPU"]
fn poller_cpu_with_500_panels_at_1s() {
    // Server and poller run on separate runtimes with named threads so only
    // the poller's threads are counted (from /proc/self/task/*/stat).
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("test-server")
        .enable_all()
        .build()
        .unwrap();
    let (base, _) = server_rt.block_on(serve());
    let mut toml = format!("[sources.prom]\ntype = \"prometheus\"\nurl = \"{base}\"\n\n");
    for i in 0..500 {
        toml.push_str(&panel(
            &format!("p{i}"),
            "prom",
            "query = 'one'",
            "every = \"1s\"\nwarn = \"> 0.5\"",
        ));
    }
    let rb = Arc::new(runbook(&toml));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("poller")
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _guard = rt.enter();
    let handle = poller::spawn(rb, tx);
    let count = rt.spawn(async move {
        let mut n = 0u64;
        while rx.recv().await.is_some() {
            n += 1;
        }
        n
    });
    std::thread::sleep(Duration::from_secs(3)); // warm-up: connections open
    let t0 = poller_cpu_ticks();
    let w0 = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let ticks = poller_cpu_ticks() - t0;
    let wall = w0.elapsed().as_secs_f64();
    drop(handle);
    let msgs = rt.block_on(count).unwrap();
    let hz = 100.0; // USER_HZ on Linux
    let pct = ticks as f64 / hz / wall * 100.0;
    println!("poller CPU, 500 prometheus panels at 1 s: {pct:.1}% of one core ({msgs} statuses)");
    assert!(msgs > 500 * 5, "the poller kept up: {msgs}");
}

fn poller_cpu_ticks() -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let dir = task.unwrap().path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != "poller" {
            continue;
        }
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        // Fields 14 and 15 (utime, stime) are 11 and 12 after the comm.
        total += f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    }
    total
}

#[test]
fn probe_exit_code_is_zero_only_when_every_panel_has_a_value() {
    // `run` builds its own runtime; the server gets another one.
    let server = tokio::runtime::Runtime::new().unwrap();
    let (base, _) = server.block_on(serve());
    let sources = format!(
        "[sources.doc]\ntype = \"json\"\nurl = \"{base}/json\"\n[sources.down]\ntype = \"http\"\nurl = \"{base}/down\"\n\n"
    );
    let answered = runbook(&format!(
        "{sources}{}{}",
        panel("lag", "doc", "pointer = '/lag/p99'", "fail = \"> 1\""),
        panel("legacy", "down", "", ""),
    ));
    assert_eq!(
        warroom::health::probe::run(&answered, false),
        0,
        "FAIL is an answer"
    );
    let silent = runbook(&format!(
        "{sources}{}{}",
        panel("lag", "doc", "pointer = '/lag/p99'", ""),
        panel("missing", "doc", "pointer = '/nope'", ""),
    ));
    assert_eq!(
        warroom::health::probe::run(&silent, true),
        1,
        "an ERROR panel fails the probe"
    );
}
