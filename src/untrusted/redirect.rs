//! Redirects stay at home: a redirect is followed only to the same origin
//! (scheme, host, port) as the request. A cross-origin one is an error that
//! names both origins, and the other host is never contacted, so no header
//! of ours (an `x-api-key`, a bearer token) reaches it. reqwest's default
//! policy follows anywhere and strips only the standard auth headers.

use reqwest::Url;
use reqwest::redirect::{Attempt, Policy};

/// How many same-origin hops are followed.
const MAX_HOPS: usize = 5;

/// `scheme://host:port`: the origin as a person reads it.
pub fn origin(u: &Url) -> String {
    let host = u.host_str().unwrap_or("?");
    match u.port_or_known_default() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    }
}

/// The policy every client of ours is built with.
pub fn same_origin() -> Policy {
    Policy::custom(decide)
}

fn decide(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let Some(first) = attempt.previous().first() else {
        return attempt.stop();
    };
    let (from, to) = (origin(first), origin(attempt.url()));
    if from != to {
        return attempt.error(CrossOrigin { from, to });
    }
    if attempt.previous().len() > MAX_HOPS {
        return attempt.error(format!("more than {MAX_HOPS} redirects"));
    }
    attempt.follow()
}

/// The error a cross-origin redirect becomes.
#[derive(Debug)]
pub struct CrossOrigin {
    pub from: String,
    pub to: String,
}

impl std::fmt::Display for CrossOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "redirect from {} to another origin {} refused",
            self.from, self.to
        )
    }
}

impl std::error::Error for CrossOrigin {}

/// The cross-origin refusal inside a reqwest error, if that is what it is.
pub fn cross_origin(e: &reqwest::Error) -> Option<&CrossOrigin> {
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        if let Some(c) = s.downcast_ref::<CrossOrigin>() {
            return Some(c);
        }
        cur = s.source();
    }
    None
}

/// The one HTTP client for everything that leaves the process (sources,
/// the probe, webhooks, `[[notify]]`): our user agent, pooled connections,
/// redirects that stay at home, and never a `Referer` (reqwest sends the
/// previous URL on a redirect by default, and a webhook's URL is its
/// secret). Bodies are read through `body::read_at_most` by each caller.
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(std::time::Duration::from_secs(90))
        .redirect(same_origin())
        .referer(false)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}
