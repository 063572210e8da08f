//! A plain health check: 2xx is up and the value is the response time in
//! seconds; another status is a FAIL; no answer is an ERROR.

use super::{Fetcher, Job};
use crate::health::evaluate::Poll;

pub(super) async fn poll(f: &Fetcher, job: &Job) -> Vec<Poll> {
    let poll = match f.timed(job).await {
        Ok((status, secs)) if (200..300).contains(&status) => Poll::Value {
            value: secs,
            baseline: None,
        },
        Ok((status, _)) => Poll::HttpStatus(status),
        Err(e) => Poll::Error(e),
    };
    vec![poll; job.targets.len()]
}
