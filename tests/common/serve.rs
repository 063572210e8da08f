//! A session for the status page tests: the billing runbook, a rehearsal
//! journal with a started cutover and one reading per panel, and the
//! status page serving it on an ephemeral loopback port.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use warroom::console_session::{OpenOptions, Session};
use warroom::health::reading::Reading;
use warroom::health::{PanelMap, PanelState};
use warroom::journal::Journal;
use warroom::runbook::model::Runbook;
use warroom::session::command::Command;
use warroom::session::event::SessionMode;

pub const TOKEN: &str = "test-token-0123456789abcdef";

pub fn runbook() -> Arc<Runbook> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/billing-phased.toml");
    Arc::new(warroom::runbook::load(&path).unwrap().runbook)
}

/// A started session in `dir`, one reading per panel (states cycling
/// through OK, WARN, FAIL, STALE); returns the journal and alice's seat.
pub fn session(dir: &Path, rb: &Arc<Runbook>) -> (PathBuf, Session) {
    let journal = dir.join("rehearsal-1.db");
    let mut s = Session::open(
        Arc::clone(rb),
        &journal,
        OpenOptions {
            mode: SessionMode::Rehearsal,
            operator: "alice".into(),
            host: None,
            read_only: false,
            accept_runbook_change: false,
        },
    )
    .unwrap();
    s.submit(&Command::Begin, &PanelMap::new(), Utc::now())
        .unwrap();
    let states = [
        PanelState::Ok,
        PanelState::Warn,
        PanelState::Fail,
        PanelState::Stale,
    ];
    let now = Utc::now();
    let mut readings: Vec<Reading> = rb
        .panels
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            (0..3).map(move |k| Reading {
                id: 0,
                panel: p.id.clone(),
                state: states[i % states.len()],
                value: Some(0.5 + k as f64),
                baseline: None,
                error: None,
                sampled_at: Some(now),
                state_since: Some(now),
                last_good: Some(now),
            })
        })
        .collect();
    let (mut j, _) = Journal::open(&journal).unwrap();
    let mut tx = j.begin().unwrap();
    tx.insert_readings(&mut readings).unwrap();
    tx.commit().unwrap();
    (journal, s)
}

pub fn note(s: &mut Session, text: &str) {
    s.submit(
        &Command::Note { text: text.into() },
        &PanelMap::new(),
        Utc::now(),
    )
    .unwrap();
}

/// The status page on 127.0.0.1:0.
pub async fn serve(rb: &Arc<Runbook>, journal: &Path) -> warroom::serve::Server {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    warroom::serve::start(
        Arc::clone(rb),
        warroom::timefmt::Zone::UTC,
        journal.to_path_buf(),
        l,
        TOKEN.into(),
    )
    .unwrap()
}
