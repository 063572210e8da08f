//! One delivery: POST a body to a target with bounded retries and backoff.
//! Never shows the url (it is the secret): statuses read `HTTP 200`,
//! `FAILED after 3 attempts: HTTP 500`, `FAILED after 3 attempts: timed
//! out after 5s`.

use std::time::Duration;

use crate::runbook::model::redact;

/// How hard to try. The defaults bound one event to about 5 + 1 + 5 + 2 +
/// 5 = 18 s on a hanging endpoint; later events to that target wait, the
/// console never does.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempts: u32,
    /// Before the second attempt; doubled before each next one.
    pub backoff: Duration,
    pub timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 3,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
        }
    }
}

/// Whether another attempt can help: network trouble, 5xx, 429.
enum Attempt {
    Sent(u16),
    Retry(String),
    GiveUp(String),
}

async fn once(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&'static str, String)],
    body: &str,
    timeout: Duration,
) -> Attempt {
    let mut req = client
        .post(url)
        .timeout(timeout)
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    match req.send().await {
        Ok(resp) => {
            let s = resp.status();
            if s.is_success() {
                Attempt::Sent(s.as_u16())
            } else if s.is_server_error() || s.as_u16() == 429 {
                Attempt::Retry(format!("HTTP {}", s.as_u16()))
            } else {
                Attempt::GiveUp(format!("HTTP {}", s.as_u16()))
            }
        }
        Err(e) if e.is_timeout() => Attempt::Retry(format!(
            "timed out after {}",
            crate::timefmt::seconds(timeout)
        )),
        Err(e) if e.is_connect() => Attempt::Retry("connection failed".into()),
        // Origins only: the url's path is the secret, its origin is not.
        Err(e) if crate::untrusted::redirect::cross_origin(&e).is_some() => Attempt::GiveUp(
            crate::untrusted::redirect::cross_origin(&e)
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        Err(e) => Attempt::Retry(format!("request failed: {}", e.without_url())),
    }
}

/// Deliver `body` to `url`; the status to journal (redacted of `secrets`).
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    body: &str,
    policy: Policy,
    secrets: &[String],
) -> String {
    let req = super::receiver::Request {
        url: url.to_string(),
        headers: Vec::new(),
        body: body.to_string(),
    };
    deliver_request(client, &req, policy, secrets).await
}

/// Deliver one request (its headers too); the status to journal.
pub async fn deliver_request(
    client: &reqwest::Client,
    req: &super::receiver::Request,
    policy: Policy,
    secrets: &[String],
) -> String {
    let (url, body) = (req.url.as_str(), req.body.as_str());
    let mut wait = policy.backoff;
    let mut last = String::new();
    let attempts = policy.attempts.max(1);
    for n in 1..=attempts {
        match once(client, url, &req.headers, body, policy.timeout).await {
            Attempt::Sent(code) if n == 1 => return format!("HTTP {code}"),
            Attempt::Sent(code) => return format!("HTTP {code} (attempt {n})"),
            Attempt::GiveUp(why) => return redact(&format!("FAILED: {why}"), secrets),
            Attempt::Retry(why) => last = why,
        }
        if n < attempts {
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
    }
    redact(
        &format!("FAILED after {attempts} attempts: {last}"),
        secrets,
    )
}

/// Did a journaled status mean the message arrived?
pub fn delivered(status: &str) -> bool {
    status.starts_with("HTTP 2")
}
