//! The last lines of a command's output, in bounded memory, with secrets
//! removed before anything leaves this module.

/// Lines kept for the journal.
pub const TAIL_LINES: usize = 20;
/// Bytes kept for the journal (after redaction).
pub const TAIL_BYTES: usize = 4096;
/// Raw bytes kept while the command runs: enough to redact a secret that
/// straddles the final cut and still fill `TAIL_BYTES`.
const RAW_KEEP: usize = 16 * 1024;

/// Collects output chunks from stdout and stderr as they arrive; memory never
/// exceeds about `2 * RAW_KEEP` however much the command prints.
#[derive(Debug, Default)]
pub struct Tail {
    raw: Vec<u8>,
    /// Bytes were dropped from the front.
    truncated: bool,
}

impl Tail {
    pub fn push(&mut self, chunk: &[u8]) {
        self.raw.extend_from_slice(chunk);
        if self.raw.len() > 2 * RAW_KEEP {
            let cut = self.raw.len() - RAW_KEEP;
            self.raw.drain(..cut);
            self.truncated = true;
        }
    }

    /// The journaled tail: at most `TAIL_LINES` lines and `TAIL_BYTES`
    /// bytes, secrets replaced by `***`, a leading `…` when cut.
    pub fn finish(&self, secrets: &[String]) -> String {
        let mut text = String::from_utf8_lossy(&self.raw).into_owned();
        let mut cut = self.truncated;
        if self.truncated {
            // The buffer may begin in the middle of a secret: drop any prefix
            // that is the end of one, so no fragment of it survives.
            let strip = secrets
                .iter()
                .filter(|s| !s.is_empty())
                .flat_map(|s| crate::untrusted::redact::forms(s))
                .filter_map(|f| {
                    (1..f.len())
                        .filter_map(|i| f.get(i..))
                        .filter(|suffix| text.starts_with(suffix))
                        .map(str::len)
                        .max()
                })
                .max()
                .unwrap_or(0);
            text.drain(..strip);
        }
        // Secrets out, then controls escaped (newlines kept: a tail is
        // lines), then the cut: the journal and every screen get this text.
        let text = crate::runbook::model::redact(&text, secrets);
        let mut text = crate::untrusted::sanitize_lines(&text).into_owned();
        let trimmed_len = text.trim_end_matches(['\n', '\r']).len();
        text.truncate(trimmed_len);

        let mut start = 0;
        let line_starts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        if line_starts.len() >= TAIL_LINES {
            start = line_starts[line_starts.len() - TAIL_LINES];
            cut = true;
        }
        if text.len() - start > TAIL_BYTES {
            start = text.len() - TAIL_BYTES;
            while !text.is_char_boundary(start) {
                start += 1;
            }
            cut = true;
        }
        let body = &text[start..];
        if cut {
            format!("…{body}")
        } else {
            body.to_string()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_in_output_are_escaped_and_lines_kept() {
        let mut t = Tail::default();
        t.push(b"ok\n\x1b]0;PWNED\x07\x1b[2J\rdone\n");
        assert_eq!(t.finish(&[]), "ok\n\\x1b]0;PWNED\\x07\\x1b[2J\\x0ddone");
    }

    #[test]
    fn short_output_is_kept_whole_without_trailing_newline() {
        let mut t = Tail::default();
        t.push(b"one\ntwo\n");
        assert_eq!(t.finish(&[]), "one\ntwo");
    }

    #[test]
    fn only_the_last_lines_are_kept() {
        let mut t = Tail::default();
        for i in 0..100 {
            t.push(format!("line {i}\n").as_bytes());
        }
        let out = t.finish(&[]);
        assert!(out.starts_with("…line 80\n"), "{out}");
        assert!(out.ends_with("line 99"));
        assert_eq!(out.lines().count(), TAIL_LINES);
    }

    #[test]
    fn a_huge_single_line_is_bounded() {
        let mut t = Tail::default();
        for _ in 0..1000 {
            t.push(&[b'x'; 1000]);
        }
        assert!(t.raw.len() <= 2 * RAW_KEEP);
        let out = t.finish(&[]);
        assert!(out.len() <= TAIL_BYTES + '…'.len_utf8());
    }

    #[test]
    fn secrets_are_redacted_even_when_cut_in_half() {
        let secret = "s3cr3t-token-value".to_string();
        let mut t = Tail::default();
        t.push(format!("token={secret}\n").as_bytes());
        assert_eq!(t.finish(std::slice::from_ref(&secret)), "token=***");

        // A long secret printed many times: the raw buffer starts in the
        // middle of one, and redaction shrinks the rest so much that the
        // final tail reaches back to that fragment.
        let long: String = (0..6000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let mut t = Tail::default();
        t.push(format!("{long}\n").repeat(6).as_bytes());
        assert!(t.truncated);
        let out = t.finish(std::slice::from_ref(&long));
        assert!(
            !out.contains("abcdefgh"),
            "a fragment leaked: {}",
            &out[..40]
        );
        assert!(out.ends_with("***"), "{out}");
    }

    #[test]
    fn multibyte_text_is_cut_on_a_char_boundary() {
        let mut t = Tail::default();
        t.push("é".repeat(5000).as_bytes());
        let out = t.finish(&[]);
        assert!(out.chars().skip(1).all(|c| c == 'é'));
    }
}
