//! The JSON Schema of the runbook format, generated from the raw serde
//! types (so it cannot drift from what the loader accepts), then given what
//! serde attributes cannot say: which keys are required (the loader's own
//! list, `required.rs`) and the words enum-like keys allow.

use serde_json::{Value, json};

use super::raw::RawRunbook;
use super::required::{NOTIFY_BY_KIND, REQUIRED};
use super::words;

/// Words each enum-like key takes, by (definition, property).
const WORDS: &[(&str, &str, &[&str])] = &[
    ("RawCutover", "strategy", words::STRATEGIES),
    ("RawSource", "type", words::SOURCE_TYPES),
    ("RawPanel", "unit", words::UNITS),
    ("RawGuard", "when", words::GUARD_WHEN),
    ("RawGuard", "then", words::GUARD_THEN),
    ("RawNotify", "kind", words::NOTIFY_KINDS),
    ("RawNotify", "format", words::NOTIFY_FORMATS),
    ("RawCompare", "worse", words::WORSE),
    ("RawStage", "advance", words::ADVANCE),
];

/// Words each item of an array-valued key takes.
const ITEM_WORDS: &[(&str, &str, &[&str])] =
    &[("RawNotify", "on", super::validate::notify::NOTIFIABLE)];

/// The schema as pretty JSON, ending with a newline.
pub fn json_schema() -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(RawRunbook)).unwrap_or(Value::Null);
    if let Some(root) = schema.as_object_mut() {
        root.insert("title".into(), json!("warroom runbook"));
        root.insert(
            "description".into(),
            json!(
                "A warroom cutover runbook (TOML). Reference: `warroom docs runbook` (docs/RUNBOOK.md)"
            ),
        );
        root.insert("required".into(), json!(["cutover"]));
    }
    for (def, keys) in REQUIRED {
        if let Some(d) = schema.pointer_mut(&format!("/$defs/{def}")) {
            d["required"] = json!(keys);
        }
    }
    for (def, key, words) in WORDS {
        if let Some(p) = schema.pointer_mut(&format!("/$defs/{def}/properties/{key}")) {
            p["enum"] = json!(words);
        }
    }
    for (def, key, words) in ITEM_WORDS {
        if let Some(p) = schema.pointer_mut(&format!("/$defs/{def}/properties/{key}/items")) {
            p["enum"] = json!(words);
        }
    }
    if let Some(d) = schema.pointer_mut("/$defs/RawNotify") {
        d["allOf"] = notify_required();
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// `[[notify]]`'s required keys depend on its `kind`: `if`/`then` per
/// kind, and `url` for every other (a chat webhook).
fn notify_required() -> Value {
    let kind_is =
        |k: &str| json!({ "properties": { "kind": { "const": k } }, "required": ["kind"] });
    let mut all: Vec<Value> = NOTIFY_BY_KIND
        .iter()
        .map(|(k, keys)| json!({ "if": kind_is(k), "then": { "required": keys } }))
        .collect();
    let special: Vec<&str> = NOTIFY_BY_KIND.iter().map(|(k, _)| *k).collect();
    all.push(json!({
        "if": { "properties": { "kind": { "enum": special } }, "required": ["kind"] },
        "else": { "required": ["url"] }
    }));
    Value::Array(all)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn required_keys_and_words_reach_the_schema() {
        let s: Value = serde_json::from_str(&json_schema()).unwrap();
        assert_eq!(s["required"], json!(["cutover"]));
        assert_eq!(s["$defs"]["RawPanel"]["required"], json!(["id", "source"]));
        assert_eq!(
            s["$defs"]["RawGuard"]["properties"]["then"]["enum"],
            json!(["pause", "rollback"])
        );
        assert_eq!(s["$defs"]["RawStep"]["additionalProperties"], json!(false));
        let on = &s["$defs"]["RawNotify"]["properties"]["on"]["items"]["enum"];
        assert!(on.as_array().unwrap().contains(&json!("gate_go")), "{on}");
    }
}
