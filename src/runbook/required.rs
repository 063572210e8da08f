//! Missing required keys, all of them in one run.
//!
//! serde stops at the first missing field, so the raw types give every
//! required key a placeholder (`raw::MISSING`) and this pass reads the
//! document itself: each table that lacks a required key is reported at its
//! header. A key that is present but of the wrong type is not "missing"
//! (the type error already names it), which is why this reads the original
//! text and not the copy the loader blanks.

use std::ops::Range;

use toml_edit::{Document, Item, Table, TableLike, Value};

use super::diag::Diagnostic;

/// Which keys each kind of table must give.
const CUTOVER: &[&str] = &["id", "title", "strategy"];
const SOURCE: &[&str] = &["type", "url"];
const PANEL: &[&str] = &["id", "source"];
const STAGE: &[&str] = &["name", "exposure"];
const GATE: &[&str] = &["id", "title"];
const GATE_ITEM: &[&str] = &["text"];
const STEP: &[&str] = &["id", "title"];
const WEBHOOK: &[&str] = &["url"];
const GUARD: &[&str] = &["panel", "when", "then"];
/// `[[notify]]`'s depend on its `kind` (`notify_keys`).
const NOTIFY: &[&str] = &["url"];
const NOTIFY_PAGERDUTY: &[&str] = &["routing_key"];
const NOTIFY_GRAFANA: &[&str] = &["url", "token"];

/// The same lists by the raw type that reads each table, for the schema.
pub const REQUIRED: &[(&str, &[&str])] = &[
    ("RawCutover", CUTOVER),
    ("RawSource", SOURCE),
    ("RawPanel", PANEL),
    ("RawStage", STAGE),
    ("RawGate", GATE),
    ("RawGateItem", GATE_ITEM),
    ("RawStep", STEP),
    ("RawWebhook", WEBHOOK),
    ("RawGuard", GUARD),
];

/// `[[notify]]`'s required keys by `kind` (anything else: a chat webhook),
/// for the loader and for the schema's conditionals.
pub const NOTIFY_BY_KIND: &[(&str, &[&str])] =
    &[("pagerduty", NOTIFY_PAGERDUTY), ("grafana", NOTIFY_GRAFANA)];

fn notify_keys(t: &dyn TableLike) -> &'static [&'static str] {
    let kind = t.get("kind").and_then(Item::as_str);
    NOTIFY_BY_KIND
        .iter()
        .find(|(k, _)| Some(*k) == kind)
        .map_or(NOTIFY, |(_, keys)| keys)
}

/// Every missing required key in `text` (which must parse as TOML).
pub fn missing_keys(text: &str) -> Vec<Diagnostic> {
    let Ok(doc) = Document::parse(text) else {
        return Vec::new();
    };
    let root = doc.as_table();
    let mut out = Vec::new();
    match root.get("cutover") {
        None => out.push(Diagnostic::error(
            "missing required table [cutover] (with `id`, `title` and `strategy`)",
            Some(0..0),
        )),
        Some(item) => check(&mut out, item, None, "[cutover]", CUTOVER),
    }
    if let Some(sources) = root.get("sources").and_then(Item::as_table_like) {
        for (name, item) in sources.iter() {
            let at = key_span(sources, name);
            check(&mut out, item, at, &format!("[sources.{name}]"), SOURCE);
        }
    }
    for (array, keys) in [
        ("panels", PANEL),
        ("stages", STAGE),
        ("gates", GATE),
        ("steps", STEP),
        ("guards", GUARD),
        ("notify", NOTIFY),
    ] {
        for (i, t) in tables(root.get(array)).into_iter().enumerate() {
            let place = format!("[[{array}]] #{}{}", i + 1, named(t.1));
            let keys = if array == "notify" {
                notify_keys(t.1)
            } else {
                keys
            };
            check_table(&mut out, t.clone(), &place, keys);
            if array == "gates" {
                for (j, item) in tables(t.1.get("items")).into_iter().enumerate() {
                    let place = format!("gate item #{} of {place}", j + 1);
                    check_table(&mut out, item, &place, GATE_ITEM);
                }
            }
        }
    }
    if let Some(actions) = root.get("actions").and_then(Item::as_table_like) {
        for (name, item) in actions.iter() {
            let Some(action) = item.as_table_like() else {
                continue;
            };
            if let Some(hook) = action.get("webhook") {
                let at = key_span(action, "webhook");
                check(
                    &mut out,
                    hook,
                    at,
                    &format!("[actions.{name}] webhook"),
                    WEBHOOK,
                );
            }
        }
    }
    out
}

/// ` (`id`)` when the table names itself, to tell twin tables apart.
fn named(t: &dyn TableLike) -> String {
    ["id", "name", "panel"]
        .iter()
        .find_map(|k| t.get(k).and_then(Item::as_str))
        .map(|id| format!(" (`{id}`)"))
        .unwrap_or_default()
}

fn key_span(t: &dyn TableLike, name: &str) -> Option<Range<usize>> {
    t.get_key_value(name).and_then(|(k, _)| k.span())
}

/// The tables of an array of tables, or of an array of inline tables, with
/// where each starts.
fn tables(item: Option<&Item>) -> Vec<(Option<Range<usize>>, &dyn TableLike)> {
    match item {
        Some(Item::ArrayOfTables(a)) => a
            .iter()
            .map(|t: &Table| (t.span(), t as &dyn TableLike))
            .collect(),
        Some(Item::Value(Value::Array(a))) => a
            .iter()
            .filter_map(|v| v.as_inline_table().map(|t| (t.span(), t as &dyn TableLike)))
            .collect(),
        _ => Vec::new(),
    }
}

fn check(
    out: &mut Vec<Diagnostic>,
    item: &Item,
    key: Option<Range<usize>>,
    place: &str,
    keys: &[&str],
) {
    let Some(t) = item.as_table_like() else {
        return; // a value of the wrong type: reported as such
    };
    let span = match item {
        Item::Table(t) => t.span(),
        Item::Value(Value::InlineTable(t)) => t.span(),
        _ => None,
    };
    check_table(out, (span.or(key), t), place, keys);
}

fn check_table(
    out: &mut Vec<Diagnostic>,
    (span, t): (Option<Range<usize>>, &dyn TableLike),
    place: &str,
    keys: &[&str],
) {
    let absent: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !t.contains_key(k))
        .collect();
    for key in absent {
        out.push(
            Diagnostic::error(
                format!("missing required key `{key}` in {place}"),
                span.clone(),
            )
            .with_label(format!("add `{key} = ...` here")),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        missing_keys(text).into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn reports_every_missing_key_of_every_table() {
        let text = "[cutover]\nid = \"x\"\n[[panels]]\nid = \"p\"\n[[stages]]\nexposure = 5\n[[gates]]\nid = \"g\"\ntitle = \"G\"\nitems = [{ role = \"ic\" }]\n";
        assert_eq!(
            messages(text),
            [
                "missing required key `title` in [cutover]",
                "missing required key `strategy` in [cutover]",
                "missing required key `source` in [[panels]] #1 (`p`)",
                "missing required key `name` in [[stages]] #1",
                "missing required key `text` in gate item #1 of [[gates]] #1 (`g`)",
            ]
        );
    }

    #[test]
    fn a_runbook_without_cutover_says_so_once() {
        assert_eq!(
            messages("[roles]\nic = \"IC\"\n"),
            ["missing required table [cutover] (with `id`, `title` and `strategy`)"]
        );
    }

    #[test]
    fn present_keys_of_the_wrong_type_are_not_missing() {
        assert!(messages("[cutover]\nid = 5\ntitle = 1\nstrategy = true\n").is_empty());
    }
}
