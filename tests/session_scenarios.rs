//! Scenario files (tests/scenarios/*.toml): operators at one or more
//! consoles issue commands against the sample runbook; after each, the
//! outcome, the appended event kinds, the status, the stage and the gates
//! are checked. At the end every console's state must equal the state
//! rebuilt by replaying the journal from disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use warroom::console_session::{OpenOptions, Session};
use warroom::health::reading::Reading;
use warroom::health::{PanelMap, PanelState};
use warroom::runbook::model::{ActionKind, Runbook};
use warroom::session::command::{Command, Outcome};
use warroom::session::event::SessionMode;
use warroom::session::state::State;
use warroom::session::testkit::{panel_status, sample_runbook};
use warroom::tui::command_line::Parsed;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    #[allow(dead_code)]
    description: String,
    /// Relative to the scenario file; default `runbooks/sample.toml`.
    #[serde(default)]
    runbook: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    read_only: Vec<String>,
    #[serde(rename = "step")]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// Seconds after 2026-11-21T22:00:00Z.
    at: i64,
    /// The operator; also names the console unless `console` is given.
    #[serde(rename = "as")]
    operator: String,
    #[serde(default)]
    console: Option<String>,
    /// The console's `user@host`: the runbook's `[operators]` must map it
    /// to `as` (the person); it also names the console.
    #[serde(default)]
    account: Option<String>,
    /// Command-line syntax, or "observe" (journal gate transitions),
    /// "refresh" (fold in other consoles' events) or "guards" (the guards
    /// judge the panels, as the conductor does).
    cmd: String,
    /// Panel states from this moment on, e.g. { mismatch = "OK" }.
    #[serde(default)]
    panels: BTreeMap<String, String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    gates: BTreeMap<String, String>,
    #[serde(default)]
    pending: Option<Vec<String>>,
    /// The attempt's number (1 until `new-attempt`).
    #[serde(default)]
    attempt: Option<u32>,
    /// Past the point of no return: the irreversible step's id, or "" for not.
    #[serde(default)]
    no_return: Option<String>,
    /// `cmd = "poll"`: this many poll rounds of the conductor (default 1),
    /// `every` seconds apart from `at` (default 10), each storing one
    /// reading per panel in `readings` ([value, baseline] pairs, taken in
    /// turn) and judging it as the conductor does (`Session::conduct`: the
    /// canary analysis and the automatic expand). The step's `events` are
    /// everything the rounds journaled.
    #[serde(default)]
    polls: Option<u32>,
    #[serde(default)]
    every: Option<i64>,
    #[serde(default)]
    readings: BTreeMap<String, Vec<[f64; 2]>>,
    /// The current stage's canary analysis verdict ("" for none yet).
    #[serde(default)]
    verdict: Option<String>,
    /// An automatic expand announced: the stage it goes to ("" for none).
    #[serde(default)]
    announced: Option<String>,
}

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

fn parse_state(s: &str) -> PanelState {
    PanelState::parse(s).unwrap_or_else(|| panic!("unknown panel state {s}"))
}

/// The console's own parser (`tui::command_line`): a scenario's line is
/// read exactly as an operator's typed line. A line it refuses never
/// reaches the journal (the console shows why): `Err(reason)`.
fn parse_command(line: &str, runbook: &Runbook, ctx: &str) -> Result<Command, String> {
    match warroom::tui::command_line::parse(line, runbook) {
        Ok(Parsed::Run(cmd)) => Ok(cmd),
        Ok(other) => panic!("{ctx}: `{line}` is not a session command: {other:?}"),
        Err(why) => Err(why),
    }
}

fn outcome_of(
    r: Result<Outcome, warroom::console_session::SessionError>,
) -> (&'static str, String, Vec<warroom::session::event::Event>) {
    match r.unwrap() {
        Outcome::Applied(ev) => ("applied", String::new(), ev),
        Outcome::Refused { reason, events } => ("refused", reason, events),
    }
}

/// Store panel states as the conductor does: readings in the journal,
/// which every decision reads inside its write transaction.
fn store_readings(journal: &Path, statuses: &[warroom::health::PanelStatus]) {
    if statuses.is_empty() {
        return;
    }
    let (mut store, _) = warroom::journal::open::open_store(pg::at(journal), false).unwrap();
    let mut readings: Vec<Reading> = statuses.iter().map(Reading::of).collect();
    let mut tx = store.begin().unwrap();
    tx.insert_readings(&mut readings).unwrap();
    tx.commit().unwrap();
}

/// Load a runbook with the real loader, named by a path relative to the
/// crate (stable in journals and snapshots), with no environment.
fn load_runbook(rel: &Path) -> Runbook {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    match warroom::runbook::load_str(&text, rel, &|_| None) {
        Ok(l) => l.runbook,
        Err(e) => panic!("{}", e.render(false)),
    }
}

fn run_scenario(file: &Path) -> (tempfile::TempDir, std::path::PathBuf, Arc<Runbook>) {
    run_scenario_at(file, None)
}

/// Run a scenario with its journal at `at` (a PostgreSQL URL), or in a
/// new temporary file.
fn run_scenario_at(
    file: &Path,
    at: Option<std::path::PathBuf>,
) -> (tempfile::TempDir, std::path::PathBuf, Arc<Runbook>) {
    let text = std::fs::read_to_string(file).unwrap();
    let sc: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let rel =
        Path::new("tests/scenarios").join(sc.runbook.as_deref().unwrap_or("runbooks/sample.toml"));
    let runbook: Arc<Runbook> = Arc::new(load_runbook(&rel));
    let dir = tempfile::tempdir().unwrap();
    let journal = at.unwrap_or_else(|| dir.path().join("live.db"));
    let mode = match sc.mode.as_deref() {
        Some("rehearsal") => SessionMode::Rehearsal,
        _ => SessionMode::Live,
    };
    // Panels start OK for an hour before t0.
    let mut panels: PanelMap = runbook
        .panels
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                panel_status(&p.id, PanelState::Ok, Some(0.0), Some(t(-3600))),
            )
        })
        .collect();
    let mut consoles: BTreeMap<String, Session> = BTreeMap::new();
    let mut stored_initial = false;
    for (n, step) in sc.steps.iter().enumerate() {
        let ctx = format!("{name} step {} ({} by {})", n + 1, step.cmd, step.operator);
        let now = t(step.at);
        let mut changed = Vec::new();
        for (id, st) in &step.panels {
            let status = panel_status(id, parse_state(st), Some(0.0), Some(now));
            panels.insert(id.clone(), status.clone());
            changed.push(status);
        }
        if let Some(account) = &step.account {
            let (user, host) = account.split_once('@').unwrap();
            let person = runbook.identity_of(user, Some(host)).person;
            assert_eq!(person, step.operator, "{ctx}: {account} acts as");
        }
        let console = step
            .console
            .clone()
            .or_else(|| step.account.clone())
            .unwrap_or_else(|| step.operator.clone());
        let session = consoles.entry(console).or_insert_with(|| {
            Session::open_at(
                Arc::clone(&runbook),
                pg::at(&journal),
                OpenOptions {
                    mode,
                    operator: step.operator.clone(),
                    host: Some("203.0.113.7".into()),
                    read_only: sc.read_only.contains(&step.operator),
                    accept_runbook_change: false,
                },
                now,
            )
            .unwrap()
        });
        session.set_operator(&step.operator);
        // The journal exists once the first console opened it.
        if !stored_initial {
            stored_initial = true;
            changed = panels.values().cloned().collect();
        }
        store_readings(&journal, &changed);
        let (outcome, reason, events) = match step.cmd.as_str() {
            "observe" => (
                "applied",
                String::new(),
                session.observe(&panels, now).unwrap(),
            ),
            "refresh" => ("applied", String::new(), session.refresh().unwrap()),
            "poll" => {
                let mut evs = Vec::new();
                let every = step.every.unwrap_or(10);
                for round in 0..step.polls.unwrap_or(1) {
                    let now = t(step.at + every * i64::from(round));
                    session.heartbeat(now).unwrap();
                    let epoch = session.epoch().expect("the polling console conducts");
                    let statuses: Vec<_> = step
                        .readings
                        .iter()
                        .map(|(id, pairs)| {
                            let [value, baseline] = pairs[round as usize % pairs.len()];
                            warroom::health::PanelStatus {
                                value: Some(value),
                                baseline: Some(baseline),
                                last_good: Some(now),
                                ..panels[id].clone()
                            }
                        })
                        .map(|mut st| {
                            st.last_poll = Some(now);
                            st
                        })
                        .collect();
                    let got = session
                        .conduct(&statuses, now, epoch, |_, _, _, _| Vec::new())
                        .unwrap()
                        .expect("the polling console holds the lease");
                    evs.extend(got);
                }
                ("applied", String::new(), evs)
            }
            // What the rollback action's end journals (no action runs here).
            "rollback-finished" => {
                let evs = session
                    .transact_at(
                        |_, _| {
                            vec![warroom::session::event::EventBody::RollbackFinished {
                                trigger: warroom::session::event::Trigger::Operator,
                                reason: String::new(),
                                outcome: warroom::session::event::RollbackOutcome::Done,
                            }]
                        },
                        &step.operator,
                        now,
                    )
                    .unwrap();
                ("applied", String::new(), evs)
            }
            // The guards judge the panels as the conductor does: decided
            // inside the write lock on the freshest state.
            "guards" => {
                let p = panels.clone();
                let evs = session
                    .transact_at(
                        move |s, r| {
                            let tracker = warroom::guard::GuardTracker::default();
                            let ev = warroom::session::evidence(&p);
                            warroom::guard::decide(r, s, &p, &tracker, now)
                                .iter()
                                .flat_map(|d| warroom::guard::events_for(d, r, s, &ev))
                                .collect()
                        },
                        &step.operator,
                        now,
                    )
                    .unwrap();
                ("applied", String::new(), evs)
            }
            // `--new-attempt REASON` on the command line (`tui::launch`).
            line if line.starts_with("new-attempt ") => {
                let reason = line["new-attempt ".len()..].to_string();
                outcome_of(session.submit_canonical(&Command::NewAttempt { reason }, now))
            }
            // The rules know this command but the console offers no line or
            // key for it yet: submitted on the same path, by name.
            line if line.starts_with("withdraw-request ") => {
                let action = match &line["withdraw-request ".len()..] {
                    "rollback" => ActionKind::Rollback,
                    "expand" => ActionKind::Expand,
                    "pause" => ActionKind::Pause,
                    "resume" => ActionKind::Resume,
                    other => panic!("{ctx}: withdraw-request {other}"),
                };
                outcome_of(session.submit_canonical(&Command::WithdrawRequest { action }, now))
            }
            // What the console's writer does with a typed line: decided on
            // the readings read inside the write transaction.
            line => match parse_command(line, &runbook, &ctx) {
                Ok(cmd) => outcome_of(session.submit_canonical(&cmd, now)),
                Err(why) => ("refused", why, Vec::new()),
            },
        };
        if let Some(want) = &step.outcome {
            assert_eq!(outcome, want, "{ctx}: outcome (reason: {reason})");
        }
        if let Some(want) = &step.reason {
            assert!(
                reason.contains(want.as_str()),
                "{ctx}: reason {reason:?} lacks {want:?}"
            );
        }
        if let Some(want) = &step.events {
            let kinds: Vec<String> = events.iter().map(|e| e.body.kind()).collect();
            assert_eq!(&kinds, want, "{ctx}: events");
        }
        let s = session.state();
        if let Some(want) = &step.status {
            assert_eq!(s.status.as_str(), want, "{ctx}: status");
        }
        if let Some(want) = &step.stage {
            let got = s.stage.map_or("none", |i| runbook.stages[i].name.as_str());
            assert_eq!(got, want, "{ctx}: stage");
        }
        for (gate, want) in &step.gates {
            let got = s.gate(gate).unwrap().status.as_str();
            assert_eq!(got, want, "{ctx}: gate {gate}");
        }
        if let Some(want) = &step.verdict {
            let got = s.canary.verdict.as_ref().map_or("", |v| v.verdict.as_str());
            assert_eq!(got, want, "{ctx}: analysis verdict");
        }
        if let Some(want) = &step.announced {
            let got = s.canary.announced().map_or("", |(to, _)| to);
            assert_eq!(got, want, "{ctx}: automatic expand announced");
        }
        if let Some(want) = step.attempt {
            assert_eq!(s.attempts.number, want, "{ctx}: attempt");
        }
        if let Some(want) = &step.no_return {
            let got = s
                .attempts
                .no_return
                .as_ref()
                .map_or("", |n| n.step.as_str());
            assert_eq!(got, want, "{ctx}: point of no return");
        }
        if let Some(want) = &step.pending {
            let got: Vec<String> = s
                .pending
                .iter()
                .map(|p| format!("{} by {}", p.action.as_str(), p.requested_by))
                .collect();
            assert_eq!(&got, want, "{ctx}: pending");
        }
    }
    // Replay: the journal on disk rebuilds what every console shows.
    let stored = warroom::journal::open::read_all(pg::at(&journal)).unwrap();
    for (i, e) in stored.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "{name}: seq gapless");
    }
    let replayed = State::replay(&runbook, &stored);
    for (console, session) in consoles.iter_mut() {
        session.refresh().unwrap();
        assert_eq!(
            session.state(),
            &replayed,
            "{name}: console {console} vs replay"
        );
    }
    (dir, journal, runbook)
}

#[test]
fn scenarios() {
    for f in scenario_files() {
        run_scenario(&f);
    }
}

/// Every scenario file, in name order.
fn scenario_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "scenario files missing in {}",
        dir.display()
    );
    files
}

/// The same scenario files with the journal on PostgreSQL (a throwaway
/// cluster; skipped without PostgreSQL, failing under CI=true).
#[test]
fn scenarios_on_postgres() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    for f in scenario_files() {
        run_scenario_at(&f, Some(cluster.fresh("scenario")));
    }
}

fn scenario_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

fn report_text(
    journal: &Path,
    format: warroom::report::Format,
    runbook: Option<&Runbook>,
) -> String {
    let mut out = Vec::new();
    warroom::report::run_with(pg::at(journal), format, runbook, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .replace(&journal.display().to_string(), "<journal>")
}

#[test]
fn report_markdown_and_jsonl_golden() {
    let (_dir, journal, rb) = run_scenario(&scenario_path("01_happy_path.toml"));
    insta::assert_snapshot!(
        "happy_path_markdown",
        report_text(&journal, warroom::report::Format::Markdown, Some(&rb))
    );
    let timings = warroom::report::rehearsal_timings(&journal).unwrap();
    assert_eq!(
        timings["freeze"],
        std::time::Duration::from_secs(11 * 60 + 50)
    );
    assert_eq!(timings["backfill"], std::time::Duration::from_secs(50));
    let jsonl = report_text(&journal, warroom::report::Format::Jsonl, None);
    insta::assert_snapshot!("happy_path_jsonl", jsonl);
    // Every line is JSON with the envelope; seq is gapless; ts is UTC with Z.
    for (i, l) in jsonl.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["seq"], (i + 1) as u64);
        assert!(v["ts"].as_str().unwrap().ends_with('Z'));
        assert!(v["operator"].is_string() && v["kind"].is_string());
    }
}

#[test]
fn report_says_when_the_runbook_is_gone() {
    // The sample runbook names runbooks/billing-v2.toml, which does not exist.
    let rb = Arc::new(sample_runbook());
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    let opts = OpenOptions {
        mode: SessionMode::Rehearsal,
        operator: "alice".into(),
        host: None,
        read_only: false,
        accept_runbook_change: false,
    };
    let mut s = Session::open_at(Arc::clone(&rb), &journal, opts, t(0)).unwrap();
    let panels = warroom::session::testkit::all_ok(&rb, t(-3600));
    s.submit(&Command::Begin, &panels, t(1)).unwrap();
    s.submit(
        &Command::Rollback {
            reason: "confirmed".into(),
            override_reason: None,
        },
        &panels,
        t(2),
    )
    .unwrap();
    let mut out = Vec::new();
    warroom::report::run(&journal, warroom::report::Format::Markdown, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("runbook runbooks/billing-v2.toml no longer exists"),
        "{text}"
    );
    assert!(text.contains("| Mode | rehearsal |"));
    assert!(text.contains("requested rollback (confirmed): needs a second operator"));
}

#[test]
fn report_finds_the_runbook_and_shows_the_plan() {
    let (_dir, journal, _) = run_scenario(&scenario_path("07_shipped_billing_runbook.toml"));
    let mut out = Vec::new();
    warroom::report::run(&journal, warroom::report::Format::Markdown, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("# Cutover record: Billing platform migration to v2 (billing-v2)"),
        "{text}"
    );
    assert!(
        text.contains("| enable-dual-write | bob (db) | 2026-11-21 22:01:00 | done | 15m | 12m |"),
        "{text}"
    );
    assert!(
        text.contains("| stop-legacy-writes (irreversible) |"),
        "{text}"
    );
}

#[test]
fn the_report_reads_in_the_runbooks_zone_and_tz_overrides_it() {
    let (_dir, journal, rb) = run_scenario(&scenario_path("01_happy_path.toml"));
    let mut ny = (*rb).clone();
    ny.cutover.timezone = warroom::timefmt::Zone::parse("America/New_York").unwrap();
    let text = report_text(&journal, warroom::report::Format::Markdown, Some(&ny));
    // 2026-11-21 22:00:20 UTC is 17:00:20 EST.
    assert!(text.contains("Timeline (America/New_York)"), "{text}");
    assert!(text.contains("2026-11-21 17:00:20 EST"), "{text}");
    assert!(!text.contains("22:00:20"), "{text}");

    // --tz: the journal names its runbook; the override wins over it.
    let (_dir, journal, _) = run_scenario(&scenario_path("07_shipped_billing_runbook.toml"));
    let mut out = Vec::new();
    let berlin = warroom::timefmt::Zone::parse("Europe/Berlin").ok();
    warroom::report::run_in(
        &journal,
        warroom::report::Format::Markdown,
        berlin,
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Timeline (Europe/Berlin)"), "{text}");
    assert!(text.contains("CET"), "{text}");
}

/// A retried cutover is one record: the report numbers the attempts and
/// marks where the new one opened and where the point of no return was.
#[test]
fn report_numbers_the_attempts_and_marks_the_point_of_no_return() {
    let (_dir, journal, rb) = run_scenario(&scenario_path("10_new_attempt.toml"));
    let text = report_text(&journal, warroom::report::Format::Markdown, Some(&rb));
    assert!(
        text.contains(
            "| Attempts | 2: #1 ROLLED_BACK (from 2026-11-21 22:00:04), #2 RUNNING (this one) |"
        ),
        "{text}"
    );
    assert!(
        text.contains("OPENED ATTEMPT 2 of the cutover: fixed the tenant index"),
        "{text}"
    );
    assert!(
        text.contains("| Point of no return | **none in the plan** |"),
        "{text}"
    );
    let (_dir, journal, rb) = run_scenario(&scenario_path("09_point_of_no_return.toml"));
    let text = report_text(&journal, warroom::report::Format::Markdown, Some(&rb));
    assert!(
        text.contains("| Point of no return | **crossed at 2026-11-21 22:12:00 UTC: step backfill started by bob** |"),
        "{text}"
    );
    assert!(
        text.contains("PAUSED by guard: guard: mismatch FAIL for 0s; past the point of no return"),
        "{text}"
    );
}

/// The report marks the stages entered by themselves and lists the canary
/// analysis: verdicts with their numbers, announcements, the pause.
#[test]
fn report_marks_automatic_expands_and_the_analysis() {
    let (_dir, journal, rb) = run_scenario(&scenario_path("11_canary_advances_by_itself.toml"));
    let text = report_text(&journal, warroom::report::Format::Markdown, Some(&rb));
    for want in [
        "| 10% (automatic) | 10% |",
        "| 50% (automatic) | 50% |",
        "## Canary analysis",
        "ANALYSIS of stage 1%: PASS (2 passed, 0 failed, 0 inconclusive of 2/2 measurements: within the limits): errors pass p=",
        "AUTOMATIC EXPAND to 10% announced for 22:02:37 UTC",
        "EXPANDED (automatic) to 50% (50%) from 10%",
        "ANALYSIS of stage 50%: INCONCLUSIVE (0 passed, 0 failed, 1 inconclusive of 1/1 measurements: more inconclusive than inconclusive_limit 0): errors inconclusive p=0.244 r=+0.33 n=9/9",
        "PAUSED by the canary analysis: analysis of stage 50% is inconclusive",
        "p 0.244 above alpha 0.05 but effect +0.33 is not small (beyond ±0.3)",
        // The evidence of the decisions carries the comparison.
        "(vs baseline inconclusive p=0.244 r=+0.33 n=9/9)",
        "(vs baseline pass p=",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
}
