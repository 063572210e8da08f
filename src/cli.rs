//! The commands and flags.
//!
//! Adding a subcommand: one variant in `Command` (its args in a struct),
//! one arm in `run` calling that module's `run` function, which returns the
//! process exit code (0 fine, 1 runtime failure, 2 bad usage or invalid
//! runbook).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::commands;
pub use crate::commands::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK, Output};
use crate::report::Format;
use crate::runbook::model::Strategy;
use crate::session::event::SessionMode;

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
  warroom init --strategy canary my-cutover.toml
      Start a new runbook from a commented template.
  warroom docs runbook | less
      Every key of the runbook format: type, default, meaning.

Exit codes: 0 fine, 1 runtime failure, 2 bad usage or invalid runbook.";

/// `warroom --version`: the release and the commit it was built from
/// (build.rs; `-dirty` for a tree with changes, `unknown` without git).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("WARROOM_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version = VERSION,
    about = "A terminal console for production cutovers: runbook, live health, go/no-go gates, one-key actions, a crash-proof journal.",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Plain output without colours (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Show every clock in this IANA zone (e.g. Europe/Berlin) instead of
    /// the runbook's `timezone` (default UTC), for this console or report only.
    #[arg(long, global = true, value_name = "ZONE", value_parser = crate::timefmt::Zone::parse)]
    pub tz: Option<crate::timefmt::Zone>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole console on a built-in simulated service; nothing to set up.
    #[command(
        after_help = "Example:\n  warroom demo --as alice\n\nKeys 1-5 inject faults (error spike, latency, dead endpoint, mismatches, a gap in the baseline that leaves the canary analysis inconclusive), 0 clears them."
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
    /// A read-only status page of a session for people without SSH (HTTP, token-protected).
    #[command(
        after_help = "Example:\n  warroom serve runbooks/billing-phased.toml\n  warroom serve runbooks/billing-phased.toml --listen 127.0.0.1:8080 --token-file ~/.warroom-token\n\nListens on loopback; publish it through an SSH tunnel or a reverse proxy with TLS."
    )]
    Serve(ServeArgs),
    /// Write a commented runbook for a strategy; `check` accepts it once every CHANGE-ME is replaced.
    #[command(
        after_help = "Example:\n  warroom init --strategy canary runbooks/api-v3.toml\n  warroom init > draft.toml\n\nNever overwrites an existing file."
    )]
    Init(InitArgs),
    /// Print the JSON Schema of the runbook format (for editors: taplo, Even Better TOML).
    #[command(
        after_help = "Example:\n  warroom schema > runbook.schema.json\n  then start the runbook with the line:  #:schema ./runbook.schema.json"
    )]
    Schema,
    /// Print a reference compiled into the binary: `runbook`, every key of the runbook format.
    #[command(after_help = "Example:\n  warroom docs runbook | less")]
    Docs(DocsArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  warroom completions bash > ~/.local/share/bash-completion/completions/warroom\n  warroom completions zsh > ~/.zfunc/_warroom\n  warroom completions fish > ~/.config/fish/completions/warroom.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  warroom man > ~/.local/share/man/man1/warroom.1")]
    Man,
    /// The journal itself: `journal init URL` makes a PostgreSQL journal's tables.
    #[command(subcommand)]
    Journal(JournalCommand),
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Create the tables at a postgresql:// URL (for teams whose operators
    /// may not create tables); does nothing when they are there. With
    /// --grant ROLE: the privileges that role needs (docs/POSTGRES.md).
    #[command(
        after_help = "Examples:\n  warroom journal init 'postgresql://admin@db.internal/cutovers?options=-csearch_path%3Dbilling_v2'\n  warroom journal init 'postgresql://admin@db.internal/cutovers?options=-csearch_path%3Dbilling_v2' --grant alice --apply\n  warroom journal init 'postgresql://admin@db.internal/cutovers?options=-csearch_path%3Dbilling_v2' --grant statuspage --read-only"
    )]
    Init {
        /// postgresql://user@host/db (password from PGPASSWORD, ~/.pgpass or
        /// passfile=FILE; a password in the URL is refused here).
        #[arg(required_unless_present = "journal_file")]
        url: Option<PathBuf>,
        /// Read the URL from FILE (its first line; mode 600 if it holds a password).
        #[arg(long, value_name = "FILE", conflicts_with = "url")]
        journal_file: Option<PathBuf>,
        /// Print the GRANT statements database role ROLE needs to run a
        /// console on this journal (nothing is changed without --apply).
        #[arg(long, value_name = "ROLE")]
        grant: Option<String>,
        /// With --grant: the read-only set, for `serve` and `report` (SELECT only).
        #[arg(long, requires = "grant")]
        read_only: bool,
        /// With --grant: create the tables when missing and run the statements.
        #[arg(long, requires = "grant")]
        apply: bool,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// How exposure grows: canary, phased or big-bang.
    #[arg(long, value_enum, default_value = "phased")]
    pub strategy: InitStrategy,
    /// Where to write the runbook (default: print it).
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitStrategy {
    Canary,
    Phased,
    BigBang,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Which reference.
    #[arg(value_enum)]
    pub topic: DocsTopic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocsTopic {
    /// The runbook format: every table and key, its type, default and meaning.
    Runbook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
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
    /// Read the journal's location from FILE (its first line): a URL with a
    /// password, kept out of `ps` (mode 600).
    #[arg(long, value_name = "FILE", conflicts_with = "journal")]
    pub journal_file: Option<PathBuf>,
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
    /// Open a new attempt in the same journal after the last one ended
    /// (COMPLETE or ROLLED_BACK), with this reason: one record per cutover.
    #[arg(long, value_name = "REASON", num_args = 0..=1, default_missing_value = "")]
    pub new_attempt: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's journal here (default: a new temporary folder).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Act as NAME (`:as NAME` switches inside the demo).
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// With --journal: open a new attempt in it after the last one ended.
    #[arg(long, value_name = "REASON", num_args = 0..=1, default_missing_value = "")]
    pub new_attempt: Option<String>,
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
    /// The session journal (a .db file or a postgresql:// URL without a password).
    #[arg(required_unless_present = "journal_file")]
    pub journal: Option<PathBuf>,
    /// Read the journal's location from FILE (its first line): a URL with a
    /// password, kept out of `ps` (mode 600).
    #[arg(long, value_name = "FILE", conflicts_with = "journal")]
    pub journal_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The runbook (TOML); optional with --journal, whose session's own
    /// runbook the page shows.
    #[arg(required_unless_present_any = ["journal", "journal_file"])]
    pub runbook: Option<PathBuf>,
    /// The session journal: a file or a postgresql:// URL, opened read-only
    /// (default: the live journal beside the runbook).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Read the journal's location from FILE (its first line): a URL with a
    /// password, kept out of `ps` (mode 600).
    #[arg(long, value_name = "FILE", conflicts_with = "journal")]
    pub journal_file: Option<PathBuf>,
    /// Address to listen on; loopback unless you mean it.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Read the access token from this file (first line) instead of a random one.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

impl Cli {
    /// Colour only on a terminal, and never with --no-color or NO_COLOR set.
    pub fn output(&self) -> Output {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let allowed = !self.no_color && !no_color_env;
        Output {
            color: allowed && std::io::stderr().is_terminal(),
            color_allowed: allowed,
            tz: self.tz,
        }
    }
}

/// Run the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let out = cli.output();
    match cli.command {
        Command::Check(args) if args.probe => commands::check::probe(&args.runbook, out),
        Command::Check(args) => commands::check::check(&args.runbook, out),
        Command::Demo(a) => match journal(a.journal, None, "demo", "--journal") {
            Ok(journal) => commands::demo::run(
                commands::demo::Request {
                    journal,
                    operator: a.as_name,
                    new_attempt: a.new_attempt,
                },
                out,
            ),
            Err(code) => code,
        },
        Command::Run(a) => match a.request("run") {
            Ok(req) => commands::console::run(req, SessionMode::Live, out),
            Err(code) => code,
        },
        Command::Rehearse(a) => match a.request("rehearse") {
            Ok(req) => commands::console::run(req, SessionMode::Rehearsal, out),
            Err(code) => code,
        },
        Command::Journal(JournalCommand::Init {
            url,
            journal_file,
            grant,
            read_only,
            apply,
        }) => match journal(url, journal_file.as_deref(), "journal init", "the URL") {
            Ok(Some(url)) => match grant {
                Some(role) => commands::journal::grant(&url, &role, read_only, apply),
                None => commands::journal::init(&url),
            },
            Ok(None) => EXIT_INVALID,
            Err(code) => code,
        },
        Command::Init(a) => commands::init::run(
            match a.strategy {
                InitStrategy::Canary => Strategy::Canary,
                InitStrategy::Phased => Strategy::Phased,
                InitStrategy::BigBang => Strategy::BigBang,
            },
            a.path.as_deref(),
        ),
        Command::Schema => commands::docs::schema(),
        Command::Completions(a) => commands::docs::completions(
            match a.shell {
                CompletionShell::Bash => clap_complete::Shell::Bash,
                CompletionShell::Zsh => clap_complete::Shell::Zsh,
                CompletionShell::Fish => clap_complete::Shell::Fish,
            },
            Cli::command(),
        ),
        Command::Man => commands::docs::man(Cli::command()),
        Command::Docs(DocsArgs {
            topic: DocsTopic::Runbook,
        }) => commands::docs::runbook_reference(),
        Command::Serve(a) => {
            match journal(a.journal, a.journal_file.as_deref(), "serve", "--journal") {
                Ok(journal) => commands::serve::run(
                    commands::serve::Request {
                        runbook: a.runbook,
                        journal,
                        listen: a.listen,
                        token_file: a.token_file,
                    },
                    out,
                ),
                Err(code) => code,
            }
        }
        Command::Report(a) => match journal(
            a.journal,
            a.journal_file.as_deref(),
            "report",
            "the journal",
        ) {
            Ok(Some(journal)) => commands::report::run(
                &journal,
                match a.format {
                    ReportFormat::Markdown => Format::Markdown,
                    ReportFormat::Jsonl => Format::Jsonl,
                    ReportFormat::Html => Format::Html,
                },
                out.tz,
            ),
            Ok(None) => EXIT_INVALID,
            Err(code) => code,
        },
    }
}

/// The journal a command was given (`--journal`, the positional URL, or
/// `--journal-file`); a password on the command line is refused (exit 2).
fn journal(
    arg: Option<PathBuf>,
    file: Option<&std::path::Path>,
    command: &str,
    flag: &str,
) -> Result<Option<crate::journal::JournalLocation>, u8> {
    commands::journal_arg::location(arg, file, flag).map_err(|e| {
        eprintln!("warroom {command}: {e}");
        EXIT_INVALID
    })
}

impl SessionArgs {
    fn request(&self, command: &str) -> Result<commands::console::Request<'_>, u8> {
        let journal = journal(
            self.journal.clone(),
            self.journal_file.as_deref(),
            command,
            "--journal",
        )?;
        Ok(commands::console::Request {
            runbook: &self.runbook,
            journal,
            operator: self.as_name.clone(),
            read_only: self.read_only,
            accept_runbook_change: self.accept_runbook_change,
            execute: self.execute,
            join: self.join,
            new_attempt: self.new_attempt.clone(),
        })
    }
}
