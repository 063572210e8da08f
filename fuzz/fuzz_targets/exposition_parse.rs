//! A selector (first line) and a /metrics page (the rest), whatever they
//! hold. The property is shared with `tests/exposition_props.rs`:
//! `tests/properties/exposition.rs`.
#![no_main]

#[path = "../../tests/properties/exposition.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (selector, page) = text.split_once('\n').unwrap_or(("", text));
        property::page_is_answered(selector, page);
    }
});
