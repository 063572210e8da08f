//! PagerDuty Events API v2 *change events*: what changed in production,
//! on the service's timeline beside its incidents (a change event pages
//! nobody).
//!
//! The shape, from PagerDuty's reference (developer.pagerduty.com,
//! "Events API v2 > Send Change Events",
//! github.com/PagerDuty/developer-docs docs/events-API-v2/03-Change-Events.md,
//! and api-schema reference/events-v2/openapiv3.json): `POST
//! https://events.pagerduty.com/v2/change/enqueue` with
//! `{routing_key, payload: {summary, timestamp?, source?, custom_details?},
//! links?: [{href, text?}]}`; `summary` is required and at most 1024
//! characters, `timestamp` ISO 8601; the answer is `202 Accepted`.

use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::payload;
use crate::runbook::model::Runbook;
use crate::session::event::Event;
use crate::session::event::SessionMode;

/// PagerDuty refuses a longer summary (the whole event, not just a cut).
pub const SUMMARY_MAX_CHARS: usize = 1024;

/// The change event for `e`. Everything but the routing key is redacted
/// of the runbook's secrets (the key itself must reach PagerDuty).
pub fn body(
    rb: &Runbook,
    e: &Event,
    mode: SessionMode,
    routing_key: &str,
    status_url: Option<&str>,
) -> String {
    // The event as chat's JSON carries it: `mode` added, no runbook text.
    let details: Value = serde_json::from_str(&rb.redact(&payload::json_line(e, mode)))
        .unwrap_or_else(|_| json!({ "kind": e.body.kind() }));
    let mut v = json!({
        "routing_key": routing_key,
        "payload": {
            "summary": cut(&payload::text(rb, e, mode), SUMMARY_MAX_CHARS),
            "timestamp": e.ts.to_rfc3339_opts(SecondsFormat::Millis, true),
            "source": format!("warroom:{}", rb.cutover.id),
            "custom_details": details,
        },
    });
    if let Some(href) = status_url {
        v["links"] = json!([{ "href": href, "text": "warroom status page" }]);
    }
    v.to_string()
}

/// At most `max` characters, the last one `…` when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cut_counts_characters_not_bytes() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        let long = "é".repeat(2000);
        let c = cut(&long, SUMMARY_MAX_CHARS);
        assert_eq!(c.chars().count(), SUMMARY_MAX_CHARS);
        assert!(c.ends_with('…'));
    }
}
