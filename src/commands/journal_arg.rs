//! Where a command's journal comes from: `--journal LOCATION` on the
//! command line, or `--journal-file FILE` holding it. A PostgreSQL URL
//! with a password is refused on the command line: every local user reads
//! it in `ps` and `/proc/PID/cmdline`. In a file (mode 600), the password
//! is as private as `~/.pgpass`.

use std::path::{Path, PathBuf};

use crate::journal::JournalLocation;
use crate::journal::pg;

/// The longest journal file read; a URL is a line.
const FILE_LIMIT: u64 = 64 * 1024;

/// The journal location a command was given, if any: from `--journal`
/// (`flag` names it in messages) or read from `--journal-file`, parsed
/// here once: a URL that cannot be right whatever the server says (it
/// does not parse, an unknown sslmode, an unreadable root certificate) is
/// bad input, refused before anything is tried.
pub fn location(
    arg: Option<PathBuf>,
    file: Option<&Path>,
    flag: &str,
) -> Result<Option<JournalLocation>, String> {
    let raw = match (file, arg) {
        (Some(f), _) => from_file(f)?,
        (None, Some(a)) if a.to_str().is_some_and(pg::url::has_password) => {
            return Err(refusal(flag));
        }
        (None, Some(a)) => a,
        (None, None) => return Ok(None),
    };
    JournalLocation::parse_os(raw.as_os_str())
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The message for a password on the command line.
pub fn refusal(flag: &str) -> String {
    format!(
        "{flag}: a password in a postgresql:// URL is refused on the command line (every local user can read it with `ps`). \
         Leave it out of the URL and give it by PGPASSWORD, by ~/.pgpass (mode 600), or by `passfile=FILE` in the URL; \
         or write the whole URL in a file of mode 600 and pass `--journal-file FILE`"
    )
}

fn from_file(f: &Path) -> Result<PathBuf, String> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let shown = crate::untrusted::show_path(f);
    let file = std::fs::File::open(f).map_err(|e| format!("--journal-file {shown}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("--journal-file {shown}: {e}"))?;
    let mut text = String::new();
    file.take(FILE_LIMIT)
        .read_to_string(&mut text)
        .map_err(|e| format!("--journal-file {shown}: {e}"))?;
    let Some(line) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err(format!(
            "--journal-file {shown}: empty (write the journal's location on its first line)"
        ));
    };
    let location = PathBuf::from(line);
    // libpq's rule for ~/.pgpass: a password others can read is refused.
    if pg::url::has_password(line) && meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "--journal-file {shown}: holds a password and others may read it; `chmod 600` it"
        ));
    }
    Ok(location)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_password_on_the_command_line_is_refused_naming_the_other_ways() {
        for url in [
            "postgresql://ann:hunter2@db/x",
            "postgres://ann:hunter2@db:5432/x?sslmode=require",
            "postgresql://ann@db/x?password=hunter2",
        ] {
            let e = location(Some(url.into()), None, "--journal").unwrap_err();
            assert!(!e.contains("hunter2"), "{e}");
            for name in [
                "PGPASSWORD",
                "~/.pgpass",
                "passfile=",
                "--journal-file FILE",
            ] {
                assert!(e.contains(name), "{name} missing: {e}");
            }
        }
        for fine in [
            "postgresql://ann@db/x",
            "/tmp/live.db",
            "postgresql://db/x?sslmode=require",
        ] {
            let l = location(Some(fine.into()), None, "--journal")
                .unwrap()
                .unwrap();
            assert_eq!(l.is_postgres(), fine.starts_with("postgresql:"), "{fine}");
            assert_eq!(l.file().is_some(), !l.is_postgres(), "{fine}");
        }
    }

    #[test]
    fn a_journal_file_gives_its_first_line_and_must_be_private_when_it_holds_a_password() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("journal-url");
        std::fs::write(&f, "\n  postgresql://ann:hunter2@db/x  \n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = location(None, Some(&f), "--journal").unwrap_err();
        assert!(e.contains("chmod 600") && !e.contains("hunter2"), "{e}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let l = location(None, Some(&f), "--journal").unwrap().unwrap();
        assert_eq!(l.display(), "postgresql://ann@db:5432/x");
        std::fs::write(&f, "\n").unwrap();
        assert!(
            location(None, Some(&f), "--journal")
                .unwrap_err()
                .contains("empty")
        );
    }
}
