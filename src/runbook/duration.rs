//! Durations as runbooks write them: "500ms", "30s", "10m", "4h", "1h30m".

use std::time::Duration;

/// The one duration grammar of a runbook: one or more `<digits><unit>`
/// parts, units `h`, `m`, `s`, `ms`, largest first, each at most once, no
/// spaces, no fractions, no days: `"500ms"`, `"30s"`, `"10m"`, `"4h"`,
/// `"1h30m"`, `"0s"`. Anything else is refused rather than guessed at
/// (`"1 min"`, `"1.5h"`, `"1d"`, `"10"`).
const GRAMMAR: &str = "a whole number and a unit (h, m, s, ms), largest first, no spaces: \"500ms\", \"30s\", \"10m\", \"4h\", \"1h30m\"";
/// The longest duration a runbook may write: a cutover is hours or days,
/// and every time sum made from a runbook value stays far from overflow
/// (`"1000000y"` once panicked the header and every replay).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest timeout (sources, actions, steps).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Parse a runbook duration; the error is a sentence for the user.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration \"{text}\": expected {GRAMMAR}");
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let units: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)];
    let mut rest = t;
    let mut next_unit = 0;
    let mut total_ms: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let letters = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = &rest[..letters];
        rest = &rest[letters..];
        let Some(i) = units.iter().position(|(u, _)| *u == unit) else {
            return Err(bad());
        };
        if i < next_unit {
            return Err(bad());
        }
        next_unit = i + 1;
        total_ms = n
            .checked_mul(units[i].1)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(bad)?;
    }
    let d = Duration::from_millis(total_ms);
    if d > MAX_DURATION {
        return Err(format!(
            "duration \"{text}\" is longer than 30 days (\"720h\"): no cutover step waits that long"
        ));
    }
    Ok(d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn refuses_more_than_thirty_days() {
        assert_eq!(parse_duration("720h"), Ok(MAX_DURATION));
        for t in ["721h", "31d", "1000000y", "2000000000000000000s"] {
            let e = parse_duration(t).unwrap_err();
            assert!(
                e.contains("longer than 30 days") || e.contains("invalid"),
                "{t}: {e}"
            );
        }
        assert!(
            parse_duration("1000000h")
                .unwrap_err()
                .contains("longer than 30 days")
        );
        assert!(parse_duration("1000000y").unwrap_err().contains("invalid"));
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
            assert_eq!(
                crate::timefmt::duration(parse_duration(text).unwrap()),
                text
            );
        }
    }

    #[test]
    fn rejects_missing_units_and_words() {
        for text in [
            "10",
            "",
            "ten minutes",
            "5 parsecs",
            "-3s",
            "1.5.2m",
            "1 min",
            "1.5h",
            "1d",
            "10 m",
            "30m1h",
            "1m1m",
            "5sec",
            "2w",
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains(&format!("\"{text}\"")), "{err}");
        }
    }
}
