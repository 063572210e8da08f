//! Any JSON document: an RFC 6901 pointer picks a number.
//!
//! A number may also be given as a string, as Prometheus's own HTTP API
//! does (`/data/result/0/value/1` is `"3"`), when the string is a plain
//! finite decimal number: `"3"`, `"-0.25"`, `"1e-3"`. `"NaN"`, `"+Inf"`,
//! `""`, `"0x10"`, `" 3"` and `"1e999"` (beyond f64) are refused with the
//! pointer and the value, never read as 0 or infinity.

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
        Some(Value::String(s)) => match numeric_string(s) {
            Some(Ok(v)) => return Ok(v),
            Some(Err(why)) => return Err(format!("{p} is a string ({}), {why}", preview(s))),
            None => format!("a string ({})", preview(s)),
        },
        Some(Value::Array(a)) => format!("an array of {}", a.len()),
        Some(Value::Object(_)) => "an object".to_string(),
    };
    Err(format!("{p} is {found}, not a number"))
}

/// A string holding a number: `None` when it is not written as one at
/// all, `Some(Err)` when it is but the value is not a finite f64 (the
/// words Prometheus writes for NaN and the infinities count as numbers
/// here, so the error says why they are refused).
fn numeric_string(s: &str) -> Option<Result<f64, &'static str>> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if matches!(
        unsigned.to_ascii_lowercase().as_str(),
        "nan" | "inf" | "infinity"
    ) {
        return Some(Err("not a finite number"));
    }
    if !is_decimal(s) {
        return None;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(Ok(v)),
        _ => Some(Err("beyond f64's range")),
    }
}

/// `[+-]digits[.digits][e[+-]digits]` (also `.5` and `5.`): what JSON and
/// Prometheus write; no spaces, no hex, no `_`.
fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
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
        assert_eq!(
            at("/s"),
            Err("/s is a string (\"three\"), not a number".into())
        );
        assert_eq!(at("mismatches"), Err("nothing at mismatches".into()));
    }

    /// Prometheus's API gives values as strings; finite decimals are read,
    /// everything else is refused with the pointer and the value.
    #[test]
    fn numbers_given_as_strings_by_table() {
        let cases: &[(&str, Result<f64, &str>)] = &[
            ("3", Ok(3.0)),
            ("-0.25", Ok(-0.25)),
            ("+1.5e3", Ok(1500.0)),
            ("1E-3", Ok(0.001)),
            (".5", Ok(0.5)),
            ("5.", Ok(5.0)),
            ("0", Ok(0.0)),
            ("NaN", Err("/v is a string (\"NaN\"), not a finite number")),
            (
                "+Inf",
                Err("/v is a string (\"+Inf\"), not a finite number"),
            ),
            (
                "-inf",
                Err("/v is a string (\"-inf\"), not a finite number"),
            ),
            (
                "1e999",
                Err("/v is a string (\"1e999\"), beyond f64's range"),
            ),
            ("", Err("/v is a string (\"\"), not a number")),
            ("0x10", Err("/v is a string (\"0x10\"), not a number")),
            (" 3", Err("/v is a string (\" 3\"), not a number")),
            ("3 ", Err("/v is a string (\"3 \"), not a number")),
            ("1_000", Err("/v is a string (\"1_000\"), not a number")),
            ("1e", Err("/v is a string (\"1e\"), not a number")),
            ("-", Err("/v is a string (\"-\"), not a number")),
            (".", Err("/v is a string (\".\"), not a number")),
            (
                "3\u{202e}",
                Err("/v is a string (\"3\\u{202e}\"), not a number"),
            ),
        ];
        for (given, want) in cases {
            let doc = serde_json::json!({ "v": given });
            let got = number_at(&doc, &What::Pointer("/v".into()));
            assert_eq!(got, want.map_err(str::to_string), "{given:?}");
        }
    }

    #[test]
    fn garbage_body_names_the_place() {
        assert_eq!(
            parse(b"{\"a\": nope}"),
            Err("body is not valid JSON at line 1 col 8".into())
        );
    }
}
