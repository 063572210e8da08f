//! `check` refuses control characters in a runbook: a title or a step
//! written with `\u001b[2J` (or `\e`, or a raw bidi override) would reach
//! every console, `check`'s own output and the report. Scans the text as
//! TOML, so an escape is judged by what it decodes to, and a literal
//! string's backslashes are left alone.

use super::diag::Diagnostic;
use crate::untrusted::text::visible;

#[derive(Clone, Copy, PartialEq)]
enum In {
    Code,
    Comment,
    Basic { multi: bool },
    Literal { multi: bool },
}

/// Every control character in `text`, raw or escaped, one error each.
pub fn diagnostics(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut state = In::Code;
    let mut i = 0;
    let at = |k: usize| chars.get(k).map(|&(_, c)| c);
    while let Some(&(pos, c)) = chars.get(i) {
        let crlf = c == '\r' && at(i + 1) == Some('\n');
        if hostile(c) && !crlf {
            out.push(error(pos..pos + c.len_utf8(), c));
        }
        let starts = |s: &str| s.chars().enumerate().all(|(k, x)| at(i + k) == Some(x));
        match state {
            In::Code if c == '#' => state = In::Comment,
            In::Code if starts("\"\"\"") => {
                state = In::Basic { multi: true };
                i += 2;
            }
            In::Code if c == '"' => state = In::Basic { multi: false },
            In::Code if starts("'''") => {
                state = In::Literal { multi: true };
                i += 2;
            }
            In::Code if c == '\'' => state = In::Literal { multi: false },
            In::Comment if c == '\n' => state = In::Code,
            In::Basic { .. } if c == '\\' => {
                let (len, decoded) = escape(&chars[i + 1..]);
                if let Some(d) = decoded.filter(|&d| hostile(d) || d == '\r') {
                    let end = chars.get(i + 1 + len).map_or(text.len(), |&(p, _)| p);
                    out.push(error(pos..end, d));
                }
                i += len;
            }
            In::Basic { multi: true } if starts("\"\"\"") => {
                state = In::Code;
                i += 2;
            }
            In::Basic { multi: false } if c == '"' || c == '\n' => state = In::Code,
            In::Literal { multi: true } if starts("'''") => {
                state = In::Code;
                i += 2;
            }
            In::Literal { multi: false } if c == '\'' || c == '\n' => state = In::Code,
            _ => {}
        }
        i += 1;
    }
    out
}

fn hostile(c: char) -> bool {
    crate::untrusted::first_control(c.encode_utf8(&mut [0; 4])).is_some()
}

/// The characters after a backslash: how many belong to the escape and
/// what it decodes to (`None`: harmless or not an escape TOML knows).
fn escape(rest: &[(usize, char)]) -> (usize, Option<char>) {
    let hex = |n: usize| -> (usize, Option<char>) {
        let digits: String = rest.iter().skip(1).take(n).map(|&(_, c)| c).collect();
        let code = u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32);
        (1 + digits.len(), code)
    };
    match rest.first().map(|&(_, c)| c) {
        Some('u') => hex(4),
        Some('U') => hex(8),
        Some('x') => hex(2),
        Some('e') => (1, Some('\u{1b}')),
        Some('b') => (1, Some('\u{8}')),
        Some('f') => (1, Some('\u{c}')),
        Some('r') => (1, Some('\r')),
        Some(_) => (1, None),
        None => (0, None),
    }
}

fn error(span: std::ops::Range<usize>, c: char) -> Diagnostic {
    Diagnostic::error(
        format!(
            "control character {} refused: a runbook string reaches every console, `check` and the report; write plain text",
            visible(c)
        ),
        Some(span),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<std::ops::Range<usize>> {
        diagnostics(text)
            .into_iter()
            .map(|d| d.span.unwrap())
            .collect()
    }

    #[test]
    fn escaped_and_raw_controls_are_found_where_they_are() {
        assert_eq!(spans("title = \"a\\u001b[2J\"\n"), vec![10..16]);
        assert_eq!(spans("title = \"\\e]0;x\\u0007\"\n"), vec![9..11, 15..21]);
        assert_eq!(spans("t = \"\\U0000202E\"\n"), vec![5..15]);
        assert_eq!(spans("t = \"ok \u{202e}\"\n"), vec![8..11]);
        assert_eq!(spans("# note \u{202e}\n"), vec![7..10]);
    }

    #[test]
    fn plain_text_escapes_literals_and_line_endings_pass() {
        assert!(spans("t = \"a\\tb\\nc \\\"q\\\" \\\\u001b\"\r\n").is_empty());
        assert!(spans("t = 'C:\\u001b'\n").is_empty());
        assert!(spans("t = '''\n\\e\n'''\n").is_empty());
        assert!(spans("t = \"\"\"\nline \\\n  next\"\"\"\n").is_empty());
    }
}
