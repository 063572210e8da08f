//! Small text formatters the panes share: values, widths, cuts (durations
//! and clocks are `timefmt`'s).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::runbook::model::Unit;

/// A stage's exposure: `0.5%`, `5%`, `100%`.
pub fn exposure(pct: f64) -> String {
    crate::describe::exposure(pct)
}

/// A value in its panel's unit: the health module's formatting, so the
/// console, `check --probe` and the report agree on how a number reads.
pub fn value(v: f64, unit: Unit) -> String {
    crate::health::units::format_value(v, unit)
}

/// A threshold in its panel's unit: `> 2.00%`, `> 800 ms` (the runbook
/// writes raw numbers; the screen shows what the tile shows).
pub fn threshold(t: &crate::runbook::model::Threshold, unit: Unit) -> String {
    crate::health::units::format_threshold(t, unit)
}

/// The change against the value at start, in the panel's unit (percent:
/// percentage points).
pub fn delta(now: f64, start: f64, unit: Unit) -> String {
    if now == start {
        return "Δ0".into();
    }
    format!("Δ{}", crate::health::units::format_delta(now - start, unit))
}

/// Unicode block sparkline of the last `width` values, scaled to their range.
pub fn sparkline(
    history: impl DoubleEndedIterator<Item = f64> + ExactSizeIterator,
    width: usize,
) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let n = history.len();
    let vals: Vec<f64> = history
        .skip(n.saturating_sub(width))
        .filter(|v| v.is_finite())
        .collect();
    if vals.is_empty() {
        return String::new();
    }
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    vals.iter()
        .map(|v| {
            if hi > lo {
                let i = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                BARS[i.min(7)]
            } else {
                BARS[0]
            }
        })
        .collect()
}

/// Terminal cells `s` takes: CJK and most emoji take two, combining marks
/// none. Every fit, pad and cut below counts in cells, never in chars.
pub fn cells(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_cells(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// A readable name for a narrow column: the title when it fits, else the
/// (shorter, command-line) id when that fits, else the title cut.
pub fn label<'a>(title: &'a str, id: &'a str, width: usize) -> &'a str {
    if cells(title) <= width || cells(id) > width {
        title
    } else {
        id
    }
}

/// Cut `s` to `width` cells, marking the cut with `…`.
pub fn fit(s: &str, width: usize) -> String {
    if cells(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_cells(c);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` in `width` cells cut only between words (`…` marks the cut), or
/// None when not even the first word fits.
pub fn fit_words(s: &str, width: usize) -> Option<String> {
    if cells(s) <= width {
        return (!s.is_empty()).then(|| s.to_string());
    }
    let mut out = String::new();
    for word in s.split(' ') {
        let next = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if cells(&next) + 1 > width {
            break;
        }
        out = next;
    }
    // A dangling comma or dash reads as part of the cut.
    let out = out.trim_end_matches([',', ';', ':', '-', '/', ' ']);
    (!out.is_empty()).then(|| format!("{out}…"))
}

/// Hard-wrap `s` into lines of at most `width` cells, breaking after a
/// space when one is near the end of the line.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut rest: Vec<char> = s.chars().collect();
    loop {
        // How many chars fit in `width` cells (at least one, so a char
        // wider than the line still moves on).
        let mut used = 0;
        let mut n = 0;
        while n < rest.len() && used + char_cells(rest[n]) <= width {
            used += char_cells(rest[n]);
            n += 1;
        }
        if n == rest.len() {
            break;
        }
        let n = n.max(1);
        let cut = rest[..n]
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|i| *i > n / 2)
            .map_or(n, |i| i + 1);
        out.push(
            rest[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string(),
        );
        rest = rest[cut..].to_vec();
    }
    out.push(rest.into_iter().collect());
    out
}

/// `fit` then pad to exactly `width` cells.
pub fn pad(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let gap = width.saturating_sub(cells(&f));
    format!("{f}{}", " ".repeat(gap))
}

/// `fit` then right-align in `width` cells.
pub fn rpad(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let gap = width.saturating_sub(cells(&f));
    format!("{}{f}", " ".repeat(gap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn deltas_are_signed_and_zero_reads_plainly() {
        assert_eq!(delta(0.012, 0.012, Unit::Percent), "Δ0");
        assert!(delta(0.012, 0.010, Unit::Percent).starts_with("Δ+0.2"));
        assert!(delta(5.0, 7.0, Unit::Count).starts_with("Δ-2"));
    }

    #[test]
    fn wrap_keeps_every_char_and_prefers_spaces() {
        assert_eq!(wrap("abc", 10), vec!["abc"]);
        assert_eq!(
            wrap("flagctl set billing --percent 5", 18),
            vec!["flagctl set", "billing --percent", "5"]
        );
        let w = wrap("aaaa bbbb cccc dddd", 10);
        assert_eq!(w, vec!["aaaa bbbb", "cccc dddd"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn widths_are_terminal_cells() {
        // Two cells per CJK char: a 10-cell column holds five of them.
        assert_eq!(cells("請求移行"), 8);
        assert_eq!(fit("請求システム移行", 9), "請求シス…");
        assert_eq!(cells(&fit("請求システム移行", 9)), 9);
        assert_eq!(cells(&pad("移行", 6)), 6);
        assert_eq!(cells(&rpad("🚀 go", 8)), 8);
        assert_eq!(fit("abc", 3), "abc");
        for line in wrap("請求 システム 移行 を 開始", 7) {
            assert!(cells(&line) <= 7, "{line}");
        }
        assert_eq!(
            wrap("請求 システム 移行 を 開始", 7)
                .concat()
                .replace(' ', ""),
            "請求システム移行を開始"
        );
    }

    #[test]
    fn titles_are_cut_between_words_or_not_at_all() {
        let t = "Orders database to the new cluster";
        assert_eq!(fit_words(t, 40).as_deref(), Some(t));
        assert_eq!(fit_words(t, 20).as_deref(), Some("Orders database to…"));
        assert_eq!(fit_words(t, 7).as_deref(), Some("Orders…"));
        assert_eq!(fit_words(t, 6), None);
        assert_eq!(
            fit_words("Go / no-go, start", 12).as_deref(),
            Some("Go / no-go…")
        );
        assert_eq!(fit_words("", 10), None);
    }

    #[test]
    fn durations_and_exposure() {
        assert_eq!(crate::timefmt::rounded(Duration::from_secs(45)), "45s");
        assert_eq!(crate::timefmt::rounded(Duration::from_secs(15 * 60)), "15m");
        assert_eq!(
            crate::timefmt::rounded(Duration::from_secs(90 * 60)),
            "1h30m"
        );
        assert_eq!(
            crate::timefmt::countdown(chrono::TimeDelta::seconds(3725)),
            "1:02:05"
        );
        assert_eq!(exposure(0.5), "0.5%");
        assert_eq!(exposure(100.0), "100%");
    }

    #[test]
    fn sparkline_scales_to_range_and_keeps_the_newest() {
        let h = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        assert_eq!(sparkline(h.iter().copied(), 8), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(h.iter().copied(), 2).chars().count(), 2);
        assert_eq!(sparkline([1.0, 1.0].iter().copied(), 4), "▁▁");
    }
}
