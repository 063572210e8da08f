//! A runbook file, whatever it holds. The property is shared with
//! `tests/runbook_props.rs`: `tests/properties/runbook.rs`.
#![no_main]

#[path = "../../tests/properties/runbook.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        property::load_and_render(text, std::path::Path::new("fuzz.toml"));
    }
});
