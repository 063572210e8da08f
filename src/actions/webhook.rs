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
use crate::untrusted::{ERROR_CHARS, read_at_most, scrub};

/// How much of a non-2xx response body is quoted in the error.
const BODY_QUOTE: usize = 200;
/// How much of a response body is read at all: a receiver that answers
/// with an endless body costs this much memory, not gigabytes.
pub const BODY_READ: usize = 4096;

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
        return format!("timed out after {}", crate::timefmt::duration(timeout));
    }
    let kind = if err.is_connect() {
        "connection failed"
    } else if err.is_builder() {
        "bad request"
    } else {
        "request failed"
    };
    if let Some(c) = crate::untrusted::redirect::cross_origin(&err) {
        return c.to_string();
    }
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
            scrub(
                &format!("webhook method {:?} is not an HTTP method", hook.method),
                secrets,
                ERROR_CHARS,
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
    if let Some(fence) = ctx.fence {
        req = req.header("X-Warroom-Fence", fence.to_string());
    }
    let resp = req.send().await.map_err(|e| {
        (
            None,
            scrub(
                &format!("{place}: {}", describe(e, timeout)),
                secrets,
                ERROR_CHARS,
            ),
        )
    })?;
    let status = resp.status();
    // Read (a bounded part of) the body even on success, so the connection
    // is reused; an error or timeout while reading a body is no failure.
    let mut resp = resp;
    let body = read_at_most(&mut resp, BODY_READ).await.ok();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    // A body cut by the read bound may end in the first half of a secret:
    // star that too, before anything else cuts it again.
    let body = body.map(|b| {
        let text = String::from_utf8_lossy(&b.bytes);
        if b.truncated {
            crate::untrusted::redact::redact_cut(&text, secrets)
        } else {
            text.into_owned()
        }
    });
    Err((
        Some(status.as_u16()),
        refusal(
            status.as_u16(),
            &place,
            body.as_deref().unwrap_or(""),
            secrets,
        ),
    ))
}

/// The error text for a non-2xx answer: the status, where, and the start of
/// the body, redacted before it is cut so no cut splits a secret.
fn refusal(status: u16, place: &str, body: &str, secrets: &[String]) -> String {
    let quote = crate::untrusted::sanitize(redact(body, secrets).trim()).into_owned();
    let quote: String = match quote.chars().count() > BODY_QUOTE {
        true => quote.chars().take(BODY_QUOTE).chain(['…']).collect(),
        false => quote,
    };
    let msg = if quote.is_empty() {
        format!("HTTP {status} from {place}")
    } else {
        format!("HTTP {status} from {place}: {quote}")
    };
    scrub(&msg, secrets, ERROR_CHARS)
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

    #[test]
    fn a_refusal_quotes_the_body_sanitized_and_redacted_before_the_cut() {
        let secrets = vec!["ab cd<ef>SECRET42".to_string()];
        // The secret straddles the 200-character cut.
        let body = format!(
            "{}ab%20cd%3Cef%3ESECRET42 \u{1b}]0;PWNED\u{7}",
            "x".repeat(190)
        );
        let text = refusal(500, "POST http://h:1/x", &body, &secrets);
        assert!(!text.contains("ab%20cd"), "{text}");
        assert!(!text.contains("SECRET42"), "{text}");
        assert!(
            text.starts_with("HTTP 500 from POST http://h:1/x: xxx"),
            "{text}"
        );
        let text = refusal(500, "p", "\u{1b}[2J\u{1b}]52;c;aGVsbG8=\u{7}", &[]);
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("\\x1b[2J"), "{text}");
    }
}
