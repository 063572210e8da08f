//! Where a journal lives, decided once: a SQLite file or a PostgreSQL
//! URL. The command line parses `--journal` (or `--journal-file`) into a
//! `JournalLocation`; everything after it carries the parsed value, so a
//! URL is never re-read from a display form and never passes for a path.

use std::path::{Path, PathBuf};

use super::error::JournalError;
use super::pg::PgUrl;
pub use super::pg::url::is_url;

/// A journal's place.
#[derive(Clone)]
pub enum JournalLocation {
    /// One SQLite file per session.
    Sqlite(PathBuf),
    /// A schema in a PostgreSQL database (the URL as parsed: password,
    /// TLS settings and all; shown only by its display form).
    Postgres(Box<PgUrl>),
}

impl std::fmt::Debug for JournalLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password: the URL's display form has none.
        f.write_str(&self.display())
    }
}

impl JournalLocation {
    /// Read a location as an operator wrote it: `postgresql://` or
    /// `postgres://` is a URL (which must parse: an unknown sslmode or an
    /// unreadable root certificate is refused here, before anything is
    /// tried), anything else a file.
    pub fn parse(raw: &str) -> Result<JournalLocation, JournalError> {
        if is_url(raw) {
            return Ok(JournalLocation::Postgres(Box::new(PgUrl::parse(raw)?)));
        }
        Ok(JournalLocation::Sqlite(PathBuf::from(raw)))
    }

    /// `parse` for a command-line argument (not UTF-8 is a file name).
    pub fn parse_os(raw: &std::ffi::OsStr) -> Result<JournalLocation, JournalError> {
        match raw.to_str() {
            Some(s) => Self::parse(s),
            None => Ok(JournalLocation::Sqlite(PathBuf::from(raw))),
        }
    }

    /// The file, when the journal is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            JournalLocation::Sqlite(p) => Some(p),
            JournalLocation::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, JournalLocation::Postgres(_))
    }

    /// How to name the journal in messages: a URL without its password,
    /// either through the sanitizer (a folder's name may hold an escape
    /// sequence).
    pub fn display(&self) -> String {
        match self {
            JournalLocation::Sqlite(p) => crate::untrusted::show_path(p),
            JournalLocation::Postgres(u) => crate::untrusted::show_path(&u.display),
        }
    }
}

impl std::fmt::Display for JournalLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// A path is a file: only `parse` reads a URL. (A path spelling a URL is
/// a caller that skipped `parse`: loud in debug builds and tests.)
impl From<PathBuf> for JournalLocation {
    fn from(p: PathBuf) -> Self {
        debug_assert!(
            !p.to_str().is_some_and(is_url),
            "a URL given as a path: use JournalLocation::parse"
        );
        JournalLocation::Sqlite(p)
    }
}

impl From<&Path> for JournalLocation {
    fn from(p: &Path) -> Self {
        p.to_path_buf().into()
    }
}

impl From<&PathBuf> for JournalLocation {
    fn from(p: &PathBuf) -> Self {
        p.clone().into()
    }
}

impl From<&JournalLocation> for JournalLocation {
    fn from(l: &JournalLocation) -> Self {
        l.clone()
    }
}

impl From<PgUrl> for JournalLocation {
    fn from(u: PgUrl) -> Self {
        JournalLocation::Postgres(Box::new(u))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_anything_else_a_file() {
        let cases = [
            ("postgresql://ann@db/x", true),
            ("postgres://ann@db:5433/x?sslmode=disable", true),
            ("/tmp/live.db", false),
            ("postgresql:relative.db", false),
            ("./postgresql://x", false),
        ];
        for (raw, pg) in cases {
            let l = JournalLocation::parse(raw).unwrap();
            assert_eq!(l.is_postgres(), pg, "{raw}");
            assert_eq!(l.file().is_none(), pg, "{raw}");
        }
    }

    #[test]
    fn a_url_that_does_not_parse_is_refused_at_parse_without_quoting_it() {
        let e = JournalLocation::parse("postgresql://ann:hunter2@db/x?sslmode=bogus").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        let l = JournalLocation::parse("postgresql://ann:hunter2@db.internal/cut").unwrap();
        let shown = format!("{l} {l:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("postgresql://ann@db.internal:5432/cut"),
            "{shown}"
        );
    }
}
