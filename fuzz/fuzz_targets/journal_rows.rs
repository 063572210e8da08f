//! Sequences of journal rows another tool may have written: any seq, any
//! text (or none) in the other columns. The property is shared with
//! `tests/journal_decode_props.rs`: `tests/properties/journal.rs`.
#![no_main]

#[path = "../../tests/properties/journal.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // One row per line: `seq|ts|kind|data`; an empty ts or kind is NULL.
    let rows: Vec<_> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(4, '|');
            let seq = f.next()?.trim().parse::<i64>().ok()?;
            let opt = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
            let ts = opt(f.next());
            let kind = opt(f.next());
            Some((seq, ts, kind, f.next().unwrap_or("").to_string()))
        })
        .collect();
    property::rows_read_as_events_or_damage(&rows);
});
