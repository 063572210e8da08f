//! `warroom check --probe`: poll every panel once and print what it shows.

use std::time::Duration;

use chrono::Utc;

use super::evaluate::{Evaluator, Poll};
use super::source::{Fetcher, jobs};
use super::units::format_value;
use super::{PanelState, PanelStatus};
use crate::runbook::model::Runbook;

/// Poll every panel once, all in parallel (each bounded by its source's
/// timeout); `rate` panels are polled a second time a second later. Returns
/// one status per panel, in runbook order.
pub async fn probe(runbook: &Runbook) -> Vec<PanelStatus> {
    let now = Utc::now();
    let mut evaluators: Vec<Evaluator> = runbook
        .panels
        .iter()
        .map(|p| {
            // One-shot: a slow first answer is its own error, not STALE.
            let mut p = p.clone();
            p.stale_after = u32::MAX;
            Evaluator::new(&p, now)
        })
        .collect();
    let fetcher = match Fetcher::new(runbook.secrets.clone()) {
        Ok(f) => f,
        Err(e) => {
            for ev in &mut evaluators {
                ev.observe(Poll::Error(e.clone()), now);
            }
            return evaluators.iter().map(|e| e.status().clone()).collect();
        }
    };
    let jobs = jobs(runbook);
    let mut round: Vec<&_> = jobs.iter().collect();
    for pass in 0..2 {
        if pass == 1 {
            round.retain(|j| j.needs_two_samples(runbook));
            if round.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let results = futures::future::join_all(round.iter().map(|j| fetcher.poll(j))).await;
        let at = Utc::now();
        for (panel, poll) in results.into_iter().flatten() {
            if let Some(e) = evaluators.get_mut(panel) {
                e.observe(poll, at);
            }
        }
    }
    evaluators.iter().map(|e| e.status().clone()).collect()
}

/// Probe and print a table. Exit code 0 when every panel returned a value
/// (OK, WARN or FAIL), 1 when any is ERROR, STALE or UNKNOWN.
pub fn run(runbook: &Runbook, color: bool) -> i32 {
    let rt = match crate::runtime::start() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("warroom: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let statuses = rt.block_on(probe(runbook));
    print!("{}", table(runbook, &statuses, color));
    let answered = |s: &PanelStatus| {
        matches!(
            s.state,
            PanelState::Ok | PanelState::Warn | PanelState::Fail
        )
    };
    let bad = statuses.iter().filter(|s| !answered(s)).count();
    if bad == 0 {
        println!(
            "{} panels probed: every panel returned a value.",
            statuses.len()
        );
        0
    } else {
        println!(
            "{} panels probed: {bad} without a value (ERROR, STALE or UNKNOWN).",
            statuses.len()
        );
        1
    }
}

/// The probe table: panel, source, state, value in its unit, detail.
pub fn table(runbook: &Runbook, statuses: &[PanelStatus], color: bool) -> String {
    let header = ["PANEL", "SOURCE", "STATE", "VALUE", "DETAIL"].map(String::from);
    let mut rows = vec![header];
    for (panel, s) in runbook.panels.iter().zip(statuses) {
        rows.push([
            panel.id.clone(),
            panel.source.clone(),
            s.state.as_str().to_string(),
            s.value
                .map(|v| format_value(v, panel.unit))
                .unwrap_or_else(|| "-".into()),
            runbook.redact(s.error.as_deref().unwrap_or("")),
        ]);
    }
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let w = [width(0), width(1), width(2), width(3)];
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        let state = format!("{:<w$}", r[2], w = w[2]);
        let state = if color && n > 0 {
            paint(&r[2], &state)
        } else {
            state
        };
        let line = format!(
            "{:<w0$}  {:<w1$}  {state}  {:>w3$}  {}",
            r[0],
            r[1],
            r[3],
            r[4],
            w0 = w[0],
            w1 = w[1],
            w3 = w[3]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// ANSI colour by state word; only OK is green.
fn paint(state: &str, padded: &str) -> String {
    let code = match state {
        "OK" => "32",
        "WARN" => "33",
        "FAIL" | "ERROR" => "1;31",
        "STALE" => "35",
        _ => "2",
    };
    format!("\x1b[{code}m{padded}\x1b[0m")
}
