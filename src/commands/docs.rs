//! Text about warroom itself: the runbook's JSON Schema, shell completion
//! scripts and the man page, all printed to stdout.

use super::output::{EXIT_FAILURE, write_out};

/// `warroom schema`: the JSON Schema of the runbook format.
pub fn schema() -> u8 {
    write_out(crate::runbook::schema::json_schema().as_bytes())
}

/// `warroom completions SHELL`: a completion script for `cmd`.
pub fn completions(shell: clap_complete::Shell, mut cmd: clap::Command) -> u8 {
    let mut buf = Vec::new();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    write_out(&buf)
}

/// `warroom man`: the roff man page for `cmd`.
pub fn man(cmd: clap::Command) -> u8 {
    let mut buf = Vec::new();
    match clap_mangen::Man::new(cmd).render(&mut buf) {
        Ok(()) => write_out(&buf),
        Err(e) => {
            eprintln!("warroom: cannot render the man page: {e}");
            EXIT_FAILURE
        }
    }
}
