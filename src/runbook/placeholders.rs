//! `check` refuses a runbook that still holds a placeholder written by
//! `warroom init`: `CHANGE-ME` in a title, a query's `job="CHANGE-ME"`, an
//! action that would `echo CHANGE-ME` instead of switching traffic, the
//! id `change-me-canary`. Every one is reported where it is, so an edited
//! template passes only once nothing of the template's guesses is left.
//!
//! Values and keys are read (as TOML, so `#` inside a string is not a
//! comment); comments are not: `# CHANGE-ME: or set PROM_URL` is advice,
//! and the template's header says to replace every CHANGE-ME.

use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

use super::diag::Diagnostic;

/// The words `init`'s templates use for "fill this in", lowercase
/// (matched ignoring case: `CHANGE-ME`, `change-me-phased`).
pub const PLACEHOLDERS: &[&str] = &["change-me", "change_me"];

/// Every placeholder left in a value or key of `text`, one error each.
pub fn diagnostics(text: &str) -> Vec<Diagnostic> {
    let Ok(doc) = Document::parse(text) else {
        return Vec::new(); // the syntax error is reported elsewhere
    };
    let mut spans = Vec::new();
    table(doc.as_table(), &mut spans);
    let mut out: Vec<Diagnostic> = spans
        .into_iter()
        .flat_map(|span| found_in(text, span))
        .map(|at| {
            let word = text.get(at.clone()).unwrap_or("CHANGE-ME").to_string();
            Diagnostic::error(
                format!(
                    "placeholder {word} left from `warroom init`: replace it with the real value"
                ),
                Some(at),
            )
            .with_label("fill this in")
        })
        .collect();
    out.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    out.dedup_by_key(|d| d.span.clone());
    out
}

/// Where a placeholder starts and ends inside the file's `span`.
fn found_in(text: &str, span: Range<usize>) -> Vec<Range<usize>> {
    let Some(raw) = text.get(span.clone()) else {
        return Vec::new();
    };
    // ASCII lowercase keeps byte offsets.
    let lower = raw.to_ascii_lowercase();
    let mut out = Vec::new();
    for p in PLACEHOLDERS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(p) {
            let (at, end) = (from + i, from + i + p.len());
            // A whole word only: `exchange-metrics` holds no placeholder.
            let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
            let inside = at.checked_sub(1).and_then(|k| lower.as_bytes().get(k));
            if !word(inside) && !word(lower.as_bytes().get(end)) {
                out.push(span.start + at..span.start + end);
            }
            from = end;
        }
    }
    out
}

fn table(t: &Table, spans: &mut Vec<Range<usize>>) {
    for (key, item) in t.iter() {
        if let Some(span) = t.key(key).and_then(|k| k.span()) {
            spans.push(span);
        }
        self::item(item, spans);
    }
}

fn item(i: &Item, spans: &mut Vec<Range<usize>>) {
    match i {
        Item::Value(v) => value(v, spans),
        Item::Table(t) => table(t, spans),
        Item::ArrayOfTables(a) => a.iter().for_each(|t| table(t, spans)),
        Item::None => {}
    }
}

fn value(v: &Value, spans: &mut Vec<Range<usize>>) {
    match v {
        Value::String(s) => spans.extend(s.span()),
        Value::Array(a) => a.iter().for_each(|v| value(v, spans)),
        Value::InlineTable(t) => {
            for (key, v) in t.iter() {
                if let Some(span) = t.key(key).and_then(|k| k.span()) {
                    spans.push(span);
                }
                value(v, spans);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        diagnostics(text)
            .iter()
            .map(|d| &text[d.span.clone().unwrap()])
            .collect()
    }

    #[test]
    fn values_and_keys_not_comments() {
        let text = r##"# Replace every CHANGE-ME
[cutover]
id = "change-me-canary"      # CHANGE-ME
title = "CHANGE-ME: what"
summary = "a # CHANGE-ME inside a string is no comment"
[sources.change_me]
url = "${PROM_URL:-http://127.0.0.1:9090}"   # CHANGE-ME: or set PROM_URL
[[panels]]
query = 'sum(x{job="CHANGE-ME"}) / sum(y{job="Change-Me"})'
headers = { X = "change-me", Y = ["ok", "CHANGE-ME"] }
text = """
multi CHANGE-ME
"""
"##;
        assert_eq!(
            found(text),
            [
                "change-me",
                "CHANGE-ME",
                "CHANGE-ME",
                "change_me",
                "CHANGE-ME",
                "Change-Me",
                "change-me",
                "CHANGE-ME",
                "CHANGE-ME"
            ]
        );
        assert!(found("[cutover]\nid = \"billing-v2\" # CHANGE-ME later\n").is_empty());
        assert!(
            found("q = 'rate(x{job=\"exchange-metrics\"}[1m])'\nt = \"change-measured\"\n")
                .is_empty(),
            "whole words only"
        );
        assert!(found("not toml [").is_empty());
    }
}
