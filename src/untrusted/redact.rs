//! Secrets out of text, in every encoding a secret travels in.
//!
//! A value from `${NAME}` can reach an error text as typed, percent-encoded
//! by a URL parser (`%20` or `+` for a space, either case, encoded again
//! as `%253C`), as HTML entities (`&lt;`, `&#60;`, `&#x3c;`, even
//! `&amp;lt;`), JSON-escaped (`\/`, `\u003c`, surrogate pairs, escaped
//! twice), as hex (either case) or base64 (standard or URL-safe, at any
//! offset of a longer encoded text, as HTTP Basic auth does) — and any mix
//! of those, one character at a time.
//!
//! So `redact` does not list the encoded forms: it reads the text as
//! encoded units (a raw byte, `%XX`, an entity, a JSON escape, ...) and
//! looks for a sequence of units that decodes to a *target*: the secret
//! itself, its hex, or the base64 characters that depend only on it. Each
//! such span becomes `***`. Callers redact before they cut a text short,
//! so a secret is never split by the cut; a text that was already cut by
//! a read bound goes through `redact_cut`, which also stars a trailing
//! start of a secret.

use std::collections::HashSet;

/// Shorter derived targets (hex, base64) match too much ordinary text to
/// be worth starring.
const MIN_FORM: usize = 4;

/// What to look for: the bytes a span must decode to.
struct Target {
    bytes: Vec<u8>,
    /// Hex is matched in either case (and mixed).
    fold_case: bool,
}

/// Replace every encoding of every non-empty secret in `text` with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    redact_spans(text, secrets, false)
}

/// `redact` for a text whose end was cut by a read bound: a trailing part
/// that could be the start of a secret (at least `MIN_FORM` bytes of it)
/// is starred too, so the cut cannot leave half a secret readable.
pub fn redact_cut(text: &str, secrets: &[String]) -> String {
    redact_spans(text, secrets, true)
}

fn redact_spans(text: &str, secrets: &[String], cut: bool) -> String {
    let targets = targets(secrets);
    if targets.is_empty() {
        return text.to_string();
    }
    let mut out = one_pass(text, &targets, cut);
    // A secret holding `***` can be completed again by the stars that
    // replaced it (`h/x/***` after `…h/x/`): redact again until nothing
    // changes. Only such a secret takes more than one more pass; every
    // pass that changes the text removes a secret's character other than
    // `*`, so the text's length bounds the passes.
    if out != text {
        for _ in 0..=text.len() {
            let again = one_pass(&out, &targets, false);
            if again == out {
                break;
            }
            out = again;
        }
    }
    out
}

fn one_pass(text: &str, targets: &[Target], cut: bool) -> String {
    let t = text.as_bytes();
    // Where a match can start: a target's first byte, or a byte that opens
    // an encoded unit. Every other position is passed over at once.
    let mut may_start = [false; 256];
    for b in [b'+', b'%', b'&', b'\\'] {
        may_start[usize::from(b)] = true;
    }
    for g in targets {
        if let Some(&b) = g.bytes.first() {
            may_start[usize::from(b)] = true;
            if g.fold_case {
                may_start[usize::from(b.to_ascii_uppercase())] = true;
                may_start[usize::from(b.to_ascii_lowercase())] = true;
            }
        }
    }
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for start in 0..t.len() {
        if !may_start[usize::from(t[start])] {
            continue;
        }
        let first = units(t, start);
        let end = targets
            .iter()
            .filter_map(|g| longest_match(t, &first, g, cut))
            .max();
        if let Some(end) = end {
            spans.push((start, end));
        }
    }
    if spans.is_empty() {
        return text.to_string();
    }
    // Spans come in start order; merge the overlapping ones.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (mut s, mut e) in merged {
        while !text.is_char_boundary(s) {
            s -= 1;
        }
        while !text.is_char_boundary(e) {
            e += 1;
        }
        if s < at {
            s = at;
        }
        if e <= s {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str("***");
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// The targets of every non-empty secret: raw, hex, base64 cores.
fn targets(secrets: &[String]) -> Vec<Target> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        let mut push = |bytes: Vec<u8>, fold_case: bool| {
            if seen.insert((bytes.clone(), fold_case)) {
                out.push(Target { bytes, fold_case });
            }
        };
        push(s.as_bytes().to_vec(), false);
        if s.len() * 2 >= MIN_FORM {
            push(hex(s.as_bytes()).into_bytes(), true);
        }
        for core in base64_cores(s.as_bytes()) {
            if core.len() >= MIN_FORM {
                push(core.into_bytes(), false);
            }
        }
    }
    out
}

/// The end of the longest span that decodes to the target, starting at
/// the position whose units are `first`; with `cut`, also a span reaching
/// the end of the text that decodes to at least `MIN_FORM` bytes of the
/// target's start.
fn longest_match(t: &[u8], first: &[Unit], g: &Target, cut: bool) -> Option<usize> {
    // Most positions fail on their first unit: decide that before
    // allocating anything.
    let mut stack: Vec<(usize, usize)> = first
        .iter()
        .filter_map(|u| step(g, 0, u).map(|k| (u.end, k)))
        .collect();
    if stack.is_empty() {
        return None;
    }
    let want = &g.bytes;
    let mut best = None;
    let mut seen: HashSet<(usize, usize)> = stack.iter().copied().collect();
    while let Some((pos, k)) = stack.pop() {
        if k == want.len() {
            best = best.max(Some(pos));
            continue;
        }
        if pos == t.len() {
            if cut && k >= MIN_FORM.min(want.len()) {
                best = best.max(Some(pos));
            }
            continue;
        }
        for u in units(t, pos) {
            if let Some(next) = step(g, k, &u)
                && seen.insert((u.end, next))
            {
                stack.push((u.end, next));
            }
        }
    }
    best
}

/// How far into the target `u` takes a match that has `k` bytes of it.
fn step(g: &Target, k: usize, u: &Unit) -> Option<usize> {
    let got = &u.bytes[..usize::from(u.len)];
    // A unit decoding past the target's end cannot be part of it.
    let rest = g.bytes.get(k..k + got.len())?;
    let same = if g.fold_case {
        got.eq_ignore_ascii_case(rest)
    } else {
        got == rest
    };
    same.then_some(k + got.len())
}

/// One encoded unit of text: what it decodes to, and where it ends.
#[derive(Clone, Copy)]
struct Unit {
    bytes: [u8; 4],
    len: u8,
    end: usize,
}

impl Unit {
    fn byte(b: u8, end: usize) -> Unit {
        Unit {
            bytes: [b, 0, 0, 0],
            len: 1,
            end,
        }
    }

    fn char(c: char, end: usize) -> Unit {
        let mut bytes = [0u8; 4];
        let len = c.encode_utf8(&mut bytes).len() as u8;
        Unit { bytes, len, end }
    }
}

/// Every way to read one unit at `pos`: the byte itself, `+` as a space,
/// `%XX` (with `%` itself encoded as `%25` any number of times), an HTML
/// entity (its `&` possibly `&amp;`), a JSON or C escape (its `\` possibly
/// doubled).
fn units(t: &[u8], pos: usize) -> Vec<Unit> {
    let mut out = vec![Unit::byte(t[pos], pos + 1)];
    match t[pos] {
        b'+' => out.push(Unit::byte(b' ', pos + 1)),
        b'%' => percent_units(t, pos + 1, &mut out),
        b'&' => {
            entity(t, pos + 1, &mut out);
            if t[pos + 1..].starts_with(b"amp;") {
                entity(t, pos + 5, &mut out);
            }
        }
        b'\\' => {
            escape(t, pos + 1, false, &mut out);
            if t.get(pos + 1) == Some(&b'\\') {
                escape(t, pos + 2, true, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn hex_at(t: &[u8], at: usize, digits: usize) -> Option<u32> {
    let s = t.get(at..at + digits)?;
    s.iter()
        .try_fold(0u32, |acc, &b| Some(acc * 16 + u32::from(hex_val(b)?)))
}

/// After a `%`: `XX`, `25XX`, `2525XX`, ...
fn percent_units(t: &[u8], mut at: usize, out: &mut Vec<Unit>) {
    loop {
        if let Some(v) = hex_at(t, at, 2).and_then(|v| u8::try_from(v).ok()) {
            out.push(Unit::byte(v, at + 2));
        }
        if t.get(at..at + 2) == Some(b"25") {
            at += 2;
        } else {
            return;
        }
    }
}

/// After a `&`: `#DDD;`, `#xHH;` (the `;` may be missing) or a name.
fn entity(t: &[u8], at: usize, out: &mut Vec<Unit>) {
    if t.get(at) == Some(&b'#') {
        let (hexa, from) = match t.get(at + 1) {
            Some(b'x' | b'X') => (true, at + 2),
            _ => (false, at + 1),
        };
        let mut end = from;
        let mut v: u32 = 0;
        while let Some(&b) = t.get(end) {
            let d = if hexa {
                hex_val(b).map(u32::from)
            } else {
                b.is_ascii_digit().then(|| u32::from(b - b'0'))
            };
            let Some(d) = d else { break };
            v = v
                .saturating_mul(if hexa { 16 } else { 10 })
                .saturating_add(d);
            end += 1;
            if end - from > 8 {
                return;
            }
        }
        if end == from {
            return;
        }
        let Some(c) = char::from_u32(v) else { return };
        let end = if t.get(end) == Some(&b';') {
            end + 1
        } else {
            end
        };
        out.push(Unit::char(c, end));
        return;
    }
    let name_end = (at..t.len().min(at + 12)).find(|&i| t[i] == b';');
    let Some(name_end) = name_end else { return };
    let Some(c) = NAMED
        .iter()
        .find(|(n, _)| n.as_bytes() == &t[at..name_end])
        .map(|(_, c)| *c)
    else {
        return;
    };
    out.push(Unit::char(c, name_end + 1));
}

/// HTML's named references for the ASCII punctuation a secret may hold.
const NAMED: &[(&str, char)] = &[
    ("lt", '<'),
    ("LT", '<'),
    ("gt", '>'),
    ("GT", '>'),
    ("amp", '&'),
    ("AMP", '&'),
    ("quot", '"'),
    ("QUOT", '"'),
    ("apos", '\''),
    ("sol", '/'),
    ("bsol", '\\'),
    ("colon", ':'),
    ("semi", ';'),
    ("comma", ','),
    ("period", '.'),
    ("excl", '!'),
    ("quest", '?'),
    ("num", '#'),
    ("dollar", '$'),
    ("percnt", '%'),
    ("ast", '*'),
    ("midast", '*'),
    ("plus", '+'),
    ("equals", '='),
    ("commat", '@'),
    ("lowbar", '_'),
    ("UnderBar", '_'),
    ("lpar", '('),
    ("rpar", ')'),
    ("lsqb", '['),
    ("lbrack", '['),
    ("rsqb", ']'),
    ("rbrack", ']'),
    ("lcub", '{'),
    ("lbrace", '{'),
    ("rcub", '}'),
    ("rbrace", '}'),
    ("verbar", '|'),
    ("vert", '|'),
    ("VerticalLine", '|'),
    ("Hat", '^'),
    ("grave", '`'),
    ("DiacriticalGrave", '`'),
    ("Tab", '\t'),
    ("NewLine", '\n'),
];

/// After a `\`: JSON's `\/ \\ \" \n \t \r \b \f \uXXXX` (a surrogate pair
/// as two), and C's `\xHH`.
fn escape(t: &[u8], at: usize, doubled: bool, out: &mut Vec<Unit>) {
    let Some(&b) = t.get(at) else { return };
    let simple = match b {
        b'/' => Some(b'/'),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        b'\'' => Some(b'\''),
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'b' => Some(8),
        b'f' => Some(12),
        _ => None,
    };
    if let Some(v) = simple {
        out.push(Unit::byte(v, at + 1));
        return;
    }
    if matches!(b, b'x' | b'X') {
        if let Some(v) = hex_at(t, at + 1, 2).and_then(|v| u8::try_from(v).ok()) {
            out.push(Unit::byte(v, at + 3));
        }
        return;
    }
    if !matches!(b, b'u' | b'U') {
        return;
    }
    let Some(hi) = hex_at(t, at + 1, 4) else {
        return;
    };
    let end = at + 5;
    if let Some(c) = char::from_u32(hi) {
        out.push(Unit::char(c, end));
        return;
    }
    // A high surrogate: the low one follows as `\uDCXX` (its `\` doubled
    // when the high one's was).
    if (0xD800..0xDC00).contains(&hi) {
        let intro: &[u8] = if doubled { b"\\\\u" } else { b"\\u" };
        if t[end..].starts_with(intro) {
            let lo_at = end + intro.len();
            if let Some(lo) = hex_at(t, lo_at, 4).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                let v = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                if let Some(c) = char::from_u32(v) {
                    out.push(Unit::char(c, lo_at + 4));
                }
            }
        }
    }
}

/// Lower-case hex of the bytes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Some of the encoded forms `redact` finds, the raw value first: for a
/// reader that must recognise the end of a secret at the start of a text
/// cut from the front (`actions::tail`), and for tests.
pub fn forms(secret: &str) -> Vec<String> {
    let mut v = vec![secret.to_string()];
    let strict = |b: u8| !b.is_ascii_alphanumeric() && !b"-._~".contains(&b);
    let form = |b: u8| !b.is_ascii_alphanumeric() && !b"-._~ *".contains(&b);
    let encoded = [
        percent(secret, strict, false),
        percent(secret, strict, true),
        percent(
            secret,
            |b| b" \"#<>`?{}%".contains(&b) || !b.is_ascii(),
            false,
        ),
        percent(secret, |b| b" \"#<>'%".contains(&b) || !b.is_ascii(), false),
        percent(secret, form, false).replace(' ', "+"),
        percent(secret, form, true).replace(' ', "+"),
        percent(&percent(secret, strict, false), |b| b == b'%', false),
        json(secret, false),
        json(secret, true),
        html(secret),
        hex(secret.as_bytes()),
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

/// HTML escaping of `<>&"'`.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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

    /// The forms issue 27 found in the journal, each its own line.
    #[test]
    fn the_encodings_that_once_slipped_through_are_starred() {
        gone("lower-case percent ab%20cd%3cef%3eSECRET42");
        gone("html named ab cd&lt;ef&gt;SECRET42");
        gone("html decimal ab cd&#60;ef&#62;SECRET42");
        gone("html hex ab cd&#x3C;ef&#x3e;SECRET42");
        gone("html twice ab cd&amp;lt;ef&amp;gt;SECRET42");
        gone(r#"json {"t":"ab cd\u003cef\u003eSECRET42"}"#);
        gone(r#"json escaped twice {"t":"ab cd\\u003cef\\u003eSECRET42"}"#);
        gone("double percent ab%2520cd%253Cef%253ESECRET42");
        gone("triple percent ab%252520cd%25253cef%25253ESECRET42");
        gone(&format!("hex {}", hex(SECRET.as_bytes())));
        gone(&format!("HEX {}", hex(SECRET.as_bytes()).to_uppercase()));
        gone("mixed ab+cd&#60;ef%3eSECRET42");
        let slash = "p/q:r";
        let out = redact(r#"{"u":"http:\/\/h\/p\/q:r"}"#, &[slash.to_string()]);
        assert!(out.contains("***") && !out.contains(r"p\/q"), "{out}");
    }

    #[test]
    fn a_text_cut_in_the_middle_of_a_secret_loses_the_start_of_it() {
        let secrets = [SECRET.to_string()];
        let out = redact_cut("answer: ab%20cd%3Cef%3ESEC", &secrets);
        assert_eq!(out, "answer: ***");
        // Without the cut, a mere start is ordinary text.
        assert_eq!(redact("answer: ab cd", &secrets), "answer: ab cd");
    }

    /// Found by fuzzing: the stars themselves completed a secret ending
    /// in `***` with the text before it.
    #[test]
    fn stars_never_complete_a_secret_again() {
        let secrets = ["h/ah/hhks/***".to_string()];
        let out = redact("htt/h/ah/hhks/h/ah/hhks/***?", &secrets);
        assert!(!out.contains(&secrets[0]), "{out}");
        let out = redact("aaaaaaaaa***", &["a***".to_string()]);
        assert_eq!(out, "***");
    }

    #[test]
    fn a_surrogate_pair_and_multibyte_characters_are_matched() {
        let secret = "k\u{1F600}é-42";
        let out = redact(r"x k\ud83d\ude00\u00e9-42 y", &[secret.to_string()]);
        assert_eq!(out, "x *** y");
        let out = redact("x k%F0%9F%98%80%c3%a9-42 y", &[secret.to_string()]);
        assert_eq!(out, "x *** y");
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
