//! Unknown keys: serde stops at the first one, but `check` must report them
//! all. Each unknown key is reported (with the nearest known key as a
//! suggestion), then blanked out of a copy of the text so deserialization
//! can be retried and find the next problem.

use std::ops::Range;

use toml_edit::{Document, Item, Table, TableLike, Value};

use super::diag::Diagnostic;

/// The key and the keys serde expected, from a message like
/// "unknown field `fial`, expected one of `id`, `title`".
pub fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((key.to_string(), expected))
}

/// The closest expected key, when it is close enough to be a likely typo.
pub fn suggest<'a>(key: &str, expected: &'a [String]) -> Option<&'a str> {
    expected
        .iter()
        .map(|e| (strsim::jaro_winkler(key, e), e))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, e)| e.as_str())
}

/// Where an unknown key sits: the table it is in (for the message) and the
/// byte range of the whole entry (key, value, or a whole sub-table).
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub table: String,
    pub extent: Range<usize>,
    /// Inside `{ ... }`: removing it must also remove a comma.
    pub inline: bool,
}

/// Find the entry whose key starts at `key_start`.
pub fn locate(text: &str, key_start: usize) -> Option<Entry> {
    let doc = Document::parse(text).ok()?;
    let mut entry = find_in_table(doc.as_table(), "", false, key_start)?;
    if entry.inline && text.get(entry.extent.clone()).is_some() {
        entry.extent = with_separator(text, entry.extent);
    }
    Some(entry)
}

fn describe(path: &str, array: bool) -> String {
    match (path.is_empty(), array) {
        (true, _) => "at the top level".to_string(),
        (false, true) => format!("in [[{path}]]"),
        (false, false) => format!("in [{path}]"),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn find_in_table(table: &Table, path: &str, array: bool, at: usize) -> Option<Entry> {
    for (name, _) in table.iter() {
        let (key, item) = table.get_key_value(name)?;
        if key.span().is_some_and(|s| s.start == at) {
            let start = at.min(extent(item).map_or(at, |e| e.start));
            let end = extent(item).map_or(at, |e| e.end).max(at);
            return Some(Entry {
                table: describe(path, array),
                extent: start..end,
                inline: false,
            });
        }
        let found = match item {
            Item::Table(t) => find_in_table(t, &join(path, name), false, at),
            Item::ArrayOfTables(a) => a
                .iter()
                .find_map(|t| find_in_table(t, &join(path, name), true, at)),
            Item::Value(v) => find_in_value(v, &join(path, name), at),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn find_in_inline(table: &toml_edit::InlineTable, path: &str, at: usize) -> Option<Entry> {
    for (name, _) in table.iter() {
        let (key, item) = table.get_key_value(name)?;
        if key.span().is_some_and(|s| s.start == at) {
            let end = extent(item).map_or(at, |e| e.end).max(at);
            return Some(Entry {
                table: format!("in `{path}`"),
                extent: at..end,
                inline: true,
            });
        }
        if let Item::Value(v) = item
            && let Some(found) = find_in_value(v, &join(path, name), at)
        {
            return Some(found);
        }
    }
    None
}

/// Inline tables, also inside arrays (`items = [{ text = "..", rol = "ic" }]`).
fn find_in_value(value: &Value, path: &str, at: usize) -> Option<Entry> {
    match value {
        Value::InlineTable(t) => find_in_inline(t, path, at),
        Value::Array(a) => a.iter().find_map(|v| find_in_value(v, path, at)),
        _ => None,
    }
}

/// Widen an inline-table entry's range to one neighbouring comma, so that
/// blanking it leaves valid TOML (no trailing or doubled comma).
fn with_separator(text: &str, range: Range<usize>) -> Range<usize> {
    let before = text[..range.start].trim_end();
    if before.ends_with(',') {
        return before.len() - 1..range.end;
    }
    let after = &text[range.end..];
    let trimmed = after.trim_start();
    if trimmed.starts_with(',') {
        return range.start..range.end + (after.len() - trimmed.len()) + 1;
    }
    range
}

/// The smallest range covering an item and everything under it (a
/// standard table's span is its header only).
fn extent(item: &Item) -> Option<Range<usize>> {
    let mut acc: Option<Range<usize>> = item.span();
    let mut add = |r: Option<Range<usize>>| {
        if let Some(r) = r {
            acc = Some(match acc.take() {
                Some(a) => a.start.min(r.start)..a.end.max(r.end),
                None => r,
            });
        }
    };
    match item {
        Item::Table(t) => {
            add(t.span());
            for (name, child) in t.iter() {
                if let Some((k, _)) = t.get_key_value(name) {
                    add(k.span());
                }
                add(extent(child));
            }
        }
        Item::ArrayOfTables(a) => {
            for t in a.iter() {
                add(t.span());
                for (name, child) in t.iter() {
                    if let Some((k, _)) = t.get_key_value(name) {
                        add(k.span());
                    }
                    add(extent(child));
                }
            }
        }
        _ => {}
    }
    acc
}

/// Replace `range` with spaces, keeping newlines so every other span and
/// line number stays valid.
pub fn blank(text: &mut String, range: Range<usize>) {
    let start = range.start.min(text.len());
    let end = range.end.min(text.len());
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return;
    }
    let replaced: String = text[start..end]
        .chars()
        .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
        .collect();
    // Multi-byte characters become one space each; pad to keep byte offsets.
    let pad = (end - start) - replaced.len();
    text.replace_range(start..end, &(replaced + &" ".repeat(pad)));
}

/// Build the diagnostic for an unknown key reported by serde at `span`.
pub fn diagnostic(
    text: &str,
    message: &str,
    span: Option<Range<usize>>,
) -> Option<(Diagnostic, Option<Range<usize>>)> {
    let (key, expected) = parse_unknown_field(message)?;
    let entry = span.as_ref().and_then(|s| locate(text, s.start));
    let place = entry
        .as_ref()
        .map(|e| format!(" {}", e.table))
        .unwrap_or_default();
    let mut msg = format!("unknown key `{key}`{place}");
    let label;
    if let Some(s) = suggest(&key, &expected) {
        msg.push_str(&format!(": did you mean `{s}`?"));
        label = format!("did you mean `{s}`?");
    } else if expected.is_empty() {
        msg.push_str(": this table takes no keys");
        label = "unknown key".to_string();
    } else {
        msg.push_str(&format!(": expected one of {}", list(&expected)));
        label = "unknown key".to_string();
    }
    let key_span = span.map(|s| s.start..s.start + key.len().min(s.len().max(key.len())));
    let d = Diagnostic::error(msg, key_span).with_label(label);
    Some((d, entry.map(|e| e.extent)))
}

/// Build the diagnostic for a value of the wrong type reported by serde at
/// `span` ("invalid type: integer `5`, expected a string"), with the entry
/// to blank so the next pass finds the next problem.
pub fn wrong_type(
    text: &str,
    message: &str,
    span: Option<Range<usize>>,
) -> Option<(Diagnostic, Option<Range<usize>>)> {
    let rest = message.strip_prefix("invalid type: ")?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let span = span?;
    let doc = Document::parse(text).ok()?;
    let (key, mut entry) = containing(doc.as_table(), "", false, false, span.start)?;
    if entry.inline && text.get(entry.extent.clone()).is_some() {
        entry.extent = with_separator(text, entry.extent);
    }
    let msg = format!(
        "wrong type for `{key}` {}: expected {}, found {found}",
        entry.table,
        plain_type(expected)
    );
    let d =
        Diagnostic::error(msg, Some(span)).with_label(format!("expected {}", plain_type(expected)));
    Some((d, Some(entry.extent)))
}

/// serde's type names in the words of a TOML author.
fn plain_type(expected: &str) -> String {
    let t = expected.trim();
    if t.starts_with("struct ") || t == "a map" || t == "a table" {
        return "a table".to_string();
    }
    match t {
        "f64" | "f32" => "a number".to_string(),
        "i64" | "i32" | "u32" | "u64" | "usize" => "a whole number".to_string(),
        "a sequence" => "an array".to_string(),
        other => other.to_string(),
    }
}

/// The innermost key whose value holds byte `at`, and its entry.
fn containing(
    table: &dyn TableLike,
    path: &str,
    array: bool,
    inline: bool,
    at: usize,
) -> Option<(String, Entry)> {
    for (name, item) in table.iter() {
        let Some((key, _)) = table.get_key_value(name) else {
            continue;
        };
        let Some(ext) = extent(item) else { continue };
        let start = key.span().map_or(ext.start, |k| k.start.min(ext.start));
        if !(start..ext.end.max(start + 1)).contains(&at) {
            continue;
        }
        let here = join(path, name);
        let deeper = match item {
            Item::Table(t) => containing(t, &here, false, false, at),
            Item::ArrayOfTables(a) => a.iter().find_map(|t| containing(t, &here, true, false, at)),
            Item::Value(v) => containing_value(v, &here, at),
            Item::None => None,
        };
        if deeper.is_some() {
            return deeper;
        }
        let table = if inline {
            format!("in `{path}`")
        } else {
            describe(path, array)
        };
        return Some((
            name.to_string(),
            Entry {
                table,
                extent: start..ext.end,
                inline,
            },
        ));
    }
    None
}

fn containing_value(v: &Value, path: &str, at: usize) -> Option<(String, Entry)> {
    match v {
        Value::InlineTable(t) => containing(t, path, false, true, at),
        Value::Array(a) => a.iter().find_map(|v| containing_value(v, path, at)),
        _ => None,
    }
}

fn list(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_serde_unknown_field_messages() {
        let (k, e) =
            parse_unknown_field("unknown field `fial`, expected one of `id`, `fail`").unwrap();
        assert_eq!(k, "fial");
        assert_eq!(e, vec!["id", "fail"]);
        let (k, e) = parse_unknown_field("unknown field `x`, there are no fields").unwrap();
        assert_eq!(k, "x");
        assert!(e.is_empty());
        assert!(parse_unknown_field("missing field `id`").is_none());
    }

    #[test]
    fn suggests_only_close_keys() {
        let keys: Vec<String> = ["id", "title", "fail", "warn"].map(String::from).to_vec();
        assert_eq!(suggest("fial", &keys), Some("fail"));
        assert_eq!(suggest("titel", &keys), Some("title"));
        assert_eq!(suggest("colour", &keys), None);
    }

    #[test]
    fn locates_plain_keys_multiline_values_and_tables() {
        let text = "[a]\nx = [\n 1,\n 2]\ny = 1\n[[b]]\nz = 1\n[c.d]\nw = 1\nv = 2\n";
        let x = text.find("x =").unwrap();
        let e = locate(text, x).unwrap();
        assert_eq!(e.table, "in [a]");
        assert_eq!(&text[e.extent.clone()], "x = [\n 1,\n 2]");
        let z = text.find("z =").unwrap();
        assert_eq!(locate(text, z).unwrap().table, "in [[b]]");
        let d = text.find("d]").unwrap();
        let e = locate(text, d).unwrap();
        assert_eq!(e.table, "in [c]");
        assert!(text[e.extent].ends_with("v = 2"));
    }

    #[test]
    fn inline_entries_take_a_comma_with_them() {
        for text in [
            "w = { url = \"u\", methd = \"POST\" }\n",
            "w = { methd = \"POST\", url = \"u\" }\n",
            "w = { methd = \"POST\" }\n",
        ] {
            let at = text.find("methd").unwrap();
            let e = locate(text, at).unwrap();
            assert!(e.inline);
            let mut t = text.to_string();
            blank(&mut t, e.extent);
            let doc: toml::Table = toml::from_str(&t).unwrap_or_else(|err| panic!("{t:?}: {err}"));
            assert!(doc["w"].get("methd").is_none(), "{t:?}");
        }
    }

    #[test]
    fn finds_keys_in_inline_tables_inside_arrays() {
        let text = "[[g]]\nitems = [{ text = \"a\" }, { text = \"b\", rol = \"ic\" }]\n";
        let e = locate(text, text.find("rol").unwrap()).unwrap();
        assert_eq!(e.table, "in `g.items`");
        let mut t = text.to_string();
        blank(&mut t, e.extent);
        assert!(toml::from_str::<toml::Table>(&t).is_ok(), "{t:?}");
    }

    #[test]
    fn wrong_types_name_the_key_and_blank_its_entry() {
        let text = "[[panels]]\nid = \"p\"\ntitle = 5\n[[gates]]\nitems = [{ text = true, role = \"ic\" }]\n";
        let at = text.find("5").unwrap();
        let (d, ext) = wrong_type(
            text,
            "invalid type: integer `5`, expected a string",
            Some(at..at + 1),
        )
        .unwrap();
        assert_eq!(
            d.message,
            "wrong type for `title` in [[panels]]: expected a string, found integer `5`"
        );
        assert_eq!(&text[ext.unwrap()], "title = 5");
        let at = text.find("true").unwrap();
        let (d, ext) = wrong_type(
            text,
            "invalid type: boolean `true`, expected a string",
            Some(at..at + 4),
        )
        .unwrap();
        assert_eq!(
            d.message,
            "wrong type for `text` in `gates.items`: expected a string, found boolean `true`"
        );
        let mut t = text.to_string();
        blank(&mut t, ext.unwrap());
        assert!(toml::from_str::<toml::Table>(&t).is_ok(), "{t:?}");
    }

    #[test]
    fn blank_keeps_length_and_newlines() {
        let mut t = "a = \"é\"\nb = 1\n".to_string();
        let len = t.len();
        blank(&mut t, 0..8);
        assert_eq!(t.len(), len);
        assert!(t.starts_with("        \nb = 1"), "{t:?}");
    }
}
