//! `warroom check` as a user meets it: shipped runbooks pass, every broken
//! fixture is refused with its message at its line:column, and the binary
//! exits 2 on a broken runbook without ever printing a secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use warroom::runbook::{self, LoadError, Severity};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// Load a fixture with an empty environment, so tests never depend on the
/// developer's shell.
fn load_fixture(name: &str) -> Result<runbook::Loaded, LoadError> {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).unwrap();
    runbook::load_str(&text, &path, &|_| None)
}

fn errors(err: &LoadError) -> Vec<(String, Option<(usize, usize)>)> {
    err.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.message.clone(), d.line_col(&err.source_text)))
        .collect()
}

#[test]
fn every_shipped_runbook_loads_without_warnings() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("runbooks")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        match runbook::load_str(&text, &path, &|_| None) {
            Ok(loaded) => assert!(
                loaded.warnings.is_empty(),
                "{}: unexpected warnings: {:?}",
                path.display(),
                loaded.warnings
            ),
            Err(e) => panic!("{}", e.render(false)),
        }
    }
    assert!(
        seen >= 3,
        "expected the three shipped runbooks, found {seen}"
    );
}

#[test]
fn shipped_runbooks_keep_their_shape() {
    let rb = runbook::load(&root().join("runbooks/billing-phased.toml"))
        .unwrap()
        .runbook;
    let exposures: Vec<f64> = rb.stages.iter().map(|s| s.exposure).collect();
    assert_eq!(exposures, vec![1.0, 20.0, 60.0, 100.0]);
    assert!(rb.steps.iter().any(|s| s.irreversible));
    assert_eq!(rb.sha256.len(), 64);
    assert!(
        rb.sha256
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );

    let canary = runbook::load(&root().join("runbooks/api-canary.toml"))
        .unwrap()
        .runbook;
    assert!(
        canary
            .panels
            .iter()
            .any(|p| p.baseline.is_some() && p.fail_ratio.is_some())
    );
    assert!(canary.gates.iter().all(|g| g.two_person));

    let auth = runbook::load(&root().join("runbooks/auth-big-bang.toml"))
        .unwrap()
        .runbook;
    assert_eq!(
        auth.cutover.rollback_deadline,
        Some(runbook::model::Deadline::After(
            std::time::Duration::from_secs(4 * 3600)
        ))
    );
}

#[test]
fn the_readme_example_runbook_is_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```toml\n")
        .expect("a toml example in README.md")
        + 8;
    let len = readme[start..].find("```").unwrap();
    let example = &readme[start..start + len];
    if let Err(e) = runbook::load_str(example, &root().join("README.md"), &|_| None) {
        panic!("README example:\n{}", e.render(false));
    }
}

#[test]
fn the_minimal_fixture_is_valid_so_each_broken_one_fails_for_its_own_mistake() {
    let loaded = load_fixture("minimal.toml").unwrap();
    assert!(loaded.warnings.is_empty());
    let rb = loaded.runbook;
    // Defaults from the format.
    assert_eq!(rb.sources[0].timeout.as_secs(), 2);
    assert_eq!(rb.panels[0].every.as_secs(), 5);
    assert_eq!(rb.panels[0].stale_after, 3);
    assert_eq!(rb.panels[0].unit, runbook::model::Unit::Count);
    assert_eq!(rb.actions.rollback.timeout.as_secs(), 60);
}

/// (fixture, message substring, line, column)
const BROKEN: &[(&str, &str, usize, usize)] = &[
    (
        "unknown-key.toml",
        "unknown key `fial` in [[panels]]: did you mean `fail`?",
        19,
        1,
    ),
    ("bad-duration.toml", "every: invalid duration \"5\"", 20, 9),
    (
        "bad-duration.toml",
        "timeout: expected a string such as \"30s\", found integer 300",
        25,
        11,
    ),
    (
        "bad-threshold.toml",
        "invalid threshold \"more than 5\": expected \"<op> <number>\" such as \"> 0.02\"",
        19,
        8,
    ),
    ("unknown-role.toml", "unknown role `dba`", 24, 9),
    (
        "unknown-source.toml",
        "unknown source `prometheus`: did you mean `prom`?",
        24,
        10,
    ),
    (
        "unknown-panel-in-guard.toml",
        "unknown panel `error`: did you mean `errors`?",
        25,
        9,
    ),
    (
        "wrong-key-for-source.toml",
        "`metric` does not apply to source `prom`: a prometheus source takes `query`",
        18,
        10,
    ),
    (
        "exposure-not-increasing.toml",
        "stage `everyone`: exposure 5 does not increase",
        27,
        12,
    ),
    (
        "fail-ratio-without-baseline.toml",
        "fail_ratio needs a baseline",
        20,
        14,
    ),
    (
        "missing-rollback.toml",
        "a cutover without a way back is refused",
        21,
        2,
    ),
    ("after-cycle.toml", "cycle: a -> b -> a", 29, 10),
    (
        "duplicate-id.toml",
        "duplicate panel id `errors`: already declared on line 15",
        22,
        6,
    ),
    (
        "missing-env.toml",
        "environment variable `PROM_TOKEN` is not set",
        13,
        37,
    ),
    ("syntax-error.toml", "invalid basic string", 16, 16),
];

#[test]
fn every_broken_fixture_is_refused_with_its_message_at_its_place() {
    let mut failures = Vec::new();
    for &(name, needle, line, col) in BROKEN {
        let err = match load_fixture(name) {
            Ok(_) => {
                failures.push(format!("{name}: loaded, expected `{needle}`"));
                continue;
            }
            Err(e) => e,
        };
        let found = errors(&err);
        if !found
            .iter()
            .any(|(m, at)| m.contains(needle) && *at == Some((line, col)))
        {
            failures.push(format!(
                "{name}: wanted `{needle}` at {line}:{col}, got {found:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn single_mistake_fixtures_report_exactly_their_mistakes() {
    for &(name, ..) in BROKEN {
        let expected = BROKEN.iter().filter(|(n, ..)| *n == name).count();
        let err = load_fixture(name).unwrap_err();
        assert_eq!(
            errors(&err).len(),
            expected,
            "{name}: {}",
            err.render(false)
        );
    }
}

#[test]
fn several_mistakes_are_all_reported_in_one_run() {
    let err = load_fixture("several-errors.toml").unwrap_err();
    let found = errors(&err);
    let wanted: &[(&str, usize, usize)] = &[
        (
            "unknown key `sumary` in [cutover]: did you mean `summary`?",
            6,
            1,
        ),
        (
            "unknown key `fial` in [[panels]]: did you mean `fail`?",
            20,
            1,
        ),
        ("invalid threshold \"above 3\"", 21, 8),
        ("bake: invalid duration \"ten minutes\"", 26, 8),
        ("exposure 5 does not increase", 30, 12),
        ("unknown role `dba`", 35, 9),
        ("expect: invalid duration \"an hour\"", 36, 10),
        ("unknown gate `go-live`", 37, 8),
        ("invalid guard `when` \"failing\"", 44, 8),
        (
            "unknown key `gaurds` at the top level: did you mean `guards`?",
            47,
            3,
        ),
    ];
    for (needle, line, col) in wanted {
        assert!(
            found
                .iter()
                .any(|(m, at)| m.contains(needle) && *at == Some((*line, *col))),
            "missing `{needle}` at {line}:{col} in {found:?}"
        );
    }
    assert_eq!(found.len(), wanted.len(), "{found:?}");
}

#[test]
fn a_typo_an_unknown_role_and_a_bad_duration_are_three_errors() {
    let err = load_fixture("typo-role-duration.toml").unwrap_err();
    let found = errors(&err);
    assert_eq!(
        found,
        vec![
            (
                "unknown key `fial` in [[panels]]: did you mean `fail`?".to_string(),
                Some((23, 1))
            ),
            ("unknown role `dba`: did you mean `db`?".to_string(), Some((28, 9))),
            (
                "expect: invalid duration \"15\": expected a whole number and a unit (h, m, s, ms), largest first, no spaces: \"500ms\", \"30s\", \"10m\", \"4h\", \"1h30m\"".to_string(),
                Some((29, 10))
            ),
        ]
    );
}

#[test]
fn rendered_errors_start_with_file_line_col_and_show_a_caret() {
    let err = load_fixture("unknown-key.toml").unwrap_err();
    let text = err.render(false);
    let first = text.lines().next().unwrap();
    assert!(
        first.ends_with(
            "unknown-key.toml:19:1: error: unknown key `fial` in [[panels]]: did you mean `fail`?"
        ),
        "{text}"
    );
    assert!(text.contains("fial = \"> 0.02\""), "{text}");
    assert!(text.contains("^^^^"), "{text}");
}

#[test]
fn an_unreadable_file_names_the_path_and_the_os_error() {
    let path = fixture("does-not-exist.toml");
    let err = runbook::load(&path).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    let text = err.render(false);
    assert!(text.contains("does-not-exist.toml"), "{text}");
    assert!(text.contains("No such file"), "{text}");
}

#[test]
fn environment_values_are_expanded_and_kept_as_secrets() {
    let path = fixture("secret-header.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let env = |name: &str| (name == "TOKEN").then(|| "tok-123".to_string());
    let rb = runbook::load_str(&text, &path, &env).unwrap().runbook;
    assert_eq!(
        rb.sources[0].headers,
        vec![("Authorization".to_string(), "Bearer tok-123".to_string())]
    );
    assert_eq!(rb.secrets, vec!["tok-123".to_string()]);
    assert_eq!(rb.redact("sent Bearer tok-123"), "sent Bearer ***");
}

// ---- the real binary ----

fn warroom(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn binary_refuses_a_broken_runbook_with_exit_2_and_file_line_col() {
    let (code, _out, err) = warroom(&["check", "tests/fixtures/several-errors.toml"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("tests/fixtures/several-errors.toml:20:1: error: unknown key `fial`"),
        "{err}"
    );
    assert!(err.contains("10 errors"), "{err}");
}

#[test]
fn binary_accepts_a_shipped_runbook_and_summarises_it() {
    let (code, out, err) = warroom(&["check", "runbooks/billing-phased.toml"], &[]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "Billing platform migration to v2",
        "phased",
        "stages:",
        "guards:",
        "36h",
    ] {
        assert!(out.contains(needle), "missing {needle} in {out}");
    }
}

/// `check` says where the point of no return is in the plan and who may
/// do what in a live session.
#[test]
fn check_prints_the_point_of_no_return_and_who_may_act() {
    let (code, out, err) = warroom(&["check", "tests/scenarios/runbooks/sample.toml"], &[]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "backfill         after freeze; owner db; IRREVERSIBLE",
        "point of no return: step backfill (2 of 2): from its start rollback is refused on every path",
        "live:            only [operators]: alice (ic), bob (db, billing), carol (billing); others watch and note",
        "rehearse, demo:  anyone, as anyone",
        "rollback         any listed operator; two persons (a second one confirms)",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in {out}");
    }
}

#[test]
fn binary_usage_errors_exit_2() {
    let (code, _, err) = warroom(&["check"], &[]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = warroom(&["frobnicate"], &[]);
    assert_eq!(code, 2);
    let (code, out, _) = warroom(&["--help"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("Examples:"), "{out}");
}

#[test]
fn binary_never_prints_a_secret() {
    let secret = "tok-5ecret-9f3a";
    let (code, out, err) = warroom(
        &["check", "tests/fixtures/secret-header.toml"],
        &[("TOKEN", secret)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");

    // An error about the very source whose url and header use the secret.
    let (code, out, err) = warroom(
        &["check", "tests/fixtures/secret-in-bad-source.toml"],
        &[("TOKEN", secret)],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("must start with http:// or https://"), "{err}");
    assert!(err.contains("${TOKEN}"), "the template is shown: {err}");
    assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
}

#[test]
fn relative_scripts_are_checked_against_the_runbook_folder() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("minimal.toml"))
        .unwrap()
        .replace(
            "run = \"echo rollback\"",
            "run = \"./scripts/rollback.sh --all\"",
        );
    let path = dir.path().join("rb.toml");
    std::fs::write(&path, &text).unwrap();
    let loaded = runbook::load(&path).unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(
        loaded.warnings[0]
            .message
            .contains("./scripts/rollback.sh not found")
    );

    std::fs::create_dir(dir.path().join("scripts")).unwrap();
    let script = dir.path().join("scripts/rollback.sh");
    std::fs::write(&script, "#!/bin/sh\necho ok\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(runbook::load(&path).unwrap().warnings.is_empty());
}

#[test]
fn timezone_is_an_iana_name_checked_with_its_place() {
    let path = fixture("minimal.toml");
    let base = std::fs::read_to_string(&path).unwrap();
    let with = |tz: &str| {
        base.replacen(
            "strategy = \"phased\"\n",
            &format!("strategy = \"phased\"\ntimezone = \"{tz}\"\n"),
            1,
        )
    };
    let rb = runbook::load_str(&with("America/New_York"), &path, &|_| None)
        .unwrap()
        .runbook;
    assert_eq!(rb.cutover.timezone.name(), "America/New_York");
    let rb = runbook::load_str(&base, &path, &|_| None).unwrap().runbook;
    assert_eq!(rb.cutover.timezone.name(), "UTC", "default");

    let err = runbook::load_str(&with("Europe/Berlinn"), &path, &|_| None).unwrap_err();
    let text = err.render(false);
    let first = text.lines().next().unwrap();
    assert!(
        first.ends_with(":6:12: error: invalid timezone: unknown time zone \"Europe/Berlinn\": expected an IANA name such as \"UTC\", \"Europe/Berlin\" or \"America/New_York\""),
        "{text}"
    );
}
