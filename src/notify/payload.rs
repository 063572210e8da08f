//! What a chat target receives: pure functions of the runbook and one
//! event. The words are the one describer's (`describe`), with who (and in
//! which role) and the evidence, so chat reads like the screen.

use serde_json::{Value, json};

use crate::describe;
use crate::report::jsonl;
use crate::runbook::model::{NotifyFormat, Runbook};
use crate::session::event::Event;

/// `[billing-v2] alice (ic): EXPANDED to enterprise (5%) from internal.
/// Evidence: errors OK 0.12%, mismatch OK 0`, redacted of every secret.
pub fn text(rb: &Runbook, e: &Event) -> String {
    let mut s = format!(
        "[{}] {}: {}",
        rb.cutover.id,
        describe::actor(Some(rb), e),
        describe::event(Some(rb), &e.body)
    );
    if let Some(ev) = describe::decision_evidence(&e.body) {
        s.push_str(&format!(". Evidence: {}", describe::evidence(Some(rb), ev)));
    }
    rb.redact(&s)
}

/// Slack mrkdwn treats `&`, `<` and `>` as control characters.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The request body for `format`.
///
/// Teams: an Adaptive Card (1.4) inside a `message` envelope, the shape
/// both Teams Workflows webhooks ("post to a channel when a webhook
/// request is received") and the older incoming-webhook connector accept.
/// json: the event exactly as `report --format jsonl` prints it.
pub fn body(format: NotifyFormat, rb: &Runbook, e: &Event) -> String {
    let value: Value = match format {
        NotifyFormat::Slack => json!({ "text": slack_escape(&text(rb, e)) }),
        NotifyFormat::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": rb.redact(&rb.cutover.title),
                            "weight": "Bolder",
                            "wrap": true
                        },
                        { "type": "TextBlock", "text": text(rb, e), "wrap": true }
                    ]
                }
            }]
        }),
        NotifyFormat::Json => return rb.redact(&jsonl::line(e)),
    };
    value.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::session::event::{EventBody, Evidence};
    use crate::session::testkit::sample_runbook;

    fn expanded() -> Event {
        Event {
            seq: 7,
            ts: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
            operator: "alice".into(),
            body: EventBody::Expanded {
                from_stage: Some("internal".into()),
                to_stage: "enterprise".into(),
                exposure: 5.0,
                override_reason: Some("<b>VP & co</b>".into()),
                evidence: Evidence::new(),
                automatic: false,
            },
        }
    }

    #[test]
    fn slack_gets_the_describers_words_escaped() {
        let rb = sample_runbook();
        let v: Value = serde_json::from_str(&body(NotifyFormat::Slack, &rb, &expanded())).unwrap();
        let t = v["text"].as_str().unwrap();
        assert!(
            t.starts_with("[billing-v2] alice (ic): EXPANDED to enterprise (5%)"),
            "{t}"
        );
        assert!(t.contains("&lt;b&gt;VP &amp; co&lt;/b&gt;"), "{t}");
    }

    #[test]
    fn teams_gets_an_adaptive_card_and_json_the_jsonl_line() {
        let rb = sample_runbook();
        let v: Value = serde_json::from_str(&body(NotifyFormat::Teams, &rb, &expanded())).unwrap();
        let card = &v["attachments"][0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert!(
            card["body"][1]["text"]
                .as_str()
                .unwrap()
                .contains("EXPANDED")
        );
        let j = body(NotifyFormat::Json, &rb, &expanded());
        assert_eq!(j, jsonl::line(&expanded()));
    }
}
