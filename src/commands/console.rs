//! `warroom run` and `warroom rehearse`: the same console on a runbook's
//! session journal; they differ in identity, journal and execution.

use std::path::Path;
use std::sync::Arc;

use super::output::{EXIT_FAILURE, EXIT_INVALID, Output};
use crate::console_session::identity;
use crate::journal::paths;
use crate::session::event::SessionMode;
use crate::tui::{ConsoleOptions, run_console};

/// What both commands take.
pub struct Request<'a> {
    pub runbook: &'a Path,
    pub journal: Option<crate::journal::JournalLocation>,
    pub operator: Option<String>,
    pub read_only: bool,
    pub accept_runbook_change: bool,
    pub execute: bool,
    pub join: bool,
    /// `--new-attempt [REASON]`: open the next attempt in this journal.
    pub new_attempt: Option<String>,
}

pub fn run(req: Request<'_>, mode: SessionMode, out: Output) -> u8 {
    if mode == SessionMode::Live && req.operator.is_some() {
        // Four eyes that are really two: live identity is the OS account.
        eprintln!(
            "warroom run: --as is refused in a live run: the operator is the Unix account running warroom ({}). Use `warroom rehearse --as NAME` to practise a role.",
            identity::current_operator()
        );
        return EXIT_INVALID;
    }
    if let Some(msg) = req.operator.as_deref().and_then(name_refusal) {
        eprintln!("warroom: {msg}");
        return EXIT_INVALID;
    }
    let (runbook, from_journal) =
        match super::journal_runbook::for_console(req.runbook, req.journal.as_ref(), out, &|n| {
            std::env::var(n).ok()
        }) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    let journal = match journal_path(&req, &runbook, mode) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("warroom: {msg}");
            return EXIT_INVALID;
        }
    };
    // Arguments and runbook first (their errors are more useful), then
    // whether there is a screen to draw on, before anything is opened.
    if let Some(why) = crate::tui::terminal::interactive_refusal() {
        eprintln!("{why}");
        return EXIT_INVALID;
    }
    // `--as` names a person (rehearsal); else the account on this host is
    // mapped to its person by the runbook's `[operators]` accounts.
    let (operator, mapped_from) = match req.operator.clone() {
        Some(name) => (name, None),
        None => {
            let id = runbook.identity_of(
                &identity::current_operator(),
                identity::machine_host().as_deref(),
            );
            (id.person, id.mapped_from)
        }
    };
    let mut opts = ConsoleOptions::new(Arc::new(runbook), journal.clone(), mode, operator);
    if let Some(account) = mapped_from {
        opts.host = Some(identity::account_and_origin(&account, opts.host.as_deref()));
    }
    // A runbook read from the journal is watched, never acted on.
    opts.read_only = req.read_only || from_journal;
    opts.accept_runbook_change = req.accept_runbook_change;
    opts.no_color = !out.color_allowed;
    opts.tz = out.tz;
    if mode == SessionMode::Rehearsal {
        opts.execute = req.execute;
    }
    opts.new_attempt = req.new_attempt.clone();
    finish(run_console(opts), &journal)
}

/// Why an operator name (`--as`, `:as`) is refused: a control character
/// would be journaled and drawn raw on every console.
pub fn name_refusal(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("--as: the operator name is empty".into());
    }
    let (at, c) = crate::untrusted::first_control(name)
        .or_else(|| name.char_indices().find(|&(_, c)| c == '\n' || c == '\t'))?;
    Some(format!(
        "--as: operator name holds control character {} at character {}: use letters, digits and punctuation",
        crate::untrusted::text::visible(c),
        name[..at].chars().count() + 1
    ))
}

/// The journal a command opens: `--journal`, else the defaults of PRODUCT.md.
fn journal_path(
    req: &Request<'_>,
    runbook: &crate::runbook::Runbook,
    mode: SessionMode,
) -> Result<crate::journal::JournalLocation, String> {
    if let Some(p) = &req.journal {
        return Ok(p.clone());
    }
    let id = &runbook.cutover.id;
    match mode {
        SessionMode::Rehearsal if req.join => paths::latest_rehearsal(&runbook.dir, id)
            .map(Into::into)
            .ok_or_else(|| {
                format!(
                    "--join: no rehearsal journal yet in {}; start one with `warroom rehearse {}`",
                    crate::untrusted::show_path(paths::session_dir(&runbook.dir, id)),
                    crate::untrusted::show_path(req.runbook)
                )
            }),
        SessionMode::Rehearsal => Ok(paths::next_rehearsal(&runbook.dir, id).into()),
        _ => Ok(paths::live_journal(&runbook.dir, id).into()),
    }
}

/// The console's result as an exit code; say where the journal is.
pub fn finish(result: anyhow::Result<i32>, journal: &crate::journal::JournalLocation) -> u8 {
    match result {
        // Refused before any session opened (another console holds the
        // path): there is no journal of this console's to point at.
        Ok(code) if code == i32::from(super::output::EXIT_INVALID) => super::output::EXIT_INVALID,
        Ok(code) => {
            let shown = journal.display();
            eprintln!("journal: {shown}\n  report: warroom report {shown}");
            u8::try_from(code).unwrap_or(EXIT_FAILURE)
        }
        Err(err) => {
            eprintln!("warroom: {err:#}");
            EXIT_FAILURE
        }
    }
}
