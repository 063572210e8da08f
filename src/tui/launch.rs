//! Starting the console for `warroom run`, `rehearse` and `demo`: open the
//! session, start the poller and the journal follower, take the terminal,
//! run the loop, and always leave the journal and the terminal as found.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::mpsc;

use super::app::{AppOptions, Msg};
use super::console::{Console, Exit, ExtraHandler, run_loop};
use super::keymap::ExtraKey;
use super::terminal::{self, TerminalGuard};
use super::theme::Theme;
use crate::console_session::{self, OpenOptions, Session, SessionError};
use crate::journal::{self, JournalError};
use crate::runbook::model::Runbook;
use crate::session::event::{DetachReason, SessionMode};

/// Everything `warroom run`, `rehearse` and `demo` decide before the console starts.
pub struct ConsoleOptions {
    pub runbook: Arc<Runbook>,
    /// The session's journal (`journal::paths` gives the defaults).
    pub journal: journal::JournalLocation,
    pub mode: SessionMode,
    /// Live: the Unix account (`console_session::identity::current_operator`);
    /// rehearse and demo: `--as NAME` or the account.
    pub operator: String,
    /// `console_session::identity::ssh_host()`.
    pub host: Option<String>,
    pub read_only: bool,
    pub accept_runbook_change: bool,
    /// Actions really run: live and demo always, rehearse with `--execute`.
    pub execute: bool,
    pub no_color: bool,
    /// `--tz`: show clocks in this zone instead of the runbook's.
    pub tz: Option<crate::timefmt::Zone>,
    /// Demo keys (see `demo_keys`) and what they do.
    pub extra_keys: Vec<ExtraKey>,
    pub on_extra: Option<ExtraHandler>,
    /// A rehearsal journal whose step timings to show beside the plan.
    /// `None` in a live run: the latest rehearsal beside the runbook.
    pub rehearsal_journal: Option<PathBuf>,
    /// `--new-attempt [REASON]`: journal `attempt_opened` before the
    /// console starts (refused unless the last attempt ended).
    pub new_attempt: Option<String>,
}

impl ConsoleOptions {
    /// Defaults: not read-only, no runbook-change acceptance, actions
    /// executed except in a rehearsal, colour unless `NO_COLOR`, no demo
    /// keys, host from `SSH_CONNECTION`.
    pub fn new(
        runbook: Arc<Runbook>,
        journal: impl Into<journal::JournalLocation>,
        mode: SessionMode,
        operator: String,
    ) -> Self {
        ConsoleOptions {
            runbook,
            journal: journal.into(),
            mode,
            operator,
            host: console_session::identity::ssh_host(),
            read_only: false,
            accept_runbook_change: false,
            execute: mode != SessionMode::Rehearsal,
            no_color: false,
            tz: None,
            extra_keys: Vec::new(),
            on_extra: None,
            rehearsal_journal: None,
            new_attempt: None,
        }
    }
}

/// The demo's fault keys, ids as `sim::Fault::parse` reads them.
pub fn demo_keys() -> Vec<ExtraKey> {
    [
        ('1', "error spike", "error-spike"),
        ('2', "latency", "latency"),
        ('3', "dead endpoint", "dead"),
        ('4', "mismatches", "mismatch"),
        ('5', "baseline gap", "baseline-gap"),
        ('0', "clear faults", "clear"),
    ]
    .into_iter()
    .map(|(key, label, id)| ExtraKey {
        key,
        label: label.into(),
        id: id.into(),
    })
    .collect()
}

/// Run the console until the operator quits or goes away; returns the exit
/// code (0: quit or detached cleanly, 1: the session could not be opened,
/// e.g. the runbook changed without `--accept-runbook-change`; the reason
/// is printed to stderr). Must be called inside a tokio runtime (the demo
/// starts its service on the same one).
///
/// Wiring (integrator):
/// - `run RUNBOOK`: `ConsoleOptions::new(rb, journal::paths::live_journal(..),
///   SessionMode::Live, identity::current_operator())`; refuse `--as`.
/// - `rehearse RUNBOOK`: mode `Rehearsal`, journal `next_rehearsal(..)`,
///   operator `--as` or the account, `execute = --execute`.
/// - `demo`: start `sim`, load `sim::DEMO_RUNBOOK` with `load_str`, mode
///   `Demo`, `extra_keys = demo_keys()`, `on_extra` parsing the id with
///   `sim::Fault::parse` and calling `SimHandle::inject`.
/// - `--read-only`, `--accept-runbook-change`, `--no-color`: the fields.
pub async fn run_console_async(opts: ConsoleOptions) -> anyhow::Result<i32> {
    let runbook = Arc::clone(&opts.runbook);
    let session = match Session::open(
        Arc::clone(&runbook),
        &opts.journal,
        OpenOptions {
            mode: opts.mode,
            operator: opts.operator.clone(),
            host: opts.host.clone(),
            read_only: opts.read_only,
            accept_runbook_change: opts.accept_runbook_change,
        },
    ) {
        Ok(s) => s,
        // Another live console holds this path with another file: a
        // second session here would be a second conductor (exit 2).
        // A database role without the grants a console needs: bad setup,
        // refused before anything is drawn, with the SQL that fixes it.
        Err(
            e @ SessionError::Journal(JournalError::InUse { .. } | JournalError::Denied { .. }),
        ) => {
            eprintln!("warroom: {e}");
            return Ok(2);
        }
        Err(e) => {
            eprintln!("warroom: {e}");
            return Ok(1);
        }
    };
    let mut session = session;
    if let Some(reason) = &opts.new_attempt {
        let cmd = crate::session::command::Command::NewAttempt {
            reason: reason.clone(),
        };
        let now = session.now();
        let refused = match session.submit_canonical(&cmd, now) {
            Ok(crate::session::command::Outcome::Applied(_)) => None,
            Ok(crate::session::command::Outcome::Refused { reason, .. }) => {
                Some(format!("--new-attempt refused: {reason}"))
            }
            Err(e) => Some(format!("--new-attempt: {e}")),
        };
        if let Some(why) = refused {
            eprintln!("warroom: {why}");
            let _ = session.detach();
            return Ok(2);
        }
    }
    let rehearsal = opts.rehearsal_journal.clone().or_else(|| {
        (opts.mode == SessionMode::Live)
            .then(|| journal::paths::latest_rehearsal(&runbook.dir, &runbook.cutover.id))
            .flatten()
    });
    let app_opts = AppOptions {
        operator: opts.operator.clone(),
        mode: opts.mode,
        read_only: opts.read_only,
        executes: opts.execute,
        allow_as: opts.mode != SessionMode::Live,
        theme: Theme::from_env(opts.no_color),
        extra_keys: opts.extra_keys.clone(),
        tz: opts.tz,
        rehearsal_durations: rehearsal
            .and_then(|p| crate::report::rehearsal_timings(&p).ok())
            .unwrap_or_default(),
    };
    let (panel_tx, panel_rx) = mpsc::unbounded_channel();
    let mut console = Console::new(session, app_opts, opts.execute, opts.on_extra)?;
    if let Some(who) = who_may_act(&runbook, opts.mode, &opts.operator) {
        console.app.update(Msg::Info(who));
    }
    // Only the conductor polls: the console starts its poller when the
    // writer reports that it holds the lease.
    console.poll_into(panel_tx);
    // Attached from here on: a failure before the loop still detaches.
    let setup = (|| {
        let gone = terminal::signals().context("listening for SIGHUP/SIGTERM/SIGINT")?;
        let (guard, term) = TerminalGuard::enter().context("preparing the terminal")?;
        anyhow::Ok((gone, guard, term))
    })();
    let (gone, guard, mut term) = match setup {
        Ok(s) => s,
        Err(e) => {
            console.detach(DetachReason::Quit).await;
            return Err(e);
        }
    };
    let result = run_loop(
        &mut term,
        &mut console,
        crossterm::event::EventStream::new(),
        panel_rx,
        gone,
    )
    .await;
    drop(guard);
    match result? {
        Exit::Quit => Ok(0),
        Exit::Signal(g) => {
            eprintln!(
                "warroom: {}: detached from the session (journaled); the cutover goes on",
                g.name()
            );
            Ok(0)
        }
        Exit::TerminalLost => {
            eprintln!("warroom: the terminal went away: detached from the session (journaled)");
            Ok(0)
        }
    }
}

/// `run_console_async` on a runtime of its own, for callers outside tokio.
pub fn run_console(opts: ConsoleOptions) -> anyhow::Result<i32> {
    let rt = crate::runtime::start().context("starting the async runtime")?;
    rt.block_on(run_console_async(opts))
}

/// What the status line says at start about who may act: in a rehearsal
/// or demo anyone may act as anyone (one person rehearses every role); in
/// a live session an account `[operators]` does not list may only watch
/// and note.
fn who_may_act(
    runbook: &crate::runbook::model::Runbook,
    mode: SessionMode,
    operator: &str,
) -> Option<String> {
    match mode {
        SessionMode::Live if !runbook.lists(operator) => Some(format!(
            "{operator} is not listed in [operators]: you may watch and note, nothing else"
        )),
        SessionMode::Live => None,
        _ if runbook.operators.is_some() => Some(format!(
            "{}: anyone may act as any role here (`:as NAME`); live, only [operators] act",
            mode.as_str()
        )),
        _ => None,
    }
}
