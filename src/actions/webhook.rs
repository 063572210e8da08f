//! Send an action's webhook: the context as a JSON body, the configured
//! method and headers.
//!
//! Error texts never show the expanded URL (it may carry a token in its path
//! or query): only `scheme://host:port/path`, and that with every secret
//! replaced by `***`.

use std::time::Duration;

use reqwest::{Method, Url};

use super::context::ActionContext;
use crate::runbook::model::{Webhook, redact};

/// How much of a non-2xx response body is quoted in the error.
const BODY_QUOTE: usize = 200;

/// `scheme://host:port/path` with secrets redacted; no query, no user info.
pub fn safe_url(url: &str, secrets: &[String]) -> String {
    let shown = match Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("?");
            match u.port_or_known_default() {
                Some(port) => format!("{}://{host}:{port}{}", u.scheme(), u.path()),
                None => format!("{}://{host}{}", u.scheme(), u.path()),
            }
        }
        Err(_) => "(unparsable webhook url)".to_string(),
    };
    redact(&shown, secrets)
}

/// The innermost useful message of a reqwest error, without its URL.
fn describe(err: reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {}", humantime::format_duration(timeout));
    }
    let kind = if err.is_connect() {
        "connection failed"
    } else if err.is_builder() {
        "bad request"
    } else {
        "request failed"
    };
    let err = err.without_url();
    let mut cause = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    format!("{kind}: {cause}")
}

/// What a webhook call came to: the HTTP status when the server answered
/// at all, and `send`'s result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub status: Option<u16>,
    pub result: Result<u16, String>,
}

/// Send the webhook. `Ok(status)` only for a 2xx answer; any other status
/// is `Err("HTTP 500 from POST http://host:port/path: <body start>")`.
/// Every error text is redacted of `secrets`.
pub async fn send(
    client: &reqwest::Client,
    hook: &Webhook,
    ctx: &ActionContext,
    timeout: Duration,
    secrets: &[String],
) -> Result<u16, String> {
    send_full(client, hook, ctx, timeout, secrets).await.result
}

/// `send`, keeping the status of a non-2xx answer for the journal.
pub async fn send_full(
    client: &reqwest::Client,
    hook: &Webhook,
    ctx: &ActionContext,
    timeout: Duration,
    secrets: &[String],
) -> Sent {
    match try_send(client, hook, ctx, timeout, secrets).await {
        Ok(code) => Sent {
            status: Some(code),
            result: Ok(code),
        },
        Err((status, e)) => Sent {
            status,
            result: Err(e),
        },
    }
}

async fn try_send(
    client: &reqwest::Client,
    hook: &Webhook,
    ctx: &ActionContext,
    timeout: Duration,
    secrets: &[String],
) -> Result<u16, (Option<u16>, String)> {
    let method_name = hook.method.to_ascii_uppercase();
    let place = format!("{method_name} {}", safe_url(&hook.url, secrets));
    let method = Method::from_bytes(method_name.as_bytes()).map_err(|_| {
        (
            None,
            redact(
                &format!("webhook method {:?} is not an HTTP method", hook.method),
                secrets,
            ),
        )
    })?;
    let mut req = client
        .request(method, &hook.url)
        .timeout(timeout)
        .json(&ctx.webhook_body());
    for (name, value) in &hook.headers {
        req = req.header(name, value);
    }
    let resp = req.send().await.map_err(|e| {
        (
            None,
            redact(&format!("{place}: {}", describe(e, timeout)), secrets),
        )
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let body = resp.text().await.unwrap_or_default();
    let quote: String = body.trim().chars().take(BODY_QUOTE).collect();
    let msg = if quote.is_empty() {
        format!("HTTP {} from {place}", status.as_u16())
    } else {
        format!("HTTP {} from {place}: {quote}", status.as_u16())
    };
    Err((Some(status.as_u16()), redact(&msg, secrets)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn safe_url_drops_query_and_credentials_and_redacts_the_path() {
        let secrets = vec!["T0KEN".to_string()];
        assert_eq!(
            safe_url("https://user:pw@chat.example/hooks/T0KEN?sig=abc", &secrets),
            "https://chat.example:443/hooks/***"
        );
        assert_eq!(
            safe_url("http://127.0.0.1:9/hook", &[]),
            "http://127.0.0.1:9/hook"
        );
        assert_eq!(
            safe_url("not a url T0KEN", &secrets),
            "(unparsable webhook url)"
        );
    }
}
