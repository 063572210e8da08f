//! Prometheus HTTP API instant queries (also Thanos, Mimir, VictoriaMetrics:
//! same API). One series or a scalar is a value; anything else is an error
//! that says what came back.

use serde::Deserialize;

use super::{Fetcher, Job, What, prom_number};
use crate::health::evaluate::{Poll, http_status_text};

#[derive(Deserialize)]
struct Response {
    status: String,
    data: Option<Data>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<Series>),
    Scalar((f64, String)),
    // The payloads are never read: only the kind matters for the error text.
    Matrix(#[allow(dead_code)] serde::de::IgnoredAny),
    String(#[allow(dead_code)] serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Series {
    /// Absent for native-histogram series (they carry `histogram`).
    value: Option<(f64, String)>,
}

pub(super) async fn poll(f: &Fetcher, job: &Job) -> Vec<Poll> {
    let mut out = Vec::with_capacity(job.targets.len());
    for t in &job.targets {
        let main = query(f, job, &t.what);
        let poll = match &t.baseline {
            None => main.await.map(|value| Poll::Value {
                value,
                baseline: None,
            }),
            Some(b) => {
                let (main, base) = tokio::join!(main, query(f, job, b));
                main.map(|value| Poll::Value {
                    value,
                    baseline: Some(base),
                })
            }
        };
        out.push(poll.unwrap_or_else(Poll::Error));
    }
    out
}

async fn query(f: &Fetcher, job: &Job, what: &What) -> Result<f64, String> {
    let What::Promql(q) = what else {
        return Err("not a PromQL query".into());
    };
    let url = format!("{}/api/v1/query", job.source.url.trim_end_matches('/'));
    let resp = f
        .get(job, &url)?
        .query(&[("query", q)])
        .send()
        .await
        .map_err(|e| super::describe(&e, job))?;
    let status = resp.status();
    let body = super::read_body(resp, job).await?;
    let parsed: Result<Response, _> = serde_json::from_slice(&body);
    match parsed {
        Ok(r) if r.status == "error" || !status.is_success() => Err(match r.error {
            Some(e) => format!("prometheus: {e}"),
            None => http_status_text(status.as_u16()),
        }),
        Ok(r) => value_of(r.data),
        Err(_) if !status.is_success() => Err(http_status_text(status.as_u16())),
        // JSON, but not this API's (another service's endpoint): say so,
        // rather than call valid JSON invalid.
        Err(e) if e.classify() == serde_json::error::Category::Data => Err(format!(
            "not a Prometheus API response (valid JSON, but {e})"
        )),
        Err(e) => Err(format!(
            "not a Prometheus API response (body is not valid JSON at line {} col {})",
            e.line(),
            e.column()
        )),
    }
}

fn value_of(data: Option<Data>) -> Result<f64, String> {
    let text = match data {
        None => return Err("response has no data".into()),
        Some(Data::Scalar((_, v))) => v,
        Some(Data::Vector(series)) => match series.len() {
            0 => return Err("no data".into()),
            1 => match series.into_iter().next().and_then(|s| s.value) {
                Some((_, v)) => v,
                None => return Err("series has no plain value (histogram?)".into()),
            },
            n => {
                return Err(format!(
                    "query returned {n} series; wrap it in sum() or max()"
                ));
            }
        },
        Some(Data::Matrix(_)) => {
            return Err("query returned a range vector; use an instant query".into());
        }
        Some(Data::String(_)) => return Err("query returned a string, not a number".into()),
    };
    prom_number(&text).ok_or_else(|| format!("value {text:?} is not a number"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<f64, String> {
        let r: Response = serde_json::from_str(body).unwrap();
        value_of(r.data)
    }

    #[test]
    fn results_by_table() {
        let table: &[(&str, Result<f64, &str>)] = &[
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5,"0.25"]}]}}"#,
                Ok(0.25),
            ),
            (
                r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"3"]}}"#,
                Ok(3.0),
            ),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
                Err("no data"),
            ),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]},{"metric":{"a":"3"},"value":[1,"3"]}]}}"#,
                Err("query returned 3 series; wrap it in sum() or max()"),
            ),
            (
                r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
                Err("query returned a range vector; use an instant query"),
            ),
            (
                r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#,
                Err("query returned a string, not a number"),
            ),
        ];
        for (body, want) in table {
            assert_eq!(parse(body), want.map_err(str::to_string), "{body}");
        }
        assert!(parse(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#).unwrap().is_nan());
        assert_eq!(
            parse(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}}"#),
            Ok(f64::INFINITY)
        );
    }
}
