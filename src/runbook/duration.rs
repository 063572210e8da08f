//! Durations as runbooks write them: "500ms", "30s", "10m", "4h", "1h30m".

use std::time::Duration;

/// Parse a runbook duration; the error is a sentence for the user.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    // humantime accepts a bare "0" and odd spellings; a runbook value needs
    // a unit so "10" is never read as ten seconds when minutes were meant.
    let has_unit = t.chars().last().is_some_and(|c| c.is_ascii_alphabetic());
    match humantime::parse_duration(t) {
        Ok(d) if has_unit => Ok(d),
        _ => Err(format!(
            "invalid duration \"{text}\": expected a number and a unit such as \"500ms\", \"30s\", \"10m\" or \"1h30m\""
        )),
    }
}

/// The inverse, in the runbook's own units: the crate's one duration
/// formatter lives in `timefmt`.
pub use crate::timefmt::duration as format_duration;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

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
