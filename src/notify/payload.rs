//! What a chat target receives: pure functions of the runbook and one
//! event. The words are the one describer's (`describe`), with who (and in
//! which role) and the evidence, so chat reads like the screen.

use serde_json::{Value, json};

use crate::describe;
use crate::report::jsonl;
use crate::runbook::model::{NotifyFormat, Runbook};
use crate::session::event::{Event, EventBody, SessionMode};

/// What opens every chat message of a session that is not live, so a
/// rehearsal (or the demo) never reads like the real thing.
pub fn label(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::Live => "",
        SessionMode::Rehearsal => "[REHEARSAL] ",
        SessionMode::Demo => "[DEMO] ",
    }
}

/// `[billing-v2] alice (ic): EXPANDED to enterprise (5%) from internal.
/// Evidence: errors OK 0.12%, mismatch OK 0`, redacted of every secret;
/// `[REHEARSAL] [billing-v2] …` in a rehearsal.
pub fn text(rb: &Runbook, e: &Event, mode: SessionMode) -> String {
    let mut s = format!(
        "{}[{}] {}: {}",
        label(mode),
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
/// json: the event as `report --format jsonl` prints it, with `mode`
/// (`live`, `rehearsal`, `demo`) added, and without `runbook_text` (the
/// whole runbook is the journal's, not chat's).
pub fn body(format: NotifyFormat, rb: &Runbook, e: &Event, mode: SessionMode) -> String {
    let value: Value = match format {
        NotifyFormat::Slack => json!({ "text": slack_escape(&text(rb, e, mode)) }),
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
                            "text": rb.redact(&format!("{}{}", label(mode), rb.cutover.title)),
                            "weight": "Bolder",
                            "wrap": true
                        },
                        { "type": "TextBlock", "text": text(rb, e, mode), "wrap": true }
                    ]
                }
            }]
        }),
        NotifyFormat::Json => return rb.redact(&json_line(e, mode)),
    };
    value.to_string()
}

/// The JSON Lines event with `mode`, without a journaled runbook text.
pub(super) fn json_line(e: &Event, mode: SessionMode) -> String {
    let mut slim;
    let e = match &e.body {
        EventBody::SessionOpened { .. } | EventBody::RunbookChangeAccepted { .. } => {
            slim = e.clone();
            if let EventBody::SessionOpened { runbook_text, .. }
            | EventBody::RunbookChangeAccepted { runbook_text, .. } = &mut slim.body
            {
                *runbook_text = None;
            }
            &slim
        }
        _ => e,
    };
    let line = jsonl::line(e);
    // `session_opened` carries `mode` already; every other kind gets it
    // last, the line's order kept.
    match line.strip_suffix('}') {
        Some(open) if !matches!(e.body, EventBody::SessionOpened { .. }) => {
            format!("{open},\"mode\":{}}}", Value::from(mode.as_str()))
        }
        _ => line,
    }
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
        let v: Value = serde_json::from_str(&body(
            NotifyFormat::Slack,
            &rb,
            &expanded(),
            SessionMode::Live,
        ))
        .unwrap();
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
        let v: Value = serde_json::from_str(&body(
            NotifyFormat::Teams,
            &rb,
            &expanded(),
            SessionMode::Live,
        ))
        .unwrap();
        let card = &v["attachments"][0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert!(
            card["body"][1]["text"]
                .as_str()
                .unwrap()
                .contains("EXPANDED")
        );
        let j = body(NotifyFormat::Json, &rb, &expanded(), SessionMode::Live);
        let line = jsonl::line(&expanded());
        assert_eq!(
            j,
            format!("{},\"mode\":\"live\"}}", line.strip_suffix('}').unwrap())
        );
    }

    /// Every format says a rehearsal is one; a live message has no label.
    #[test]
    fn a_rehearsal_is_labelled_in_every_format() {
        let rb = sample_runbook();
        let e = expanded();
        let slack: Value =
            serde_json::from_str(&body(NotifyFormat::Slack, &rb, &e, SessionMode::Rehearsal))
                .unwrap();
        assert!(
            slack["text"]
                .as_str()
                .unwrap()
                .starts_with("[REHEARSAL] [billing-v2] alice (ic): EXPANDED")
        );
        let teams: Value =
            serde_json::from_str(&body(NotifyFormat::Teams, &rb, &e, SessionMode::Rehearsal))
                .unwrap();
        let card = &teams["attachments"][0]["content"]["body"];
        assert!(
            card[0]["text"]
                .as_str()
                .unwrap()
                .starts_with("[REHEARSAL] ")
        );
        assert!(
            card[1]["text"]
                .as_str()
                .unwrap()
                .starts_with("[REHEARSAL] ")
        );
        let json: Value =
            serde_json::from_str(&body(NotifyFormat::Json, &rb, &e, SessionMode::Rehearsal))
                .unwrap();
        assert_eq!(json["mode"], "rehearsal");
        assert_eq!(json["kind"], "expanded");
        let demo = text(&rb, &e, SessionMode::Demo);
        assert!(demo.starts_with("[DEMO] "), "{demo}");
        assert!(text(&rb, &e, SessionMode::Live).starts_with("[billing-v2]"));
    }

    /// A `session_opened` sent as JSON: its own `mode`, no runbook text.
    #[test]
    fn json_never_carries_the_runbook_text() {
        let rb = sample_runbook();
        let e = Event {
            body: EventBody::SessionOpened {
                runbook: "rb.toml".into(),
                runbook_sha256: "a".repeat(64),
                mode: SessionMode::Rehearsal,
                runbook_text: Some("[cutover]\nid = \"x\"\n".into()),
            },
            ..expanded()
        };
        let v: Value =
            serde_json::from_str(&body(NotifyFormat::Json, &rb, &e, SessionMode::Rehearsal))
                .unwrap();
        assert_eq!(v["mode"], "rehearsal");
        assert!(v.get("runbook_text").is_none(), "{v}");
    }
}
