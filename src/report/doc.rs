//! The report as a small document (headings, paragraphs, lists, tables,
//! preformatted text) built once by the sections, then written as Markdown
//! or HTML: both formats carry the same content, and escaping lives in one
//! place per format.

/// A run of text inside a paragraph, a list item or a table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Code(String),
    /// Only http(s) urls reach here (the runbook validates them).
    Link {
        text: String,
        url: String,
    },
}

pub type Runs = Vec<Inline>;

pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}
pub fn strong(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}
pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}
pub fn link(t: impl Into<String>, url: impl Into<String>) -> Inline {
    Inline::Link {
        text: t.into(),
        url: url.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1 to 3.
    Heading(u8, String),
    Para(Runs),
    List(Vec<Runs>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<Runs>>,
    },
    /// Output tails: kept line by line, never interpreted.
    Pre {
        caption: String,
        body: String,
    },
}

#[derive(Debug, Default)]
pub struct Doc {
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn h(&mut self, level: u8, s: impl Into<String>) {
        self.blocks.push(Block::Heading(level, s.into()));
    }
    pub fn p(&mut self, runs: Runs) {
        self.blocks.push(Block::Para(runs));
    }
    pub fn line(&mut self, s: impl Into<String>) {
        self.p(vec![text(s)]);
    }
    pub fn list(&mut self, items: Vec<Runs>) {
        self.blocks.push(Block::List(items));
    }
    /// A list, or `none` as a paragraph when empty.
    pub fn list_or(&mut self, items: Vec<Runs>, none: &str) {
        if items.is_empty() {
            self.line(none);
        } else {
            self.list(items);
        }
    }
    pub fn table(&mut self, head: &[&str], rows: Vec<Vec<Runs>>) {
        self.blocks.push(Block::Table {
            head: head.iter().map(|h| h.to_string()).collect(),
            rows,
        });
    }
    pub fn pre(&mut self, caption: impl Into<String>, body: impl Into<String>) {
        self.blocks.push(Block::Pre {
            caption: caption.into(),
            body: body.into(),
        });
    }
}

// ---- Markdown ----

/// Text that renders as itself: no emphasis, links, code, raw HTML or
/// table breaks from anything an operator or an endpoint wrote.
fn md_escape(s: &str) -> String {
    // Controls first: an escape sequence in a note must not reach the
    // terminal that `cat`s the report.
    let s = crate::untrusted::sanitize_lines(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            // `_` stays: intraword it never emphasises, and ids use it.
            '\\' | '`' | '*' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn md_code(s: &str) -> String {
    let s = crate::untrusted::sanitize_lines(s)
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

fn md_runs(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(s) => md_escape(s),
            Inline::Strong(s) => format!("**{}**", md_escape(s)),
            Inline::Code(s) => md_code(s),
            Inline::Link { text, url } => format!(
                "[{}](<{}>)",
                md_escape(text),
                url.replace(['<', '>', '\n', ' '], "")
            ),
        })
        .collect()
}

pub fn markdown(doc: &Doc) -> String {
    let mut out = String::new();
    for b in &doc.blocks {
        match b {
            Block::Heading(level, s) => {
                out.push_str(&format!(
                    "{} {}\n\n",
                    "#".repeat(*level as usize),
                    md_escape(s)
                ));
            }
            Block::Para(runs) => {
                let p = md_runs(runs);
                // A paragraph starting with `#` would read as a heading.
                let guard = if p.starts_with('#') { "\\" } else { "" };
                out.push_str(&format!("{guard}{p}\n\n"));
            }
            Block::List(items) => {
                for i in items {
                    out.push_str(&format!("- {}\n", md_runs(i)));
                }
                out.push('\n');
            }
            Block::Table { head, rows } => {
                out.push_str(&format!("| {} |\n", head.join(" | ")));
                out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                for r in rows {
                    let cells: Vec<String> = r.iter().map(|c| md_runs(c)).collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
                out.push('\n');
            }
            Block::Pre { caption, body } => {
                // A fence longer than any run of backticks inside.
                let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                out.push_str(&format!(
                    "{}\n\n{fence}text\n{}\n{fence}\n\n",
                    md_escape(caption),
                    crate::untrusted::sanitize_lines(body.trim_end())
                ));
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

// ---- HTML ----

pub fn html_escape(s: &str) -> String {
    let s = crate::untrusted::sanitize_lines(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_runs(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(s) => html_escape(s),
            Inline::Strong(s) => format!("<strong>{}</strong>", html_escape(s)),
            Inline::Code(s) => format!("<code>{}</code>", html_escape(s)),
            Inline::Link { text, url } => format!(
                "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
                html_escape(url),
                html_escape(text)
            ),
        })
        .collect()
}

/// Inline, print-friendly, no scripts and nothing fetched: the page is
/// whole when saved or printed to PDF.
const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#111}\
h1{font-size:1.6em;border-bottom:2px solid #333}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #bbb}h3{font-size:1.05em}\
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#eee}code,pre{font-family:ui-monospace,monospace;font-size:.92em}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all}\
a{color:#0645ad}@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,pre{break-inside:avoid}a{color:#000}}";

pub fn html(doc: &Doc, title: &str) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        html_escape(title)
    );
    for b in &doc.blocks {
        match b {
            Block::Heading(level, s) => {
                out.push_str(&format!("<h{level}>{}</h{level}>\n", html_escape(s)));
            }
            Block::Para(runs) => out.push_str(&format!("<p>{}</p>\n", html_runs(runs))),
            Block::List(items) => {
                out.push_str("<ul>\n");
                for i in items {
                    out.push_str(&format!("<li>{}</li>\n", html_runs(i)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table { head, rows } => {
                out.push_str("<table>\n");
                // Key/value tables have no header worth a row on paper.
                if head.iter().any(|h| !h.is_empty()) {
                    out.push_str("<tr>");
                    for h in head {
                        out.push_str(&format!("<th>{}</th>", html_escape(h)));
                    }
                    out.push_str("</tr>\n");
                }
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        out.push_str(&format!("<td>{}</td>", html_runs(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            Block::Pre { caption, body } => out.push_str(&format!(
                "<p>{}</p>\n<pre>{}</pre>\n",
                html_escape(caption),
                html_escape(body.trim_end())
            )),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_renders_as_itself_in_both_formats() {
        let mut d = Doc::default();
        d.p(vec![text("note: <script>alert(1)</script> | *x* [a](b)")]);
        d.table(&["a"], vec![vec![vec![text("x|y\nz")]]]);
        d.pre("tail", "```\n<b>");
        let md = markdown(&d);
        assert!(!md.contains("<script>"), "{md}");
        assert!(md.contains("&lt;script&gt;"), "{md}");
        assert!(md.contains("x\\|y z"), "{md}");
        assert!(md.contains("````text\n```\n<b>\n````"), "{md}");
        let h = html(&d, "t");
        assert!(!h.contains("<script"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{h}");
        assert!(h.contains("<pre>```\n&lt;b&gt;</pre>"), "{h}");
    }
}
