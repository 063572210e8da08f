//! The commands and flags.
//!
//! Adding a subcommand: one variant in `Command` (its args in a struct),
//! one arm in `run` calling that module's `run` function, which returns the
//! process exit code (0 fine, 1 runtime failure, 2 bad usage or invalid
//! runbook).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::report::Format;
use crate::runbook::{self, Loaded, Runbook};
use crate::session::event::SessionMode;

/// Exit code: everything went fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: something failed at run time (I/O, a refused session...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad usage or an invalid runbook.
pub const EXIT_INVALID: u8 = 2;

const EXAMPLES: &str = "\
Examples:
  warroom demo
      The whole console on a built-in simulated service; nothing to set up.
  warroom rehearse runbooks/billing-phased.toml --as alice
      A dry run: the same console, actions not executed.
  warroom run runbooks/billing-phased.toml
      The live cutover; pairing operators run the same command.
  warroom check --probe runbooks/api-canary.toml
      Validate, then poll every panel once: Friday's pre-flight.
  warroom report runbooks/.warroom/billing-v2/live.db
      The change record in Markdown (--format html to print, jsonl for scripts).
  warroom check runbooks/billing-phased.toml
      Validate a runbook: every problem, each with file:line:col.
  NO_COLOR=1 warroom check runbooks/api-canary.toml
      The same, without colours.

Exit codes: 0 fine, 1 runtime failure, 2 bad usage or invalid runbook.";

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "A terminal console for production cutovers: runbook, live health, go/no-go gates, one-key actions, a crash-proof journal.",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Plain output without colours (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole console on a built-in simulated service; nothing to set up.
    #[command(
        after_help = "Example:\n  warroom demo --as alice\n\nKeys 1-4 inject faults (error spike, latency, dead endpoint, mismatches), 0 clears them."
    )]
    Demo(DemoArgs),
    /// The live cutover console on a runbook's session journal.
    #[command(
        after_help = "Example:\n  warroom run runbooks/billing-phased.toml\n  warroom run runbooks/billing-phased.toml --read-only   # a stakeholder watching"
    )]
    Run(SessionArgs),
    /// A dry run: the same console, actions not executed (unless --execute).
    #[command(
        after_help = "Example:\n  warroom rehearse runbooks/billing-phased.toml --as alice\n  warroom rehearse runbooks/billing-phased.toml --join --as bob"
    )]
    Rehearse(SessionArgs),
    /// Validate a runbook and print a summary; every problem with file:line:col.
    #[command(
        after_help = "Example:\n  warroom check runbooks/billing-phased.toml\n  warroom check --probe runbooks/billing-phased.toml"
    )]
    Check(CheckArgs),
    /// The record of a session: Markdown or HTML for the change record, or JSON Lines.
    #[command(
        after_help = "Example:\n  warroom report runbooks/.warroom/billing-v2/live.db\n  warroom report --format html JOURNAL > record.html\n  warroom report --format jsonl JOURNAL | jq .kind"
    )]
    Report(ReportArgs),
    /// The journal itself: `journal init URL` makes a PostgreSQL journal's tables.
    #[command(subcommand)]
    Journal(JournalCommand),
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Create the tables at a postgresql:// URL (for teams whose operators
    /// may not create tables); does nothing when they are there.
    #[command(
        after_help = "Example:\n  warroom journal init 'postgresql://admin@db.internal/cutovers?options=-csearch_path%3Dbilling_v2'"
    )]
    Init {
        /// postgresql://user@host/db (password from PGPASSWORD or ~/.pgpass).
        url: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The runbook (TOML) to validate.
    pub runbook: PathBuf,
    /// Also poll every panel once and print its state (exit 1 if any has no value).
    #[arg(long)]
    pub probe: bool,
}

#[derive(Debug, Args)]
pub struct SessionArgs {
    /// The runbook (TOML).
    pub runbook: PathBuf,
    /// The session journal (default: .warroom/<cutover id>/live.db beside the
    /// runbook for run, a new rehearsal-N.db for each rehearse).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Act as NAME (rehearse only; a live operator is the Unix account).
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// Attach as an observer: the same live screen, no actions.
    #[arg(long)]
    pub read_only: bool,
    /// Go on although the runbook changed since the session opened (journaled).
    #[arg(long)]
    pub accept_runbook_change: bool,
    /// Rehearse only: really run actions and step commands (against staging).
    #[arg(long)]
    pub execute: bool,
    /// Rehearse only: attach to the latest rehearsal, to rehearse together.
    #[arg(long)]
    pub join: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's journal here (default: a new temporary folder).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Act as NAME (`:as NAME` switches inside the demo).
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Jsonl,
    /// One self-contained printable page.
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The session journal (a .db file).
    pub journal: PathBuf,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
}

/// What every command needs to know about the output.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Colour on stderr/stdout (a terminal, and allowed).
    pub color: bool,
    /// Colour allowed at all (no --no-color, no NO_COLOR): the console's theme.
    pub color_allowed: bool,
}

impl Cli {
    /// Colour only on a terminal, and never with --no-color or NO_COLOR set.
    pub fn output(&self) -> Output {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let allowed = !self.no_color && !no_color_env;
        Output {
            color: allowed && std::io::stderr().is_terminal(),
            color_allowed: allowed,
        }
    }
}

/// Run the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let out = cli.output();
    match cli.command {
        Command::Check(args) if args.probe => probe(&args, out),
        Command::Check(args) => check(&args, out),
        Command::Demo(a) => commands::demo::run(
            commands::demo::Request {
                journal: a.journal,
                operator: a.as_name,
            },
            out,
        ),
        Command::Run(a) => commands::console::run(a.request(), SessionMode::Live, out),
        Command::Rehearse(a) => commands::console::run(a.request(), SessionMode::Rehearsal, out),
        Command::Journal(JournalCommand::Init { url }) => commands::journal::init(&url),
        Command::Report(a) => commands::report::run(
            &a.journal,
            match a.format {
                ReportFormat::Markdown => Format::Markdown,
                ReportFormat::Jsonl => Format::Jsonl,
                ReportFormat::Html => Format::Html,
            },
        ),
    }
}

impl SessionArgs {
    fn request(&self) -> commands::console::Request<'_> {
        commands::console::Request {
            runbook: &self.runbook,
            journal: self.journal.clone(),
            operator: self.as_name.clone(),
            read_only: self.read_only,
            accept_runbook_change: self.accept_runbook_change,
            execute: self.execute,
            join: self.join,
        }
    }
}

/// `warroom check --probe`: validate, then poll every panel once.
pub fn probe(args: &CheckArgs, out: Output) -> u8 {
    match runbook::load(&args.runbook) {
        Ok(loaded) => {
            print!("{}", summary(&args.runbook, &loaded, out));
            let code = crate::health::probe::run(&loaded.runbook, out.color);
            u8::try_from(code).unwrap_or(EXIT_FAILURE)
        }
        Err(err) => {
            eprint!("{}", err.render(out.color));
            EXIT_INVALID
        }
    }
}

/// `warroom check`: load, validate, print the summary and warnings.
pub fn check(args: &CheckArgs, out: Output) -> u8 {
    match runbook::load(&args.runbook) {
        Ok(loaded) => {
            print!("{}", summary(&args.runbook, &loaded, out));
            EXIT_OK
        }
        Err(err) => {
            eprint!("{}", err.render(out.color));
            EXIT_INVALID
        }
    }
}

/// The text `check` prints for a valid runbook.
pub fn summary(path: &Path, loaded: &Loaded, out: Output) -> String {
    let rb: &Runbook = &loaded.runbook;
    let c = &rb.cutover;
    let strategy = match c.strategy {
        runbook::model::Strategy::Phased => "phased",
        runbook::model::Strategy::BigBang => "big-bang",
        runbook::model::Strategy::Canary => "canary",
    };
    let deadline = match c.rollback_deadline {
        None => "none".to_string(),
        Some(runbook::model::Deadline::After(d)) => {
            format!("{} after start", runbook::duration::format_duration(d))
        }
        Some(runbook::model::Deadline::At(t)) => t.to_rfc3339(),
    };
    let irreversible = rb.steps.iter().filter(|s| s.irreversible).count();
    let ladder: Vec<String> = rb
        .stages
        .iter()
        .map(|s| format!("{} {}%", s.name, s.exposure))
        .collect();
    let mut s = String::new();
    s.push_str(&format!("{}: ok\n", path.display()));
    s.push_str(&format!("  {} ({})\n", c.title, c.id));
    s.push_str(&format!("  strategy:          {strategy}\n"));
    s.push_str(&format!(
        "  stages:            {}{}\n",
        rb.stages.len(),
        if ladder.is_empty() {
            String::new()
        } else {
            format!(" ({})", ladder.join(" -> "))
        }
    ));
    s.push_str(&format!("  gates:             {}\n", rb.gates.len()));
    s.push_str(&format!(
        "  steps:             {} ({irreversible} irreversible)\n",
        rb.steps.len()
    ));
    s.push_str(&format!("  panels:            {}\n", rb.panels.len()));
    s.push_str(&format!("  guards:            {}\n", rb.guards.len()));
    s.push_str(&format!("  rollback deadline: {deadline}\n"));
    for w in &loaded.warnings {
        s.push_str(&w.render(path, &read_or_empty(path), out.color));
    }
    if !loaded.warnings.is_empty() {
        s.push_str(&format!("  {} warning(s)\n", loaded.warnings.len()));
    }
    rb.redact(&s)
}

fn read_or_empty(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
