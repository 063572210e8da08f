//! Text and bytes from outside warroom: metric servers, webhook receivers,
//! commands' output, other consoles' journal rows, operator names.
//!
//! Every such byte is hostile until it has passed through here:
//! - `text`: control characters (C0 but tab, DEL, C1) and bidi controls
//!   become a visible escape, so nothing can move the cursor, set the
//!   window title or write the clipboard (OSC 52);
//! - `redact`: every secret in every encoding (percent, `+`, HTML entities,
//!   JSON escapes, hex, base64; mixed) becomes `***`;
//! - `body`: every HTTP body is read to at most N bytes;
//! - `redirect`: a redirect never leaves the request's origin.
//!
//! Sanitize where text enters (a poll's error, a webhook's answer, a
//! decoded journal row), so panes, reports and notifications can draw it
//! as it is.

pub mod body;
pub mod redact;
pub mod redirect;
pub mod text;

pub use body::read_at_most;
pub use redact::redact;
pub use text::{first_control, sanitize, sanitize_lines, show_path};

/// An outside error text made fit to show and journal: secrets starred in
/// every encoding, then controls escaped, then cut to `max_chars` (with
/// `…`). In that order: redaction sees the whole text, so no cut can split
/// a secret, and the cut cannot split an escape the sanitizer made into
/// something a terminal would act on.
pub fn scrub(text: &str, secrets: &[String], max_chars: usize) -> String {
    let clean = sanitize(&redact(text, secrets)).into_owned();
    if clean.chars().count() <= max_chars {
        return clean;
    }
    let mut cut: String = clean.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The longest error text a source or webhook failure keeps.
pub const ERROR_CHARS: usize = 300;
