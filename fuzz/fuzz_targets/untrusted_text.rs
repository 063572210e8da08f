//! Any bytes through the sanitizer, and split into a secret and its
//! surroundings through the redactor: the listed forms, and the secret
//! written with each character its own way (percent, entities, JSON
//! escapes) or whole as base64 and hex. The properties are shared with
//! `tests/untrusted_props.rs`: `tests/properties/untrusted.rs`.
#![no_main]

#[path = "../../tests/properties/untrusted.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        property::sanitized_text_is_inert(text);
        let mut parts = text.splitn(4, '\n');
        if let (Some(secret), Some(before), Some(after)) =
            (parts.next(), parts.next(), parts.next())
        {
            property::no_form_of_a_secret_survives(secret, before, after);
            // The rest chooses the encodings: per character, then whole.
            let ways: Vec<u8> = parts.next().unwrap_or("").bytes().take(16).collect();
            let ways = if ways.is_empty() { vec![0] } else { ways };
            let whole = ways[0];
            let prefix = &ways[..ways.len().min(4)];
            if !secret.contains('\n') && secret.len() <= 64 {
                property::no_encoding_of_a_secret_survives(
                    secret, before, after, &ways, prefix, whole,
                );
            }
        }
    }
});
