//! `warroom --version` names the commit it was built from (build.rs): the
//! short hash of HEAD when built in a git checkout, `-dirty` after it when
//! tracked files had changes, `unknown` without git.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn version_names_the_release_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8(out.stdout).unwrap();
    let release = format!("warroom {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(said.starts_with(&release), "{said}");
    let commit = said[release.len()..].trim_end().trim_end_matches(')');
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Built from this checkout: its HEAD (a commit made since the build
        // makes cargo rebuild first: build.rs watches HEAD and the refs).
        Some(h) => assert!(
            commit == h || commit == format!("{h}-dirty"),
            "{commit:?} is not HEAD {h}"
        ),
        None => assert_eq!(commit, "unknown"),
    }
}
