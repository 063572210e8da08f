//! The commands and flags.
//!
//! Adding a subcommand: one variant in `Command` (its args in a struct),
//! one arm in `run` calling that module's `run` function, which returns the
//! process exit code (0 fine, 1 runtime failure, 2 bad usage or invalid
//! runbook).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::runbook::{self, Loaded, Runbook};

/// Exit code: everything went fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: something failed at run time (I/O, a refused session...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad usage or an invalid runbook.
pub const EXIT_INVALID: u8 = 2;

const EXAMPLES: &str = "\
Examples:
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
    /// Validate a runbook and print a summary; every problem with file:line:col.
    #[command(after_help = "Example:\n  warroom check runbooks/billing-phased.toml")]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The runbook (TOML) to validate.
    pub runbook: PathBuf,
}

/// What every command needs to know about the output.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub color: bool,
}

impl Cli {
    /// Colour only on a terminal, and never with --no-color or NO_COLOR set.
    pub fn output(&self) -> Output {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            color: !self.no_color && !no_color_env && std::io::stderr().is_terminal(),
        }
    }
}

/// Run the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let out = cli.output();
    match cli.command {
        Command::Check(args) => check(&args, out),
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
