//! The documentation is true: every link and every `*.md` it names
//! resolves to a file of the repository, docs/RUNBOOK.md lists each key
//! once and calls required exactly what the loader requires, names only
//! console commands that exist, and the binary carries the reference
//! (`warroom docs runbook`, the man page's RUNBOOK section) with no
//! pointer to a page that is not shipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use warroom::runbook::schema::json_schema;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn warroom(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn markdown_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.push(root().join("README.md"));
    v.sort();
    v
}

/// `](target)` of every Markdown link and image.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// Backticked words that name a Markdown file: `runbook-format.md` (not
/// a status page route such as `/report.md`).
fn named_md_files(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.ends_with(".md")
                && !w.starts_with('/')
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_link_and_every_named_page_resolves_to_a_file() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let dir = file.parent().unwrap();
        for target in link_targets(&text) {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with('#')
            {
                continue;
            }
            let path = target.split('#').next().unwrap();
            if !dir.join(path).exists() {
                broken.push(format!("{}: link to {target}", file.display()));
            }
        }
        for name in named_md_files(&text) {
            if !dir.join(&name).exists() && !root().join(&name).exists() {
                broken.push(format!("{}: names `{name}`", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    // The check itself finds what it is for.
    assert_eq!(
        named_md_files("see `runbook-format.md` (shared)"),
        ["runbook-format.md"]
    );
    assert_eq!(link_targets("a [b](c/d.md) e"), ["c/d.md"]);
}

/// The cells of a table row, split on `|` that is not escaped.
fn cells(row: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut prev = ' ';
    for c in row.trim().trim_start_matches('|').chars() {
        if c == '|' && prev != '\\' {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
        prev = c;
    }
    out.pop();
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Each section marked `<!-- RawType -->`: its key rows as (key, default).
fn sections(reference: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in reference.lines() {
        if line.starts_with("## ") {
            if let Some(i) = line.find("<!-- ") {
                let def = line[i + 5..].trim_end_matches(" -->").to_string();
                out.push((def, Vec::new()));
            }
            continue;
        }
        let Some((_, rows)) = out.last_mut() else {
            continue;
        };
        let c = cells(line);
        if line.starts_with("| `") && c.len() == 4 {
            rows.push((c[0].trim_matches('`').to_string(), c[2].clone()));
        }
    }
    out
}

#[test]
fn the_reference_lists_each_key_once_and_says_required_only_of_required_keys() {
    let reference = std::fs::read_to_string(root().join("docs/RUNBOOK.md")).unwrap();
    let schema: Value = serde_json::from_str(&json_schema()).unwrap();
    // Required by validation rather than by the schema's key lists.
    let validated: &[(&str, &str)] = &[("RawActions", "rollback"), ("RawCompare", "worse")];
    let mut wrong = Vec::new();
    for (def, rows) in sections(&reference) {
        let d = if def == "RawRunbook" {
            &schema
        } else {
            &schema["$defs"][&def]
        };
        let required: BTreeSet<&str> = d["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        for (key, default) in &rows {
            if !seen.insert(key.clone()) {
                wrong.push(format!("{def}: `{key}` listed twice"));
            }
            let says_required = default == "required";
            let is_required = required.contains(key.as_str())
                || validated.contains(&(def.as_str(), key.as_str()));
            if says_required != is_required && !(is_required && default.starts_with("required")) {
                wrong.push(format!(
                    "{def}: `{key}` default {default:?}, required: {is_required}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_reference_names_only_console_commands_that_exist() {
    let reference = std::fs::read_to_string(root().join("docs/RUNBOOK.md")).unwrap();
    let commands: Vec<&str> = warroom::tui::command_line::COMMANDS
        .iter()
        .map(|(c, _)| *c)
        .collect();
    let mut unknown = Vec::new();
    for quoted in reference.split('`').skip(1).step_by(2) {
        if let Some(cmd) = quoted.strip_prefix(':') {
            let word = cmd.split_whitespace().next().unwrap_or("");
            if !word.is_empty()
                && word.chars().all(|c| c.is_ascii_lowercase())
                && !commands.contains(&word)
            {
                unknown.push(quoted.to_string());
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "{unknown:?} are not commands ({commands:?})"
    );
}

#[test]
fn the_binary_carries_the_reference_and_its_man_page_lists_every_key() {
    let (code, out) = warroom(&["docs", "runbook"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read_to_string(root().join("docs/RUNBOOK.md")).unwrap()
    );

    let (code, man) = warroom(&["man"]);
    assert_eq!(code, 0);
    assert!(!man.contains("(1)"), "points to a page that is not shipped");
    assert!(
        man.contains(".SH COMMANDS") && man.contains("warroom run"),
        "{man}"
    );
    assert!(man.contains("\\-\\-read\\-only"), "each command's options");
    let runbook = &man[man.find(".SH RUNBOOK").expect("a RUNBOOK section")..];
    assert!(runbook.contains("warroom docs runbook"));
    let schema: Value = serde_json::from_str(&json_schema()).unwrap();
    for (def, d) in schema["$defs"].as_object().unwrap() {
        for key in d["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
        {
            let key = key.replace('-', "\\-");
            assert!(runbook.contains(&key), "{def}.{key} not in the man page");
        }
    }
    assert!(Path::new(&root().join("docs/RUNBOOK.md")).exists());
}

/// The schema's descriptions are what editors show on hover: no word of
/// how the project was planned ("second wave"), every key described or
/// self-explaining.
#[test]
fn the_schema_speaks_to_users() {
    let schema = json_schema();
    for word in ["wave", "TODO", "FIXME"] {
        assert!(
            !schema.to_lowercase().contains(&word.to_lowercase()),
            "{word}"
        );
    }
}
