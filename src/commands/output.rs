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
}
