//! Secrets out of text, in every encoding a secret travels in.
//!
//! A value from `${NAME}` can reach an error text as typed, percent-encoded
//! by a URL parser (`%20` or `+` for a space, upper or lower hex, with the
//! path's, the query's or the strictest set), JSON-escaped by a server that
//! echoes the request, or base64-encoded (HTTP Basic auth). `redact`
//! replaces each of those forms with `***`. Callers redact before they cut
//! a text short, so a secret is never split by the cut.

/// Shorter forms match too much ordinary text to be worth starring.
const MIN_FORM: usize = 4;

/// Replace every form of every non-empty secret in `text` with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut forms: Vec<String> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .flat_map(|s| forms(s))
        .collect();
    // Longest first: a form that contains another is replaced whole.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    let mut out = text.to_string();
    for f in &forms {
        if out.contains(f.as_str()) {
            out = out.replace(f.as_str(), "***");
        }
    }
    out
}

/// Every form of `secret` that `redact` looks for, the raw value first.
pub fn forms(secret: &str) -> Vec<String> {
    let mut v = vec![secret.to_string()];
    let encoded = [
        percent(
            secret,
            |b| !b.is_ascii_alphanumeric() && !b"-._~".contains(&b),
            false,
        ),
        percent(
            secret,
            |b| !b.is_ascii_alphanumeric() && !b"-._~".contains(&b),
            true,
        ),
        // What the `url` crate does to a path and a query.
        percent(
            secret,
            |b| b" \"#<>`?{}%".contains(&b) || !b.is_ascii(),
            false,
        ),
        percent(secret, |b| b" \"#<>'%".contains(&b) || !b.is_ascii(), false),
        // application/x-www-form-urlencoded: a space is `+`.
        percent(
            secret,
            |b| !b.is_ascii_alphanumeric() && !b"-._~ *".contains(&b),
            false,
        )
        .replace(' ', "+"),
        percent(
            secret,
            |b| !b.is_ascii_alphanumeric() && !b"-._~ *".contains(&b),
            true,
        )
        .replace(' ', "+"),
        json(secret, false),
        json(secret, true),
    ];
    v.extend(encoded.into_iter().filter(|f| f.len() >= MIN_FORM));
    v.extend(
        base64_cores(secret.as_bytes())
            .into_iter()
            .filter(|f| f.len() >= MIN_FORM),
    );
    v.dedup();
    v
}

fn percent(s: &str, encode: impl Fn(u8) -> bool, lower: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if encode(b) {
            if lower {
                out.push_str(&format!("%{b:02x}"));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// JSON string contents: serde's escaping, or every non-alphanumeric ASCII
/// and `<>&` as `\u00XX` (as some servers write them).
fn json(s: &str, strict: bool) -> String {
    if !strict {
        let quoted = serde_json::Value::from(s).to_string();
        return quoted[1..quoted.len() - 1].to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_control() || "<>&'\"\\/".contains(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The base64 characters that depend only on the secret's bytes, for each
/// of the three alignments it can have inside a longer encoded text, in
/// the standard and the URL-safe alphabet.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..3usize {
        let mut bytes = vec![0u8; k];
        bytes.extend_from_slice(secret);
        let chars = base64(&bytes);
        let (lo, hi) = (8 * k, 8 * (k + secret.len()));
        let core: String = chars
            .chars()
            .enumerate()
            .filter(|(i, _)| 6 * i >= lo && 6 * i + 6 <= hi)
            .map(|(_, c)| c)
            .collect();
        out.push(core.replace('+', "-").replace('/', "_"));
        out.push(core);
    }
    out
}

/// Standard base64 without padding.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(B64[((acc >> bits) & 63) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B64[((acc << (6 - bits)) & 63) as usize]));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const SECRET: &str = "ab cd<ef>SECRET42";

    fn gone(text: &str) {
        let out = redact(text, &[SECRET.to_string()]);
        for frag in ["SECRET42", "ab cd", "ab%20cd", "ab+cd", "YWIgY2Q8"] {
            assert!(
                !out.contains(frag),
                "{frag} left in {out:?} (from {text:?})"
            );
        }
        assert!(out.contains("***"), "{out:?}");
    }

    #[test]
    fn every_encoding_of_a_secret_is_starred() {
        gone("raw ab cd<ef>SECRET42 end");
        gone("path /hooks/ab%20cd%3Cef%3ESECRET42");
        gone("lower /hooks/ab%20cd%3cef%3eSECRET42");
        gone("form token=ab+cd%3Cef%3ESECRET42&x=1");
        gone(r#"json {"token":"ab cd\u003cef\u003eSECRET42"}"#);
        gone("basic Authorization: Basic YWIgY2Q8ZWY+U0VDUkVUNDI=");
    }

    #[test]
    fn base64_finds_the_secret_at_any_alignment() {
        let enc = |s: &str| base64(s.as_bytes());
        for prefix in ["", "u", "us", "user:"] {
            let text = enc(&format!("{prefix}{SECRET}tail"));
            let out = redact(&text, &[SECRET.to_string()]);
            assert!(out.contains("***"), "{prefix:?}: {text} -> {out}");
        }
    }

    #[test]
    fn base64_matches_a_known_encoder() {
        assert_eq!(base64(b"hello"), "aGVsbG8");
        assert_eq!(base64(b"ab"), "YWI");
    }

    #[test]
    fn ordinary_text_and_empty_secrets_are_left_alone() {
        assert_eq!(redact("nothing here", &[String::new()]), "nothing here");
        assert_eq!(redact("a b", &["zz".to_string()]), "a b");
    }
}
