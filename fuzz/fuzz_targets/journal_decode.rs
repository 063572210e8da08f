//! A journal row, kind (first line) and data (the rest), whatever the file
//! holds. The property is shared with `tests/journal_decode_props.rs`:
//! `tests/properties/journal.rs`.
#![no_main]

#[path = "../../tests/properties/journal.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (kind, data) = text.split_once('\n').unwrap_or(("note", text));
        property::row_decodes_consistently(kind, data);
    }
});
