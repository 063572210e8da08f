//! A SQLite result row as the backend-neutral `decode::Row`.

use rusqlite::types::ValueRef;

use crate::journal::decode::Row;

impl Row {
    /// Read `seq, ts, operator, kind, data` from a result row, whatever
    /// their types.
    pub fn from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        let text = |i: usize| -> rusqlite::Result<Option<String>> {
            Ok(match r.get_ref(i)? {
                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                _ => None,
            })
        };
        Ok(Row {
            seq: r.get(0)?,
            ts: text(1)?,
            operator: text(2)?,
            kind: text(3)?,
            data: text(4)?,
        })
    }
}
