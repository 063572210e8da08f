//! `warroom serve` on a PostgreSQL journal (a throwaway cluster,
//! common/pg.rs): a console on the URL writes, the page on the same URL
//! shows it live; the token and the GET-only routes hold; `/report.md`
//! reads the URL; a role granted SELECT and nothing else is enough; a
//! missing schema is refused (exit 2) and never created; a killed
//! connection shows on the page and heals by itself.
//!
//! Skipped without PostgreSQL, except under CI=true (common/pg.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/serve.rs"]
mod kit;
#[path = "common/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use warroom::console_session::Session;
use warroom::journal::open::open_store;
use warroom::journal::pg::PgJournal;
use warroom::journal::{JournalError, Store};

const WITHIN: Duration = Duration::from_secs(15);
/// The follow-error banner of the page.
const BANNER: &str = "<strong>ERROR</strong> reading the journal";

/// Run `f` off the test's runtime: the sync client cannot block inside one.
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// Run SQL in the journal's database as its owner.
fn sql(c: &pg::Cluster, url: &Path, stmts: &str) {
    blocking(|| c.raw(url).batch_execute(stmts).unwrap());
}

/// Like `sql` on the admin connection (cluster-wide: roles, backends).
fn admin(c: &pg::Cluster, stmts: &str) {
    blocking(|| c.admin().batch_execute(stmts).unwrap());
}

/// A fresh database, alice's console on it (a started session with
/// readings), and the runbook.
fn on_postgres(
    name: &str,
) -> Option<(
    &'static pg::Cluster,
    PathBuf,
    std::sync::Arc<warroom::runbook::model::Runbook>,
    Session,
)> {
    let c = pg::cluster()?;
    let url = c.fresh(name);
    let rb = kit::runbook();
    let s = kit::session_at(&url, &rb);
    Some((c, url, rb, s))
}

/// A login role granted SELECT on the journal's tables and nothing else;
/// returns its name and the journal's URL as that role.
fn select_only_role(c: &pg::Cluster, url: &Path) -> (String, PathBuf) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let role = format!(
        "viewer_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    admin(c, &format!("CREATE ROLE {role} LOGIN"));
    sql(
        c,
        url,
        &format!(
            "GRANT USAGE ON SCHEMA public TO {role};
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};"
        ),
    );
    let as_role = PathBuf::from(format!(
        "postgresql://{role}@/{}?host={}",
        pg::db_of(url),
        c.dir.display()
    ));
    (role, as_role)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_on_the_url_and_the_page_on_the_same_url() {
    let Some((_, url, rb, mut s)) = on_postgres("serve_live") else {
        return;
    };
    kit::note(&mut s, "<script>alert(1)</script> & \u{1b}]0;pwned\u{7}");
    let srv = kit::serve(&rb, &url).await;

    kit::assert_401_everywhere(srv.addr).await;
    kit::assert_405_for_writes(srv.addr).await;

    // The first page holds the session and the hostile note as text.
    let mut events = kit::Events::open(srv.addr).await;
    let first = events
        .until("with the session", WITHIN, |p| p.contains("alert(1)"))
        .await;
    assert!(
        first.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\x1b]0;pwned\\x07"),
        "{first}"
    );
    assert!(!first.contains("<script") && !first.contains('\u{1b}'));
    assert!(first.contains("RUNNING"));
    for word in ["OK", "WARN", "FAIL", "STALE"] {
        assert!(
            first.contains(&format!("<span class=\"word\">{word}</span>")),
            "{word}"
        );
    }
    let (status, page) = kit::get(srv.addr, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Billing platform migration to v2</h1>"));
    assert_eq!(page.matches("<script").count(), 1, "only our own script");

    // A note the console commits now reaches the open stream.
    kit::note(&mut s, "written after <connecting>");
    let written = Instant::now();
    events
        .until("with the new note", WITHIN, |p| {
            p.contains("written after &lt;connecting&gt;")
        })
        .await;
    eprintln!("note to event on PostgreSQL: {:?}", written.elapsed());

    // The change record reads the same URL, and names it without secrets.
    let (status, md) = kit::get(srv.addr, "/report.md").await;
    assert_eq!(status, StatusCode::OK, "{md}");
    assert!(md.contains("Billing platform migration to v2"), "{md}");
    assert!(
        md.contains("note: written after &lt;connecting&gt;"),
        "{md}"
    );
    assert!(md.contains("postgresql://warroom@/serve_live_"), "{md}");
    let (status, html) = kit::get(srv.addr, "/report.html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("written after &lt;connecting&gt;"));
    assert!(!html.contains("<script"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_with_select_only_is_enough_and_serve_writes_nothing() {
    let Some((c, url, rb, mut s)) = on_postgres("serve_select") else {
        return;
    };
    kit::note(&mut s, "before the page");
    let (role, as_role) = select_only_role(c, &url);
    // The grant is what the test says: this role cannot write.
    let refused = blocking(|| {
        let mut raw = postgres::Config::new()
            .user(&role)
            .dbname(&pg::db_of(&url))
            .host_path(&c.dir)
            .connect(postgres::NoTls)
            .unwrap();
        let e = raw
            .batch_execute("INSERT INTO warroom_presence VALUES ('x', 'x', NULL, 1, true, 0)")
            .unwrap_err();
        e.as_db_error().unwrap().message().to_string()
    });
    assert!(refused.contains("permission denied"), "{refused}");
    let before = counts(c, &url);

    let srv = kit::serve(&rb, &as_role).await;
    let mut events = kit::Events::open(srv.addr).await;
    events
        .until("with the first note", WITHIN, |p| {
            p.contains("before the page")
        })
        .await;
    kit::note(&mut s, "after the page");
    events
        .until("with the second note", WITHIN, |p| {
            p.contains("after the page") && !p.contains(BANNER)
        })
        .await;
    let (status, md) = kit::get(srv.addr, "/report.md").await;
    assert_eq!(status, StatusCode::OK, "{md}");
    assert!(md.contains("after the page"), "{md}");
    assert!(md.contains(&role), "the report names the URL it read: {md}");

    // Serving added no presence, lease or event; alice's note did.
    let after = counts(c, &url);
    assert_eq!(after.presence, before.presence, "serve joined the session");
    assert_eq!(after.lease_holder, before.lease_holder);
    assert_eq!(after.events, before.events + 1, "only the console's note");
}

struct Counts {
    events: i64,
    presence: i64,
    lease_holder: Option<String>,
}

fn counts(c: &pg::Cluster, url: &Path) -> Counts {
    blocking(|| {
        let mut raw = c.raw(url);
        let one =
            |raw: &mut postgres::Client, q: &str| -> i64 { raw.query_one(q, &[]).unwrap().get(0) };
        Counts {
            events: one(&mut raw, "SELECT COUNT(*) FROM warroom_events"),
            presence: one(&mut raw, "SELECT COUNT(*) FROM warroom_presence"),
            lease_holder: raw
                .query_opt("SELECT console FROM warroom_lease WHERE id = 1", &[])
                .unwrap()
                .map(|r| r.get(0)),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_connection_shows_on_the_page_and_heals_by_itself() {
    let Some((c, url, rb, mut s)) = on_postgres("serve_killed") else {
        return;
    };
    let (role, as_role) = select_only_role(c, &url);
    let srv = kit::serve(&rb, &as_role).await;
    let mut events = kit::Events::open(srv.addr).await;
    events
        .until("with the session", WITHIN, |p| p.contains("RUNNING"))
        .await;

    // Killed once: the follower reconnects, and what was written while it
    // was away arrives.
    admin(
        c,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"),
    );
    kit::note(&mut s, "written after the first kill");
    events
        .until("after the first kill", WITHIN, |p| {
            p.contains("written after the first kill")
        })
        .await;

    // Killed and kept out (the role may not log in for a while): the page
    // says the journal cannot be read, and heals when the role is back.
    admin(
        c,
        &format!(
            "ALTER ROLE {role} NOLOGIN;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        ),
    );
    // Sooner than the page's 5 s tick: the error itself wakes the streams.
    let down = events
        .until("with the error banner", Duration::from_secs(4), |p| {
            p.contains(BANNER)
        })
        .await;
    eprintln!(
        "banner: {}",
        down.lines()
            .find(|l| l.contains(BANNER))
            .unwrap_or_default()
    );
    kit::note(&mut s, "written while the page was cut off");
    admin(c, &format!("ALTER ROLE {role} LOGIN"));
    events
        .until("healed, with the note", WITHIN, |p| {
            !p.contains(BANNER) && p.contains("written while the page was cut off")
        })
        .await;
}

#[test]
fn the_readers_connection_refuses_writes_even_for_the_tables_owner() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("serve_ro");
    drop(open_store(pg::at(&url), true).unwrap());
    // The owner's own URL: only the connection's read-only setting stops it.
    let mut ro = PgJournal::open_read_only(&pg_url(&url)).unwrap();
    let err = ro.begin().err().unwrap().to_string();
    assert!(err.contains("read-only transaction"), "{err}");
    assert!(ro.read_since(0).unwrap().is_empty());
}

/// A role that may read the events but not the readings: serve refuses
/// at start, naming the refusal, instead of serving a page with a lasting
/// error line.
#[test]
fn a_role_that_cannot_read_a_table_is_refused_at_start() {
    let Some((c, url, rb, s)) = on_postgres("serve_partial") else {
        return;
    };
    drop(s);
    let (role, as_role) = select_only_role(c, &url);
    sql(
        c,
        &url,
        &format!("REVOKE SELECT ON warroom_readings FROM {role}"),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        warroom::serve::start(
            std::sync::Arc::clone(&rb),
            warroom::timefmt::Zone::UTC,
            pg::at(&as_role),
            l,
            kit::TOKEN.into(),
        )
        .err()
        .expect("served without SELECT on the readings")
    });
    // Refused before any read, naming the privilege and the fix.
    let said = err.to_string();
    assert!(said.contains("SELECT on warroom_readings"), "{said}");
    assert!(
        said.contains(r#"GRANT SELECT ON "public"."warroom_readings""#),
        "{said}"
    );
}

#[test]
fn a_missing_journal_is_refused_with_exit_2_and_nothing_is_created() {
    let Some(c) = pg::cluster() else { return };
    let url = c.fresh("serve_missing");
    let rb = kit::runbook();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        warroom::serve::start(
            std::sync::Arc::clone(&rb),
            warroom::timefmt::Zone::UTC,
            pg::at(&url),
            l,
            kit::TOKEN.into(),
        )
        .err()
        .unwrap()
    });
    assert!(matches!(err, JournalError::Missing { .. }), "{err}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("serve")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/billing-phased.toml"))
        .arg("--journal")
        .arg(&url)
        .args(["--listen", "127.0.0.1:0"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no journal here"), "{stderr}");
    assert!(stderr.contains("journal init"), "{stderr}");
    let tables: i64 = c
        .raw(&url)
        .query_one(
            "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'warroom%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "serve created tables");
}

fn pg_url(url: &Path) -> warroom::journal::pg::PgUrl {
    warroom::journal::pg::PgUrl::parse(url.to_str().unwrap()).unwrap()
}
