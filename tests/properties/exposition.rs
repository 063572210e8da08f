//! A /metrics page and a selector, whatever they hold: samples or an error
//! naming the line, never a panic; a NaN is picked only from a page that
//! says NaN.

use warroom::health::exposition::{Selector, parse};

pub fn page_is_answered(selector: &str, page: &str) {
    let parsed = parse(page);
    if let Err(e) = &parsed {
        assert!(e.starts_with("line "), "an error without its line: {e}");
    }
    if let (Ok(sel), Ok(samples)) = (Selector::parse(selector), parsed)
        && let Ok(v) = sel.pick(&samples)
    {
        assert!(!v.is_nan() || page.contains("NaN"), "NaN from nowhere");
    }
}
