//! `warroom check` reports every mistake of a runbook in one run: missing
//! required keys, values of the wrong type, unknown keys, bad references,
//! bad durations and gates that gate nothing, several of each, each at its
//! line:column. One table row per broken runbook in tests/fixtures/every-error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use warroom::runbook::{self, Severity};

/// (line, column, a piece of the message) for every error, in file order.
type Expected = &'static [(usize, usize, &'static str)];

const TABLE: &[(&str, Expected)] = &[
    (
        "many-kinds.toml",
        &[
            (1, 1, "missing required key `title` in [cutover]"),
            (2, 6, "invalid cutover id \"Bad Id\""),
            (3, 12, "did you mean \"canary\"?"),
            (
                11,
                11,
                "timeout: expected a string such as \"30s\", found integer 5",
            ),
            (
                18,
                1,
                "unknown key `fial` in [[panels]]: did you mean `fail`?",
            ),
            (20, 1, "missing required key `id` in [[panels]] #2"),
            (23, 9, "every: invalid duration \"5\""),
            (
                27,
                12,
                "wrong type for `exposure` in [[stages]]: expected a number, found string \"five\"",
            ),
            (29, 1, "missing required key `name` in [[stages]] #2"),
            (33, 6, "gate `go-live` gates nothing"),
            (
                35,
                1,
                "missing required key `text` in gate item #1 of [[gates]] #1 (`go-live`)",
            ),
            (36, 8, "unknown role `dba`"),
            (
                38,
                1,
                "missing required key `title` in [[steps]] #1 (`freeze`)",
            ),
            (
                41,
                16,
                "wrong type for `irreversible` in [[steps]]: expected a boolean",
            ),
            (
                46,
                1,
                "missing required key `then` in [[guards]] #1 (`errors`)",
            ),
            (48, 8, "invalid guard `when` \"fial\""),
        ],
    ),
    (
        "no-cutover.toml",
        &[
            (1, 1, "missing required table [cutover]"),
            (4, 1, "missing required key `type` in [sources.api]"),
            (
                5,
                7,
                "wrong type for `url` in [sources.api]: expected a string, found integer `8080`",
            ),
            (7, 1, "missing required key `url` in [sources.web]"),
            (12, 9, "wrong type for `title` in [[panels]]"),
            (19, 8, "bake: invalid duration \"1 min\""),
            (
                25,
                28,
                "unknown key `rol` in `gates.items`: did you mean `role`?",
            ),
            (25, 42, "missing required key `text` in gate item #2"),
            (
                28,
                11,
                "missing required key `url` in [actions.rollback] webhook",
            ),
            (29, 14, "wrong type for `two_person` in [actions.rollback]"),
        ],
    ),
    (
        "unused-gate.toml",
        &[
            (5, 21, "invalid rollback_deadline: expected a duration"),
            (
                11,
                6,
                "gate `go-live` gates nothing: no stage and no step names it; attach it with `gate = \"go-live\"`",
            ),
            (17, 1, "missing required key `id` in [[steps]] #1"),
            (
                19,
                21,
                "wrong type for `after` in [[steps]]: expected a string, found integer `5`",
            ),
            (
                21,
                1,
                "missing required key `title` in [[steps]] #2 (`flip`)",
            ),
            (
                23,
                1,
                "unknown key `titel` in [[steps]]: did you mean `title`?",
            ),
        ],
    ),
    (
        "rules.toml",
        &[
            (16, 9, "unknown stage `canry`"),
            (
                22,
                9,
                "step `verify`: `baked` applies only with `stage = \"NAME\"`",
            ),
            (27, 9, "step `phase`"),
            (30, 6, "a `phase = \"close\"` step runs after the end"),
            (36, 10, "unknown role `sre`"),
            (40, 16, "unknown role `dba`"),
        ],
    ),
];

#[test]
fn every_mistake_of_each_broken_runbook_in_one_run() {
    for (name, expected) in TABLE {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/every-error")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let err = runbook::load_str(&text, &path, &|_| None).unwrap_err();
        let got: Vec<(usize, usize, String)> = err
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                let (l, c) = d.line_col(&text).unwrap_or((0, 0));
                (l, c, d.message.clone())
            })
            .collect();
        assert_eq!(got.len(), expected.len(), "{name}: {got:#?}");
        for ((l, c, msg), (el, ec, piece)) in got.iter().zip(expected.iter()) {
            assert_eq!((l, c), (el, ec), "{name}: {msg}");
            assert!(
                msg.contains(piece),
                "{name}:{l}:{c}: {msg:?} lacks {piece:?}"
            );
        }
    }
}

#[test]
fn a_syntax_error_still_stops_with_its_place() {
    let text = "[cutover]\nid = \"x\nfoo = 1\n";
    let err = runbook::load_str(text, &PathBuf::from("s.toml"), &|_| None).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1, "{:?}", err.diagnostics);
    assert_eq!(err.diagnostics[0].line_col(text).map(|p| p.0), Some(2));
}

#[test]
fn a_panel_without_title_is_titled_by_its_id() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = runbook::load_str(&text, &path, &|_| None).unwrap();
    let untitled: Vec<_> = loaded.runbook.panels.iter().collect();
    assert!(!untitled.is_empty());
    let text = text.replacen(&format!("title = \"{}\"", untitled[0].title), "", 1);
    let loaded = runbook::load_str(&text, &path, &|_| None).unwrap();
    assert_eq!(loaded.runbook.panels[0].title, loaded.runbook.panels[0].id);
}

#[test]
fn a_file_made_of_mistakes_is_cut_off_with_a_note() {
    let mut text = "[cutover]\nid = \"x\"\ntitle = \"X\"\nstrategy = \"phased\"\n".to_string();
    for i in 0..250 {
        text.push_str(&format!("typo{i} = 1\n"));
    }
    let err = runbook::load_str(&text, &PathBuf::from("m.toml"), &|_| None).unwrap_err();
    assert_eq!(err.diagnostics.len(), 201);
    let last = err.diagnostics.iter().find(|d| d.span.is_none()).unwrap();
    assert!(
        last.message.starts_with("more than 200"),
        "{}",
        last.message
    );
}
