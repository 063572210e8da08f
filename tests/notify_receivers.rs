//! `[[notify]] kind = "pagerduty"` and `kind = "grafana"` against
//! receivers started here that check the real payload shapes (PagerDuty
//! Events API v2 change events, Grafana's create-annotation API) and
//! refuse wrong ones as those services do; the secrets (routing key,
//! token) reach the receiver and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use warroom::notify::deliver::{Policy, deliver};
use warroom::notify::{Notifier, Sent};
use warroom::runbook::load_str;
use warroom::runbook::model::Runbook;
use warroom::session::event::{Event, EventBody, Evidence};

/// PagerDuty routing keys are 32 characters.
const ROUTING_KEY: &str = "R0UT1NGKEY0123456789abcdefABCDEF";
const TOKEN: &str = "glsa_S3CRETtoken_0123456789";

#[derive(Clone, Default)]
struct Received {
    accepted: Arc<Mutex<Vec<Value>>>,
    refused: Arc<Mutex<Vec<Vec<String>>>>,
}

/// What PagerDuty's change-event endpoint checks: the documented keys
/// only, a 32-character routing key, a summary of 1 to 1024 characters,
/// an ISO 8601 timestamp, an object of custom details, links with href.
fn pagerduty_problems(v: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let Some(o) = v.as_object() else {
        return vec!["not an object".into()];
    };
    for k in o.keys() {
        if !["routing_key", "payload", "links", "images"].contains(&k.as_str()) {
            p.push(format!("unknown key {k}"));
        }
    }
    match o.get("routing_key").and_then(Value::as_str) {
        Some(k) if k.len() == 32 => {}
        _ => p.push("routing_key must be a 32-character string".into()),
    }
    let Some(payload) = o.get("payload").and_then(Value::as_object) else {
        p.push("payload must be an object".into());
        return p;
    };
    for k in payload.keys() {
        if !["summary", "timestamp", "source", "custom_details"].contains(&k.as_str()) {
            p.push(format!("unknown payload key {k}"));
        }
    }
    match payload.get("summary").and_then(Value::as_str) {
        Some(s) if (1..=1024).contains(&s.chars().count()) => {}
        _ => p.push("payload.summary must be 1 to 1024 characters".into()),
    }
    if let Some(t) = payload.get("timestamp")
        && t.as_str()
            .is_none_or(|t| chrono::DateTime::parse_from_rfc3339(t).is_err())
    {
        p.push("payload.timestamp must be ISO 8601".into());
    }
    if let Some(s) = payload.get("source")
        && s.as_str().is_none_or(str::is_empty)
    {
        p.push("payload.source must be a string".into());
    }
    if let Some(d) = payload.get("custom_details")
        && !d.is_object()
    {
        p.push("payload.custom_details must be an object".into());
    }
    if let Some(links) = o.get("links") {
        match links.as_array() {
            None => p.push("links must be an array".into()),
            Some(a) => {
                for l in a {
                    let ok = l
                        .get("href")
                        .and_then(Value::as_str)
                        .is_some_and(|h| h.starts_with("https://") || h.starts_with("http://"))
                        && l.get("text").is_none_or(Value::is_string)
                        && l.as_object().is_some_and(|o| o.len() <= 2);
                    if !ok {
                        p.push(format!("bad link {l}"));
                    }
                }
            }
        }
    }
    p
}

async fn pagerduty(
    State(r): State<Received>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut problems = pagerduty_problems(&v);
    if headers.get("content-type").and_then(|h| h.to_str().ok()) != Some("application/json") {
        problems.push("content-type must be application/json".into());
    }
    if problems.is_empty() {
        r.accepted.lock().unwrap().push(v);
        let ok = json!({"status": "success", "message": "Change event processed"});
        (StatusCode::ACCEPTED, ok.to_string())
    } else {
        r.refused.lock().unwrap().push(problems.clone());
        let no = json!({"status": "invalid event", "message": "Event object is invalid", "errors": problems});
        (StatusCode::BAD_REQUEST, no.to_string())
    }
}

/// What Grafana's create-annotation endpoint needs: the bearer token, a
/// time in epoch milliseconds, tags as strings, a text; dashboardUID a
/// string and panelId an integer when given. Unknown keys are refused
/// here (Grafana ignores them, which would hide a misspelt
/// `dashboardUid`).
fn grafana_problems(v: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let Some(o) = v.as_object() else {
        return vec!["not an object".into()];
    };
    for k in o.keys() {
        if !["time", "timeEnd", "tags", "text", "dashboardUID", "panelId"].contains(&k.as_str()) {
            p.push(format!("unknown key {k}"));
        }
    }
    match o.get("time").and_then(Value::as_i64) {
        // Milliseconds: a time in seconds would land in January 1970.
        Some(t) if t > 1_000_000_000_000 => {}
        _ => p.push("time must be epoch milliseconds".into()),
    }
    match o.get("tags").and_then(Value::as_array) {
        Some(tags) if tags.iter().all(Value::is_string) => {}
        _ => p.push("tags must be an array of strings".into()),
    }
    if o.get("text")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        p.push("text must be a string".into());
    }
    if o.get("dashboardUID").is_some_and(|d| !d.is_string()) {
        p.push("dashboardUID must be a string".into());
    }
    if o.get("panelId").is_some_and(|d| !d.is_i64()) {
        p.push("panelId must be an integer".into());
    }
    p
}

async fn grafana(
    State(r): State<Received>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let auth = headers.get("authorization").and_then(|h| h.to_str().ok());
    if auth != Some(&*format!("Bearer {TOKEN}")) {
        return (
            StatusCode::UNAUTHORIZED,
            json!({"message": "Unauthorized"}).to_string(),
        );
    }
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let problems = grafana_problems(&v);
    if problems.is_empty() {
        let mut accepted = r.accepted.lock().unwrap();
        accepted.push(v);
        let ok = json!({"message": "Annotation added", "id": accepted.len()});
        (StatusCode::OK, ok.to_string())
    } else {
        r.refused.lock().unwrap().push(problems.clone());
        (
            StatusCode::BAD_REQUEST,
            json!({"message": problems.join("; ")}).to_string(),
        )
    }
}

async fn receivers() -> (String, Received) {
    let r = Received::default();
    let app = Router::new()
        .route("/v2/change/enqueue", post(pagerduty))
        .route("/grafana/api/annotations", post(grafana))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, r)
}

fn env(name: &str) -> Option<String> {
    match name {
        "PD_ROUTING_KEY" => Some(ROUTING_KEY.into()),
        "SHORT_KEY" => Some("shortkey".into()),
        "GRAFANA_TOKEN" => Some(TOKEN.into()),
        "WRONG_TOKEN" => Some("glsa_wrong_0000".into()),
        _ => None,
    }
}

const HEAD: &str = "[cutover]\nid = \"billing-v2\"\ntitle = \"Billing\"\nstrategy = \"big-bang\"\n\
                    [actions.rollback]\nrun = \"true\"\n";

fn runbook(notify: &str) -> Runbook {
    let text = format!("{HEAD}\n{notify}");
    match load_str(&text, Path::new("t.toml"), &env) {
        Ok(l) => l.runbook,
        Err(e) => panic!("refused:\n{e}\n{text}"),
    }
}

fn refused(notify: &str) -> String {
    let text = format!("{HEAD}\n{notify}");
    match load_str(&text, Path::new("t.toml"), &env) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn event(seq: u64, body: EventBody) -> Event {
    Event {
        seq,
        ts: Utc
            .with_ymd_and_hms(2026, 11, 20, 9, 0, seq as u32)
            .unwrap(),
        operator: "alice".into(),
        body,
    }
}

fn story(note: &str) -> Vec<Event> {
    vec![
        event(1, EventBody::CutoverStarted {}),
        event(
            2,
            EventBody::Expanded {
                from_stage: None,
                to_stage: "all".into(),
                exposure: 100.0,
                override_reason: None,
                automatic: false,
                evidence: Evidence::new(),
            },
        ),
        event(3, EventBody::Note { text: note.into() }),
        event(4, EventBody::Completed {}),
    ]
}

fn fast() -> Policy {
    Policy {
        attempts: 2,
        backoff: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
    }
}

/// Feed the events to a notifier on `rb` and wait (bounded) for `n` results.
async fn send(rb: Runbook, events: &[Event], n: usize) -> Vec<Sent> {
    let rb = Arc::new(rb);
    let (mut notifier, mut rx) =
        Notifier::start(&rb, fast(), warroom::session::event::SessionMode::Live)
            .expect("a notifier");
    notifier.feed(events, &BTreeMap::new(), false);
    let mut out = Vec::new();
    while out.len() < n {
        let sent = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("a delivery result within 20 s")
            .expect("the channel open");
        out.push(sent);
    }
    out
}

#[tokio::test]
async fn pagerduty_gets_change_events_with_summary_source_and_the_status_page_link() {
    let (base, r) = receivers().await;
    let rb = runbook(&format!(
        "[[notify]]\nkind = \"pagerduty\"\nurl = \"{base}/v2/change/enqueue\"\n\
         routing_key = \"${{PD_ROUTING_KEY}}\"\nstatus_url = \"https://status.example/billing\"\n\
         on = [\"cutover_started\", \"note\", \"completed\"]\n"
    ));
    assert!(rb.secrets.iter().any(|s| s == ROUTING_KEY));
    assert_eq!(rb.notify[0].target(0), "pagerduty#1");
    // A note longer than PagerDuty takes, holding the key someone pasted.
    let long = format!("key is {ROUTING_KEY} {}", "x".repeat(3000));
    let sent = send(rb, &story(&long), 3).await;
    for s in &sent {
        assert_eq!(s.status, "HTTP 202", "{s:?}");
        assert_eq!(s.target, "pagerduty#1");
    }
    assert_eq!(
        sent.iter().map(|s| s.event_seq).collect::<Vec<_>>(),
        [1, 3, 4],
        "only the kinds asked for, in journal order"
    );
    assert!(r.refused.lock().unwrap().is_empty());
    let got = r.accepted.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    let first = &got[0];
    assert_eq!(first["routing_key"], ROUTING_KEY);
    assert_eq!(first["payload"]["source"], "warroom:billing-v2");
    assert_eq!(first["payload"]["timestamp"], "2026-11-20T09:00:01.000Z");
    assert_eq!(
        first["payload"]["custom_details"]["kind"],
        "cutover_started"
    );
    assert!(
        first["payload"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("[billing-v2] alice"),
        "{first}"
    );
    assert_eq!(
        first["links"],
        json!([{"href": "https://status.example/billing", "text": "warroom status page"}])
    );
    let note = &got[1];
    let summary = note["payload"]["summary"].as_str().unwrap();
    assert_eq!(summary.chars().count(), 1024, "cut to PagerDuty's limit");
    assert!(summary.ends_with('…'));
    let text = note["payload"].to_string();
    assert!(
        !text.contains(ROUTING_KEY),
        "the key only as routing_key: {text}"
    );
    assert!(text.contains("***"), "{text}");
}

#[tokio::test]
async fn pagerduty_defaults_to_its_endpoint_and_to_the_changes_of_production() {
    let rb = runbook("[[notify]]\nkind = \"pagerduty\"\nrouting_key = \"${PD_ROUTING_KEY}\"\n");
    let n = &rb.notify[0];
    assert_eq!(n.url, "https://events.pagerduty.com/v2/change/enqueue");
    assert_eq!(
        n.on,
        [
            "cutover_started",
            "expanded",
            "paused",
            "resumed",
            "rollback_started",
            "rollback_finished",
            "completed"
        ]
    );
}

#[tokio::test]
async fn a_refused_change_event_fails_without_showing_the_key() {
    let (base, r) = receivers().await;
    let rb = runbook(&format!(
        "[[notify]]\nkind = \"pagerduty\"\nurl = \"{base}/v2/change/enqueue\"\n\
         routing_key = \"${{SHORT_KEY}}\"\non = [\"cutover_started\"]\n"
    ));
    let sent = send(rb, &story("n"), 1).await;
    assert_eq!(sent[0].status, "FAILED: HTTP 400");
    assert!(!sent[0].status.contains("shortkey"));
    assert_eq!(
        r.refused.lock().unwrap().as_slice(),
        [vec![
            "routing_key must be a 32-character string".to_string()
        ]]
    );
}

/// The receivers are strict: each wrong shape is refused (so the tests
/// above would fail on a payload PagerDuty or Grafana would refuse).
#[tokio::test]
async fn the_receivers_refuse_wrong_shapes() {
    let (base, r) = receivers().await;
    let client = reqwest::Client::new();
    let good = json!({
        "routing_key": ROUTING_KEY,
        "payload": {"summary": "s", "timestamp": "2026-11-20T09:00:00Z", "source": "x", "custom_details": {}},
        "links": [{"href": "https://a.example", "text": "t"}]
    });
    let pd = format!("{base}/v2/change/enqueue");
    assert_eq!(
        deliver(&client, &pd, &good.to_string(), fast(), &[]).await,
        "HTTP 202"
    );
    let mut wrong = Vec::new();
    for (ptr, v) in [
        ("/payload/summary", json!("x".repeat(1025))),
        ("/payload/summary", json!("")),
        ("/payload/timestamp", json!("yesterday")),
        ("/payload/custom_details", json!("text")),
        ("/links", json!([{"text": "no href"}])),
        ("/payload/severity", json!("info")),
    ] {
        let mut b = good.clone();
        let (parent, key) = ptr.rsplit_once('/').unwrap();
        b.pointer_mut(if parent.is_empty() { "" } else { parent })
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.into(), v);
        wrong.push(b);
    }
    for b in &wrong {
        let status = deliver(&client, &pd, &b.to_string(), fast(), &[]).await;
        assert_eq!(status, "FAILED: HTTP 400", "{b}");
    }
    assert_eq!(r.refused.lock().unwrap().len(), wrong.len());
    assert_eq!(
        grafana_problems(&json!({"time": 1_763_629_200, "tags": ["a"], "text": "t"})),
        ["time must be epoch milliseconds"]
    );
    assert_eq!(
        grafana_problems(
            &json!({"time": 1_763_629_200_000i64, "tags": [1], "text": "t", "dashboardUid": "x", "panelId": "4"})
        ),
        [
            "unknown key dashboardUid",
            "tags must be an array of strings",
            "panelId must be an integer"
        ]
    );
}

#[tokio::test]
async fn grafana_gets_one_annotation_per_decision_with_tags_and_the_dashboard() {
    let (base, r) = receivers().await;
    let rb = runbook(&format!(
        "[[notify]]\nkind = \"grafana\"\nurl = \"{base}/grafana/\"\ntoken = \"${{GRAFANA_TOKEN}}\"\n\
         dashboard_uid = \"billing-overview\"\npanel_id = 4\n"
    ));
    assert!(rb.secrets.iter().any(|s| s == TOKEN));
    // The default `on`: the note (not a decision) is not annotated.
    let sent = send(rb, &story("just a note"), 3).await;
    assert_eq!(
        sent.iter()
            .map(|s| (s.event_seq, s.status.as_str()))
            .collect::<Vec<_>>(),
        [(1, "HTTP 200"), (2, "HTTP 200"), (4, "HTTP 200")]
    );
    assert_eq!(sent[0].target, "grafana#1");
    let got = r.accepted.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[0]["time"],
        json!(
            Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 1)
                .unwrap()
                .timestamp_millis()
        )
    );
    assert_eq!(
        got[0]["tags"],
        json!(["warroom", "billing-v2", "cutover_started"])
    );
    assert_eq!(got[1]["tags"], json!(["warroom", "billing-v2", "expanded"]));
    assert!(
        got[1]["text"].as_str().unwrap().contains("EXPANDED"),
        "{}",
        got[1]
    );
    assert_eq!(got[0]["dashboardUID"], "billing-overview");
    assert_eq!(got[0]["panelId"], 4);
}

#[tokio::test]
async fn grafana_with_a_wrong_token_fails_without_showing_either_token() {
    let (base, _) = receivers().await;
    let rb = runbook(&format!(
        "[[notify]]\nkind = \"grafana\"\nurl = \"{base}/grafana\"\ntoken = \"${{WRONG_TOKEN}}\"\n\
         on = [\"cutover_started\"]\n"
    ));
    let sent = send(rb, &story("n"), 1).await;
    assert_eq!(sent[0].status, "FAILED: HTTP 401");
    assert!(!sent[0].status.contains("glsa"));
}

#[test]
fn a_literal_key_or_token_is_a_secret_too() {
    let rb = runbook(&format!(
        "[[notify]]\nkind = \"pagerduty\"\nrouting_key = \"{ROUTING_KEY}\"\n\
         [[notify]]\nkind = \"grafana\"\nurl = \"https://grafana.example\"\ntoken = \"{TOKEN}\"\n"
    ));
    assert!(rb.secrets.iter().any(|s| s == ROUTING_KEY));
    assert!(rb.secrets.iter().any(|s| s == TOKEN));
    assert_eq!(rb.redact(&format!("x {TOKEN} y")), "x *** y");
}

#[test]
fn check_refuses_what_a_receiver_would_and_names_the_place() {
    for (notify, wants) in [
        (
            "[[notify]]\nkind = \"pagerduty\"\n",
            "missing required key `routing_key`",
        ),
        (
            "[[notify]]\nkind = \"grafana\"\nurl = \"https://g.example\"\n",
            "missing required key `token`",
        ),
        (
            "[[notify]]\nkind = \"grafana\"\ntoken = \"t\"\n",
            "missing required key `url`",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nurl = \"https://hooks.example/x\"\ntoken = \"t\"\n",
            "notify #1: `token` is for kind = \"grafana\", not \"slack\"",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nformat = \"slack\"\nurl = \"https://hooks.example/x\"\n",
            "give `kind` or `format`, not both",
        ),
        (
            "[[notify]]\nkind = \"pagerduty\"\nrouting_key = \"k\"\nstatus_url = \"status page\"\n",
            "notify #1 status_url url \"status page\" is not a valid url",
        ),
        (
            "[[notify]]\nkind = \"pagerdty\"\nrouting_key = \"k\"\n",
            "pagerduty",
        ),
        (
            "[[notify]]\nformat = \"grafana\"\nurl = \"https://g.example\"\n",
            "notify format",
        ),
    ] {
        let err = refused(notify);
        assert!(err.contains(wants), "{notify}\nwanted {wants:?} in:\n{err}");
        assert!(err.contains("t.toml:"), "{err}");
    }
}

/// Editors see the same rules: the schema's conditionals by `kind`.
#[test]
fn the_schema_requires_by_kind() {
    let schema: Value = serde_json::from_str(&warroom::runbook::schema::json_schema()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("file:///s.json", schema).unwrap();
    let index = compiler.compile("file:///s.json", &mut schemas).unwrap();
    let valid = |notify: Value| {
        let doc = json!({
            "cutover": {"id": "a", "title": "A", "strategy": "big-bang"},
            "actions": {"rollback": {"run": "true"}},
            "notify": [notify]
        });
        schemas.validate(&doc, index).is_ok()
    };
    assert!(valid(json!({"kind": "pagerduty", "routing_key": "${K}"})));
    assert!(!valid(json!({"kind": "pagerduty"})));
    assert!(valid(
        json!({"kind": "grafana", "url": "https://g", "token": "${T}", "panel_id": 4})
    ));
    assert!(!valid(json!({"kind": "grafana", "url": "https://g"})));
    assert!(!valid(
        json!({"kind": "grafana", "url": "https://g", "token": "t", "panel_id": "4"})
    ));
    assert!(valid(json!({"url": "https://hooks", "on": ["gate_go"]})));
    assert!(!valid(json!({"url": "https://hooks", "on": ["gate_goo"]})));
    assert!(!valid(json!({"kind": "slack"})));
}

/// `check` names each target as the journal does, with what it sends, and
/// never its url, key or token.
#[test]
fn check_lists_the_targets_without_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.toml");
    std::fs::write(
        &path,
        format!(
            "{HEAD}\n[[notify]]\nkind = \"pagerduty\"\nrouting_key = \"${{PD_ROUTING_KEY}}\"\n\
             [[notify]]\nkind = \"grafana\"\nurl = \"https://grafana.example/${{GRAFANA_TOKEN}}\"\n\
             token = \"${{GRAFANA_TOKEN}}\"\non = [\"gate_go\"]\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["check", path.to_str().unwrap()])
        .env("PD_ROUTING_KEY", ROUTING_KEY)
        .env("GRAFANA_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("notify pagerduty#1 on cutover_started, expanded"),
        "{text}"
    );
    assert!(text.contains("notify grafana#2   on gate_go"), "{text}");
    assert!(
        !text.contains(ROUTING_KEY) && !text.contains(TOKEN),
        "{text}"
    );
}
