//! The runbook as the journal keeps it: the text as written in
//! `session_opened` (and each `runbook_change_accepted`), so the report,
//! the status page and a joining console read the plan from the journal
//! alone, on any host, from any folder.
//!
//! The text is outside text when read back (anyone in the operators' group
//! can write a row): it is used only when it is at most
//! `MAX_RUNBOOK_BYTES` and its sha256 is the one journaled beside it, and
//! every line drawn from it (a diff) goes through the sanitizer.

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::load::{MAX_RUNBOOK_BYTES, load_str};
use super::model::Runbook;
use crate::session::event::{Event, EventBody};

/// The text to journal for `rb`: `None` for a runbook built in code (no
/// text) or one past the loader's limit (never the case for a loaded one).
pub fn journaled_text(rb: &Runbook) -> Option<String> {
    (!rb.text.is_empty() && rb.text.len() as u64 <= MAX_RUNBOOK_BYTES).then(|| rb.text.clone())
}

/// `text` when it can be trusted to be the runbook `sha256` names: within
/// the size limit and with that digest.
pub fn verified<'a>(text: Option<&'a str>, sha256: &str) -> Option<&'a str> {
    let text = text?;
    if text.len() as u64 > MAX_RUNBOOK_BYTES {
        return None;
    }
    (hex::encode(Sha256::digest(text.as_bytes())) == sha256).then_some(text)
}

/// One version of the runbook the journal names, in journal order.
#[derive(Debug, Clone, PartialEq)]
pub struct Version<'a> {
    pub seq: u64,
    /// The runbook's path as the opening console gave it.
    pub path: &'a str,
    pub sha256: &'a str,
    /// The verified text; `None` in an older journal or when the stored
    /// text does not match its digest.
    pub text: Option<&'a str>,
}

/// Every version the journal names: the one `session_opened` recorded,
/// then one per accepted change.
pub fn versions<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<Version<'a>> {
    let mut out: Vec<Version<'a>> = Vec::new();
    for e in events {
        match &e.body {
            EventBody::SessionOpened {
                runbook,
                runbook_sha256,
                runbook_text,
                ..
            } if out.is_empty() => out.push(Version {
                seq: e.seq,
                path: runbook,
                sha256: runbook_sha256,
                text: verified(runbook_text.as_deref(), runbook_sha256),
            }),
            EventBody::RunbookChangeAccepted {
                runbook_sha256,
                runbook_text,
                ..
            } => {
                let path = out.last().map_or("", |v| v.path);
                out.push(Version {
                    seq: e.seq,
                    path,
                    sha256: runbook_sha256,
                    text: verified(runbook_text.as_deref(), runbook_sha256),
                });
            }
            _ => {}
        }
    }
    out
}

/// Is `s` a `${NAME}` reference left as written (what `load` puts where a
/// value would be)?
pub fn is_reference(s: &str) -> bool {
    s.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// The runbook from its journaled text, as if read from `path`: every
/// `${NAME}` stays as written (no environment is read, so no secret is
/// expanded and a host without the variables reads it the same), urls made
/// of references are not checked, scripts not found are only warnings.
pub fn load(text: &str, path: &Path) -> Result<Runbook, String> {
    let as_written = |name: &str| Some(format!("${{{name}}}"));
    load_str(text, path, &as_written)
        .map(|l| l.runbook)
        .map_err(|e| {
            format!(
                "the journaled runbook does not load with this build: {} problem(s)",
                e.diagnostics.len()
            )
        })
}

/// Lines of a diff shown at most: a screenful or a page of the report.
pub const MAX_DIFF_LINES: usize = 200;

/// How long the diff may search for the smallest difference before it
/// settles for a larger one (two 4 MiB texts of unrelated lines).
const DIFF_DEADLINE: Duration = Duration::from_millis(500);

/// A unified diff (3 lines of context) from `old` to `new`, each line
/// sanitized (the texts are outside text), at most `MAX_DIFF_LINES` lines
/// and a last one counting the rest. Empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> Vec<String> {
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    let mut out: Vec<String> = Vec::new();
    let mut more = 0usize;
    for line in text.lines() {
        if out.len() < MAX_DIFF_LINES {
            out.push(crate::untrusted::sanitize(line).into_owned());
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push(format!("… {more} more line(s) of difference"));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_used_only_with_its_digest() {
        let text = "[cutover]\nid = \"x\"\n";
        let sha = hex::encode(Sha256::digest(text.as_bytes()));
        assert_eq!(verified(Some(text), &sha), Some(text));
        assert_eq!(verified(Some("[cutover]\nid = \"y\"\n"), &sha), None);
        assert_eq!(verified(None, &sha), None);
    }

    #[test]
    fn references_are_names_only() {
        assert!(is_reference("${SLACK_HOOK}"));
        assert!(!is_reference("${}"));
        assert!(!is_reference("https://x/${A}"));
        assert!(!is_reference("${A:-b}"));
    }

    #[test]
    fn the_diff_is_unified_sanitized_and_bounded() {
        let d = unified_diff("a\nb\nc\n", "a\nB\x1b[2J\nc\n", "journal", "given");
        assert_eq!(
            d,
            [
                "--- journal",
                "+++ given",
                "@@ -1,3 +1,3 @@",
                " a",
                "-b",
                "+B\\x1b[2J",
                " c",
            ]
        );
        assert!(unified_diff("same\n", "same\n", "a", "b").is_empty());
        let old: String = (0..1000).map(|i| format!("{i}\n")).collect();
        let new: String = (0..1000).map(|i| format!("{}\n", i * 7)).collect();
        let d = unified_diff(&old, &new, "a", "b");
        assert_eq!(d.len(), MAX_DIFF_LINES + 1);
        assert!(d[MAX_DIFF_LINES].ends_with("more line(s) of difference"));
    }
}
