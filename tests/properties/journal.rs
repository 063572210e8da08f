//! A journal row (kind and data columns), whatever the file holds: an
//! event or an error naming it, never a panic; the one-parse fast path
//! agrees with the general path; what was read is written back and read
//! again unchanged.

use warroom::journal::decode::decode_body;
use warroom::session::event::EventBody;

pub fn row_decodes_consistently(kind: &str, data: &str) {
    let body = match decode_body(kind, data) {
        Ok(b) => b,
        Err(e) => {
            assert!(e.starts_with("bad data: "), "{e}");
            assert!(serde_json::from_str::<serde_json::Value>(data).is_err());
            return;
        }
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
}
