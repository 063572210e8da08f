//! Outside text through the sanitizer and the redactor: nothing a terminal
//! acts on survives, clean text is unchanged, and no encoding of a secret
//! survives redaction. The encoders here are written independently of
//! `untrusted::redact` (a property that asked the redactor for its forms
//! would only check the redactor against itself).

use warroom::untrusted::{redact, sanitize, sanitize_lines};

pub fn sanitized_text_is_inert(text: &str) {
    for (out, newlines) in [(sanitize(text), false), (sanitize_lines(text), true)] {
        let bad = out.chars().find(|&c| {
            (c.is_control() && !(newlines && c == '\n')) || warroom::untrusted::text::is_bidi(c)
        });
        assert!(bad.is_none(), "{bad:?} survives in {out:?}");
    }
    if warroom::untrusted::first_control(text).is_none() && !text.contains(['\n', '\t']) {
        assert_eq!(sanitize(text), text, "clean text changed");
    }
}

/// How one character of a secret is written; chosen per character, so the
/// encodings mix as they do when layers of software escape a text in turn.
pub const CHAR_WAYS: u8 = 12;

/// `c` written the `way`-th way (modulo `CHAR_WAYS`).
pub fn encode_char(c: char, way: u8) -> String {
    let mut utf8 = [0u8; 4];
    let bytes = c.encode_utf8(&mut utf8).as_bytes();
    let each = |f: &dyn Fn(u8) -> String| bytes.iter().map(|&b| f(b)).collect::<String>();
    match way % CHAR_WAYS {
        0 => c.to_string(),
        1 => each(&|b| format!("%{b:02X}")),
        2 => each(&|b| format!("%{b:02x}")),
        3 => each(&|b| format!("%25{b:02X}")),
        4 => each(&|b| format!("%2525{b:02x}")),
        5 if c == ' ' => "+".into(),
        6 => match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&apos;".into(),
            '/' => "&sol;".into(),
            _ => format!("&#{};", u32::from(c)),
        },
        7 => format!("&#x{:X};", u32::from(c)),
        8 => format!("&#{};", u32::from(c)),
        9 => match c {
            '/' => "\\/".into(),
            '"' => "\\\"".into(),
            '\\' => "\\\\".into(),
            _ => json_u(c),
        },
        10 => json_u(c),
        11 => format!("&amp;#{};", u32::from(c)),
        _ => c.to_string(),
    }
}

/// `\uXXXX`, a surrogate pair past the BMP.
fn json_u(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04x}"))
        .collect()
}

/// The secret with each character written its own way.
pub fn encode_mixed(secret: &str, ways: &[u8]) -> String {
    secret
        .chars()
        .enumerate()
        .map(|(i, c)| encode_char(c, ways.get(i % ways.len().max(1)).copied().unwrap_or(0)))
        .collect()
}

fn base64(bytes: &[u8], url_safe: bool) -> String {
    let table: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(table[((n >> (18 - 6 * i)) & 63) as usize]));
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
    out
}

/// The secret inside a longer byte string (`user:` before it, as Basic
/// auth does), written whole as base64 or hex.
pub fn encode_whole(secret: &str, prefix: &[u8], way: u8) -> String {
    let mut bytes = prefix.to_vec();
    bytes.extend_from_slice(secret.as_bytes());
    bytes.extend_from_slice(b"@tail");
    match way % 4 {
        0 => base64(&bytes, false),
        1 => base64(&bytes, true),
        2 => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        _ => bytes.iter().map(|b| format!("{b:02X}")).collect(),
    }
}

/// Written any of those ways between any text, the secret is starred and
/// no readable run of it is left.
pub fn no_encoding_of_a_secret_survives(
    secret: &str,
    before: &str,
    after: &str,
    ways: &[u8],
    prefix: &[u8],
    whole: u8,
) {
    if secret.len() < 4 {
        return;
    }
    let secrets = vec![secret.to_string()];
    let mixed = encode_mixed(secret, ways);
    let text = format!("{before}{mixed}{after}");
    let out = redact(&text, &secrets);
    assert!(out.contains("***"), "{mixed:?} not starred in {out:?}");
    assert!(!out.contains(&mixed), "{mixed:?} survives in {out:?}");
    assert!(!out.contains(secret), "{secret:?} survives in {out:?}");

    let enc = encode_whole(secret, &prefix[..prefix.len().min(5)], whole);
    let text = format!("{before}{enc}{after}");
    let out = redact(&text, &secrets);
    assert!(out.contains("***"), "{enc:?} not starred in {out:?}");
    assert!(!out.contains(&enc), "{enc:?} survives in {out:?}");
}

/// The older property, kept for the fuzz corpus: every listed form.
pub fn no_form_of_a_secret_survives(secret: &str, before: &str, after: &str) {
    if secret.len() < 4 {
        return;
    }
    let secrets = vec![secret.to_string()];
    for form in warroom::untrusted::redact::forms(secret) {
        let text = format!("{before}{form}{after}");
        let out = redact(&text, &secrets);
        assert!(!out.contains(secret), "{secret:?} survives in {out:?}");
        assert!(out.contains("***"), "{form:?} not starred in {out:?}");
    }
}
