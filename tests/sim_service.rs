#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The embedded demo service over real HTTP on loopback, and the demo
//! runbook's panels and actions against it.

use std::collections::BTreeMap;
use std::time::Duration;

use warroom::actions::{ActionContext, webhook};
use warroom::runbook::model::Webhook;
use warroom::sim::{self, Fault};

/// One exposition sample: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// A strict little parser for the lines the sim writes:
/// `name{k="v",...} value` or `name value`; comments must be HELP/TYPE.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix("# ") {
            assert!(
                c.starts_with("HELP ") || c.starts_with("TYPE "),
                "bad comment: {line}"
            );
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        assert!(value.is_finite(), "{line}");
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed: {line}"));
                let labels = body
                    .split(',')
                    .map(|kv| {
                        let (k, v) = kv
                            .split_once('=')
                            .unwrap_or_else(|| panic!("bad label: {line}"));
                        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                        (
                            k.to_string(),
                            v.unwrap_or_else(|| panic!("unquoted: {line}")).to_string(),
                        )
                    })
                    .collect();
                (name, labels)
            }
        };
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name: {line}"
        );
        out.push((name.to_string(), labels, value));
    }
    out
}

/// Samples matching a selector `name{k="v",...}` (labels must all match).
fn select<'a>(samples: &'a [Sample], selector: &str) -> Vec<&'a Sample> {
    let wanted = parse_exposition(&format!("{selector} 0")).remove(0);
    samples
        .iter()
        .filter(|(n, l, _)| *n == wanted.0 && wanted.1.iter().all(|(k, v)| l.get(k) == Some(v)))
        .collect()
}

fn one(samples: &[Sample], selector: &str) -> f64 {
    let found = select(samples, selector);
    assert_eq!(found.len(), 1, "{selector} matched {} series", found.len());
    found[0].2
}

async fn metrics(client: &reqwest::Client, url: &str) -> Vec<Sample> {
    let resp = client.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    parse_exposition(&resp.text().await.unwrap())
}

async fn post(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.post(url).send().await.unwrap()
}

fn ctx(action: &str, exposure: f64) -> ActionContext {
    ActionContext {
        cutover: "checkout-v2".into(),
        action: action.into(),
        stage: None,
        exposure,
        previous_exposure: 0.0,
        operator: "alice".into(),
        reason: "demo".into(),
        mode: "rehearsal".into(),
        fence: None,
        run_token: None,
    }
}

fn hook(url: &str) -> Webhook {
    Webhook {
        url: format!("{url}/hook"),
        method: "POST".into(),
        headers: vec![],
    }
}

#[tokio::test]
async fn metrics_are_valid_exposition_with_the_documented_series() {
    let sim = sim::start().await.unwrap();
    let client = reqwest::Client::new();
    let resp = client
        .get(format!("{}/metrics", sim.url))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let samples = parse_exposition(&resp.text().await.unwrap());
    for track in ["canary", "stable"] {
        for code in ["200", "500"] {
            one(
                &samples,
                &format!("http_requests_total{{track=\"{track}\",code=\"{code}\"}}"),
            );
        }
        let p99 = one(
            &samples,
            &format!("http_request_duration_seconds{{track=\"{track}\",quantile=\"0.99\"}}"),
        );
        assert!(p99 > 0.05 && p99 < 0.3, "healthy p99 {p99}");
        one(
            &samples,
            &format!("http_request_duration_seconds{{track=\"{track}\",quantile=\"0.5\"}}"),
        );
        let ratio = one(
            &samples,
            &format!("billing_error_ratio{{track=\"{track}\"}}"),
        );
        assert!(ratio > 0.0 && ratio < 0.01, "healthy ratio {ratio}");
    }
    one(&samples, "billing_invoices_total");
    sim.shutdown().await;
}

#[tokio::test]
async fn exposing_a_faulty_canary_raises_its_error_counter() {
    let sim = sim::start().await.unwrap();
    let client = reqwest::Client::new();
    let canary_500 = r#"http_requests_total{track="canary",code="500"}"#;
    let canary_200 = r#"http_requests_total{track="canary",code="200"}"#;
    let stable_500 = r#"http_requests_total{track="stable",code="500"}"#;
    let stable_200 = r#"http_requests_total{track="stable",code="200"}"#;
    assert_eq!(
        post(&client, format!("{}/faults/error-spike", sim.url))
            .await
            .status(),
        200
    );

    // Exposure 0: the faulty build gets no traffic, so no canary errors
    // while the stable track serves hundreds of requests.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let m = metrics(&client, &sim.url).await;
        assert_eq!(
            one(&m, canary_500) + one(&m, canary_200),
            0.0,
            "canary served at 0 %"
        );
        if one(&m, stable_200) >= 300.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "stable traffic did not flow"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The expand webhook, as the demo runbook's action sends it.
    let code = webhook::send(
        &client,
        &hook(&sim.url),
        &ctx("expand", 25.0),
        Duration::from_secs(5),
        &[],
    )
    .await;
    assert_eq!(code, Ok(200));
    assert_eq!(sim.flags().exposure, 25.0);

    let before = metrics(&client, &sim.url).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = metrics(&client, &sim.url).await;
        let canary_errors = one(&now, canary_500) - one(&before, canary_500);
        let stable_errors = one(&now, stable_500) - one(&before, stable_500);
        if canary_errors >= 8.0 {
            assert!(
                canary_errors > 4.0 * stable_errors,
                "a 25 % canary at ~8 % errors must outnumber stable's ~0.2 %: {canary_errors} vs {stable_errors}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "canary errors stayed at {canary_errors}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Rollback sends exposure back to 0.
    let code = webhook::send(
        &client,
        &hook(&sim.url),
        &ctx("rollback", 0.0),
        Duration::from_secs(5),
        &[],
    )
    .await;
    assert_eq!(code, Ok(200));
    let flags: serde_json::Value = client
        .get(format!("{}/flags", sim.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flags["exposure"], 0.0);
    assert_eq!(flags["hooks"], 2);
    assert_eq!(flags["faults"], serde_json::json!(["error-spike"]));
    sim.shutdown().await;
}

#[tokio::test]
async fn dead_fault_turns_metrics_and_health_into_503_until_cleared() {
    let sim = sim::start().await.unwrap();
    let client = reqwest::Client::new();
    let status = |path: &'static str| {
        let (client, url) = (client.clone(), sim.url.clone());
        async move {
            client
                .get(format!("{url}{path}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status("/healthz").await, 200);
    assert_eq!(
        post(&client, format!("{}/faults/dead", sim.url))
            .await
            .status(),
        200
    );
    assert_eq!(status("/metrics").await, 503);
    assert_eq!(status("/healthz").await, 503);
    sim.inject(Fault::Clear);
    assert_eq!(status("/metrics").await, 200);
    assert_eq!(status("/healthz").await, 200);
    assert_eq!(
        post(&client, format!("{}/faults/meteor", sim.url))
            .await
            .status(),
        404
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn mismatches_grow_while_exposed_with_the_fault() {
    let sim = sim::start().await.unwrap();
    let client = reqwest::Client::new();
    let recon = || {
        let (client, url) = (client.clone(), sim.url.clone());
        async move {
            let v: serde_json::Value = client
                .get(format!("{url}/reconcile"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    assert_eq!(recon().await["mismatches"], 0);
    sim.inject(Fault::Mismatch);
    webhook::send(
        &client,
        &hook(&sim.url),
        &ctx("expand", 5.0),
        Duration::from_secs(5),
        &[],
    )
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while recon().await["mismatches"].as_u64().unwrap() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "mismatches never appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recon().await["checked"].as_u64().unwrap() > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_frees_the_port() {
    let sim = sim::start().await.unwrap();
    let addr = sim.url.strip_prefix("http://").unwrap().to_string();
    // A kept-alive client connection must not hold the server open.
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{}/healthz", sim.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    sim.shutdown().await;
    tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("{addr} still taken: {e}"));
}

/// Every panel of the shipped demo runbook reads exactly one good number
/// from the simulated service, and every action's webhook is accepted.
#[tokio::test]
async fn demo_runbook_panels_and_hooks_work_against_the_sim() {
    let sim = sim::start().await.unwrap();
    let client = reqwest::Client::new();
    let text = sim::DEMO_RUNBOOK.replace(
        &format!("${{{}:-http://127.0.0.1:9999}}", sim::DEMO_URL_VAR),
        &sim.url,
    );
    assert!(!text.contains("${"), "an expansion the test does not know");
    let rb: toml::Value = toml::from_str(&text).unwrap();

    let sources = rb["sources"].as_table().unwrap();
    let panels = rb["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 5);
    for p in panels {
        let id = p["id"].as_str().unwrap();
        let src = &sources[p["source"].as_str().unwrap()];
        let url = src["url"].as_str().unwrap();
        let resp = client.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "panel {id}");
        match src["type"].as_str().unwrap() {
            "scrape" => {
                let samples = parse_exposition(&resp.text().await.unwrap());
                one(&samples, p["metric"].as_str().unwrap());
            }
            "json" => {
                let v: serde_json::Value = resp.json().await.unwrap();
                let n = v.pointer(p["pointer"].as_str().unwrap());
                assert!(n.is_some_and(|n| n.is_number()), "panel {id}: {v}");
            }
            "http" => {}
            other => panic!("panel {id}: unexpected source type {other}"),
        }
    }
    let panel_ids: Vec<_> = panels.iter().map(|p| p["id"].as_str().unwrap()).collect();
    for g in rb["guards"].as_array().unwrap() {
        assert!(
            panel_ids.contains(&g["panel"].as_str().unwrap()),
            "guard on unknown panel: {g}"
        );
    }

    for (name, action) in rb["actions"].as_table().unwrap() {
        let h = &action["webhook"];
        let hook = Webhook {
            url: h["url"].as_str().unwrap().to_string(),
            method: h["method"].as_str().unwrap().to_string(),
            headers: vec![],
        };
        let got = webhook::send(&client, &hook, &ctx(name, 5.0), Duration::from_secs(5), &[]).await;
        assert_eq!(got, Ok(200), "action {name}");
    }
    assert_eq!(sim.flags().hooks, 4);
    sim.shutdown().await;
}
