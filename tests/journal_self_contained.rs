//! The journal carries its runbook (issue 26, item 2): the report of a
//! session whose runbook file is gone (another host, another folder) still
//! names the cutover, its roles, its plan and the irreversible step the
//! rollback did not undo, on SQLite and on PostgreSQL; the text is kept as
//! written (`${NAME}`, never the value); a changed runbook shows a unified
//! diff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use warroom::console_session::{OpenOptions, Session, SessionError};
use warroom::journal::NewEvent;
use warroom::report::{self, Format};
use warroom::runbook::model::Runbook;
use warroom::session::event::{EventBody, RollbackOutcome, SessionMode, Trigger};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

fn fixture_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-session.toml");
    std::fs::read_to_string(path).unwrap()
}

fn secret_env(name: &str) -> Option<String> {
    match name {
        "CHAT_HOOK" => Some("CHATSECRET".to_string()),
        "SLACK_HOOK" => Some("SLACKSECRET".to_string()),
        _ => None,
    }
}

/// The runbook written into `dir` and loaded from there, secrets expanded.
fn runbook_in(dir: &Path, text: &str) -> Runbook {
    let path = dir.join("billing.toml");
    std::fs::write(&path, text).unwrap();
    warroom::runbook::load_str(text, &path, &secret_env)
        .map_err(|e| e.render(false))
        .unwrap()
        .runbook
}

fn opts(accept: bool) -> OpenOptions {
    OpenOptions {
        mode: SessionMode::Live,
        operator: "alice".into(),
        host: None,
        read_only: false,
        accept_runbook_change: accept,
    }
}

/// A session opened by a console (so `session_opened` is the console's),
/// then an irreversible step and a rollback appended as they would be.
fn session_with_rollback(rb: Runbook, journal: impl Into<warroom::journal::JournalLocation>) {
    let journal: warroom::journal::JournalLocation = journal.into();
    drop(Session::open_at(Arc::new(rb), &journal, opts(false), t(0)).unwrap());
    let (mut store, _) = warroom::journal::open::open_store(&journal, false).unwrap();
    let mut tx = store.begin().unwrap();
    for (secs, op, body) in [
        (10, "alice", EventBody::CutoverStarted {}),
        (
            20,
            "bob",
            EventBody::StepStarted {
                step: "backfill".into(),
            },
        ),
        (
            30,
            "alice",
            EventBody::RollbackStarted {
                trigger: Trigger::Operator,
                reason: "invoices stuck".into(),
                override_reason: None,
                evidence: Default::default(),
                recorded_late: None,
            },
        ),
        (
            40,
            "alice",
            EventBody::RollbackFinished {
                trigger: Trigger::Operator,
                reason: "invoices stuck".into(),
                outcome: RollbackOutcome::Done,
            },
        ),
    ] {
        tx.append(&NewEvent {
            ts: t(secs),
            operator: op.into(),
            body,
        })
        .unwrap();
    }
    tx.commit().unwrap();
}

fn assert_whole_record(md: &str) {
    assert!(
        md.starts_with("# Cutover record: Billing platform migration (billing-v2)"),
        "{md}"
    );
    assert!(md.contains("bob (db/billing)"), "roles missing:\n{md}");
    assert!(
        md.contains("backfill (irreversible)"),
        "plan missing:\n{md}"
    );
    assert!(
        md.contains("irreversible step backfill was started"),
        "irreversible warning missing:\n{md}"
    );
    assert!(!md.contains("unknown"), "{md}");
    for secret in ["CHATSECRET", "SLACKSECRET"] {
        assert!(!md.contains(secret), "{secret} in\n{md}");
    }
}

#[test]
fn sqlite_report_from_another_folder_with_the_runbook_gone() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    session_with_rollback(runbook_in(dir.path(), &fixture_text()), &journal);
    // Another host: the runbook file is not there.
    std::fs::remove_file(dir.path().join("billing.toml")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("report")
        .arg(&journal)
        .current_dir(elsewhere.path())
        .env_remove("CHAT_HOOK")
        .env_remove("SLACK_HOOK")
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_whole_record(&md);
}

#[test]
fn postgres_report_works_from_the_journal_alone() {
    let Some(cluster) = pg::cluster() else {
        eprintln!("skipped: no PostgreSQL");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg::at(&cluster.fresh("selfcontained"));
    session_with_rollback(runbook_in(dir.path(), &fixture_text()), &url);
    std::fs::remove_file(dir.path().join("billing.toml")).unwrap();
    let mut out = Vec::new();
    report::run(&url, Format::Markdown, &mut out).unwrap();
    assert_whole_record(&String::from_utf8(out).unwrap());
}

#[test]
fn the_journal_keeps_the_text_as_written_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    session_with_rollback(runbook_in(dir.path(), &fixture_text()), &journal);
    let events = warroom::journal::open::read_all(&journal).unwrap();
    let Some(EventBody::SessionOpened {
        runbook_sha256,
        runbook_text: Some(text),
        ..
    }) = events.first().map(|e| &e.body)
    else {
        panic!("no runbook text in {:?}", events.first());
    };
    assert_eq!(*text, fixture_text());
    assert!(text.contains("${CHAT_HOOK}"));
    let mut jsonl = Vec::new();
    report::run(&journal, Format::Jsonl, &mut jsonl).unwrap();
    let jsonl = String::from_utf8(jsonl).unwrap();
    assert!(!jsonl.contains("CHATSECRET") && !jsonl.contains("SLACKSECRET"));
    use sha2::Digest;
    assert_eq!(
        *runbook_sha256,
        hex::encode(sha2::Sha256::digest(text.as_bytes()))
    );
}

#[test]
fn a_changed_runbook_shows_a_unified_diff_in_the_refusal_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    let before = fixture_text();
    session_with_rollback(runbook_in(dir.path(), &before), &journal);
    let after = before.replace(
        "title = \"Backfill invoices\"",
        "title = \"Backfill invoices (batched)\"",
    );
    assert_ne!(before, after);
    let rb = Arc::new(runbook_in(dir.path(), &after));
    // Refused without --accept-runbook-change: the message shows the lines.
    let Err(e) = Session::open_at(Arc::clone(&rb), &journal, opts(false), t(50)) else {
        panic!("a changed runbook was not refused");
    };
    assert!(matches!(e, SessionError::RunbookChanged { .. }));
    let said = e.to_string();
    assert!(
        said.contains("-title = \"Backfill invoices\"")
            && said.contains("+title = \"Backfill invoices (batched)\""),
        "{said}"
    );
    // Accepted: the report shows the same difference.
    drop(Session::open_at(rb, &journal, opts(true), t(60)).unwrap());
    std::fs::remove_file(dir.path().join("billing.toml")).unwrap();
    let mut out = Vec::new();
    report::run(&journal, Format::Markdown, &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(
        md.contains("-title = \"Backfill invoices\"")
            && md.contains("+title = \"Backfill invoices (batched)\""),
        "{md}"
    );
    assert!(md.contains("Backfill invoices (batched)"), "{md}");
}

/// `warroom serve --journal J` with no runbook, from another folder, with
/// the runbook file gone: the page names the cutover.
#[test]
fn serve_shows_the_journals_runbook_without_the_file() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    session_with_rollback(runbook_in(dir.path(), &fixture_text()), &journal);
    std::fs::remove_file(dir.path().join("billing.toml")).unwrap();
    let token = elsewhere.path().join("token");
    std::fs::write(&token, "t0ken-for-the-test-only\n").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("serve")
        .arg("--journal")
        .arg(&journal)
        .args(["--listen", "127.0.0.1:0", "--token-file"])
        .arg(&token)
        .current_dir(elsewhere.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The address line, or the end of output (serve refused).
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        match lines.next() {
            Some(Ok(l)) => {
                if let Some(rest) = l.trim().strip_prefix("http://") {
                    break rest.split('/').next().unwrap().to_string();
                }
            }
            _ => {
                let _ = child.kill();
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("serve printed no address: {err}");
            }
        }
    };
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "GET /?token=t0ken-for-the-test-only HTTP/1.0\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    let _ = conn.read_to_string(&mut page);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        page.starts_with("HTTP/1.0 200") || page.starts_with("HTTP/1.1 200"),
        "{page}"
    );
    assert!(page.contains("Billing platform migration"), "{page}");
}

/// A console joining a journal on a host where the runbook path it names
/// is not: it opens on the runbook the journal holds (no refusal, no
/// "runbook changed"), and only watches: whoever appends to the journal
/// could have written that text, so its commands never run here.
#[test]
fn a_console_joins_with_a_runbook_path_that_is_not_here() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    session_with_rollback(runbook_in(dir.path(), &fixture_text()), &journal);
    std::fs::remove_file(dir.path().join("billing.toml")).unwrap();
    let out = warroom::commands::output::Output {
        color: false,
        color_allowed: false,
        tz: None,
    };
    let (rb, from_journal) = warroom::commands::journal_runbook::for_console(
        &dir.path().join("billing.toml"),
        Some(&journal.clone().into()),
        out,
        &secret_env,
    )
    .unwrap();
    assert_eq!(rb.cutover.title, "Billing platform migration");
    assert!(
        from_journal,
        "a runbook from the journal is watched, not acted on"
    );
    // The same digest as the session's: joining is not a change.
    drop(Session::open_at(Arc::new(rb), &journal, opts(false), t(70)).unwrap());
}

/// A row whose runbook text carries an escape sequence (written by another
/// tool, digest and all): the text is not used and nothing of it reaches
/// the terminal that prints the report.
#[test]
fn a_hostile_journaled_text_is_not_used() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    let text = fixture_text().replace(
        "title = \"Billing platform migration\"",
        "title = \"Billing \u{1b}]0;PWNED\u{7} migration\"",
    );
    let (mut store, _) = warroom::journal::open::open_store(&journal, true).unwrap();
    let mut tx = store.begin().unwrap();
    tx.append(&NewEvent {
        ts: t(0),
        operator: "mallory".into(),
        body: EventBody::SessionOpened {
            runbook: "/nowhere/billing.toml".into(),
            runbook_sha256: hex::encode(sha2::Sha256::digest(text.as_bytes())),
            mode: SessionMode::Live,
            runbook_text: Some(text),
        },
    })
    .unwrap();
    tx.commit().unwrap();
    let mut out = Vec::new();
    report::run(&journal, Format::Markdown, &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(!md.contains('\u{1b}') && !md.contains("PWNED\u{7}"), "{md}");
    assert!(!md.contains("Billing platform"), "{md}");
}

/// A runbook saved with CRLF line ends (a Windows editor) is a file the
/// loader takes: its journaled text must read back as written, digest and
/// all, so the report works from the journal alone.
#[test]
fn a_runbook_with_crlf_line_ends_reads_back_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    let crlf = fixture_text().replace('\n', "\r\n");
    session_with_rollback(runbook_in(dir.path(), &crlf), &journal);
    std::fs::remove_file(dir.path().join("billing.toml")).unwrap();
    let mut out = Vec::new();
    report::run(&journal, Format::Markdown, &mut out).unwrap();
    assert_whole_record(&String::from_utf8(out).unwrap());
}
