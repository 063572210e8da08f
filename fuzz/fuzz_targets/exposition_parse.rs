//! A /metrics page and a selector, whatever they hold: samples or an error
//! naming the line, never a panic, and never a NaN picked as a reading
//! without the page saying NaN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::health::exposition::{Selector, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: a selector; the rest: the page.
    let (sel, page) = text.split_once('\n').unwrap_or(("", text));
    let parsed = parse(page);
    if let Err(e) = &parsed {
        assert!(e.starts_with("line "), "error without a line: {e}");
    }
    if let (Ok(sel), Ok(samples)) = (Selector::parse(sel), parsed) {
        if let Ok(v) = sel.pick(&samples) {
            assert!(!v.is_nan() || page.contains("NaN"), "NaN from nowhere");
        }
    }
});
