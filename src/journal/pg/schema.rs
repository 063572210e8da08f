//! The journal's tables in PostgreSQL, in the connection's current schema
//! (the first of its `search_path`): one session per schema. A team keeps
//! cutovers apart with one schema each (`?options=-csearch_path%3Dcut42`).
//!
//! Every name starts with `warroom_`. A schema that holds any of them
//! without our `warroom_meta` marker belongs to someone else and is left
//! untouched. `warroom_events` refuses UPDATE, DELETE and TRUNCATE by
//! trigger, whoever connects; inserts into it and into `warroom_readings`
//! NOTIFY `warroom_journal` with the schema's name, which wakes followers.

use std::path::Path;

use postgres::Client;

use super::super::backend::{META_APP, SCHEMA_VERSION};
use super::super::error::JournalError;
use super::pg_err;

/// Our table names (what "someone else's tables of the same names" means).
pub(crate) const TABLES: &[&str] = &[
    "warroom_meta",
    "warroom_events",
    "warroom_lease",
    "warroom_presence",
    "warroom_readings",
    "warroom_notify_cursor",
];

/// The NOTIFY channel; the payload is the schema.
pub const CHANNEL: &str = "warroom_journal";

const CREATE: &str = r#"
CREATE TABLE warroom_meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE warroom_events(
    seq bigint PRIMARY KEY CHECK (seq > 0),
    ts text NOT NULL,
    operator text NOT NULL,
    host text,
    kind text NOT NULL,
    data text NOT NULL
);
CREATE TABLE warroom_lease(
    id integer PRIMARY KEY CHECK (id = 1),
    console text NOT NULL,
    operator text NOT NULL,
    pid bigint NOT NULL,
    host text,
    expires_at double precision NOT NULL
);
CREATE TABLE warroom_presence(
    console text PRIMARY KEY,
    operator text NOT NULL,
    host text,
    pid bigint NOT NULL,
    read_only boolean NOT NULL,
    heartbeat_at double precision NOT NULL
);
CREATE TABLE warroom_readings(
    id bigserial PRIMARY KEY,
    panel text NOT NULL,
    state text NOT NULL,
    value double precision,
    baseline double precision,
    error text,
    sampled_at text,
    state_since text,
    last_good text,
    recorded_at double precision NOT NULL
);
CREATE INDEX warroom_readings_recorded ON warroom_readings(recorded_at);
CREATE FUNCTION warroom_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the warroom journal is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER warroom_events_append_only BEFORE UPDATE OR DELETE ON warroom_events
    FOR EACH ROW EXECUTE FUNCTION warroom_append_only();
CREATE TRIGGER warroom_events_no_truncate BEFORE TRUNCATE ON warroom_events
    FOR EACH STATEMENT EXECUTE FUNCTION warroom_append_only();
CREATE FUNCTION warroom_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('warroom_journal', TG_TABLE_SCHEMA);
    RETURN NULL;
END $$;
CREATE TRIGGER warroom_events_notify AFTER INSERT ON warroom_events
    FOR EACH STATEMENT EXECUTE FUNCTION warroom_notify();
CREATE TRIGGER warroom_readings_notify AFTER INSERT ON warroom_readings
    FOR EACH STATEMENT EXECUTE FUNCTION warroom_notify();
"#;

/// What the schema holds now.
enum Found {
    Nothing,
    Ours(i64),
    Foreign(Vec<String>),
}

fn look(client: &mut Client, path: &Path) -> Result<Found, JournalError> {
    let rows = client
        .query(
            "SELECT tablename::text FROM pg_tables
             WHERE schemaname = current_schema() AND tablename = ANY($1) ORDER BY 1",
            &[&TABLES],
        )
        .map_err(pg_err(path))?;
    let present: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    if present.is_empty() {
        return Ok(Found::Nothing);
    }
    if !present.iter().any(|t| t == "warroom_meta") {
        return Ok(Found::Foreign(present));
    }
    let meta = client
        .query(
            "SELECT key, value FROM warroom_meta WHERE key IN ('application', 'schema_version')",
            &[],
        )
        .map_err(pg_err(path))?;
    let get = |k: &str| {
        meta.iter()
            .find(|r| r.get::<_, String>(0) == k)
            .map(|r| r.get::<_, String>(1))
    };
    match (get("application"), get("schema_version")) {
        (Some(app), Some(v)) if app == META_APP => Ok(Found::Ours(v.parse().unwrap_or(i64::MAX))),
        _ => Ok(Found::Foreign(present)),
    }
}

/// Check (and when `create`, make) the journal's tables. Errors: someone
/// else's tables, a newer schema, no tables and not allowed to create.
pub fn ensure(client: &mut Client, path: &Path, create: bool) -> Result<(), JournalError> {
    let schema: Option<String> = client
        .query_one("SELECT current_schema()::text", &[])
        .map_err(pg_err(path))?
        .get(0);
    if schema.is_none() {
        return Err(JournalError::Open {
            path: path.to_path_buf(),
            cause: "no schema of the search_path exists on this server".into(),
        });
    }
    match look(client, path)? {
        Found::Ours(v) if v > SCHEMA_VERSION => Err(JournalError::NewerSchema {
            path: path.to_path_buf(),
            found: v,
        }),
        Found::Ours(_) => {
            if create {
                // An older journal gets the delivery cursors when this
                // account may create them (`pg/notify_cursor.rs`).
                super::notify_cursor::ensure_quietly(client, path);
            }
            Ok(())
        }
        Found::Foreign(tables) => Err(JournalError::Foreign {
            path: path.to_path_buf(),
            tables: tables.join(", "),
        }),
        Found::Nothing if !create => Err(JournalError::Missing {
            path: path.to_path_buf(),
        }),
        Found::Nothing => create_tables(client, path),
    }
}

/// Create the tables in one transaction; two consoles starting at once
/// serialize on an advisory lock and the second finds them made.
fn create_tables(client: &mut Client, path: &Path) -> Result<(), JournalError> {
    let cannot = |e: postgres::Error| JournalError::Create {
        path: path.to_path_buf(),
        cause: format!(
            "{} (an account allowed to create tables can run `warroom journal init URL` first)",
            super::describe(&e)
        ),
    };
    let mut tx = client.transaction().map_err(cannot)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('warroom_journal:' || current_schema()))",
        &[],
    )
    .map_err(cannot)?;
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS(SELECT 1 FROM pg_tables
             WHERE schemaname = current_schema() AND tablename = 'warroom_meta')",
            &[],
        )
        .map_err(cannot)?
        .get(0);
    if !exists {
        tx.batch_execute(CREATE).map_err(cannot)?;
        tx.batch_execute(super::notify_cursor::CREATE)
            .map_err(cannot)?;
        tx.execute(
            "INSERT INTO warroom_meta(key, value) VALUES
             ('application', $1), ('schema_version', $2), ('lock', '')",
            &[&META_APP, &SCHEMA_VERSION.to_string()],
        )
        .map_err(cannot)?;
    }
    tx.commit().map_err(cannot)?;
    // Another console may have made them (or something else) meanwhile.
    ensure(client, path, false)
}
