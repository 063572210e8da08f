//! The real terminal: raw mode and the alternate screen, restored exactly
//! once whatever happens (normal return, error, panic), and the signals
//! that mean "this operator has gone".
//!
//! Restoring twice can swallow a panic message (the second restore clears
//! the screen the message was printed on), so an atomic flag makes the
//! restore idempotent and the panic hook restores before it chains to the
//! previous hook, which prints the message on the normal screen.

use std::io::{self, Stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Set while the terminal is in raw mode on the alternate screen.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Owns the terminal's raw state; dropping it restores the terminal.
pub struct TerminalGuard {
    _private: (),
}

pub type RealTerminal = Terminal<CrosstermBackend<Stdout>>;

impl TerminalGuard {
    /// Enter raw mode and the alternate screen; install the panic hook.
    pub fn enter() -> io::Result<(TerminalGuard, RealTerminal)> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = TerminalGuard { _private: () };
        // Bracketed paste: a paste arrives as one event, not as keys (each
        // of which could be a command in the normal mode).
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            Hide,
            EnableBracketedPaste
        )?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Leave the alternate screen and raw mode, once; later calls do nothing.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let screen = execute!(
        io::stdout(),
        DisableBracketedPaste,
        Show,
        LeaveAlternateScreen
    );
    let raw = disable_raw_mode();
    screen.and(raw)
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}

/// Why the console stopped without the operator pressing `q`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    Hangup,
    Terminate,
    Interrupt,
}

impl Gone {
    pub fn name(self) -> &'static str {
        match self {
            Gone::Hangup => "SIGHUP",
            Gone::Terminate => "SIGTERM",
            Gone::Interrupt => "SIGINT",
        }
    }
}

/// Resolves when SIGHUP, SIGTERM or SIGINT arrives (a dropped SSH session,
/// a `kill`, a ctrl-c from outside raw mode). Listening starts at the call.
pub fn signals() -> io::Result<impl Future<Output = Gone> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = hup.recv() => Gone::Hangup,
            _ = term.recv() => Gone::Terminate,
            _ = int.recv() => Gone::Interrupt,
        }
    })
}

/// Why this process cannot draw the console, as one line for stderr, or
/// `None` when it can: a terminal that cannot address the cursor
/// (`TERM=dumb`) or stdin/stdout that are not a terminal (a pipe,
/// `</dev/null`, cron). Checked before anything opens the journal, so the
/// refusal is the only thing that happens.
pub fn refusal(term: Option<&str>, stdin_tty: bool, stdout_tty: bool) -> Option<String> {
    let why = if term.is_some_and(|t| t.trim() == "dumb") {
        "TERM=dumb"
    } else if !stdin_tty && !stdout_tty {
        "stdin and stdout are not a terminal"
    } else if !stdin_tty {
        "stdin is not a terminal"
    } else if !stdout_tty {
        "stdout is not a terminal"
    } else {
        return None;
    };
    Some(format!(
        "warroom needs an interactive terminal ({why}); use `warroom report JOURNAL` to read a session"
    ))
}

/// `refusal` for this process.
pub fn interactive_refusal() -> Option<String> {
    use std::io::IsTerminal;
    let term = std::env::var("TERM").ok();
    refusal(
        term.as_deref(),
        io::stdin().is_terminal(),
        io::stdout().is_terminal(),
    )
}

#[cfg(test)]
mod refusal_tests {
    use super::refusal;

    #[test]
    fn no_terminal_no_screen() {
        let cases = [
            (Some("xterm-256color"), true, true, None),
            (None, true, true, None),
            (Some("dumb"), true, true, Some("(TERM=dumb)")),
            (
                Some("xterm"),
                false,
                true,
                Some("(stdin is not a terminal)"),
            ),
            (
                Some("xterm"),
                true,
                false,
                Some("(stdout is not a terminal)"),
            ),
            (
                Some("screen"),
                false,
                false,
                Some("(stdin and stdout are not a terminal)"),
            ),
        ];
        for (term, i, o, want) in cases {
            let got = refusal(term, i, o);
            match want {
                None => assert_eq!(got, None, "{term:?} {i} {o}"),
                Some(w) => {
                    let g = got.unwrap_or_default();
                    assert!(
                        g.starts_with("warroom needs an interactive terminal"),
                        "{g}"
                    );
                    assert!(g.contains(w), "{g}");
                    assert!(g.contains("warroom report"), "{g}");
                }
            }
        }
    }
}
