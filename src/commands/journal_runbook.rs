//! The runbook from the journal, for commands that name a journal on a
//! host (or in a folder) where the runbook file is not: `serve` shows the
//! session's own runbook, and a console joining with a runbook path that
//! is not there loads the text the journal holds (with this host's
//! environment for `${NAME}`, as a file would be).

use std::path::{Path, PathBuf};

use super::output::{EXIT_INVALID, Output};
use crate::journal::JournalLocation;
use crate::runbook::model::Runbook;
use crate::runbook::recorded;

/// The newest runbook text `journal` holds and the path its console gave;
/// `None` when the journal cannot be read, has no session yet, or was
/// written before the text was kept.
pub fn journaled(journal: &JournalLocation) -> Option<(String, PathBuf)> {
    let events = crate::journal::open::read_all(journal).ok()?;
    let versions = recorded::versions(&events);
    let last = versions.last()?;
    Some((last.text?.to_string(), PathBuf::from(last.path)))
}

/// For a reader (`serve`): the journal's runbook, references left as
/// written; else the file, as before. `runbook` may be absent when the
/// journal is given.
pub fn for_reader(
    runbook: Option<&Path>,
    journal: Option<&JournalLocation>,
    out: Output,
) -> Result<Runbook, u8> {
    if let Some(j) = journal
        && let Some((text, path)) = journaled(j)
    {
        let rb = recorded::load(&text, &path).map_err(|e| {
            eprintln!("warroom: {}: {e}", j.display());
            EXIT_INVALID
        })?;
        if let Some(file) = runbook.filter(|p| p.is_file())
            && let Ok(text) = crate::runbook::read_bounded(file)
            && text != rb.text
        {
            eprintln!(
                "warroom: {} differs from the runbook the journal holds (sha256 {}): showing the journal's",
                crate::untrusted::show_path(file),
                &rb.sha256
            );
        }
        return Ok(rb);
    }
    match runbook {
        Some(p) => super::load_or_report(p, out),
        None => {
            eprintln!(
                "warroom: the journal holds no runbook text (a session opened by an older warroom, or none yet): name the runbook file too"
            );
            Err(EXIT_INVALID)
        }
    }
}

/// For a console: the file when it is there (`false`); when it is not and
/// the journal (given with `--journal`) holds the text, that text, loaded
/// as if it were the file (this host's environment, `env`, for `${NAME}`),
/// and `true`: such a console only watches. Whoever may append to the
/// journal may append a runbook text with a matching digest, and its
/// commands must never run under this operator's account, nor its URLs be
/// polled with this host's secrets; its scripts are not on this host
/// anyway.
pub fn for_console(
    runbook: &Path,
    journal: Option<&JournalLocation>,
    out: Output,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Runbook, bool), u8> {
    if !runbook.exists()
        && let Some(j) = journal
        && let Some((text, _)) = journaled(j)
    {
        return match crate::runbook::load_str(&text, runbook, env) {
            Ok(loaded) => {
                eprintln!(
                    "warroom: {} is not here: watching with the runbook the journal holds (sha256 {}), read-only: this console never conducts, runs or decides anything; give the runbook file to act",
                    crate::untrusted::show_path(runbook),
                    &loaded.runbook.sha256
                );
                Ok((loaded.runbook, true))
            }
            Err(e) => {
                eprint!("{}", e.render(out.color));
                Err(EXIT_INVALID)
            }
        };
    }
    super::load_or_report(runbook, out).map(|rb| (rb, false))
}
