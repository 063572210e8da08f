//! The sanitizer and the redactor on any text (shared with
//! `fuzz/fuzz_targets/untrusted_text.rs` through `tests/properties/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod properties;

use properties::untrusted::{
    no_encoding_of_a_secret_survives, no_form_of_a_secret_survives, sanitized_text_is_inert,
};
use proptest::prelude::*;

fn hostile() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "([\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{200e}\\u{200f}]|\\PC|\\n){0,40}",
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sanitized_text_holds_no_control_character(text in hostile()) {
        sanitized_text_is_inert(&text);
    }

    #[test]
    fn redaction_leaves_no_form_of_a_secret(
        secret in "[ -~]{4,24}",
        before in "[ -~]{0,8}",
        after in "[ -~]{0,8}",
    ) {
        no_form_of_a_secret_survives(&secret, &before, &after);
    }

    /// Percent (either case, twice, thrice), `+`, HTML entities (named,
    /// decimal, hex, escaped twice), JSON escapes (`\/`, `\uXXXX`,
    /// surrogate pairs), mixed character by character; base64 (standard
    /// and URL-safe at every offset) and hex (either case) of the whole.
    #[test]
    fn redaction_leaves_no_encoding_of_a_secret(
        secret in "[ -~\u{e9}\u{20ac}\u{1f600}]{4,24}",
        before in "[ -~]{0,8}",
        after in "[ -~]{0,8}",
        ways in proptest::collection::vec(any::<u8>(), 1..8),
        prefix in proptest::collection::vec(any::<u8>(), 0..5),
        whole in any::<u8>(),
    ) {
        no_encoding_of_a_secret_survives(&secret, &before, &after, &ways, &prefix, whole);
    }
}
