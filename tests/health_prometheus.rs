//! Against a real Prometheus (Debian package `prometheus`): it scrapes a
//! test server's /metrics every second, and our panels query it.
//!
//! Without /usr/bin/prometheus the test is skipped with a message, except
//! under CI=true, where a missing binary is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

include!("common/skip.rs");

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use warroom::health::PanelState;
use warroom::health::probe::probe;
use warroom::runbook::{Runbook, load_str};

#[path = "common/prometheus.rs"]
mod prometheus;
use prometheus::{Killed, PROMETHEUS, free_port};

/// Counters that grow at exactly 10/s and 1/s whenever they are scraped.
async fn serve_metrics() -> String {
    let start = Instant::now();
    let app = Router::new().route(
        "/metrics",
        get(move || async move {
            let t = start.elapsed().as_secs_f64();
            format!(
                "# TYPE app_requests_total counter\n\
                 app_requests_total{{code=\"200\"}} {}\n\
                 app_requests_total{{code=\"500\"}} {}\n",
                1000.0 + t * 10.0,
                t
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr.to_string()
}

fn runbook(prom: &str) -> Runbook {
    let text = format!(
        r#"
[cutover]
id = "prom"
title = "Real Prometheus"
strategy = "canary"

[sources.prom]
type = "prometheus"
url = "http://{prom}"

[[panels]]
id = "rps"
title = "Requests / s"
source = "prom"
query = 'sum(rate(app_requests_total{{code="200"}}[5s]))'
unit = "per_second"
fail = "< 1"

[[panels]]
id = "by_code"
title = "Requests by code"
source = "prom"
query = 'rate(app_requests_total[5s])'

[[panels]]
id = "error_ratio"
title = "Error ratio vs baseline"
source = "prom"
query = 'sum(rate(app_requests_total{{code="500"}}[5s])) / sum(rate(app_requests_total[5s]))'
baseline = 'vector(0.05)'
fail_ratio = 1.5
unit = "percent"

# Readiness: OK once the series is older than the 5 s rate window, so
# Prometheus no longer extrapolates from a partial window.
[[panels]]
id = "samples"
title = "Samples in the last 10 s"
source = "prom"
query = 'count_over_time(app_requests_total{{code="200"}}[10s])'
fail = "< 8"

[actions.rollback]
run = "true"
"#
    );
    load_str(&text, Path::new("prom.toml"), &|_| None)
        .map_err(|e| e.to_string())
        .unwrap()
        .runbook
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panels_against_a_real_prometheus() {
    if !Path::new(PROMETHEUS).exists() {
        skipped_without("prometheus", "the Debian package `prometheus`");
        return;
    }
    let target = serve_metrics().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
    let child = Command::new(PROMETHEUS)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={listen}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let _prometheus = Killed(child);
    let rb = runbook(&listen);

    // Wait (with a deadline) until the rate window is full of samples.
    let deadline = Instant::now() + Duration::from_secs(60);
    let statuses = loop {
        let s = probe(&rb).await;
        if s[3].state == PanelState::Ok {
            break s;
        }
        if Instant::now() > deadline {
            let log =
                std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
            panic!(
                "Prometheus gave no data within 60 s: {s:#?}\nlog tail:\n{}",
                tail(&log)
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    let rps = &statuses[0];
    assert_eq!(rps.state, PanelState::Ok, "{rps:?}");
    let v = rps.value.unwrap();
    assert!((8.0..=12.0).contains(&v), "rate of a 10/s counter: {v}");

    let by_code = &statuses[1];
    assert_eq!(by_code.state, PanelState::Error);
    assert_eq!(
        by_code.error.as_deref(),
        Some("query returned 2 series; wrap it in sum() or max()")
    );

    // 1 of 11 requests fail: ~9.1% against a 5% baseline × 1.5 = 7.5%.
    let ratio = &statuses[2];
    assert_eq!(ratio.state, PanelState::Fail, "{ratio:?}");
    assert_eq!(ratio.baseline, Some(0.05));
    let r = ratio.value.unwrap();
    assert!((0.08..=0.10).contains(&r), "error ratio {r}");
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
