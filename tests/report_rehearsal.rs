//! The report of a live journal shows, per step, planned, last rehearsal
//! and actual durations when rehearsal journals sit beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use warroom::journal::{Journal, NewEvent};
use warroom::report::{self, Format};
use warroom::session::event::{EventBody, StepOutcome};
use warroom::timefmt::seconds;

/// A journal in which step `freeze` ran for `minutes`.
fn journal_with_step(path: &Path, minutes: i64) {
    let (mut j, _) = Journal::open(path).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let ev = |ts, body| NewEvent {
        ts,
        operator: "alice".into(),
        body,
    };
    j.append(&[
        ev(
            t0,
            EventBody::StepStarted {
                step: "freeze".into(),
            },
        ),
        ev(
            t0 + chrono::Duration::minutes(minutes),
            EventBody::StepFinished {
                step: "freeze".into(),
                outcome: StepOutcome::Done,
            },
        ),
    ])
    .unwrap();
}

fn markdown(journal: &Path) -> String {
    let mut out = Vec::new();
    report::run(journal, Format::Markdown, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_live_report_shows_the_latest_rehearsal_beside_plan_and_actual() {
    let dir = tempfile::tempdir().unwrap();
    journal_with_step(&dir.path().join("rehearsal-1.db"), 5);
    journal_with_step(&dir.path().join("rehearsal-2.db"), 7);
    let live = dir.path().join("live.db");
    journal_with_step(&live, 9);

    let md = markdown(&live);
    assert!(
        md.contains("| Last rehearsal |"),
        "no rehearsal column:\n{md}"
    );
    assert!(
        md.contains("rehearsal-2.db"),
        "not the latest rehearsal:\n{md}"
    );
    let row = md.lines().find(|l| l.starts_with("| freeze ")).unwrap();
    // Planned | Last rehearsal | Actual: the latest rehearsal (7m), then 9m.
    let seven = seconds(Duration::from_secs(7 * 60));
    let nine = seconds(Duration::from_secs(9 * 60));
    assert!(
        row.trim_end().ends_with(&format!("| {seven} | {nine} |")),
        "row: {row}"
    );
    assert!(
        !row.contains(&seconds(Duration::from_secs(5 * 60))),
        "row: {row}"
    );
}

#[test]
fn without_rehearsals_the_steps_table_has_no_rehearsal_column() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    journal_with_step(&live, 9);
    let md = markdown(&live);
    assert!(!md.contains("Last rehearsal"), "{md}");
    assert!(md.lines().any(|l| l.starts_with("| freeze ")));
}
