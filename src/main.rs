use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = warroom::cli::Cli::parse();
    ExitCode::from(warroom::cli::run(cli))
}
