//! Diagnostics: one problem in a runbook, with where it is, and how it prints.

use std::ops::Range;
use std::path::Path;

use annotate_snippets::{Level, Renderer, Snippet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Byte range in the runbook's text.
    pub span: Option<Range<usize>>,
    /// A short note printed under the caret.
    pub label: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
        }
    }

    pub fn warning(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            span,
            label: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based (line, column) of the span's start; the column counts characters.
    pub fn line_col(&self, source: &str) -> Option<(usize, usize)> {
        self.span.as_ref().map(|s| line_col(source, s.start))
    }

    /// `path:line:col: error: message`, then the source line with a caret.
    pub fn render(&self, path: &Path, source: &str, color: bool) -> String {
        // The runbook is outside text too: its lines, quoted under the
        // message, and a key or value quoted in the message itself.
        let source = &crate::untrusted::text::mask(source);
        let safe = Diagnostic {
            message: crate::untrusted::sanitize(&self.message).into_owned(),
            label: self
                .label
                .as_deref()
                .map(|l| crate::untrusted::sanitize(l).into_owned()),
            ..self.clone()
        };
        let this = &safe;
        let sev = this.severity.as_str();
        let Some(span) = this.span.clone() else {
            return format!(
                "{}: {sev}: {}\n",
                crate::untrusted::show_path(path),
                this.message
            );
        };
        let (line, col) = line_col(source, span.start);
        let mut out = format!(
            "{}:{line}:{col}: {sev}: {}\n",
            crate::untrusted::show_path(path),
            this.message
        );
        out.push_str(&snippet(this, source, clamp(source, span), color));
        out
    }
}

/// 1-based line and character column of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Keep the span inside the text and on character boundaries, and on one
/// line: a caret under the first line of a multi-line value is enough.
fn clamp(source: &str, span: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let mut end = floor_char_boundary(source, span.end.min(source.len())).max(start);
    if let Some(nl) = source[start..end].find('\n') {
        end = start + nl;
    }
    start..end
}

/// The caret part, drawn by annotate-snippets; its own title line is
/// dropped because ours (with file:line:col) comes first.
fn snippet(d: &Diagnostic, source: &str, span: Range<usize>, color: bool) -> String {
    let level = match d.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    let label = d.label.as_deref().unwrap_or("");
    let message = level.title("-").snippet(
        Snippet::source(source)
            .line_start(1)
            .fold(true)
            .annotation(level.span(span).label(label)),
    );
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let text = renderer.render(message).to_string();
    let mut lines: Vec<&str> = text.lines().skip(1).collect();
    // annotate-snippets ends with an empty gutter line; it adds nothing here.
    while lines
        .last()
        .is_some_and(|l| l.trim().trim_matches('|').trim().is_empty())
    {
        lines.pop();
    }
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // `=` on line 2 comes after a 2-byte character.
        assert_eq!(line_col(src, 10), (2, 4));
    }

    #[test]
    fn render_puts_file_line_col_first_then_a_caret() {
        let src = "[cutover]\nfial = 1\n";
        let d = Diagnostic::error("unknown key `fial`", Some(10..14)).with_label("here");
        let out = d.render(Path::new("rb.toml"), src, false);
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap(),
            "rb.toml:2:1: error: unknown key `fial`"
        );
        assert!(out.contains("fial = 1"), "{out}");
        assert!(out.contains("^^^^ here"), "{out}");
    }

    #[test]
    fn render_without_span_names_the_file() {
        let d = Diagnostic::error("cannot read", None);
        assert_eq!(
            d.render(Path::new("x.toml"), "", false),
            "x.toml: error: cannot read\n"
        );
    }
}
