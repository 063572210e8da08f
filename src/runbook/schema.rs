//! The JSON Schema of the runbook format, generated from the raw serde
//! types (so it cannot drift from what the loader accepts), then given what
//! serde attributes cannot say: which keys are required (the loader's own
//! list, `required.rs`) and the words enum-like keys allow.

use serde_json::{Value, json};

use super::raw::RawRunbook;
use super::required::REQUIRED;
use super::words;

/// Words each enum-like key takes, by (definition, property).
const WORDS: &[(&str, &str, &[&str])] = &[
    ("RawCutover", "strategy", words::STRATEGIES),
    ("RawSource", "type", words::SOURCE_TYPES),
    ("RawPanel", "unit", words::UNITS),
    ("RawGuard", "when", words::GUARD_WHEN),
    ("RawGuard", "then", words::GUARD_THEN),
    ("RawNotify", "format", words::NOTIFY_FORMATS),
    ("RawCompare", "worse", words::WORSE),
    ("RawStage", "advance", words::ADVANCE),
];

/// The schema as pretty JSON, ending with a newline.
pub fn json_schema() -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(RawRunbook)).unwrap_or(Value::Null);
    if let Some(root) = schema.as_object_mut() {
        root.insert("title".into(), json!("warroom runbook"));
        root.insert(
            "description".into(),
            json!("A warroom cutover runbook (TOML). Reference: docs/RUNBOOK.md"),
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
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
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
    }
}
