//! What a PostgreSQL role needs on a journal's tables, as GRANT statements
//! (`warroom journal init URL --grant ROLE [--read-only] [--apply]`), and
//! the check at open that refuses a role lacking any of it with the SQL
//! that fixes it, instead of a `permission denied` in the middle of a
//! cutover.
//!
//! An operator's console (even `--read-only`: it keeps a presence row and
//! takes the session's lock) needs:
//! - `warroom_meta`: SELECT, UPDATE (`begin` locks the `lock` row with
//!   `SELECT … FOR UPDATE`, which asks for UPDATE);
//! - `warroom_events`: SELECT, INSERT (UPDATE and DELETE are refused by
//!   trigger whoever asks);
//! - `warroom_lease`: SELECT, INSERT, UPDATE;
//! - `warroom_presence`: SELECT, INSERT, UPDATE, DELETE;
//! - `warroom_readings`: SELECT, INSERT, DELETE (pruned after 15 min) and
//!   USAGE on its id sequence;
//! - `warroom_notify_cursor`: SELECT, INSERT, UPDATE (the delivery cursors
//!   of `[[notify]]`, moved by the conductor).
//!
//! A reader (`serve`, `report`) needs SELECT on every table; it never
//! writes (its connections are read-only from the startup packet).
//! Both need USAGE on the schema. The triggers' functions are executable
//! by PUBLIC (PostgreSQL's default), so nothing more.

use std::path::Path;

use postgres::Client;

use super::super::error::JournalError;
use super::pg_err;

/// Which set of grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `run`, `rehearse` (also `--read-only` consoles).
    Operator,
    /// `serve`, `report`.
    ReadOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    Sequence,
}

/// One object and the privileges needed on it.
struct Need {
    object: &'static str,
    kind: Kind,
    privileges: &'static [&'static str],
}

const fn table(object: &'static str, privileges: &'static [&'static str]) -> Need {
    Need {
        object,
        kind: Kind::Table,
        privileges,
    }
}

const OPERATOR: &[Need] = &[
    table("warroom_meta", &["SELECT", "UPDATE"]),
    table("warroom_events", &["SELECT", "INSERT"]),
    table("warroom_lease", &["SELECT", "INSERT", "UPDATE"]),
    table(
        "warroom_presence",
        &["SELECT", "INSERT", "UPDATE", "DELETE"],
    ),
    table("warroom_readings", &["SELECT", "INSERT", "DELETE"]),
    Need {
        object: "warroom_readings_id_seq",
        kind: Kind::Sequence,
        privileges: &["USAGE"],
    },
    // The conductor moves its `[[notify]]` delivery cursors (upsert).
    table("warroom_notify_cursor", &["SELECT", "INSERT", "UPDATE"]),
];

const READ_ONLY: &[Need] = &[
    table("warroom_meta", &["SELECT"]),
    table("warroom_events", &["SELECT"]),
    table("warroom_lease", &["SELECT"]),
    table("warroom_presence", &["SELECT"]),
    table("warroom_readings", &["SELECT"]),
    table("warroom_notify_cursor", &["SELECT"]),
];

/// Granted with the rest, never required at open (see `check`).
const OPTIONAL: &str = "warroom_notify_cursor";

fn needs(access: Access) -> &'static [Need] {
    match access {
        Access::Operator => OPERATOR,
        Access::ReadOnly => READ_ONLY,
    }
}

/// Every table a set names (a test keeps it equal to the schema's).
pub fn tables(access: Access) -> Vec<&'static str> {
    needs(access)
        .iter()
        .filter(|n| n.kind == Kind::Table)
        .map(|n| n.object)
        .collect()
}

/// An identifier as SQL writes it: always quoted, so a role named `user`
/// or `Ann` is that role and `public` is never PUBLIC.
pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The statements that give `role` the set on the tables in `schema`.
pub fn statements(schema: &str, role: &str, access: Access) -> Vec<String> {
    let (s, r) = (quote(schema), quote(role));
    let mut out = vec![format!("GRANT USAGE ON SCHEMA {s} TO {r};")];
    for n in needs(access) {
        out.push(grant(&s, &r, n.kind, n.object, n.privileges));
    }
    out
}

fn grant(schema: &str, role: &str, kind: Kind, object: &str, privileges: &[&str]) -> String {
    let on = match kind {
        Kind::Table => "",
        Kind::Sequence => "SEQUENCE ",
    };
    format!(
        "GRANT {} ON {on}{schema}.{} TO {role};",
        privileges.join(", "),
        quote(object)
    )
}

/// A schema of the connection's `search_path` that holds a warroom journal
/// but on which this role has no USAGE: PostgreSQL then leaves it out of
/// the path silently, and the console would look for (or create!) the
/// tables in the next schema. Asked before anything else.
pub fn schema_without_usage(c: &mut Client, path: &Path) -> Result<(), JournalError> {
    let row = c
        .query_opt(
            "SELECT n.nspname::text, current_user::text
             FROM unnest(string_to_array(current_setting('search_path'), ',')) AS p(name)
             JOIN pg_namespace n ON n.nspname = CASE btrim(btrim(p.name), '\"')
                 WHEN '$user' THEN current_user::text ELSE btrim(btrim(p.name), '\"') END
             WHERE NOT has_schema_privilege(n.oid, 'USAGE')
               AND EXISTS (SELECT 1 FROM pg_class t
                           WHERE t.relnamespace = n.oid AND t.relname = 'warroom_meta')
             LIMIT 1",
            &[],
        )
        .map_err(pg_err(path))?;
    let Some(row) = row else { return Ok(()) };
    let (schema, role): (String, String) = (row.get(0), row.get(1));
    Err(denied(
        path,
        &role,
        &schema,
        &[format!("USAGE on schema {schema}")],
        &[format!(
            "GRANT USAGE ON SCHEMA {} TO {};",
            quote(&schema),
            quote(&role)
        )],
    ))
}

/// Refuse a role that lacks any privilege of the set on the journal's
/// tables that exist (before `schema::ensure`, which reads `warroom_meta`:
/// its `permission denied` would name neither the fix nor the rest).
pub fn check(c: &mut Client, path: &Path, access: Access) -> Result<(), JournalError> {
    // The delivery cursors are optional: a role without them journals
    // deliveries as `notified` events (`notify_cursor.rs`), so lacking them
    // is no reason to refuse a console or a reader.
    let list: Vec<&Need> = needs(access)
        .iter()
        .filter(|n| n.object != OPTIONAL)
        .collect();
    let objects: Vec<&str> = list.iter().map(|n| n.object).collect();
    let kinds: Vec<&str> = list
        .iter()
        .map(|n| match n.kind {
            Kind::Table => "table",
            Kind::Sequence => "sequence",
        })
        .collect();
    let privs: Vec<String> = list.iter().map(|n| n.privileges.join(",")).collect();
    // One round trip: every (object, privilege) the role lacks.
    let rows = c
        .query(
            "SELECT n.o, p.priv, current_user::text, current_schema()::text
             FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS n(o, k, ps, i)
             CROSS JOIN LATERAL unnest(string_to_array(n.ps, ',')) WITH ORDINALITY AS p(priv, j)
             WHERE to_regclass(format('%I.%I', current_schema(), n.o)) IS NOT NULL
               AND NOT CASE n.k
                 WHEN 'table' THEN has_table_privilege(format('%I.%I', current_schema(), n.o), p.priv)
                 ELSE has_sequence_privilege(format('%I.%I', current_schema(), n.o), p.priv) END
             ORDER BY n.i, p.j",
            &[&objects, &kinds, &privs],
        )
        .map_err(pg_err(path))?;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let (role, schema): (String, String) = (first.get(2), first.get(3));
    let missing: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let said: Vec<String> = missing.iter().map(|(o, p)| format!("{p} on {o}")).collect();
    // The statements for what is missing only, one per object.
    let mut sql = Vec::new();
    for n in list {
        let lacking: Vec<&str> = n
            .privileges
            .iter()
            .copied()
            .filter(|p| missing.iter().any(|(o, q)| o == n.object && q == p))
            .collect();
        if !lacking.is_empty() {
            sql.push(grant(
                &quote(&schema),
                &quote(&role),
                n.kind,
                n.object,
                &lacking,
            ));
        }
    }
    Err(denied(path, &role, &schema, &said, &sql))
}

fn denied(
    path: &Path,
    role: &str,
    schema: &str,
    lacking: &[String],
    sql: &[String],
) -> JournalError {
    let role = crate::untrusted::sanitize(role);
    let schema = crate::untrusted::sanitize(schema);
    let sql: Vec<String> = sql
        .iter()
        .map(|s| format!("  {}", crate::untrusted::sanitize(s)))
        .collect();
    JournalError::Denied {
        path: path.to_path_buf(),
        cause: format!(
            "role {role} lacks {} in schema {schema}. An owner of the tables can run:\n{}\n\
             or `warroom journal init URL --grant {role} --apply` (see docs/POSTGRES.md)",
            crate::untrusted::sanitize(&lacking.join(", ")),
            sql.join("\n")
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_set_is_what_a_console_does() {
        let sql = statements("billing_v2", "ann", Access::Operator);
        assert_eq!(
            sql,
            [
                r#"GRANT USAGE ON SCHEMA "billing_v2" TO "ann";"#,
                r#"GRANT SELECT, UPDATE ON "billing_v2"."warroom_meta" TO "ann";"#,
                r#"GRANT SELECT, INSERT ON "billing_v2"."warroom_events" TO "ann";"#,
                r#"GRANT SELECT, INSERT, UPDATE ON "billing_v2"."warroom_lease" TO "ann";"#,
                r#"GRANT SELECT, INSERT, UPDATE, DELETE ON "billing_v2"."warroom_presence" TO "ann";"#,
                r#"GRANT SELECT, INSERT, DELETE ON "billing_v2"."warroom_readings" TO "ann";"#,
                r#"GRANT USAGE ON SEQUENCE "billing_v2"."warroom_readings_id_seq" TO "ann";"#,
                r#"GRANT SELECT, INSERT, UPDATE ON "billing_v2"."warroom_notify_cursor" TO "ann";"#,
            ]
        );
    }

    #[test]
    fn the_read_only_set_selects_only() {
        for s in statements("public", "statuspage", Access::ReadOnly) {
            assert!(
                s.starts_with("GRANT SELECT ON ") || s.starts_with("GRANT USAGE ON SCHEMA"),
                "{s}"
            );
        }
    }

    #[test]
    fn names_are_quoted_so_no_name_means_something_else() {
        assert_eq!(quote("public"), "\"public\"");
        assert_eq!(
            quote("a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
    }

    #[test]
    fn both_sets_name_every_table_of_the_schema() {
        let mut schema: Vec<&str> = super::super::schema::TABLES.to_vec();
        schema.sort();
        for access in [Access::Operator, Access::ReadOnly] {
            let mut t = tables(access);
            t.sort();
            assert_eq!(t, schema, "{access:?}");
        }
    }
}
