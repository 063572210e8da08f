//! Durations as runbooks write them: "500ms", "30s", "10m", "4h", "1h30m".

use std::time::Duration;

/// The longest duration a runbook may write: a cutover is hours or days,
/// and every time sum made from a runbook value stays far from overflow
/// (`"1000000y"` once panicked the header and every replay).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest timeout (sources, actions, steps).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Parse a runbook duration; the error is a sentence for the user.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    // humantime accepts a bare "0" and odd spellings; a runbook value needs
    // a unit so "10" is never read as ten seconds when minutes were meant.
    let has_unit = t.chars().last().is_some_and(|c| c.is_ascii_alphabetic());
    match humantime::parse_duration(t) {
        Ok(d) if has_unit && d > MAX_DURATION => Err(format!(
            "duration \"{text}\" is longer than 30 days (\"720h\"): no cutover step waits that long"
        )),
        Ok(d) if has_unit => Ok(d),
        _ => Err(format!(
            "invalid duration \"{text}\": expected a number and a unit such as \"500ms\", \"30s\", \"10m\" or \"1h30m\""
        )),
    }
}

/// The inverse, in the runbook's own units: "36h", "1h30m", "500ms", "0s".
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (ms, "ms")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn refuses_more_than_thirty_days() {
        assert_eq!(parse_duration("720h"), Ok(MAX_DURATION));
        assert_eq!(parse_duration("30d"), Ok(MAX_DURATION));
        for t in ["721h", "31d", "1000000y", "2000000000000000000s"] {
            let e = parse_duration(t).unwrap_err();
            assert!(
                e.contains("longer than 30 days") || e.contains("invalid"),
                "{t}: {e}"
            );
        }
        assert!(
            parse_duration("1000000y")
                .unwrap_err()
                .contains("longer than 30 days")
        );
    }

    #[test]
    fn accepts_the_documented_forms() {
        let cases = [
            ("500ms", 500),
            ("30s", 30_000),
            ("10m", 600_000),
            ("4h", 14_400_000),
            ("1h30m", 5_400_000),
            ("0s", 0),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_duration(text).unwrap().as_millis(), ms, "{text}");
        }
    }

    #[test]
    fn formats_back_to_runbook_units() {
        for text in [
            "500ms",
            "30s",
            "10m",
            "4h",
            "1h30m",
            "36h",
            "0s",
            "1m30s500ms",
        ] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn rejects_missing_units_and_words() {
        for text in ["10", "", "ten minutes", "5 parsecs", "-3s", "1.5.2m"] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains(&format!("\"{text}\"")), "{err}");
        }
    }
}
