//! A stored row back into an event. The journal is read by every console at
//! start (replay) and after each append (follow), so the common case is one
//! JSON parse; anything odd takes the general path.
//!
//! Anyone in the operators' group can write a row, so a row is outside
//! text: every string is sanitized (`untrusted::text`), and a row that
//! cannot be taken as written never stops a reader. It becomes a `damaged`
//! event in its place (an undecodable row, a bad timestamp, a known kind
//! with malformed fields, a gap in seq, a seq below 1 or above `MAX_SEQ`):
//! the console opens with a banner and refuses expand until someone
//! acknowledges it; `report` prints it where it happened. A kind this build does not know (a newer
//! warroom wrote it) is `Unknown`, shown and ignored. Fuzzed
//! (`fuzz/fuzz_targets/journal_decode.rs`, `journal_rows.rs`) and proptested
//! (`tests/journal_decode_props.rs`).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::error::JournalError;
use crate::session::event::{Event, EventBody};
use crate::untrusted::{sanitize, sanitize_lines};

/// The highest seq a journal row may have: 2^53, the largest integer every
/// JSON reader keeps exactly (a report's JSON Lines carry seq as a number),
/// and more events than any session writes. A row above it was written by
/// another tool: it is `damaged` (read only with the whole journal, like a
/// row below 1, and never a position to append after), so `seq = max + 1`
/// can never wrap, and appends go on after the highest seq within range.
pub const MAX_SEQ: i64 = 1 << 53;

/// One row of the `events` table (what the file holds, typed or not).
pub(super) fn decode(
    _path: &Path,
    seq: i64,
    ts: &str,
    operator: String,
    kind: &str,
    data: &str,
) -> Result<Event, JournalError> {
    let mut reader = RowReader::new(seq.saturating_sub(1).max(0) as u64);
    let row = Row {
        seq,
        ts: Some(ts.to_string()),
        operator: Some(operator),
        kind: Some(kind.to_string()),
        data: Some(data.to_string()),
    };
    let mut out = Vec::with_capacity(1);
    reader.push(row, &mut out);
    Ok(out
        .into_iter()
        .last()
        .unwrap_or_else(|| damaged(0, seq, ts_fallback(), "?".into(), "no event".into())))
}

/// A stored row as either backend reads it: a column that is not text is
/// `None` (SQLite's columns have no fixed type).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub seq: i64,
    pub ts: Option<String>,
    pub operator: Option<String>,
    pub kind: Option<String>,
    pub data: Option<String>,
}

/// Reads rows in seq order after a known seq, noticing gaps and negative
/// seqs between them.
#[derive(Debug)]
pub struct RowReader {
    /// The seq the next row should have.
    expected: i64,
    /// A damaged row's time when it has none of its own: its predecessor's.
    last_ts: Option<DateTime<Utc>>,
}

impl RowReader {
    /// Rows following seq `after` (0: the whole journal).
    pub fn new(after: u64) -> RowReader {
        RowReader {
            expected: i64::try_from(after).unwrap_or(i64::MAX).saturating_add(1),
            last_ts: None,
        }
    }

    /// Decode `row` into `out`, with a `damaged` event before it for a gap.
    pub fn push(&mut self, row: Row, out: &mut Vec<Event>) {
        let ts = row
            .ts
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let when = ts.or(self.last_ts).unwrap_or_else(ts_fallback);
        let operator = match &row.operator {
            Some(o) => sanitize(o).into_owned(),
            None => "?".to_string(),
        };
        if row.seq <= 0 {
            // Seqs start at 1: a row below was written by another tool.
            out.push(damaged(
                0,
                row.seq,
                when,
                operator,
                "a row with seq below 1".into(),
            ));
            return;
        }
        if row.seq > MAX_SEQ {
            // Never a position: the rows appended after it (from the
            // highest seq in range) are read in their place.
            out.push(damaged(
                0,
                row.seq,
                when,
                operator,
                format!("a row with seq {} above the limit ({MAX_SEQ})", row.seq),
            ));
            return;
        }
        if row.seq > self.expected {
            let what = if row.seq - 1 == self.expected {
                format!("row {} is missing", self.expected)
            } else {
                format!("rows {} to {} are missing", self.expected, row.seq - 1)
            };
            out.push(damaged(
                self.expected as u64,
                self.expected,
                when,
                "?".into(),
                what,
            ));
        }
        self.expected = row.seq.saturating_add(1);
        self.last_ts = Some(when);
        let seq = row.seq as u64;
        let body = match (ts, &row.ts, &row.kind, &row.data) {
            (_, None, _, _) => Err("its timestamp is not text".to_string()),
            (None, Some(t), _, _) => Err(format!("bad timestamp \"{}\"", sanitize(&clip(t)))),
            (_, _, None, _) => Err("its kind is not text".to_string()),
            (_, _, _, None) => Err("its data is not text".to_string()),
            (Some(_), _, Some(kind), Some(data)) => decode_body(kind, data),
        };
        let body = if row.operator.is_none() {
            Err("its operator is not text".to_string())
        } else {
            body
        };
        out.push(match body {
            Ok(body) => Event {
                seq,
                ts: when,
                operator,
                body,
            },
            Err(what) => damaged(seq, row.seq, when, operator, what),
        });
    }
}

fn damaged(seq: u64, stored: i64, ts: DateTime<Utc>, operator: String, what: String) -> Event {
    Event {
        seq,
        ts,
        operator,
        body: EventBody::Damaged { seq: stored, what },
    }
}

/// A time for a damaged row with nothing to go on (the first row).
fn ts_fallback() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

/// A quote of bad stored text, short enough for one line.
fn clip(t: &str) -> String {
    if t.chars().count() <= 40 {
        t.to_string()
    } else {
        t.chars().take(40).chain(['…']).collect()
    }
}

/// The body from the stored `kind` and `data` (a JSON object of the other
/// fields), every string in it sanitized. An error (a sentence saying what
/// is wrong) when `data` is not JSON, or `kind` is one this build knows and
/// its fields do not fit it; an unknown kind is `Unknown`.
pub fn decode_body(kind: &str, data: &str) -> Result<EventBody, String> {
    // Escapes (`\u001b`, `\n`) and DEL or non-ASCII bytes (C1, bidi) are
    // the only ways a control character gets into valid JSON: without
    // them, one parse.
    let plain = !data.contains('\\') && data.is_ascii() && !data.contains('\u{7f}');
    if plain
        && kind.bytes().all(|b| b.is_ascii_graphic())
        && let Some(rest) = data.trim_start().strip_prefix('{')
    {
        let kind_json = serde_json::Value::from(kind).to_string();
        let sep = if rest.trim_start().starts_with('}') {
            ""
        } else {
            ","
        };
        if let Ok(body) =
            serde_json::from_str::<EventBody>(&format!("{{\"kind\":{kind_json}{sep}{rest}"))
        {
            return Ok(body);
        }
    }
    let mut fields: serde_json::Value = serde_json::from_str(data)
        .map_err(|e| format!("bad data: {}", sanitize(&e.to_string())))?;
    clean_strings(&mut fields, "");
    let kind = sanitize(kind).into_owned();
    let mut obj = match &fields {
        serde_json::Value::Object(m) => m.clone(),
        _ => return Err(format!("bad data: `{kind}` fields are not a JSON object")),
    };
    obj.insert("kind".into(), serde_json::Value::String(kind.clone()));
    match serde_json::from_value::<EventBody>(serde_json::Value::Object(obj)) {
        Ok(body) => Ok(body),
        Err(e) if e.to_string().starts_with("unknown variant") => {
            Ok(EventBody::Unknown { kind, fields })
        }
        Err(e) => Err(format!("malformed `{kind}`: {}", sanitize(&e.to_string()))),
    }
}

/// Text as a runbook file may hold it: line breaks (LF or CRLF) and tabs,
/// no other control or bidi character (the loader refuses those too).
fn is_file_text(s: &str) -> bool {
    // A CR is a line end only right before a LF (a file saved on Windows);
    // the masker counts every CR, so those are taken out before it looks.
    let text: std::borrow::Cow<'_, str> = if s.contains("\r\n") {
        std::borrow::Cow::Owned(s.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    matches!(
        crate::untrusted::text::mask(&text),
        std::borrow::Cow::Borrowed(_)
    )
}

/// Sanitize every string (keys too) in `v`; a command's output tail keeps
/// its line breaks.
fn clean_strings(v: &mut serde_json::Value, key: &str) {
    match v {
        serde_json::Value::String(s) => {
            let clean = if key == "runbook_text" && is_file_text(s) {
                // A runbook's text keeps its tabs and line ends (its digest
                // is checked when it is used); anything else hostile is
                // escaped, so the digest no longer matches.
                std::borrow::Cow::Borrowed(s.as_str())
            } else if key == "output_tail" || key == "runbook_text" {
                sanitize_lines(s)
            } else {
                sanitize(s)
            };
            if let std::borrow::Cow::Owned(c) = clean {
                *s = c;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| clean_strings(x, key)),
        serde_json::Value::Object(m) => {
            let old = std::mem::take(m);
            for (k, mut x) in old {
                clean_strings(&mut x, &k);
                m.insert(sanitize(&k).into_owned(), x);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn row(seq: i64, ts: &str, kind: &str, data: &str) -> Row {
        Row {
            seq,
            ts: Some(ts.into()),
            operator: Some("alice".into()),
            kind: Some(kind.into()),
            data: Some(data.into()),
        }
    }

    const T: &str = "2026-11-23T09:00:00Z";

    fn read(rows: Vec<Row>) -> Vec<(u64, String)> {
        let mut r = RowReader::new(0);
        let mut out = Vec::new();
        for x in rows {
            r.push(x, &mut out);
        }
        out.into_iter()
            .map(|e| match e.body {
                EventBody::Damaged { seq, what } => (e.seq, format!("damaged at {seq}: {what}")),
                b => (e.seq, b.kind()),
            })
            .collect()
    }

    #[test]
    fn each_kind_of_damage_is_an_event_in_its_place() {
        let got = read(vec![
            row(-3, T, "note", r#"{"text":"x"}"#),
            row(1, T, "note", r#"{"text":"x"}"#),
            row(2, "yesterday", "note", r#"{"text":"x"}"#),
            row(3, T, "note", "{not json"),
            row(4, T, "signed", "{}"),
            row(5, T, "from_the_future", "{}"),
            row(9, T, "note", r#"{"text":"x"}"#),
            row(i64::MAX, T, "note", r#"{"text":"x"}"#),
            row(10, T, "note", r#"{"text":"x"}"#),
        ]);
        let want: Vec<(u64, &str)> = vec![
            (0, "damaged at -3: a row with seq below 1"),
            (1, "note"),
            (2, "damaged at 2: bad timestamp \"yesterday\""),
            (
                3,
                "damaged at 3: bad data: key must be a string at line 1 column 2",
            ),
            (4, "damaged at 4: malformed `signed`: missing field `gate`"),
            (5, "from_the_future"),
            (6, "damaged at 6: rows 6 to 8 are missing"),
            (9, "note"),
            (
                0,
                "damaged at 9223372036854775807: a row with seq 9223372036854775807 above the limit (9007199254740992)",
            ),
            (10, "note"),
        ];
        let got: Vec<(u64, &str)> = got.iter().map(|(s, k)| (*s, k.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn strings_in_a_row_are_sanitized() {
        let b = decode_body(
            "action_ran",
            r#"{"action":"x\u001b]0;PWNED\u0007","executed":true,"exit_code":0,"duration_ms":1,"output_tail":"a\nb\u001b[2J"}"#,
        )
        .unwrap();
        let EventBody::ActionRan {
            action,
            output_tail,
            ..
        } = b
        else {
            panic!("{b:?}")
        };
        assert_eq!(action, "x\\x1b]0;PWNED\\x07");
        assert_eq!(output_tail, "a\nb\\x1b[2J");
        let b = decode_body("note", "{\"text\":\"\u{202e}evil\"}").unwrap();
        assert_eq!(
            b,
            EventBody::Note {
                text: "\\u{202e}evil".into()
            }
        );
        let mut r = RowReader::new(0);
        let mut out = Vec::new();
        let mut x = row(1, T, "note", r#"{"text":"x"}"#);
        x.operator = Some("eve\u{1b}[2J".into());
        r.push(x, &mut out);
        assert_eq!(out[0].operator, "eve\\x1b[2J");
    }
}
