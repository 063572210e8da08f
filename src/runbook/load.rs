//! Loading a runbook: read, hash, deserialize (reporting every unknown key),
//! then validate into the model.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::diag::Diagnostic;
use super::model::Runbook;
use super::raw::RawRunbook;
use super::{required, unknown, validate};

/// A runbook that passed validation, and the warnings `check` should show.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub runbook: Runbook,
    pub warnings: Vec<Diagnostic>,
}

/// A runbook that could not be read or did not validate: every problem found.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub path: PathBuf,
    pub source_text: String,
    /// Errors first in file order, then warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// Every diagnostic, `path:line:col: error: message` plus a caret each,
    /// and a last line counting them.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&d.render(&self.path, &self.source_text, color));
        }
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = self.diagnostics.len() - errors;
        out.push_str(&format!(
            "{}: {} error{}{}: runbook refused\n",
            crate::untrusted::show_path(&self.path),
            errors,
            if errors == 1 { "" } else { "s" },
            match warnings {
                0 => String::new(),
                1 => ", 1 warning".to_string(),
                n => format!(", {n} warnings"),
            }
        ));
        out
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for LoadError {}

/// The largest runbook accepted: 4 MiB. A real runbook is a few kB (the
/// biggest example is under 20 kB); a file past this is a mistake or an
/// attack, refused before parsing (`check` on a 100 MB file once took
/// 1.75 GB).
pub const MAX_RUNBOOK_BYTES: u64 = 4 * 1024 * 1024;

/// The runbook's text, read to at most `MAX_RUNBOOK_BYTES` + 1 bytes: a
/// larger file (or an endless FIFO) is refused without reading it whole.
pub fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = crate::untrusted::show_path(path);
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read runbook {shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_RUNBOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read runbook {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_RUNBOOK_BYTES {
        return Err(format!(
            "runbook {shown} is larger than {} MiB, the limit: refused before parsing (split it, or check that this is the runbook)",
            MAX_RUNBOOK_BYTES / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("cannot read runbook {shown}: not UTF-8 text ({e})"))
}

/// Load and validate the runbook at `path`, expanding `${NAME}` from the
/// process environment.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = match read_bounded(path) {
        Ok(t) => t,
        Err(message) => {
            return Err(LoadError {
                path: path.to_path_buf(),
                source_text: String::new(),
                diagnostics: vec![Diagnostic::error(message, None)],
            });
        }
    };
    load_str(&text, path, &|name| std::env::var(name).ok())
}

/// Load and validate runbook `text` as if read from `path` (which sets the
/// folder that relative scripts are resolved against), with `env` for
/// `${NAME}` expansion.
pub fn load_str(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, LoadError> {
    let fail = |mut diagnostics: Vec<Diagnostic>| {
        sort(&mut diagnostics);
        LoadError {
            path: path.to_path_buf(),
            source_text: text.to_string(),
            diagnostics,
        }
    };
    let (raw, mut diags) = deserialize(text);
    diags.extend(super::controls::diagnostics(text));
    diags.extend(super::placeholders::diagnostics(text));
    let Some(raw) = raw else {
        return Err(fail(diags));
    };
    let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (runbook, more) = validate::validate(raw, text, path, &dir, sha256, env);
    diags.extend(more);
    match runbook {
        Some(runbook) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            runbook,
            warnings: diags,
        }),
        _ => Err(fail(diags)),
    }
}

/// Errors before warnings, each in file order.
fn sort(d: &mut [Diagnostic]) {
    d.sort_by_key(|d| {
        (
            !d.is_error(),
            d.span.as_ref().map_or(usize::MAX, |s| s.start),
        )
    });
}

/// Each unknown key or wrong type costs one more parse of the whole file,
/// so a file made of mistakes is cut off here rather than taking minutes.
const SHAPE_ERRORS_PER_RUN: usize = 200;

/// Deserialize, reporting unknown keys and values of the wrong type one by
/// one until none is left (only a syntax error stops us), then every
/// missing required key.
fn deserialize(text: &str) -> (Option<RawRunbook>, Vec<Diagnostic>) {
    let mut diags = required::missing_keys(text);
    let mut work = text.to_string();
    for round in 0..=SHAPE_ERRORS_PER_RUN {
        if round == SHAPE_ERRORS_PER_RUN {
            diags.push(Diagnostic::error(
                format!("more than {SHAPE_ERRORS_PER_RUN} unknown keys and wrong types: these are the first; fix them and run check again"),
                None,
            ));
            break;
        }
        let err = match toml::from_str::<RawRunbook>(&work) {
            // Unknown keys found so far are blanked: validation still runs,
            // so their problems are reported alongside.
            Ok(raw) => return (Some(raw), diags),
            Err(e) => e,
        };
        let message = err.message().to_string();
        let span = err.span();
        let found = unknown::diagnostic(&work, &message, span.clone())
            .or_else(|| unknown::wrong_type(&work, &message, span.clone()));
        match found {
            Some((d, Some(extent))) => {
                diags.push(d);
                let before = work.clone();
                unknown::blank(&mut work, extent);
                if work == before {
                    break;
                }
            }
            Some((d, None)) => {
                diags.push(d);
                break;
            }
            None => {
                diags.push(serde_diagnostic(&message, span));
                break;
            }
        }
    }
    (None, diags)
}

/// A TOML or shape error from serde, reworded where it helps.
fn serde_diagnostic(message: &str, span: Option<std::ops::Range<usize>>) -> Diagnostic {
    let one_line = message.trim().replace('\n', "; ");
    // serde speaks of fields; a runbook author writes keys and tables.
    let text = match one_line.strip_prefix("missing field `") {
        Some(rest) => format!("missing required key `{}", rest),
        None => one_line,
    };
    Diagnostic::error(text, span)
}
