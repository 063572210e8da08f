//! Who may read the page: the holder of the token printed at start (or read
//! from `--token-file`), given once as `?token=…` or as a bearer header and
//! then kept in an HttpOnly, SameSite=Strict cookie. Every answer, a 401
//! included, carries the security headers.

use std::io::Read;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::Shared;

pub const COOKIE: &str = "warroom_token";

/// `n` random bytes from the kernel, as hex.
pub fn random_hex(n: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(hex::encode(buf))
}

/// A token from `--token-file`: its first line, trimmed; at most 4 KiB read.
pub fn token_from_file(path: &std::path::Path) -> Result<String, String> {
    let f = std::fs::File::open(path)
        .map_err(|e| format!("{}: {e}", crate::untrusted::show_path(path)))?;
    let mut text = String::new();
    f.take(4096)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", crate::untrusted::show_path(path)))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    let url_safe = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if token.len() < 16 || !token.bytes().all(url_safe) {
        return Err(format!(
            "{}: the token must be one line of at least 16 characters among A-Z a-z 0-9 - . _ ~",
            crate::untrusted::show_path(path)
        ));
    }
    Ok(token)
}

fn same(given: &str, token: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(token.as_bytes()))
}

/// Where the request carried the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carried {
    Cookie,
    /// Query or bearer header: worth keeping in the cookie.
    Given,
}

fn carried(req: &Request, token: &str) -> Option<Carried> {
    let h = req.headers();
    let cookie_ok = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .any(|v| same(v, token));
    if cookie_ok {
        return Some(Carried::Cookie);
    }
    let bearer_ok = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|v| same(v.trim(), token));
    let query_ok = req.uri().query().is_some_and(|q| {
        q.split('&')
            .filter_map(|kv| kv.strip_prefix("token="))
            .any(|v| same(v, token))
    });
    (bearer_ok || query_ok).then_some(Carried::Given)
}

/// The guard in front of every route.
pub async fn require_token(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let Some(how) = carried(&req, &shared.token) else {
        let mut resp = (
            StatusCode::UNAUTHORIZED,
            "401: this read-only page needs the token `warroom serve` printed (?token=...)\n",
        )
            .into_response();
        secure(resp.headers_mut(), None);
        return resp;
    };
    let mut resp = next.run(req).await;
    if how == Carried::Given
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
            shared.token
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    let page_csp = resp.headers_mut().remove(header::CONTENT_SECURITY_POLICY);
    secure(resp.headers_mut(), page_csp);
    resp
}

/// No origin but our own; no script but the one a handler admitted by
/// nonce (its own CSP header, kept); no referrer; no sniffing; no caching.
fn secure(h: &mut HeaderMap, csp: Option<HeaderValue>) {
    let csp = csp.unwrap_or(HeaderValue::from_static(
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ));
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The page's policy: our style and script by nonce, events from here.
pub fn page_csp(nonce: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("", "abc"));
    }
}
