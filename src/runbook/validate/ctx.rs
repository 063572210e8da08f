//! The validation context: collects diagnostics and secrets, and holds the
//! small checks every section uses (ids, references, durations, thresholds,
//! `${NAME}` expansion).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use crate::runbook::diag::Diagnostic;
use crate::runbook::duration::{MAX_TIMEOUT, parse_duration};
use crate::runbook::expand::expand;
use crate::runbook::model::{Threshold, Unit};
use crate::runbook::raw::is_missing;
use crate::runbook::threshold::parse_threshold;
use crate::runbook::unknown::suggest;

pub struct Ctx<'a> {
    text: &'a str,
    pub dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
    diags: Vec<Diagnostic>,
    secrets: Vec<String>,
}

#[derive(Clone, Copy)]
pub enum IdRule {
    /// `[a-z0-9-]+`: names the session folder, so it stays path-safe.
    Cutover,
    /// `[A-Za-z0-9_-]+`: typed on the command line.
    Name,
}

/// Ids seen so far in one namespace, with where each was first declared.
#[derive(Default)]
pub struct Seen(HashMap<String, Range<usize>>);

impl<'a> Ctx<'a> {
    pub fn new(text: &'a str, dir: &'a Path, env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Ctx {
            text,
            dir,
            env,
            diags: Vec::new(),
            secrets: Vec::new(),
        }
    }

    pub fn finish(self) -> (Vec<Diagnostic>, Vec<String>) {
        (self.diags, self.secrets)
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(message, Some(span)));
    }

    pub fn error_labeled(&mut self, span: Range<usize>, message: impl Into<String>, label: &str) {
        self.diags
            .push(Diagnostic::error(message, Some(span)).with_label(label));
    }

    pub fn error_nowhere(&mut self, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(message, None));
    }

    pub fn error_at(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(message, span));
    }

    pub fn warn_at(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.diags.push(Diagnostic::warning(message, span));
    }

    /// Where table `path` is declared: its header, or its first key when
    /// it has no header of its own. Used only when reporting a problem.
    pub fn table_span(&self, path: &[&str]) -> Option<Range<usize>> {
        let doc = toml_edit::Document::parse(self.text).ok()?;
        let mut table = doc.as_table();
        let mut key_span = None;
        for name in path {
            let (key, item) = table.get_key_value(name)?;
            key_span = key.span();
            table = item.as_table()?;
        }
        table.span().or(key_span)
    }

    pub fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::warning(message, Some(span)));
    }

    pub fn id(&mut self, id: &Spanned<String>, what: &str, rule: IdRule) {
        if is_missing(id) {
            return; // reported once as a missing key
        }
        let s = id.get_ref();
        let ok = !s.is_empty()
            && s.chars().all(|c| match rule {
                IdRule::Cutover => c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
                IdRule::Name => c.is_ascii_alphanumeric() || c == '-' || c == '_',
            });
        if !ok {
            let allowed = match rule {
                IdRule::Cutover => "lowercase letters, digits and -",
                IdRule::Name => "letters, digits, - and _",
            };
            self.error(
                id.span(),
                format!("invalid {what} \"{s}\": use only {allowed}"),
            );
        }
    }

    pub fn non_empty(&mut self, v: &Spanned<String>, what: &str) {
        if is_missing(v) {
            return; // reported once as a missing key
        }
        if v.get_ref().trim().is_empty() {
            self.error(v.span(), format!("{what} must not be empty"));
        }
    }

    /// Report a second declaration of the same id in one namespace.
    pub fn unique(&mut self, seen: &mut Seen, id: &Spanned<String>, what: &str) {
        if is_missing(id) {
            return; // reported once as a missing key
        }
        let s = id.get_ref();
        if let Some(first) = seen.0.get(s) {
            let (line, _) = crate::runbook::diag::line_col(self.text, first.start);
            self.error_labeled(
                id.span(),
                format!("duplicate {what} id `{s}`: already declared on line {line}"),
                "duplicate",
            );
        } else {
            seen.0.insert(s.clone(), id.span());
        }
    }

    /// A value that must be one of a fixed set of words.
    pub fn one_of(&mut self, v: &Spanned<String>, key: &str, got: &str, allowed: &[&str]) {
        if is_missing(v) {
            return; // reported once as a missing key
        }
        let owned: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        let list = allowed.join(" | ");
        let msg = match suggest(got, &owned) {
            Some(s) => format!("invalid {key} \"{got}\": expected {list}; did you mean \"{s}\"?"),
            None => format!("invalid {key} \"{got}\": expected {list}"),
        };
        self.error(v.span(), msg);
    }

    /// A reference to an id declared elsewhere (role, source, panel, gate, step).
    pub fn reference(&mut self, r: &Spanned<String>, known: &[String], what: &str) -> bool {
        if is_missing(r) {
            return false; // reported once as a missing key
        }
        let s = r.get_ref();
        if known.iter().any(|k| k == s) {
            return true;
        }
        let msg = if let Some(near) = suggest(s, known) {
            format!("unknown {what} `{s}`: did you mean `{near}`?")
        } else if known.is_empty() {
            format!("unknown {what} `{s}`: no {what} is declared")
        } else {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("unknown {what} `{s}`: declared are {}", list.join(", "))
        };
        self.error_labeled(r.span(), msg, &format!("unknown {what}"));
        false
    }

    /// The text of a duration or threshold; a number or other non-string
    /// is reported with what to write instead.
    fn text_of<'v>(
        &mut self,
        v: &'v Spanned<toml::Value>,
        key: &str,
        example: &str,
    ) -> Option<&'v str> {
        match v.get_ref() {
            toml::Value::String(s) => Some(s),
            other => {
                let shown = other.to_string();
                self.error_labeled(
                    v.span(),
                    format!(
                        "{key}: expected a string such as \"{example}\", found {} {shown}",
                        other.type_str()
                    ),
                    "write it as a quoted string",
                );
                None
            }
        }
    }

    /// An optional duration with its default; a bad one is reported.
    pub fn duration(
        &mut self,
        v: Option<&Spanned<toml::Value>>,
        key: &str,
        default: Duration,
    ) -> Duration {
        let Some(v) = v else { return default };
        let Some(text) = self.text_of(v, key, "30s") else {
            return default;
        };
        match parse_duration(text) {
            Ok(d) => d,
            Err(e) => {
                self.error_labeled(v.span(), format!("{key}: {e}"), "not a duration");
                default
            }
        }
    }

    /// A duration that must be more than zero (poll intervals, timeouts).
    pub fn positive_duration(
        &mut self,
        v: Option<&Spanned<toml::Value>>,
        key: &str,
        default: Duration,
    ) -> Duration {
        let d = self.duration(v, key, default);
        if let (Some(v), true) = (v, d.is_zero()) {
            self.error(v.span(), format!("{key} must be more than zero"));
            return default;
        }
        d
    }

    /// A timeout: more than zero and at most a day.
    pub fn timeout(&mut self, v: Option<&Spanned<toml::Value>>, default: Duration) -> Duration {
        let d = self.positive_duration(v, "timeout", default);
        if let (Some(v), true) = (v, d > MAX_TIMEOUT) {
            self.error(
                v.span(),
                "timeout is longer than a day (\"24h\"): a hung call would hold the queue that long".to_string(),
            );
            return default;
        }
        d
    }

    pub fn threshold(
        &mut self,
        v: Option<&Spanned<toml::Value>>,
        key: &str,
        unit: Unit,
    ) -> Option<Threshold> {
        let v = v?;
        let text = self.text_of(v, key, "> 0.02")?;
        match parse_threshold(text, unit) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error_labeled(v.span(), format!("{key}: {e}"), "not a threshold");
                None
            }
        }
    }

    /// Expand `${NAME}` in a url / header / webhook value. Values from the
    /// environment become secrets; errors show the template, never a value.
    /// A credential written in the runbook itself (not from `${NAME}`) is
    /// still a secret: redacted wherever it could be printed.
    pub fn secret(&mut self, value: &str) {
        if !value.is_empty() {
            self.secrets.push(value.to_string());
        }
    }

    pub fn expand(&mut self, v: &Spanned<String>) -> String {
        self.expand_as(v, false)
    }

    /// Expand a URL: only values past its host are secrets (see
    /// `Expanded::url_secrets`); a header or webhook field is all secret.
    pub fn expand_url(&mut self, v: &Spanned<String>) -> String {
        self.expand_as(v, true)
    }

    fn expand_as(&mut self, v: &Spanned<String>, url: bool) -> String {
        match expand(v.get_ref(), self.env) {
            Ok(e) => {
                let secrets = if url { e.url_secrets() } else { e.secrets };
                // A runbook read back from a journal keeps its references
                // as written (`recorded::load`): no value, no secret.
                self.secrets.extend(
                    secrets
                        .into_iter()
                        .filter(|s| !s.is_empty() && !super::super::recorded::is_reference(s)),
                );
                e.value
            }
            Err(e) => {
                let at = self.position_in_string(v, e.offset);
                self.error(at, e.message);
                String::new()
            }
        }
    }

    /// Byte range in the file of offset `offset` inside string value `v`,
    /// exact when the value is written without escapes, else the value.
    fn position_in_string(&self, v: &Spanned<String>, offset: usize) -> Range<usize> {
        let span = v.span();
        let raw = self.text.get(span.clone()).unwrap_or("");
        for quote in ["\"\"\"", "'''", "\"", "'"] {
            if let Some(inner) = raw.strip_prefix(quote) {
                if inner.starts_with(v.get_ref().as_str()) {
                    let start = span.start + quote.len() + offset;
                    let end = v.get_ref()[offset..]
                        .find('}')
                        .map_or(start + 2, |i| start + i + 1);
                    return start..end;
                }
                break;
            }
        }
        span
    }

    /// Check that the first word of a command, when it looks like a path,
    /// names an existing file (relative to the runbook's folder).
    pub fn script(&mut self, run: &Spanned<String>, what: &str) {
        let Some(first) = run.get_ref().split_whitespace().next() else {
            self.error(run.span(), format!("{what}: `run` is empty"));
            return;
        };
        if !(first.starts_with("./") || first.starts_with("../") || first.starts_with('/')) {
            return;
        }
        let path = self.dir.join(first);
        match std::fs::metadata(&path) {
            Err(_) => self.warn(
                run.span(),
                format!(
                    "{what}: script {first} not found (looked in {}): the command will fail when started",
                    crate::untrusted::show_path(self.dir)
                ),
            ),
            Ok(meta) if !is_executable(&meta) => self.warn(
                run.span(),
                format!("{what}: script {first} is not executable (chmod +x {first})"),
            ),
            Ok(_) => {}
        }
    }

    /// A url after expansion: http or https, parsable. Messages show the template.
    pub fn url(&mut self, template: &Spanned<String>, expanded: &str, what: &str) {
        if is_missing(template) {
            return; // reported once as a missing key
        }
        if expanded.is_empty() {
            return; // expansion already reported its problem
        }
        if super::super::recorded::is_reference(expanded) || expanded.contains("${") {
            return; // read back from a journal: the value is not known here
        }
        let t = template.get_ref();
        match reqwest::Url::parse(expanded) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            Ok(_) => self.error(
                template.span(),
                format!("{what} url \"{t}\" must start with http:// or https://"),
            ),
            Err(e) => self.error(
                template.span(),
                format!("{what} url \"{t}\" is not a valid url: {e}"),
            ),
        }
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    meta.is_file()
}
