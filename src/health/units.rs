//! Showing a raw value in its panel's unit.
//!
//! Values stay in their raw unit everywhere (a ratio stays a ratio, seconds
//! stay seconds, thresholds compare raw values); only these functions decide
//! how a number looks on screen, in `check --probe` and in the report.

use crate::runbook::model::Unit;

/// `v` (raw unit) as shown on a tile: `1.23%`, `0.012`, `312 ms`, `1.20 s`,
/// `1,234`, `12.3/s`, `1.2 MiB`.
pub fn format_value(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return non_finite(v).to_string();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let a = v.abs();
    let body = match unit {
        Unit::Percent => format!("{}%", percent(a * 100.0)),
        Unit::Ratio => sig3(a),
        Unit::Seconds if a < 1.0 => format!("{} ms", millis(a)),
        Unit::Seconds => format!("{} s", sig3(a)),
        Unit::Ms => format!("{} ms", millis(a)),
        Unit::Count => count(a),
        Unit::PerSecond => format!("{}/s", count(a)),
        Unit::Bytes => bytes(a),
    };
    format!("{sign}{body}")
}

/// A threshold in its panel's unit, as the tile, the detail view and
/// `check` show it: `> 2.00%`, `> 800 ms`, `< 5/s`.
pub fn format_threshold(t: &crate::runbook::model::Threshold, unit: Unit) -> String {
    let op = t.to_string();
    let op = op.split_whitespace().next().unwrap_or("");
    format!("{op} {}", format_value(t.value, unit))
}

/// A change against the start value, always signed: `+0.50%`, `-12 ms`.
/// Percent deltas are percentage points, shown with `%` like the value.
pub fn format_delta(delta: f64, unit: Unit) -> String {
    if !delta.is_finite() {
        return non_finite(delta).to_string();
    }
    if delta == 0.0 {
        return format!("±{}", format_value(0.0, unit));
    }
    let sign = if delta < 0.0 { '-' } else { '+' };
    format!("{sign}{}", format_value(delta.abs(), unit))
}

fn non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// About three significant digits without exponent notation; large values
/// get thousands separators.
fn sig3(a: f64) -> String {
    if a == 0.0 {
        "0".to_string()
    } else if a >= 1000.0 {
        group(a.round())
    } else if a >= 100.0 {
        format!("{a:.0}")
    } else if a >= 10.0 {
        format!("{a:.1}")
    } else if a >= 1.0 {
        format!("{a:.2}")
    } else if a >= 0.001 {
        format!("{a:.3}")
    } else {
        // Tiny ratios (1e-5) must not show as "0.000": that reads as "none".
        format!("{a:.1e}")
    }
}

/// Seconds shown as whole milliseconds (one decimal under 10 ms).
fn millis(a: f64) -> String {
    let ms = a * 1000.0;
    if ms == 0.0 {
        "0".to_string()
    } else if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        group(ms.round())
    }
}

/// Percent points: two decimals below 1% ("0.50%"), like `sig3` above.
fn percent(p: f64) -> String {
    if (0.01..1.0).contains(&p) {
        format!("{p:.2}")
    } else {
        sig3(p)
    }
}

fn count(a: f64) -> String {
    if a.fract() == 0.0 || a >= 1000.0 {
        group(a.round())
    } else {
        sig3(a)
    }
}

fn bytes(a: f64) -> String {
    const STEPS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if a < 1024.0 {
        return format!("{a:.0} B");
    }
    let mut v = a / 1024.0;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < STEPS.len() {
        v /= 1024.0;
        i += 1;
    }
    let digits = if v >= 100.0 { 0 } else { 1 };
    format!("{v:.digits$} {}", STEPS[i])
}

/// A non-negative whole number with `,` between thousands.
fn group(a: f64) -> String {
    let digits = format!("{a:.0}");
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn values_by_table() {
        let table: &[(f64, Unit, &str)] = &[
            (0.0123, Unit::Percent, "1.23%"),
            (0.5, Unit::Percent, "50.0%"),
            (1.0, Unit::Percent, "100%"),
            (0.0, Unit::Percent, "0%"),
            (0.000001, Unit::Percent, "1.0e-4%"),
            (0.012, Unit::Ratio, "0.012"),
            (1.5, Unit::Ratio, "1.50"),
            (0.312, Unit::Seconds, "312 ms"),
            (1.2, Unit::Seconds, "1.20 s"),
            (42.0, Unit::Seconds, "42.0 s"),
            (0.0042, Unit::Seconds, "4.2 ms"),
            (0.312, Unit::Ms, "312 ms"),
            (1.2, Unit::Ms, "1,200 ms"),
            (1234.0, Unit::Count, "1,234"),
            (12.5, Unit::Count, "12.5"),
            (1234567.0, Unit::Count, "1,234,567"),
            (0.0, Unit::Count, "0"),
            (12.3, Unit::PerSecond, "12.3/s"),
            (4321.7, Unit::PerSecond, "4,322/s"),
            (512.0, Unit::Bytes, "512 B"),
            (1.2 * 1024.0 * 1024.0, Unit::Bytes, "1.2 MiB"),
            (3.0 * 1024.0 * 1024.0 * 1024.0, Unit::Bytes, "3.0 GiB"),
            (-0.25, Unit::Seconds, "-250 ms"),
            (-1500.0, Unit::Count, "-1,500"),
            (f64::NAN, Unit::Count, "NaN"),
            (f64::INFINITY, Unit::Ratio, "+Inf"),
        ];
        for (v, unit, want) in table {
            assert_eq!(format_value(*v, *unit), *want, "{v} as {unit:?}");
        }
    }

    #[test]
    fn deltas_are_signed() {
        let table: &[(f64, Unit, &str)] = &[
            (0.005, Unit::Percent, "+0.50%"),
            (-0.012, Unit::Seconds, "-12 ms"),
            (0.0, Unit::Ms, "±0 ms"),
            (3.0, Unit::Count, "+3"),
            (-2048.0, Unit::Bytes, "-2.0 KiB"),
        ];
        for (v, unit, want) in table {
            assert_eq!(format_delta(*v, *unit), *want, "{v} as {unit:?}");
        }
    }
}
