//! Any JSON document: an RFC 6901 pointer picks a number.

use serde_json::Value;

use super::{Fetcher, Job, What};
use crate::health::evaluate::Poll;

pub(super) async fn poll(f: &Fetcher, job: &Job) -> Vec<Poll> {
    let doc = match f.fetch_body(job, "application/json").await {
        Ok(body) => parse(&body),
        Err(e) => Err(e),
    };
    job.targets
        .iter()
        .map(|t| match &doc {
            Err(e) => Poll::Error(e.clone()),
            Ok(doc) => match number_at(doc, &t.what) {
                Err(e) => Poll::Error(e),
                Ok(value) => Poll::Value {
                    value,
                    baseline: t.baseline.as_ref().map(|b| number_at(doc, b)),
                },
            },
        })
        .collect()
}

fn parse(body: &[u8]) -> Result<Value, String> {
    // An empty 200 is a common failure of its own (a proxy, a crashed
    // handler); "not valid JSON at col 0" would send people hunting.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("body is empty".into());
    }
    serde_json::from_slice(body).map_err(|e| {
        format!(
            "body is not valid JSON at line {} col {}",
            e.line(),
            e.column()
        )
    })
}

/// The number at the pointer, or what was found there instead.
fn number_at(doc: &Value, what: &What) -> Result<f64, String> {
    let What::Pointer(p) = what else {
        return Err("not a JSON pointer".into());
    };
    let found = match doc.pointer(p) {
        None => return Err(format!("nothing at {p}")),
        Some(Value::Number(n)) => {
            return n
                .as_f64()
                .ok_or_else(|| format!("{p}: {n} is out of range"));
        }
        Some(Value::Null) => "null".to_string(),
        Some(Value::Bool(b)) => format!("a boolean ({b})"),
        Some(Value::String(s)) => format!("a string ({})", preview(s)),
        Some(Value::Array(a)) => format!("an array of {}", a.len()),
        Some(Value::Object(_)) => "an object".to_string(),
    };
    Err(format!("{p} is {found}, not a number"))
}

fn preview(s: &str) -> String {
    const MAX: usize = 24;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pointers_by_table() {
        let doc: Value = serde_json::from_str(
            r#"{"mismatches": 0, "a": {"b": [1.5, "x", null, true, {}]}, "s": "three"}"#,
        )
        .unwrap();
        let at = |p: &str| number_at(&doc, &What::Pointer(p.into()));
        assert_eq!(at("/mismatches"), Ok(0.0));
        assert_eq!(at("/a/b/0"), Ok(1.5));
        assert_eq!(
            at("/a/b/1"),
            Err("/a/b/1 is a string (\"x\"), not a number".into())
        );
        assert_eq!(at("/a/b/2"), Err("/a/b/2 is null, not a number".into()));
        assert_eq!(
            at("/a/b/3"),
            Err("/a/b/3 is a boolean (true), not a number".into())
        );
        assert_eq!(
            at("/a/b/4"),
            Err("/a/b/4 is an object, not a number".into())
        );
        assert_eq!(
            at("/a/b"),
            Err("/a/b is an array of 5, not a number".into())
        );
        assert_eq!(at("/missing"), Err("nothing at /missing".into()));
        assert_eq!(at("mismatches"), Err("nothing at mismatches".into()));
    }

    #[test]
    fn garbage_body_names_the_place() {
        assert_eq!(
            parse(b"{\"a\": nope}"),
            Err("body is not valid JSON at line 1 col 8".into())
        );
    }
}
