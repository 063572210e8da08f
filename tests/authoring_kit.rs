//! The authoring kit as a new user meets it: `init` writes runbooks that
//! `check` accepts, the JSON Schema is the committed copy and validates every
//! shipped runbook and template, docs/RUNBOOK.md names every key of the
//! model, and `completions` / `man` print what shells and `man` read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use warroom::runbook::{self, schema::json_schema};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn warroom(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const STRATEGIES: [&str; 3] = ["canary", "phased", "big-bang"];

fn shipped_runbooks() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("runbooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(v.len() >= 3, "{v:?}");
    v
}

fn init_text(strategy: &str) -> String {
    let (code, out, err) = warroom(&["init", "--strategy", strategy]);
    assert_eq!(code, 0, "{err}");
    out
}

/// A template line without its trailing comment (the templates align
/// comments after two spaces; no value holds "  #").
fn code_part(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    line.split("  #").next().unwrap_or(line)
}

/// What a user does: the placeholders in values replaced, comments kept.
fn fill(line: &str) -> String {
    let code = code_part(line);
    let comment = &line[code.len()..];
    let code = code
        .replace("change-me-", "")
        .replace("CHANGE-ME", "filled-in");
    format!("{code}{comment}")
}

#[test]
fn init_writes_a_runbook_check_refuses_until_filled_in_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    for strategy in STRATEGIES {
        let path = dir.path().join(format!("{strategy}.toml"));
        let p = path.to_str().unwrap();
        let (code, _, err) = warroom(&["init", "--strategy", strategy, p]);
        assert_eq!(code, 0, "{err}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("CHANGE-ME"),
            "placeholders say what to fill in"
        );
        assert!(
            text.contains("must be idempotent"),
            "{strategy}: the rollback note"
        );
        assert!(text.contains(&format!("strategy = \"{strategy}\"")));
        // As written, every placeholder is refused at its line and column.
        let (code, _, err) = warroom(&["check", p]);
        assert_eq!(code, 2, "{strategy}: {err}");
        let placeholders = text
            .lines()
            .map(code_part)
            .map(|l| l.matches("CHANGE-ME").count() + l.matches("change-me").count())
            .sum::<usize>();
        assert_eq!(
            err.matches("left from `warroom init`").count(),
            placeholders,
            "{strategy}: one error per placeholder\n{err}"
        );
        let first = text
            .lines()
            .position(|l| code_part(l).contains("change-me"))
            .unwrap();
        assert!(
            err.contains(&format!("{p}:{}:", first + 1)) && err.contains("^^^^^^^^^"),
            "{strategy}: file:line:col with a caret\n{err}"
        );
        // Filled in (comments may keep their CHANGE-ME advice): accepted.
        let filled: String = text.lines().map(|l| fill(l) + "\n").collect();
        std::fs::write(&path, &filled).unwrap();
        let (code, out, err) = warroom(&["check", p]);
        assert_eq!(code, 0, "{strategy}: {err}");
        assert!(out.contains(": ok"), "{out}");
        let loaded = runbook::load_str(&filled, &path, &|_| None).unwrap();
        assert!(
            loaded.warnings.is_empty(),
            "{strategy}: {:?}",
            loaded.warnings
        );
        // A second init on the same path is refused and changes nothing.
        std::fs::write(&path, "mine").unwrap();
        let (code, _, err) = warroom(&["init", "--strategy", strategy, p]);
        assert_eq!(code, 2);
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    }
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let committed = std::fs::read_to_string(root().join("docs/runbook.schema.json")).unwrap();
    assert!(
        committed == json_schema(),
        "docs/runbook.schema.json is stale: run `cargo run -- schema > docs/runbook.schema.json`"
    );
    let (code, out, _) = warroom(&["schema"]);
    assert_eq!(code, 0);
    assert_eq!(out, committed);
}

/// TOML as the JSON an editor's schema check sees (dates become strings).
fn to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

fn schema_errors(text: &str) -> Option<String> {
    let schema: Value = serde_json::from_str(&json_schema()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("file:///runbook.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("file:///runbook.schema.json", &mut schemas)
        .unwrap();
    let doc = to_json(toml::from_str::<toml::Value>(text).unwrap());
    schemas
        .validate(&doc, index)
        .err()
        .map(|e| format!("{e:#}"))
}

#[test]
fn the_schema_validates_every_shipped_runbook_and_template_and_refuses_mistakes() {
    for path in shipped_runbooks() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("#:schema ../docs/runbook.schema.json\n"),
            "{}: editors find the schema through the first line",
            path.display()
        );
        assert_eq!(schema_errors(&text), None, "{}", path.display());
    }
    for strategy in STRATEGIES {
        assert_eq!(schema_errors(&init_text(strategy)), None, "{strategy}");
    }
    let good = init_text("phased");
    for (broken, why) in [
        (
            good.replace("strategy = \"phased\"", "strategy = \"phasd\""),
            "a word outside the enum",
        ),
        (
            good.replace("title = \"5xx ratio\"", "titel = \"5xx ratio\""),
            "an unknown key",
        ),
        (
            good.replace("id = \"change-me-phased\"", ""),
            "a missing required key",
        ),
        (
            good.replace("exposure = 50", "exposure = \"50\""),
            "a wrong type",
        ),
    ] {
        assert!(
            schema_errors(&broken).is_some(),
            "the schema let {why} through"
        );
    }
}

/// Every key of every table in the model (read from the generated schema)
/// has a row in docs/RUNBOOK.md under the section marked with its table's
/// raw type, `<!-- RawPanel -->`.
#[test]
fn the_reference_names_every_key_of_the_model() {
    let reference = std::fs::read_to_string(root().join("docs/RUNBOOK.md")).unwrap();
    let schema: Value = serde_json::from_str(&json_schema()).unwrap();
    let mut tables: Vec<(String, &Value)> = vec![("RawRunbook".into(), &schema)];
    for (name, def) in schema["$defs"].as_object().unwrap() {
        tables.push((name.clone(), def));
    }
    let mut missing = Vec::new();
    for (name, def) in tables {
        let Some(props) = def["properties"].as_object() else {
            continue;
        };
        let marker = format!("<!-- {name} -->");
        let Some(start) = reference.find(&marker) else {
            missing.push(format!("a section marked {marker}"));
            continue;
        };
        let section = &reference[start..];
        let section = &section[..section[marker.len()..]
            .find("\n## ")
            .map_or(section.len(), |i| i + marker.len())];
        for key in props.keys() {
            if !section.contains(&format!("| `{key}` |")) {
                missing.push(format!("`{key}` in the {marker} section"));
            }
        }
    }
    assert!(missing.is_empty(), "docs/RUNBOOK.md lacks: {missing:#?}");
}

#[test]
fn completions_and_man_page_print_from_the_binary() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = warroom(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("warroom") && out.contains("rehearse"),
            "{shell}"
        );
    }
    let (code, out, _) = warroom(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH warroom 1"),
        "{out}"
    );
    assert!(out.contains("check") && out.contains("init"));
}

#[test]
fn init_without_a_path_prints_the_template() {
    assert!(init_text("canary").contains("strategy = \"canary\""));
    assert!(Path::new(&root().join("docs/RUNBOOK.md")).exists());
}

#[test]
fn check_into_a_closed_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.toml");
    let mut text: String = init_text("big-bang")
        .lines()
        .map(|l| fill(l) + "\n")
        .collect();
    // Enough panels that the summary overflows any pipe buffer.
    for i in 0..2000 {
        text.push_str(&format!(
            "\n[[panels]]\nid = \"extra{i}\"\nsource = \"app\"\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["check", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head` that already left
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
