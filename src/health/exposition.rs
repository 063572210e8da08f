//! A small, strict parser for the Prometheus text exposition format and
//! OpenMetrics text, plus the selector a `scrape` panel uses to pick one
//! series.
//!
//! Why our own: the crates available when this was written were either
//! unmaintained or lenient on escapes (accepting `\t` or a stray `\` as
//! literal text), and leniency here turns a broken exporter into a quietly
//! wrong number. We need only samples, not the type system, so a
//! zero-copy line parser of ~200 lines does it: one pass, label values are
//! borrowed unless they contain escapes, 10,000 lines in well under 5 ms.
//!
//! Handled: `# HELP`, `# TYPE`, `# UNIT` and other comments (skipped),
//! blank lines, label values with the escapes `\\`, `\"`, `\n` (anything
//! else after `\` is an error), `NaN`, `+Inf`, `-Inf`, optional timestamps
//! (integer milliseconds or OpenMetrics float seconds), OpenMetrics
//! exemplars (`# {...} v`, skipped), `_created` series (ordinary samples, so
//! a selector on `x_total` never picks `x_created`), and `# EOF` (nothing
//! may follow it). A malformed line fails the whole page with its line
//! number, as Prometheus itself fails a scrape.

use std::borrow::Cow;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    pub name: &'a str,
    pub labels: Vec<(&'a str, Cow<'a, str>)>,
    pub value: f64,
    /// As written: ms (text format) or seconds (OpenMetrics); unused here.
    pub timestamp: Option<f64>,
}

/// Parse a whole page. The error names the line: `line 12: ...`.
pub fn parse(text: &str) -> Result<Vec<Sample<'_>>, String> {
    let mut out = Vec::new();
    let mut eof_at = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(at) = eof_at {
            if !line.trim().is_empty() {
                return Err(format!("line {}: content after # EOF (line {at})", i + 1));
            }
            continue;
        }
        let t = line.trim_start();
        if t.is_empty() {
            continue;
        }
        if let Some(comment) = t.strip_prefix('#') {
            if comment.trim() == "EOF" {
                eof_at = Some(i + 1);
            }
            continue;
        }
        let sample = Cursor { s: t, at: 0 }
            .sample()
            .map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push(sample);
    }
    Ok(out)
}

/// `name{label="value",...}`: picks the one series whose name is `name` and
/// whose labels include every listed pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub name: String,
    pub labels: Vec<(String, String)>,
    text: String,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut c = Cursor {
            s: text.trim(),
            at: 0,
        };
        let name = c.name().map_err(|e| format!("selector {text:?}: {e}"))?;
        let labels = if c.peek() == Some(b'{') {
            c.labels().map_err(|e| format!("selector {text:?}: {e}"))?
        } else {
            Vec::new()
        };
        c.skip_ws();
        if !c.done() {
            return Err(format!("selector {text:?}: unexpected text after it"));
        }
        Ok(Selector {
            name: name.to_string(),
            labels: labels
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_owned()))
                .collect(),
            text: text.trim().to_string(),
        })
    }

    pub fn matches(&self, s: &Sample<'_>) -> bool {
        s.name == self.name
            && self
                .labels
                .iter()
                .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
    }

    /// The value of the one matching series; zero or several is an error.
    pub fn pick(&self, samples: &[Sample<'_>]) -> Result<f64, String> {
        let mut found = samples.iter().filter(|s| self.matches(s));
        match (found.next(), found.count()) {
            (None, _) => Err(format!("no series matches {}", self.text)),
            (Some(s), 0) => Ok(s.value),
            (Some(_), more) => Err(format!(
                "{} matches {} series; add labels to pick one",
                self.text,
                more + 1
            )),
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }
    fn expect(&mut self, b: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at column {}",
                b as char,
                self.at + 1
            ))
        }
    }

    fn ident(&mut self, colon: bool) -> Option<&'a str> {
        let start = self.at;
        let ok = |c: u8, first: bool| {
            c.is_ascii_alphabetic()
                || c == b'_'
                || (colon && c == b':')
                || (!first && c.is_ascii_digit())
        };
        while let Some(c) = self.peek() {
            if !ok(c, self.at == start) {
                break;
            }
            self.at += 1;
        }
        (self.at > start).then(|| &self.s[start..self.at])
    }

    fn name(&mut self) -> Result<&'a str, String> {
        self.ident(true)
            .ok_or_else(|| format!("expected a metric name at column {}", self.at + 1))
    }

    fn labels(&mut self) -> Result<Vec<(&'a str, Cow<'a, str>)>, String> {
        self.expect(b'{')?;
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(out);
            }
            let key = self
                .ident(false)
                .ok_or_else(|| format!("expected a label name at column {}", self.at + 1))?;
            self.expect(b'=')?;
            self.expect(b'"')?;
            let value = self.quoted()?;
            out.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(format!("expected ',' or '}}' at column {}", self.at + 1)),
            }
        }
    }

    /// After the opening quote: the value up to the closing quote.
    fn quoted(&mut self) -> Result<Cow<'a, str>, String> {
        let start = self.at;
        let bytes = self.s.as_bytes();
        let mut owned: Option<String> = None;
        let mut run = start;
        while let Some(&c) = bytes.get(self.at) {
            match c {
                b'"' => {
                    let tail = &self.s[run..self.at];
                    self.at += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut o) => {
                            o.push_str(tail);
                            Cow::Owned(o)
                        }
                    });
                }
                b'\\' => {
                    let o = owned.get_or_insert_with(String::new);
                    o.push_str(&self.s[run..self.at]);
                    let esc = bytes.get(self.at + 1).copied();
                    o.push(match esc {
                        Some(b'\\') => '\\',
                        Some(b'"') => '"',
                        Some(b'n') => '\n',
                        _ => {
                            return Err(format!(
                                "invalid escape in label value at column {}",
                                self.at + 1
                            ));
                        }
                    });
                    self.at += 2;
                    run = self.at;
                }
                _ => self.at += 1,
            }
        }
        Err(format!("unterminated label value from column {start}"))
    }

    fn word(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.at;
        while let Some(c) = self.peek() {
            if c == b' ' || c == b'\t' {
                break;
            }
            self.at += 1;
        }
        &self.s[start..self.at]
    }

    fn sample(mut self) -> Result<Sample<'a>, String> {
        let name = self.name()?;
        self.skip_ws();
        let labels = if self.peek() == Some(b'{') {
            self.labels()?
        } else {
            Vec::new()
        };
        let v = self.word();
        if v.is_empty() {
            return Err(format!("{name}: missing value"));
        }
        let value = number(v).ok_or_else(|| format!("{name}: invalid value {v:?}"))?;
        let ts = self.word();
        let timestamp = match ts {
            "" | "#" => None,
            _ => Some(number(ts).ok_or_else(|| format!("{name}: invalid timestamp {ts:?}"))?),
        };
        if ts != "#" {
            self.skip_ws();
            // An OpenMetrics exemplar may follow; we do not use it.
            if !self.done() && self.peek() != Some(b'#') {
                return Err(format!("{name}: unexpected text after the value"));
            }
        }
        Ok(Sample {
            name,
            labels,
            value,
            timestamp,
        })
    }
}

/// A sample value: a float, `NaN`, `+Inf`, `-Inf` (and `Inf`).
fn number(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        // Rust also reads "inf", "nan", "infinity": not exposition syntax.
        _ if s
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') =>
        {
            None
        }
        _ => s.parse().ok(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "exposition_tests.rs"]
mod tests;
