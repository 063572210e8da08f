//! Any bytes through the sanitizer, and split into a secret and its
//! surroundings through the redactor. The properties are shared with
//! `tests/untrusted_props.rs`: `tests/properties/untrusted.rs`.
#![no_main]

#[path = "../../tests/properties/untrusted.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        property::sanitized_text_is_inert(text);
        let mut parts = text.splitn(3, '\n');
        if let (Some(secret), Some(before), Some(after)) =
            (parts.next(), parts.next(), parts.next())
        {
            property::no_form_of_a_secret_survives(secret, before, after);
        }
    }
});
