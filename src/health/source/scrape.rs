//! A text exposition endpoint (`/metrics`): one fetch, one parse, every
//! panel's selector picks its series from that page.

use super::{Fetcher, Job, What};
use crate::health::evaluate::Poll;
use crate::health::exposition::{self, Sample};

/// Prefer the classic text format; OpenMetrics text is parsed as well.
const ACCEPT: &str =
    "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";

pub(super) async fn poll(f: &Fetcher, job: &Job) -> Vec<Poll> {
    let body = f.fetch_body(job, ACCEPT).await.and_then(|b| {
        String::from_utf8(b).map_err(|e| {
            format!(
                "body is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            )
        })
    });
    let page = body
        .as_deref()
        .map_err(Clone::clone)
        .and_then(|text| exposition::parse(text).map_err(|e| format!("bad /metrics page: {e}")));
    job.targets
        .iter()
        .map(|t| match &page {
            Err(e) => Poll::Error(e.clone()),
            // An empty page is the exporter's failure, not a missing series.
            Ok(samples) if samples.is_empty() => {
                Poll::Error("the /metrics page has no samples".into())
            }
            Ok(samples) => match pick(samples, &t.what) {
                Err(e) => Poll::Error(e),
                Ok(value) => Poll::Value {
                    value,
                    baseline: t.baseline.as_ref().map(|b| pick(samples, b)),
                },
            },
        })
        .collect()
}

fn pick(samples: &[Sample<'_>], what: &What) -> Result<f64, String> {
    match what {
        What::Selector(Ok(sel)) => sel.pick(samples),
        What::Selector(Err(e)) => Err(e.clone()),
        _ => Err("not a metric selector".into()),
    }
}
