//! Hostile input, the rest (issue 27): a notification target that
//! redirects elsewhere, and what reaches the journal of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::any;
use common::*;
use warroom::notify::{Notifier, Policy};
use warroom::runbook::model::{Notify, NotifyFormat};
use warroom::session::event::EventBody;

/// A loopback server answering every request with `handler`.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notify_target_redirecting_to_another_host_is_refused_and_the_other_host_hears_nothing() {
    // The other host: counts whatever reaches it, and keeps any Referer.
    let reached = Arc::new(AtomicUsize::new(0));
    let referers = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (r, refs) = (Arc::clone(&reached), Arc::clone(&referers));
    let other = serve(Router::new().fallback(any(move |h: HeaderMap| {
        let (r, refs) = (Arc::clone(&r), Arc::clone(&refs));
        async move {
            r.fetch_add(1, Ordering::SeqCst);
            if let Some(v) = h.get(header::REFERER) {
                refs.lock().unwrap().push(v.to_str().unwrap_or("").into());
            }
            StatusCode::OK
        }
    })))
    .await;
    // The target: 307 (method and body kept) to the other host, which the
    // test reaches as `localhost` so its origin differs.
    let to = other.replace("127.0.0.1", "localhost") + "/steal";
    let target = serve(Router::new().fallback(any(move || {
        let to = to.clone();
        async move { (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]) }
    })))
    .await;
    let mut rb = (*runbook()).clone();
    rb.notify = vec![Notify {
        url: format!("{target}/hooks/T000/SECRETPATH"),
        format: NotifyFormat::Slack,
        on: vec!["note".into()],
        kind: Default::default(),
    }];
    let rb = Arc::new(rb);
    let policy = Policy {
        attempts: 2,
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    };
    let (mut notifier, mut sent) =
        Notifier::start(&rb, policy, warroom::session::event::SessionMode::Live).unwrap();
    let note = event(
        7,
        t0(),
        "alice",
        EventBody::Note {
            text: "hello".into(),
        },
    );
    notifier.feed(&[note], &Default::default(), false);
    let got = tokio::time::timeout(Duration::from_secs(20), sent.recv())
        .await
        .expect("a delivery result")
        .unwrap();
    assert_eq!(got.event_seq, 7);
    assert!(
        !warroom::notify::deliver::delivered(&got.status),
        "journaled as delivered: {}",
        got.status
    );
    assert!(
        got.status.contains("refused") && got.status.contains("another origin"),
        "{}",
        got.status
    );
    assert!(!got.status.contains("SECRETPATH"), "{}", got.status);
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the other host was contacted"
    );
    assert!(referers.lock().unwrap().is_empty());
}

/// A webhook receiver that echoes the secret back in the encodings issue
/// 27 found reaching the journal: none of them survives in the error text
/// (which is what the journal and the details pane show).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_echoing_the_secret_in_any_encoding_journals_only_stars() {
    const SECRET: &str = "s3cr<t>/Key";
    let echoes = [
        "s3cr%3ct%3e%2fKey",       // lower-case percent
        "s3cr&lt;t&gt;/Key",       // HTML named
        "s3cr&#60;t&#62;&#47;Key", // HTML decimal
        "s3cr&#x3c;t&#x3E;/Key",   // HTML hex
        r"s3cr\u003ct\u003e\/Key", // JSON \u and \/
        "s3cr%253Ct%253E%252FKey", // double percent
        "733363723c743e2f4b6579",  // hex
        "733363723C743E2F4B6579",  // HEX
    ];
    for echo in echoes {
        let body = format!("{{\"error\":\"bad token {echo}\"}}");
        let url = serve(Router::new().fallback(any(move || {
            let body = body.clone();
            async move { (StatusCode::INTERNAL_SERVER_ERROR, body) }
        })))
        .await;
        let hook = warroom::runbook::model::Webhook {
            url: format!("{url}/hook"),
            method: "POST".into(),
            headers: vec![("x-token".into(), SECRET.into())],
        };
        let ctx = warroom::actions::ActionContext {
            cutover: "c".into(),
            action: "pause".into(),
            stage: None,
            exposure: 0.0,
            previous_exposure: 0.0,
            operator: "alice".into(),
            reason: "drill".into(),
            mode: "rehearsal".into(),
            fence: None,
            run_token: None,
        };
        let client = warroom::untrusted::redirect::client().unwrap();
        let err = warroom::actions::webhook::send(
            &client,
            &hook,
            &ctx,
            Duration::from_secs(5),
            &[SECRET.to_string()],
        )
        .await
        .unwrap_err();
        assert!(
            err.contains("HTTP 500") && err.contains("bad token ***"),
            "{echo}: {err}"
        );
        assert!(
            !err.contains("s3cr") && !err.contains("7333"),
            "{echo}: {err}"
        );
    }
}
