//! A journal row, whatever the file holds: an event or an error naming it,
//! never a panic; what decodes is written back and read again unchanged,
//! and the one-parse fast path agrees with the general path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::journal::decode::decode_body;
use warroom::session::event::EventBody;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: the kind column; the rest: the data column.
    let (kind, data) = text.split_once('\n').unwrap_or(("note", text));
    let Ok(body) = decode_body(kind, data) else {
        return;
    };
    if let Ok(fields) = serde_json::from_str::<serde_json::Value>(data) {
        assert_eq!(
            body,
            EventBody::from_parts(kind, fields),
            "fast path disagrees"
        );
    }
    let again = decode_body(&body.kind(), &body.fields().to_string());
    assert_eq!(again.as_ref(), Ok(&body), "not read back as written");
});
