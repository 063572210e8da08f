//! `/metrics` of `warroom serve` scraped by a real Prometheus (Debian's
//! `prometheus`) with the page's token as its bearer, and the session's
//! numbers read back through Prometheus's own HTTP API. Without
//! /usr/bin/prometheus the test is skipped with a message, except under
//! CI=true, where a missing binary is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/serve.rs"]
mod kit;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

#[path = "common/prometheus.rs"]
mod prometheus;
use prometheus::{Killed, PROMETHEUS, free_port};

/// The value Prometheus holds for `query` (its one series), if any yet.
async fn query(c: &reqwest::Client, prom: &str, query: &str) -> Option<String> {
    let r = c
        .get(format!("http://{prom}/api/v1/query"))
        .query(&[("query", query)])
        .send()
        .await
        .ok()?;
    let v: serde_json::Value = r.json().await.ok()?;
    let result = v["data"]["result"].as_array()?;
    let [one] = result.as_slice() else {
        return None;
    };
    one["value"][1].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_the_session_with_the_token() {
    if !Path::new(PROMETHEUS).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{PROMETHEUS} is missing; CI must install the Debian package `prometheus`");
        }
        eprintln!("SKIPPED: {PROMETHEUS} not found (apt-get install prometheus)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rb = kit::runbook();
    let (journal, _s) = kit::session(dir.path(), &rb);
    let srv = kit::serve(&rb, &journal).await;

    // Without the token: 401, like every other route.
    let r = kit::client()
        .get(format!("http://{}/metrics", srv.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (status, text) = kit::get(srv.addr, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    warroom::health::exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));

    let token = dir.path().join("token");
    std::fs::write(&token, kit::TOKEN).unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: warroom\n    authorization:\n      type: Bearer\n      credentials_file: {}\n    static_configs:\n      - targets: ['{}']\n",
            token.display(),
            srv.addr
        ),
    )
    .unwrap();
    let prom = format!("127.0.0.1:{}", free_port());
    let log_path = dir.path().join("prometheus.log");
    let child = Command::new(PROMETHEUS)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={prom}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let _prometheus = Killed(child);

    let c = kit::client();
    let cutover = &rb.cutover.id;
    let running = format!("warroom_session_status{{cutover=\"{cutover}\",status=\"RUNNING\"}}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if query(&c, &prom, &running).await.as_deref() == Some("1") {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let up = query(&c, &prom, "up").await;
            panic!("Prometheus never read RUNNING = 1 (up = {up:?}); its log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The same scrape: the other statuses are 0 and every panel has an age.
    assert_eq!(
        query(&c, &prom, "sum(warroom_session_status)")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        query(&c, &prom, "count(warroom_reading_age_seconds >= 0)")
            .await
            .as_deref(),
        Some(rb.panels.len().to_string().as_str())
    );
    assert_eq!(
        query(&c, &prom, "up{job=\"warroom\"}").await.as_deref(),
        Some("1")
    );
}
