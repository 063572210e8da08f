//! Thresholds as runbooks write them: "<op> <number>", e.g. "> 0.02".

use super::model::{Op, Threshold};

/// Parse a threshold; the error is a sentence for the user.
pub fn parse_threshold(text: &str) -> Result<Threshold, String> {
    let bad = || {
        format!(
            "invalid threshold \"{text}\": expected \"<op> <number>\" such as \"> 0.02\" (op: > >= < <= == !=)"
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
    let value: f64 = rest.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() {
        return Err(bad());
    }
    Ok(Threshold { op, value })
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
                parse_threshold(text).unwrap(),
                Threshold { op, value },
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_words_missing_numbers_and_nan() {
        for text in ["more than 5", "> ", "5", "=> 3", "> NaN", "> inf", "> 1 2"] {
            let err = parse_threshold(text).unwrap_err();
            assert!(
                err.starts_with(&format!("invalid threshold \"{text}\"")),
                "{err}"
            );
        }
    }
}
