//! Sources: fetch numbers over HTTP and hand them to the evaluator as `Poll`s.
//!
//! A `Job` is one unit of polling. A `prometheus` panel is its own job (each
//! panel is its own query). Panels on a `scrape`, `json` or `http` source
//! share one job: the document is fetched once per interval and every panel
//! reads its number from that one copy, at the smallest `every` of them.
//!
//! One `Fetcher` (one reqwest client, so connections are reused) serves all
//! jobs. Error texts are short, name the cause and the place, and never
//! carry a secret: the address shown is `host:port` only (no user-info, no
//! path or query), header values are never printed, and every text passes
//! through `untrusted::scrub` (secrets starred in every encoding, controls
//! escaped, length bounded) before it leaves.

mod http;
mod json;
mod prometheus;
mod scrape;

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::evaluate::Poll;
use super::exposition::Selector;
use crate::runbook::model::{Query, Runbook, Source, SourceKind};
use crate::untrusted::{ERROR_CHARS, scrub};

/// Bodies larger than this are refused: a panel reads one number.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// One fetch schedule: a source and the panels that read from it.
#[derive(Debug, Clone)]
pub struct Job {
    pub source: Source,
    /// The smallest `every` of its panels.
    pub every: Duration,
    pub targets: Vec<Target>,
    /// `host:port` of the source, safe to show.
    addr: String,
    headers: Result<HeaderMap, String>,
}

/// One panel of a job: what to read for its value and its baseline.
#[derive(Debug, Clone)]
pub struct Target {
    /// Index into `Runbook::panels`.
    pub panel: usize,
    what: What,
    baseline: Option<What>,
}

#[derive(Debug, Clone)]
enum What {
    Promql(String),
    Selector(Result<Selector, String>),
    Pointer(String),
    Http,
}

impl Job {
    /// True when any of its panels needs two samples (`rate = true`).
    pub fn needs_two_samples(&self, runbook: &Runbook) -> bool {
        self.targets
            .iter()
            .any(|t| runbook.panels.get(t.panel).is_some_and(|p| p.rate))
    }
}

/// Group the runbook's panels into jobs (see the module doc).
pub fn jobs(runbook: &Runbook) -> Vec<Job> {
    let mut out: Vec<Job> = Vec::new();
    for (i, panel) in runbook.panels.iter().enumerate() {
        let Some(source) = runbook.source(&panel.source) else {
            continue; // validation rejects unknown sources; nothing to poll.
        };
        let what = |q: &str| match source.kind {
            SourceKind::Prometheus => What::Promql(q.to_string()),
            SourceKind::Scrape => What::Selector(Selector::parse(q)),
            SourceKind::Json => What::Pointer(q.to_string()),
            SourceKind::Http => What::Http,
        };
        let main = match &panel.query {
            Query::Prometheus(q) | Query::Scrape(q) | Query::Json(q) => what(q),
            Query::Http => What::Http,
        };
        let target = Target {
            panel: i,
            what: main,
            baseline: panel.baseline.as_deref().map(what),
        };
        let shared = source.kind != SourceKind::Prometheus;
        match out.iter_mut().find(|j| shared && j.source.id == source.id) {
            Some(job) => {
                job.every = job.every.min(panel.every);
                job.targets.push(target);
            }
            None => out.push(Job {
                source: source.clone(),
                every: panel.every,
                targets: vec![target],
                addr: address(&source.url),
                headers: header_map(&source.headers),
            }),
        }
    }
    out
}

/// The shared HTTP client and the secrets to scrub from error texts.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    secrets: Vec<String>,
}

impl Fetcher {
    pub fn new(secrets: Vec<String>) -> Result<Fetcher, String> {
        let client = crate::untrusted::redirect::client()?;
        Ok(Fetcher { client, secrets })
    }

    /// Poll a job once: one `Poll` per target, in target order, redacted.
    pub async fn poll(&self, job: &Job) -> Vec<(usize, Poll)> {
        let polls = match job.source.kind {
            SourceKind::Prometheus => prometheus::poll(self, job).await,
            SourceKind::Scrape => scrape::poll(self, job).await,
            SourceKind::Json => json::poll(self, job).await,
            SourceKind::Http => http::poll(self, job).await,
        };
        job.targets
            .iter()
            .map(|t| t.panel)
            .zip(polls)
            .map(|(i, p)| (i, self.scrub(p)))
            .collect()
    }

    fn scrub(&self, poll: Poll) -> Poll {
        match poll {
            Poll::Error(e) => Poll::Error(scrub(&e, &self.secrets, ERROR_CHARS)),
            Poll::Value {
                value,
                baseline: Some(Err(e)),
            } => Poll::Value {
                value,
                baseline: Some(Err(scrub(&e, &self.secrets, ERROR_CHARS))),
            },
            other => other,
        }
    }

    /// A GET with the source's headers and timeout.
    fn get(&self, job: &Job, url: &str) -> Result<reqwest::RequestBuilder, String> {
        let headers = job.headers.clone()?;
        Ok(self
            .client
            .get(url)
            .headers(headers)
            .timeout(job.source.timeout))
    }

    /// GET and read the whole body; non-2xx is an error naming the status.
    async fn fetch_body(&self, job: &Job, accept: &str) -> Result<Vec<u8>, String> {
        let resp = self
            .get(job, &job.source.url)?
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(|e| describe(&e, job))?;
        let status = resp.status();
        let body = read_body(resp, job).await?;
        if !status.is_success() {
            return Err(super::evaluate::http_status_text(status.as_u16()));
        }
        Ok(body)
    }

    /// GET, timed until the body has been read (so the connection is reused).
    async fn timed(&self, job: &Job) -> Result<(u16, f64), String> {
        let start = Instant::now();
        let resp = self
            .get(job, &job.source.url)?
            .send()
            .await
            .map_err(|e| describe(&e, job))?;
        let status = resp.status().as_u16();
        read_body(resp, job).await?;
        Ok((status, start.elapsed().as_secs_f64()))
    }
}

async fn read_body(mut resp: reqwest::Response, job: &Job) -> Result<Vec<u8>, String> {
    let body = crate::untrusted::read_at_most(&mut resp, MAX_BODY)
        .await
        .map_err(|e| describe(&e, job))?;
    if body.truncated {
        return Err(format!("body larger than {} MiB", MAX_BODY >> 20));
    }
    Ok(body.bytes)
}

/// A short text for a transport error: cause and `host:port`, no URL.
fn describe(e: &reqwest::Error, job: &Job) -> String {
    let addr = &job.addr;
    if e.is_timeout() {
        return format!(
            "timed out after {}",
            crate::timefmt::duration(job.source.timeout)
        );
    }
    if let Some(c) = crate::untrusted::redirect::cross_origin(e) {
        return c.to_string();
    }
    let mut innermost: &dyn std::error::Error = e;
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => return format!("connection refused ({addr})"),
                ConnectionReset => return format!("connection reset ({addr})"),
                TimedOut => return format!("connect timed out ({addr})"),
                _ => {}
            }
        }
        innermost = s;
        cur = s.source();
    }
    if e.is_connect() {
        format!("cannot connect ({addr}): {innermost}")
    } else if e.is_body() || e.is_decode() {
        format!("reading the response failed ({addr}): {innermost}")
    } else if e.is_builder() {
        format!("invalid URL for source: {innermost}")
    } else {
        format!("request failed ({addr}): {innermost}")
    }
}

/// `host:port` of a URL, without user-info, path or query.
fn address(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port_or_known_default()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => "no host".to_string(),
        },
        Err(_) => "invalid URL".to_string(),
    }
}

/// Header values may hold secrets: an invalid one is reported by name only.
fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("header {k:?}: invalid name"))?;
        let mut value =
            HeaderValue::from_str(v).map_err(|_| format!("header {k}: invalid value"))?;
        value.set_sensitive(true);
        map.append(name, value);
    }
    Ok(map)
}

/// A number as Prometheus writes it: a float, `NaN`, `+Inf`, `-Inf`.
fn prom_number(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn address_hides_user_info_path_and_query() {
        assert_eq!(
            address("http://user:hunter2@10.0.0.1:9090/x?token=abc"),
            "10.0.0.1:9090"
        );
        assert_eq!(address("https://prom.example/"), "prom.example:443");
        assert_eq!(address("not a url"), "invalid URL");
    }

    #[test]
    fn bad_header_value_is_named_not_shown() {
        let e = header_map(&[("Authorization".into(), "Bearer s3cr3t\n".into())]).unwrap_err();
        assert_eq!(e, "header Authorization: invalid value");
    }
}
