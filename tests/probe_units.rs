//! `check --probe` judges panels by thresholds written with units
//! (`"> 300ms"`, `"> 1.5s"`, `"> 5%"`, `"< 5/s"`, `"> 2GiB"`) against a local
//! server, and prints them in the panel's unit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use axum::{Router, routing::get};
use warroom::health::PanelState;
use warroom::health::probe::{probe, table};
use warroom::runbook::load_str;

async fn serve() -> String {
    let app = Router::new().route(
        "/metrics",
        get(|| async {
            "latency_seconds{quantile=\"0.99\"} 0.312\n\
             error_ratio 0.07\n\
             heap_bytes 3221225472\n\
             orders_per_second 3\n"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/metrics")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_shows_warn_and_fail_by_unit_thresholds() {
    let url = serve().await;
    let text = format!(
        r#"[cutover]
id = "t"
title = "T"
strategy = "big-bang"

[sources.app]
type = "scrape"
url = "{url}"

[[panels]]
id = "p99_warn"
source = "app"
metric = 'latency_seconds{{quantile="0.99"}}'
unit = "ms"
warn = "> 300ms"
fail = "> 1.5s"

[[panels]]
id = "p99_fail"
source = "app"
metric = 'latency_seconds{{quantile="0.99"}}'
unit = "seconds"
fail = "> 300ms"

[[panels]]
id = "errors"
source = "app"
metric = "error_ratio"
unit = "percent"
warn = "> 5%"
fail = "> 10%"

[[panels]]
id = "heap"
source = "app"
metric = "heap_bytes"
unit = "bytes"
fail = "> 2GiB"

[[panels]]
id = "orders"
source = "app"
metric = "orders_per_second"
unit = "per_second"
warn = "< 5/s"
fail = "< 1/s"

[actions.rollback]
run = "true"
"#
    );
    let rb = load_str(&text, Path::new("units.toml"), &|_| None)
        .unwrap_or_else(|e| panic!("{e}"))
        .runbook;
    let statuses = probe(&rb).await;
    let states: Vec<(&str, PanelState)> =
        statuses.iter().map(|s| (s.id.as_str(), s.state)).collect();
    assert_eq!(
        states,
        [
            ("p99_warn", PanelState::Warn),
            ("p99_fail", PanelState::Fail),
            ("errors", PanelState::Warn),
            ("heap", PanelState::Fail),
            ("orders", PanelState::Warn),
        ]
    );
    let out = table(&rb, &statuses, false);
    for (id, word) in [("p99_warn", "WARN"), ("p99_fail", "FAIL"), ("heap", "FAIL")] {
        let row = out.lines().find(|l| l.starts_with(id)).unwrap();
        assert!(row.contains(word), "{row}");
    }
}
