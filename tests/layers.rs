//! The module layers ARCHITECTURE.md draws, checked on the source text:
//! - the pure core (session rules, health evaluation and units, action
//!   outcomes and takeover policy, guards) names no I/O crate and no module
//!   that does I/O, so it stays testable by tables and could become a
//!   crate of its own;
//! - the journal's PostgreSQL files never import the SQLite ones (both
//!   import only the backend-neutral files);
//! - `describe` does not import `actions`.
//!
//! A line is read as code unless it starts a comment, so a doc comment
//! may name `tokio` or `rusqlite` freely.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Files under `src/` matching these (a folder takes every `.rs` in it).
fn files(of: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for f in of {
        let p = src().join(f);
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect();
            v.sort();
            out.extend(v);
        } else {
            assert!(
                p.exists(),
                "{} is gone: update tests/layers.rs",
                p.display()
            );
            out.push(p);
        }
    }
    out
}

/// Every code line of `file` naming one of `words` (a whole path segment).
fn offending(file: &Path, words: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut hits = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        for w in words {
            let found = code.match_indices(w).any(|(at, _)| {
                let before = code[..at].chars().next_back();
                let after = code[at + w.len()..].chars().next();
                let edge = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                edge(before) && (edge(after) || after == Some(':'))
            });
            if found {
                hits.push(format!("{}:{}: {w}: {}", file.display(), i + 1, code));
            }
        }
    }
    hits
}

/// The pure core: the files whose logic is tested by tables.
const CORE: &[&str] = &[
    "session",
    "guard",
    "health/evaluate.rs",
    "health/evaluate_tests.rs",
    "health/units.rs",
    "health/state.rs",
    "health/status.rs",
    "health/reading.rs",
    "actions/takeover.rs",
];

/// Crates that do I/O, and our modules that do.
const IO: &[&str] = &[
    "tokio",
    "rusqlite",
    "reqwest",
    "postgres",
    "hyper",
    "hyper_util",
    "axum",
    "nix",
    "crossterm",
    "std::fs",
    "std::net",
    "std::process",
    "std::thread",
    "crate::journal",
    "crate::console_session",
    "crate::tui",
    "crate::serve",
    "crate::notify",
    "crate::sim",
    "crate::commands",
    "crate::health::poller",
    "crate::health::source",
    "crate::health::probe",
    "crate::actions::runner",
    "crate::actions::webhook",
    "crate::actions::tree",
];

#[test]
fn the_pure_core_names_no_io_crate_and_no_io_module() {
    let hits: Vec<String> = files(CORE).iter().flat_map(|f| offending(f, IO)).collect();
    assert!(
        hits.is_empty(),
        "the pure core must not do I/O (move the I/O out, pass its result in):\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_check_sees_an_io_import() {
    // The check itself: a file importing tokio is caught, a comment is not.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.rs");
    std::fs::write(
        &f,
        "//! tokio is named here only\nuse tokio::sync::mpsc;\nfn a() { crate::journal::open::read_all(p); }\nlet tokio_like = 1;\n",
    )
    .unwrap();
    let hits = offending(&f, IO);
    assert_eq!(hits.len(), 2, "{hits:?}");
}

#[test]
fn postgres_never_imports_the_sqlite_backend() {
    let words = &[
        "sqlite",
        "rusqlite",
        "super::store",
        "super::conduct",
        "super::create",
        "super::follow",
        "super::super::store",
        "super::super::conduct",
        "super::super::follow",
        "crate::journal::store",
        "crate::journal::conduct",
        "crate::journal::follow",
    ];
    let hits: Vec<String> = files(&["journal/pg"])
        .iter()
        .flat_map(|f| offending(f, words))
        .collect();
    assert!(hits.is_empty(), "{}", hits.join("\n"));
    // And the backend-neutral files import neither backend.
    let neutral = files(&[
        "journal/backend.rs",
        "journal/decode.rs",
        "journal/error.rs",
        "journal/follower.rs",
        "journal/version.rs",
    ]);
    let hits: Vec<String> = neutral
        .iter()
        .flat_map(|f| offending(f, &["sqlite", "rusqlite", "pg", "postgres"]))
        .collect();
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn describe_does_not_import_actions() {
    let hits: Vec<String> = files(&["describe"])
        .iter()
        .flat_map(|f| offending(f, &["crate::actions"]))
        .collect();
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}
