//! What every command shares: the exit codes and the output settings.

/// Exit code: everything went fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: something failed at run time (I/O, a refused session...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad usage or an invalid runbook.
pub const EXIT_INVALID: u8 = 2;

/// What every command needs to know about the output.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Colour on stderr/stdout (a terminal, and allowed).
    pub color: bool,
    /// Colour allowed at all (no --no-color, no NO_COLOR): the console's theme.
    pub color_allowed: bool,
    /// `--tz`: the zone this console or report shows, over the runbook's.
    pub tz: Option<crate::timefmt::Zone>,
}

/// Print `bytes` to stdout: the exit code. A closed pipe (`| head`) is not
/// an error worth a message, and never a panic the way `print!` makes it.
pub fn write_out(bytes: &[u8]) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("warroom: cannot write to stdout: {e}");
            EXIT_FAILURE
        }
    }
}
