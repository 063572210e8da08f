//! `warroom --version` names the commit it was built from: `git rev-parse
//! --short HEAD`, with `-dirty` when tracked files differ from it, or
//! "unknown" where there is no git (a source tarball, a crate). Read at
//! build time only; nothing runs git at run time.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).filter(|c| !c.is_empty());
    let version = match &commit {
        Some(c) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{c}-dirty")
            } else {
                c.clone()
            }
        }
        None => "unknown".to_string(),
    };
    println!("cargo:rustc-env=WARROOM_COMMIT={version}");
    // Run again when the commit or the tracked files change (a worktree's
    // HEAD and index live in its own git dir, branches in the common one).
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=src");
    if let Some(dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) {
        for f in ["HEAD", "index"] {
            println!("cargo:rerun-if-changed={}", dir.join(f).display());
        }
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from) {
        for f in ["refs/heads", "packed-refs"] {
            println!("cargo:rerun-if-changed={}", common.join(f).display());
        }
    }
}
