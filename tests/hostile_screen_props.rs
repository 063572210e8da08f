//! No cell of the screen holds a control character that came from outside:
//! journal rows another tool wrote (through the journal reader), a
//! source's error (through the poller's scrub) and a status-line message
//! (the console's own entry), each full of escapes and bidi controls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use proptest::prelude::*;
use warroom::health::PanelState;
use warroom::journal::decode::{Row, RowReader};
use warroom::tui::Msg;

fn hostile() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "(\\x1b\\]0;PWNED\\x07|\\x1b\\[2J|\\x1b\\]52;c;aGVsbG8=\\x07|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}]|[a-z ]){1,30}",
    )
    .unwrap()
}

fn rows(text: &str) -> Vec<warroom::session::event::Event> {
    let mut reader = RowReader::new(0);
    let mut out = Vec::new();
    let data = [
        ("note", serde_json::json!({ "text": text })),
        (
            "vetoed",
            serde_json::json!({ "gate": "go-live", "item": 1, "reason": text }),
        ),
        (
            "action_ran",
            serde_json::json!({
                "action": "pause", "executed": true, "exit_code": 1, "duration_ms": 5,
                "output_tail": format!("ok\n{text}"), "webhook": text
            }),
        ),
        (text, serde_json::json!({ "x": text })),
    ];
    for (i, (kind, data)) in data.into_iter().enumerate() {
        reader.push(
            Row {
                seq: i as i64 + 1,
                ts: Some("2026-11-21T22:00:00Z".into()),
                operator: Some(format!("op{text}")),
                kind: Some(kind.to_string()),
                data: Some(data.to_string()),
            },
            &mut out,
        );
    }
    out
}

fn assert_no_control_cell(buf: &ratatui::buffer::Buffer) {
    for cell in buf.content() {
        let bad = cell
            .symbol()
            .chars()
            .find(|&c| c.is_control() || warroom::untrusted::text::is_bidi(c));
        assert!(
            bad.is_none(),
            "{bad:?} in a cell:\n{}",
            common::buffer_text(buf)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_cell_holds_a_control_character_from_outside(text in hostile()) {
        let rb = common::runbook();
        let state = common::running_state(&rb);
        let mut panel = common::status("errors", PanelState::Error, None, &[], common::t0());
        panel.error = Some(warroom::untrusted::scrub(&text, &[], 300));
        let mut app = common::app(state.clone(), vec![panel], rows(&text), common::t0());
        app.update(Msg::Error(text.clone()));
        for (w, h) in [(80, 24), (160, 50)] {
            assert_no_control_cell(&common::render_buffer(&app, w, h));
        }
    }
}
