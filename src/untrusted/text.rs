//! The one sanitizer for outside text (see `untrusted`).
//!
//! A tab becomes one space (a tab in a screen cell moves the cursor).
//! The visible form: a control byte `0xNN` (C0 but tab, DEL, C1) becomes
//! `\xNN` (ESC is `\x1b`), a bidi control becomes `\u{NNNN}` (RLO is
//! `\u{202e}`). The result holds no character a terminal acts upon, and the
//! operator still sees that something odd was sent.

use std::borrow::Cow;

/// A character a terminal would act on, or that reorders the text around
/// it: C0 controls but tab (and newline, when `keep_newline`), DEL, C1, and
/// the Unicode bidi controls (Trojan Source, CVE-2021-42574).
fn is_hostile(c: char, keep_newline: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_newline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        _ => is_bidi(c),
    }
}

/// The bidi formatting characters: ALM, LRM, RLM, LRE..RLO, LRI..PDI.
pub fn is_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// One line of outside text made safe to draw: every control character,
/// newline included, becomes its visible escape.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Outside text where a line break is meant (a command's output tail):
/// newlines stay, every other control character is escaped.
pub fn sanitize_lines(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// A path or file name as a terminal may print it: a folder named with an
/// escape sequence (`\x1b]0;X\x07` sets the window title) is shown
/// escaped, like any outside text. Every path in a message goes through
/// here.
pub fn show_path(p: impl AsRef<std::path::Path>) -> String {
    sanitize(&p.as_ref().display().to_string()).into_owned()
}

/// The first hostile character in `text` and its byte offset (newlines and
/// tabs allowed): for refusing runbook strings and `--as` names.
pub fn first_control(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| is_hostile(c, true))
}

/// `text` with every hostile character (newlines and tabs kept) replaced
/// by `?`s of the same byte length: for quoting a file's lines under a
/// diagnostic whose byte offsets must still point at the same places.
pub fn mask(text: &str) -> Cow<'_, str> {
    if first_control(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let crlf = c == '\r' && chars.peek() == Some(&'\n');
        if !crlf && is_hostile(c, true) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn clean(text: &str, keep_newline: bool) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c == '\t' || is_hostile(c, keep_newline))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\t' {
            // Harmless, but a tab in a screen cell moves the cursor past
            // the cells after it: one space keeps every pane aligned.
            out.push(' ');
        } else if !is_hostile(c, keep_newline) {
            out.push(c);
        } else {
            out.push_str(&visible(c));
        }
    }
    Cow::Owned(out)
}

/// The visible escape of one hostile character.
pub fn visible(c: char) -> String {
    let n = u32::from(c);
    if n <= 0xff {
        format!("\\x{n:02x}")
    } else {
        format!("\\u{{{n:04x}}}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn escapes_osc_title_clear_screen_clipboard_and_bidi() {
        let attack = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}]52;c;aGVsbG8=\u{7}x\u{202e}y";
        assert_eq!(
            sanitize(attack),
            "\\x1b]0;PWNED\\x07\\x1b[2J\\x1b]52;c;aGVsbG8=\\x07x\\u{202e}y"
        );
    }

    #[test]
    fn table_of_characters() {
        for (input, one_line, lines) in [
            ("plain é ✓", "plain é ✓", "plain é ✓"),
            ("a\tb", "a b", "a b"),
            ("a\nb", "a\\x0ab", "a\nb"),
            ("a\rb", "a\\x0db", "a\\x0db"),
            ("\u{7f}", "\\x7f", "\\x7f"),
            ("\u{9b}2J", "\\x9b2J", "\\x9b2J"),
            ("\u{2067}", "\\u{2067}", "\\u{2067}"),
            ("\u{200f}", "\\u{200f}", "\\u{200f}"),
        ] {
            assert_eq!(sanitize(input), one_line, "{input:?}");
            assert_eq!(sanitize_lines(input), lines, "{input:?}");
        }
    }

    #[test]
    fn clean_text_is_not_copied() {
        assert!(matches!(sanitize("fine"), Cow::Borrowed(_)));
    }

    #[test]
    fn mask_keeps_every_byte_offset() {
        let t = "a\u{202e}b\u{1b}c\r\nd\re";
        let m = mask(t);
        assert_eq!(m, "a???b?c\r\nd?e");
        assert_eq!(m.len(), t.len());
    }

    #[test]
    fn first_control_names_the_offset() {
        assert_eq!(first_control("ok\tno\nyes"), None);
        assert_eq!(first_control("ab\u{1b}c"), Some((2, '\u{1b}')));
        assert_eq!(first_control("é\u{202e}"), Some((2, '\u{202e}')));
    }
}
