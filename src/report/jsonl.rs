//! JSON Lines: exactly the journal's events, one per line, for scripts.
//! `{"seq":1,"ts":"2026-11-21T22:00:00Z","operator":"alice","kind":"…",…fields}`

use std::io::Write;

use crate::journal::backend::format_ts;
use crate::session::event::Event;

/// One event as its JSON line (no newline): envelope first, in the
/// format's order, then the kind's fields.
pub fn line(e: &Event) -> String {
    let q = |v: &str| serde_json::Value::from(v).to_string();
    let mut out = format!(
        "{{\"seq\":{},\"ts\":{},\"operator\":{},\"kind\":{}",
        e.seq,
        q(&format_ts(&e.ts)),
        q(&e.operator),
        q(&e.body.kind())
    );
    if let serde_json::Value::Object(fields) = e.body.fields() {
        for (k, v) in fields {
            if !matches!(k.as_str(), "seq" | "ts" | "operator" | "kind") {
                out.push_str(&format!(",{}:{v}", q(&k)));
            }
        }
    }
    out.push('}');
    out
}

pub fn write(out: &mut dyn Write, events: &[Event]) -> std::io::Result<()> {
    for e in events {
        writeln!(out, "{}", line(e))?;
    }
    Ok(())
}
