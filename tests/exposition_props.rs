//! /metrics pages and selectors, whatever they hold (an exporter behind a
//! proxy that rewrites bodies, a truncated page): samples or an error
//! naming the line, never a panic, never a made-up NaN. The same property
//! is fuzzed in `fuzz/fuzz_targets/exposition_parse.rs` (nightly, local);
//! the parser's own unit tests are in `src/health/exposition_tests.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod properties;

use properties::exposition::page_is_answered;
use proptest::prelude::*;

/// Lines that look like the text format, with the characters that matter
/// (braces, quotes, escapes, signs, exponents) over-represented.
fn near_valid_page() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        "(# (HELP [a-c_]{1,2} [a-z ]{0,8}|TYPE [a-c_]{1,2} (counter|gauge|summary|untyped|[a-z]{1,3}))|[a-c_:]{1,2}(\\{([a-b]{1,2}=\"([a-b0 ]|\\\\[\\\\\"n])*\",?){0,3}\\})? [-+]?([0-9]{1,4}(\\.[0-9]{0,3})?(e[-+]?[0-9]{1,3})?|NaN|Inf|[0-9.]{1,4})( -?[0-9]{1,13})?|# EOF|)",
        0..8,
    )
    .prop_map(|lines| lines.join("\n"))
}

fn selector() -> impl Strategy<Value = String> {
    // Names and labels from the pages' small alphabet, so selectors match.
    "[a-c_:]{1,2}(\\{([a-b]{1,2}=\"[a-b0 ]{0,2}\",?){0,2}\\})?"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn near_valid_pages_are_answered(sel in selector(), page in near_valid_page()) {
        page_is_answered(&sel, &page);
    }

    #[test]
    fn any_text_is_answered(sel in "\\PC{0,20}", page in "\\PC{0,300}") {
        page_is_answered(&sel, &page);
    }
}

/// The generator itself: if it stopped producing pages that parse, the
/// properties above would only ever see the error path.
#[test]
fn near_valid_pages_often_parse() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let parsed = (0..1000)
        .filter(|_| {
            let page = near_valid_page().new_tree(&mut runner).unwrap().current();
            warroom::health::exposition::parse(&page).is_ok()
        })
        .count();
    assert!(parsed >= 250, "only {parsed} of 1000 generated pages parse");
}
