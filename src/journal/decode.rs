//! A stored row back into an event. The journal is read by every console at
//! start (replay) and after each append (follow), so the common case is one
//! JSON parse; anything odd takes the general path, and a kind written by a
//! newer warroom becomes `Unknown`, never an error. Fuzzed
//! (`fuzz/fuzz_targets/journal_decode.rs`) and proptested
//! (`tests/journal_decode_props.rs`).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::error::JournalError;
use crate::session::event::{Event, EventBody};

/// One row of the `events` table.
pub(super) fn decode(
    path: &Path,
    seq: i64,
    ts: &str,
    operator: String,
    kind: &str,
    data: &str,
) -> Result<Event, JournalError> {
    let corrupt = |cause: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        cause: format!("event {seq}: {cause}"),
    };
    let ts = DateTime::parse_from_rfc3339(ts)
        .map_err(|e| corrupt(format!("bad timestamp {ts:?}: {e}")))?
        .with_timezone(&Utc);
    let body = decode_body(kind, data).map_err(corrupt)?;
    Ok(Event {
        seq: seq as u64,
        ts,
        operator,
        body,
    })
}

/// The body from the stored `kind` and `data` (a JSON object of the other
/// fields). Errors only when `data` is not JSON at all.
pub fn decode_body(kind: &str, data: &str) -> Result<EventBody, String> {
    // Fast path (replay speed): splice the kind into the stored object and
    // parse once. Unknown kinds and odd data take the general path.
    if let Some(rest) = data.trim_start().strip_prefix('{') {
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
    let fields: serde_json::Value =
        serde_json::from_str(data).map_err(|e| format!("bad data: {e}"))?;
    Ok(EventBody::from_parts(kind, fields))
}
