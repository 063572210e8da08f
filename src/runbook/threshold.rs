//! Thresholds as runbooks write them: "<op> <number>[unit]", e.g. "> 0.02",
//! "> 300ms", "> 5%", "< 5/s", "> 2GiB".
//!
//! A bare number is in the panel's raw unit (a ratio stays a ratio, seconds
//! stay seconds). A number with a unit is converted to that raw unit, and
//! refused when the unit does not fit the panel's (`"> 300ms"` on a
//! percent panel): guessing there is how a guard silently never fires.

use super::model::{Op, Threshold, Unit};

/// Parse a threshold for a panel of `unit`; the error is a sentence for the user.
pub fn parse_threshold(text: &str, unit: Unit) -> Result<Threshold, String> {
    let bad = || {
        format!(
            "invalid threshold \"{text}\": expected \"<op> <number>\" such as \"> 0.02\" or with a unit such as \"> 300ms\", \"> 5%\", \"< 5/s\", \"> 2GiB\" (op: > >= < <= == !=)"
        )
    };
    let t = text.trim();
    // Two-character operators first, so ">=" is not read as ">" then "=5".
    let ops = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];
    let (op, rest) = ops
        .iter()
        .find_map(|(s, op)| t.strip_prefix(s).map(|rest| (*op, rest)))
        .ok_or_else(bad)?;
    let rest = rest.trim();
    let split = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(rest.len());
    // "1e3" is a number, "1GiB" is not: an `e` starts a suffix only when
    // what follows it is not a digit or a sign.
    let (number, suffix) = rest.split_at(split);
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() {
        return Err(bad());
    }
    let suffix = suffix.trim();
    if suffix.starts_with(|c: char| !(c.is_ascii_alphabetic() || c == '%' || c == '/')) {
        return Err(bad());
    }
    let value = if suffix.is_empty() {
        value
    } else {
        value * factor(suffix, unit).map_err(|why| format!("threshold \"{text}\": {why}"))?
    };
    if !value.is_finite() {
        return Err(bad());
    }
    Ok(Threshold { op, value })
}

/// What one `suffix` is worth in the raw unit of a panel of `unit`.
fn factor(suffix: &str, unit: Unit) -> Result<f64, String> {
    const BYTES: [(&str, f64); 9] = [
        ("B", 1.0),
        ("KiB", 1024.0),
        ("MiB", 1048576.0),
        ("GiB", 1073741824.0),
        ("TiB", 1099511627776.0),
        ("kB", 1e3),
        ("MB", 1e6),
        ("GB", 1e9),
        ("TB", 1e12),
    ];
    let kind = match suffix {
        "ms" | "s" => "a time",
        "%" => "a percent",
        "/s" => "a rate",
        s if BYTES.iter().any(|(b, _)| *b == s) => "a size",
        other => {
            return Err(format!(
                "unknown unit \"{other}\": use ms or s (time), % (percent), /s (rate), B, KiB, MiB, GiB, TiB, kB, MB, GB, TB (size), or a bare number in the panel's raw unit"
            ));
        }
    };
    let found = match (suffix, unit) {
        ("ms", Unit::Seconds | Unit::Ms) => Some(0.001),
        ("s", Unit::Seconds | Unit::Ms) => Some(1.0),
        ("%", Unit::Percent | Unit::Ratio) => Some(0.01),
        ("/s", Unit::PerSecond) => Some(1.0),
        (s, Unit::Bytes) => BYTES.iter().find(|(b, _)| *b == s).map(|(_, f)| *f),
        _ => None,
    };
    found.ok_or_else(|| {
        format!(
            "{suffix} is {kind}, but the panel's unit is {}: {}",
            unit_name(unit),
            fits(unit)
        )
    })
}

fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Percent => "percent",
        Unit::Ratio => "ratio",
        Unit::Seconds => "seconds",
        Unit::Ms => "ms",
        Unit::Count => "count",
        Unit::PerSecond => "per_second",
        Unit::Bytes => "bytes",
    }
}

/// What a panel of `unit` accepts, for the refusal.
fn fits(unit: Unit) -> &'static str {
    match unit {
        Unit::Percent | Unit::Ratio => {
            "write a percent such as \"> 5%\" or a bare ratio such as \"> 0.05\""
        }
        Unit::Seconds | Unit::Ms => {
            "write a time such as \"> 300ms\" or \"> 1.5s\", or bare seconds such as \"> 0.3\""
        }
        Unit::PerSecond => "write a rate such as \"< 5/s\" or a bare number",
        Unit::Bytes => "write a size such as \"> 2GiB\" or a bare number of bytes",
        Unit::Count => {
            "a count takes a bare number; set `unit` if the value is a time, percent, rate or size"
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator() {
        let cases = [
            ("> 0.02", Op::Gt, 0.02),
            (">= 1", Op::Ge, 1.0),
            ("< 5", Op::Lt, 5.0),
            ("<=0.5", Op::Le, 0.5),
            ("== 0", Op::Eq, 0.0),
            ("!= -1e3", Op::Ne, -1000.0),
        ];
        for (text, op, value) in cases {
            assert_eq!(
                parse_threshold(text, Unit::Count).unwrap(),
                Threshold { op, value },
                "{text}"
            );
        }
    }

    /// Accepted with the value read in the panel's raw unit, or refused
    /// with a message that names what fits.
    #[test]
    fn units_are_read_in_the_panels_raw_unit_or_refused() {
        use Unit::*;
        let accepted = [
            ("> 300ms", Ms, 0.3),
            ("> 300ms", Seconds, 0.3),
            ("> 1.5s", Seconds, 1.5),
            ("> 1.5s", Ms, 1.5),
            ("> 5%", Percent, 0.05),
            ("> 0.5%", Ratio, 0.005),
            ("< 5/s", PerSecond, 5.0),
            ("> 2GiB", Bytes, 2.0 * 1024.0 * 1024.0 * 1024.0),
            ("> 500 MB", Bytes, 5e8),
            ("> 10B", Bytes, 10.0),
            // Bare numbers keep their meaning: the raw unit.
            ("> 0.5", Ms, 0.5),
            ("> 0.02", Percent, 0.02),
            ("> 7", Count, 7.0),
        ];
        for (text, unit, value) in accepted {
            let t = parse_threshold(text, unit).unwrap_or_else(|e| panic!("{text} {unit:?}: {e}"));
            assert!(
                (t.value - value).abs() < 1e-12,
                "{text} {unit:?}: read {}",
                t.value
            );
        }
        let refused = [
            (
                "> 300ms",
                Percent,
                "ms is a time, but the panel's unit is percent",
            ),
            (
                "> 5%",
                Seconds,
                "% is a percent, but the panel's unit is seconds",
            ),
            (
                "< 5/s",
                Count,
                "/s is a rate, but the panel's unit is count",
            ),
            ("> 2GiB", Ms, "GiB is a size, but the panel's unit is ms"),
            ("> 5%", Bytes, "write a size such as"),
            ("> 3parsecs", Seconds, "unknown unit \"parsecs\""),
            ("> 1m", Seconds, "unknown unit \"m\""),
        ];
        for (text, unit, piece) in refused {
            let err = parse_threshold(text, unit).unwrap_err();
            assert!(err.contains(piece), "{text} {unit:?}: {err}");
            assert!(err.contains(text), "{err}");
        }
    }

    #[test]
    fn rejects_words_missing_numbers_and_nan() {
        for text in [
            "more than 5",
            "> ",
            "5",
            "=> 3",
            "> NaN",
            "> inf",
            "> 1 2",
            "> 1e999",
        ] {
            let err = parse_threshold(text, Unit::Count).unwrap_err();
            assert!(
                err.starts_with(&format!("invalid threshold \"{text}\"")),
                "{err}"
            );
        }
    }
}
