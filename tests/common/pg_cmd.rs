// Find the PostgreSQL server's binaries (the newest version installed,
// with `initdb` and `pg_basebackup`), run one as the account that owns the
// cluster (`postgres` when the tests run as root, as in CI; the caller
// otherwise), and a command that must succeed. Included with `include!` by `pg.rs`
// and `pg_pair.rs` (no inner doc comments).

fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|b| b.join("initdb").exists() && b.join("pg_basebackup").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn as_owner(bin: &Path) -> Command {
    if nix::unistd::getuid().is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
