//! The conductor's analysis and automatic expand, by table: each row is a
//! journal so far, the samples the readings hold, the time, and what the
//! conductor journals.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::analysis::samples::Sample;
use crate::analysis::stage::StageAnalysis;
use crate::analysis::{Compare, Worse};
use crate::runbook::model::ActionKind;
use crate::session::command::Command;
use crate::session::decide::{Decision, Seen, decide};
use crate::session::event::{Event, Evidence};
use crate::session::reduce::reduce;
use crate::session::testkit::{all_ok, sample_runbook};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

/// The sample runbook with `errors` compared against its baseline and
/// stage `internal` (entered at 10 s, bake 10m) measured twice.
fn runbook(advance: Advance) -> Runbook {
    let mut rb = sample_runbook();
    rb.panels[0].baseline = Some("errors_baseline".into());
    rb.panels[0].compare = Some(Compare {
        worse: Worse::Higher,
        alpha: 0.05,
        min_samples: 8,
        small_effect: 0.3,
    });
    rb.stages[0].analysis = Some(StageAnalysis {
        count: 2,
        failure_limit: 0,
        inconclusive_limit: 0,
    });
    rb.stages[0].advance = advance;
    rb.stages[0].auto_countdown = Duration::from_secs(30);
    rb
}

fn state(rb: &Runbook, rows: &[(i64, &str, EventBody)]) -> State {
    let mut s = State::new(rb);
    for (i, (secs, op, body)) in rows.iter().enumerate() {
        let ev = Event {
            seq: i as u64 + 1,
            ts: at(*secs),
            operator: op.to_string(),
            body: body.clone(),
        };
        reduce(&mut s, rb, &ev);
    }
    s
}

#[derive(Clone, Copy, Debug)]
enum Samples {
    /// Canary and baseline alike.
    Alike,
    /// The canary's errors well above the baseline's.
    Worse,
    /// Three samples only.
    Few,
    /// Eight, three of them far above: p above alpha, effect not small.
    Unclear,
}

fn samples(kind: Samples) -> SampleLog {
    let mut log = SampleLog::default();
    let n = match kind {
        Samples::Few => 3,
        Samples::Unclear => 8,
        _ => 12,
    };
    for i in 0..n {
        let base = 0.010 + 0.001 * f64::from(i % 4);
        let value = match kind {
            Samples::Alike | Samples::Few => 0.010 + 0.001 * f64::from((i + 1) % 4),
            Samples::Worse => base + 0.02,
            Samples::Unclear if i % 3 == 0 => base + 0.02,
            Samples::Unclear => base,
        };
        log.push_sample(
            "errors",
            Sample {
                at: at(20 + 20 * i64::from(i)),
                value,
                baseline: base,
            },
        );
    }
    log
}

fn started() -> Vec<(i64, &'static str, EventBody)> {
    vec![
        (0, "alice", EventBody::CutoverStarted {}),
        (
            10,
            "alice",
            EventBody::Expanded {
                from_stage: None,
                to_stage: "internal".into(),
                exposure: 0.5,
                override_reason: None,
                evidence: Evidence::new(),
                automatic: false,
            },
        ),
    ]
}

fn measured(k: u32, result: Verdict) -> EventBody {
    EventBody::AnalysisMeasured {
        stage: "internal".into(),
        measurement: k,
        count: 2,
        result,
        panels: BTreeMap::new(),
    }
}

fn passed() -> EventBody {
    EventBody::AnalysisVerdict {
        stage: "internal".into(),
        verdict: Verdict::Pass,
        reason: "2 passed".into(),
        panels: BTreeMap::new(),
        evidence: Evidence::new(),
    }
}

fn signed(item: u32) -> EventBody {
    EventBody::Signed {
        gate: "expand-enterprise".into(),
        item,
        evidence: Evidence::new(),
    }
}

fn announced() -> EventBody {
    EventBody::AutoExpandAnnounced {
        from_stage: "internal".into(),
        to_stage: "enterprise".into(),
        expand_at: at(650),
        reason: "passed".into(),
    }
}

/// Passed at the end of the bake, enterprise's gate signed by two people.
fn passed_and_go() -> Vec<(i64, &'static str, EventBody)> {
    let mut rows = started();
    rows.extend([
        (310, "conductor", measured(1, Verdict::Pass)),
        (610, "conductor", measured(2, Verdict::Pass)),
        (610, "conductor", passed()),
        (611, "bob", signed(1)),
        (612, "carol", signed(1)),
        (
            612,
            "carol",
            EventBody::GateGo {
                gate: "expand-enterprise".into(),
                evidence: Evidence::new(),
            },
        ),
    ]);
    rows
}

fn with(
    mut rows: Vec<(i64, &'static str, EventBody)>,
    more: &[(i64, &'static str, EventBody)],
) -> Vec<(i64, &'static str, EventBody)> {
    rows.extend(more.iter().cloned());
    rows
}

#[test]
fn the_conductor_measures_judges_and_advances_by_table() {
    let paused = (
        640,
        "alice",
        EventBody::Paused {
            reason: "look".into(),
            trigger: Trigger::Operator,
            evidence: Evidence::new(),
            recorded_late: None,
        },
    );
    let held = (
        640,
        "dave",
        EventBody::AutoExpandStopped {
            to_stage: "enterprise".into(),
            reason: "held".into(),
        },
    );
    let withdrawn = (
        640,
        "carol",
        EventBody::Withdrawn {
            gate: "expand-enterprise".into(),
            item: 1,
        },
    );
    let rollback_asked = (
        630,
        "alice",
        EventBody::ActionRequested {
            action: ActionKind::Rollback,
            reason: "errors creeping".into(),
        },
    );
    let pause_asked = (
        615,
        "alice",
        EventBody::ActionRequested {
            action: ActionKind::Pause,
            reason: "look first".into(),
        },
    );
    // (what, advance, journal so far, samples, now, journaled kinds, words)
    let table: Vec<(
        &str,
        Advance,
        Vec<(i64, &str, EventBody)>,
        Samples,
        i64,
        &[&str],
        &str,
    )> = vec![
        (
            "nothing is due before half the bake",
            Advance::Auto,
            started(),
            Samples::Alike,
            309,
            &[],
            "",
        ),
        (
            "the first measurement at half the bake",
            Advance::Auto,
            started(),
            Samples::Alike,
            310,
            &["analysis_measured"],
            "measurement 1 of 2 pass",
        ),
        (
            "the last one at the end of the bake brings the verdict",
            Advance::Auto,
            with(started(), &[(310, "c", measured(1, Verdict::Pass))]),
            Samples::Alike,
            610,
            &["analysis_measured", "analysis_verdict"],
            "PASS",
        ),
        (
            "passed, the next gate OPEN: it waits, journaling nothing",
            Advance::Auto,
            with(
                started(),
                &[
                    (310, "c", measured(1, Verdict::Pass)),
                    (610, "c", measured(2, Verdict::Pass)),
                    (610, "c", passed()),
                ],
            ),
            Samples::Alike,
            620,
            &[],
            "",
        ),
        (
            "passed and the gate GO: the expand is announced",
            Advance::Auto,
            passed_and_go(),
            Samples::Alike,
            620,
            &["auto_expand_announced"],
            "22:10:50 UTC",
        ),
        (
            "passed on a manual stage: a person expands",
            Advance::Manual,
            passed_and_go(),
            Samples::Alike,
            620,
            &[],
            "",
        ),
        (
            "the countdown runs",
            Advance::Auto,
            with(passed_and_go(), &[(620, "c", announced())]),
            Samples::Alike,
            649,
            &[],
            "",
        ),
        (
            "the countdown is over: expanded, automatic",
            Advance::Auto,
            with(passed_and_go(), &[(620, "c", announced())]),
            Samples::Alike,
            650,
            &["expanded"],
            "(automatic) to enterprise",
        ),
        (
            "held by an operator: never again by itself",
            Advance::Auto,
            with(passed_and_go(), &[(620, "c", announced()), held.clone()]),
            Samples::Alike,
            700,
            &[],
            "",
        ),
        (
            "a pause stops the countdown",
            Advance::Auto,
            with(passed_and_go(), &[(620, "c", announced()), paused.clone()]),
            Samples::Alike,
            700,
            &[],
            "",
        ),
        (
            "a rollback waiting for its second person stops the countdown",
            Advance::Auto,
            with(
                passed_and_go(),
                &[(620, "c", announced()), rollback_asked.clone()],
            ),
            Samples::Alike,
            650,
            &["auto_expand_stopped"],
            "waits for its second person",
        ),
        (
            "a pause waiting for its second person: nothing is announced",
            Advance::Auto,
            with(passed_and_go(), std::slice::from_ref(&pause_asked)),
            Samples::Alike,
            620,
            &[],
            "",
        ),
        (
            "within the grace after the countdown: still expanded",
            Advance::Auto,
            with(passed_and_go(), &[(620, "c", announced())]),
            Samples::Alike,
            665,
            &["expanded"],
            "(automatic) to enterprise",
        ),
        (
            "the countdown ended while nobody conducted: stopped, a person decides",
            Advance::Auto,
            with(passed_and_go(), &[(620, "c", announced())]),
            Samples::Alike,
            4000,
            &["auto_expand_stopped"],
            "while no console conducted",
        ),
        (
            "the gate reopened during the countdown: stopped, saying why",
            Advance::Auto,
            with(
                passed_and_go(),
                &[(620, "c", announced()), withdrawn.clone()],
            ),
            Samples::Alike,
            650,
            &["auto_expand_stopped"],
            "gate expand-enterprise is OPEN",
        ),
        (
            "too few samples: inconclusive pauses for a person",
            Advance::Auto,
            started(),
            Samples::Few,
            310,
            &["analysis_measured", "analysis_verdict", "paused"],
            "too few samples: 3 canary",
        ),
        (
            "p above alpha, effect not small: inconclusive pauses",
            Advance::Auto,
            started(),
            Samples::Unclear,
            310,
            &["analysis_measured", "analysis_verdict", "paused"],
            "is not small",
        ),
        (
            "the canary worse: fail pauses",
            Advance::Auto,
            started(),
            Samples::Worse,
            310,
            &["analysis_measured", "analysis_verdict", "paused"],
            "on the bad side",
        ),
        (
            "on a manual stage a fail is journaled, nobody is paused",
            Advance::Manual,
            started(),
            Samples::Worse,
            310,
            &["analysis_measured", "analysis_verdict"],
            "FAIL",
        ),
        (
            "already paused: the verdict is journaled, no second pause",
            Advance::Auto,
            with(
                started(),
                &[(
                    300,
                    "alice",
                    EventBody::Paused {
                        reason: "x".into(),
                        trigger: Trigger::Operator,
                        evidence: Evidence::new(),
                        recorded_late: None,
                    },
                )],
            ),
            Samples::Few,
            310,
            &["analysis_measured", "analysis_verdict"],
            "INCONCLUSIVE",
        ),
    ];
    for (what, advance, rows, kind, now, want, words) in table {
        let rb = runbook(advance);
        let s = state(&rb, &rows);
        let panels = all_ok(&rb, at(-3600));
        let got = conduct(&rb, &s, &panels, &samples(kind), at(now));
        let kinds: Vec<String> = got.iter().map(EventBody::kind).collect();
        assert_eq!(kinds, want, "{what}");
        let text: Vec<String> = got
            .iter()
            .map(|b| crate::describe::event(Some(&rb), b))
            .collect();
        let text = text.join(" | ");
        assert!(text.contains(words), "{what}: {text}");
    }
}

#[test]
fn a_manual_expand_waits_on_the_analysis_and_may_override_it() {
    let rb = runbook(Advance::Manual);
    let panels = all_ok(&rb, at(-3600));
    let inconclusive = EventBody::AnalysisVerdict {
        stage: "internal".into(),
        verdict: Verdict::Inconclusive,
        reason: "1 inconclusive".into(),
        panels: BTreeMap::new(),
        evidence: Evidence::new(),
    };
    // (what, journal after the start, now, the refusal's words)
    let table: Vec<(&str, Vec<(i64, &str, EventBody)>, i64, Option<&str>)> = vec![
        (
            "bake over, last measurement not in yet",
            vec![],
            611,
            Some("analysis of stage internal: 0 of 2 measurements taken"),
        ),
        (
            "inconclusive",
            vec![(610, "c", inconclusive)],
            620,
            Some("analysis of stage internal is inconclusive: 1 inconclusive"),
        ),
        ("passed", vec![(610, "c", passed())], 620, None),
    ];
    for (what, more, now, want) in table {
        let s = state(&rb, &with(started(), &more));
        let got: Vec<rules::Refusal> = rules::expand_refusals(&rb, &s, &panels, at(now))
            .into_iter()
            .filter(|r| r.reason.contains("analysis"))
            .collect();
        match want {
            Some(w) => {
                assert_eq!(got.len(), 1, "{what}: {got:?}");
                assert_eq!(got[0].reason, w, "{what}");
                assert!(got[0].overridable, "{what}");
            }
            None => assert!(got.is_empty(), "{what}: {got:?}"),
        }
    }
}

#[test]
fn hold_stops_an_announced_expand_and_says_who() {
    let rb = runbook(Advance::Auto);
    let panels = all_ok(&rb, at(-3600));
    let hold = Command::Hold {
        reason: String::new(),
    };
    let s = state(&rb, &passed_and_go());
    match decide(&rb, &s, &hold, "dave", &panels, at(630), Seen::of(&s)) {
        Decision::Refuse { reason, .. } => assert_eq!(reason, "no automatic expand is announced"),
        other => panic!("{other:?}"),
    }
    let mut rows = passed_and_go();
    rows.push((620, "c", announced()));
    let s = state(&rb, &rows);
    let Decision::Apply(bodies) = decide(&rb, &s, &hold, "dave", &panels, at(630), Seen::of(&s))
    else {
        panic!("hold refused");
    };
    rows.push((630, "dave", bodies[0].clone()));
    let s = state(&rb, &rows);
    assert_eq!(
        s.canary.auto,
        AutoExpand::Stopped {
            by: "dave".into(),
            reason: "held by an operator".into()
        }
    );
}
