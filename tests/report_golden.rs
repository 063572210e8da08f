//! The change record of a scripted session with a guard, an override, a
//! two-person gate, a failed webhook, a failed notification and a
//! rollback: Markdown and HTML golden files, numbers as the panels show
//! them, nothing from outside interpreted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use warroom::health::PanelState;
use warroom::journal::{Journal, NewEvent};
use warroom::report::{self, Format};
use warroom::runbook::model::{ActionKind, GuardThen, GuardWhen, Runbook};
use warroom::session::event::{
    EventBody, Evidence, EvidenceEntry, RollbackOutcome, SessionMode, Trigger,
};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

fn runbook() -> Runbook {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-session.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let env = |name: &str| match name {
        "CHAT_HOOK" => Some("CHATSECRET".to_string()),
        "SLACK_HOOK" => Some("SLACKSECRET".to_string()),
        _ => None,
    };
    warroom::runbook::load_str(&text, Path::new("tests/fixtures/report-session.toml"), &env)
        .map_err(|e| e.render(false))
        .unwrap()
        .runbook
}

/// The raw floats of issue 17: what the panels read, unrounded.
fn evidence(errors: f64) -> Evidence {
    let state = if errors > 0.02 {
        PanelState::Fail
    } else {
        PanelState::Ok
    };
    [
        ("errors", state, Some(errors)),
        ("cpu", PanelState::Ok, Some(0.45324829444444337)),
        ("invoices", PanelState::Ok, Some(40.02601691099215)),
        ("health", PanelState::Ok, Some(0.000197004)),
    ]
    .into_iter()
    .map(|(id, state, value)| {
        (
            id.to_string(),
            EvidenceEntry {
                state,
                value,
                sampled_at: None,
                analysis: None,
            },
        )
    })
    .collect()
}

fn ran(action: &str, exit_code: Option<i32>, tail: &str, webhook: Option<&str>) -> EventBody {
    EventBody::ActionRan {
        action: action.into(),
        id: None,
        outcome: None,
        webhook_status: webhook.and_then(|w| w.get(5..8)?.parse().ok()),
        executed: true,
        exit_code,
        duration_ms: 840,
        output_tail: tail.into(),
        webhook: webhook.map(str::to_string),
    }
}

fn scripted_session(path: &Path) {
    let (mut j, _) = Journal::open(path).unwrap();
    let rows: Vec<(i64, &str, EventBody)> = vec![
        (
            0,
            "alice",
            EventBody::SessionOpened {
                runbook: "tests/fixtures/report-session.toml".into(),
                runbook_sha256: "c".repeat(64),
                mode: SessionMode::Live,
                runbook_text: None,
            },
        ),
        (
            0,
            "alice",
            EventBody::OperatorAttached {
                host: None,
                read_only: false,
            },
        ),
        (
            5,
            "bob",
            EventBody::OperatorAttached {
                host: Some("203.0.113.7".into()),
                read_only: false,
            },
        ),
        (
            6,
            "carol",
            EventBody::OperatorAttached {
                host: None,
                read_only: false,
            },
        ),
        (
            10,
            "alice",
            EventBody::Signed {
                gate: "go-live".into(),
                item: 1,
                evidence: evidence(0.0012),
            },
        ),
        (
            10,
            "alice",
            EventBody::GateGo {
                gate: "go-live".into(),
                evidence: evidence(0.0012),
            },
        ),
        (20, "alice", EventBody::CutoverStarted {}),
        (
            30,
            "bob",
            EventBody::StepStarted {
                step: "freeze".into(),
            },
        ),
        (
            40,
            "alice",
            EventBody::Expanded {
                from_stage: None,
                to_stage: "internal".into(),
                exposure: 0.5,
                override_reason: None,
                evidence: evidence(0.0012),
                automatic: false,
            },
        ),
        (
            41,
            "alice",
            ran(
                "expand",
                Some(0),
                "flag billing-v2 at 0.5%",
                Some("HTTP 200"),
            ),
        ),
        (
            60,
            "carol",
            EventBody::Note {
                text: "bank says <script>alert(1)</script> | *fine*".into(),
            },
        ),
        (
            300,
            "bob",
            EventBody::Signed {
                gate: "expand-enterprise".into(),
                item: 1,
                evidence: evidence(0.0013),
            },
        ),
        (
            310,
            "carol",
            EventBody::Signed {
                gate: "expand-enterprise".into(),
                item: 1,
                evidence: evidence(0.0013),
            },
        ),
        (
            310,
            "carol",
            EventBody::GateGo {
                gate: "expand-enterprise".into(),
                evidence: evidence(0.0013),
            },
        ),
        (
            320,
            "alice",
            EventBody::ExpandRefused {
                reason: "bake: 5m20s left in stage internal".into(),
            },
        ),
        (
            330,
            "alice",
            EventBody::Expanded {
                from_stage: Some("internal".into()),
                to_stage: "enterprise".into(),
                exposure: 5.0,
                override_reason: Some("customer deadline, bake waived by VP".into()),
                evidence: evidence(0.0013),
                automatic: false,
            },
        ),
        (
            331,
            "alice",
            ran(
                "expand",
                Some(0),
                "flag billing-v2 at 5%",
                Some("HTTP 500 from POST https://chat.example:443/hooks/***: boom"),
            ),
        ),
        (
            332,
            "alice",
            EventBody::Notified {
                event_seq: 16,
                target: "slack#1".into(),
                status: "FAILED after 3 attempts: HTTP 500".into(),
            },
        ),
        (
            340,
            "bob",
            EventBody::StepFinished {
                step: "freeze".into(),
                outcome: warroom::session::event::StepOutcome::Done,
            },
        ),
        (
            350,
            "bob",
            EventBody::StepStarted {
                step: "backfill".into(),
            },
        ),
        (
            400,
            "alice",
            EventBody::GuardFired {
                panel: "errors".into(),
                when: GuardWhen::Fail,
                then: GuardThen::Pause,
                evidence: evidence(0.0467),
            },
        ),
        (
            400,
            "alice",
            EventBody::Paused {
                reason: "guard errors FAIL for 30s".into(),
                trigger: Trigger::Guard,
                evidence: evidence(0.0467),
                recorded_late: None,
            },
        ),
        (
            401,
            "alice",
            ran(
                "pause",
                None,
                "freezing\n[warroom] timed out after 1m",
                None,
            ),
        ),
        (
            420,
            "bob",
            EventBody::ActionRequested {
                action: ActionKind::Rollback,
                reason: "errors climbing".into(),
            },
        ),
        (
            430,
            "carol",
            EventBody::RollbackStarted {
                trigger: Trigger::Operator,
                reason: "errors climbing".into(),
                override_reason: None,
                evidence: evidence(0.0467),
                recorded_late: None,
            },
        ),
        (
            431,
            "carol",
            ran("rollback", Some(0), "reverted to 0%", None),
        ),
        (
            440,
            "carol",
            EventBody::RollbackFinished {
                trigger: Trigger::Operator,
                reason: "errors climbing".into(),
                outcome: RollbackOutcome::Done,
            },
        ),
        (
            450,
            "alice",
            EventBody::OperatorDetached {
                host: None,
                reason: None,
            },
        ),
    ];
    let new: Vec<NewEvent> = rows
        .into_iter()
        .map(|(s, who, body)| NewEvent {
            ts: t(s),
            operator: who.into(),
            body,
        })
        .collect();
    j.append(&new).unwrap();
}

fn report_of(format: Format) -> String {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live.db");
    scripted_session(&journal);
    let rb = runbook();
    let mut out = Vec::new();
    report::run_with(&journal, format, Some(&rb), &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .replace(&journal.display().to_string(), "<journal>")
}

/// Every decimal number with more than three digits after the point: the
/// raw floats the panels never show.
fn long_floats(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == '.') {
                i += 1;
            }
            let n: String = bytes[start..i].iter().collect();
            // One point only: 203.0.113.7 is an address, not a number.
            if let Some((_, frac)) = n.split_once('.')
                && !frac.contains('.')
                && frac.len() > 3
            {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn the_markdown_record_reads_as_the_screen_does() {
    let md = report_of(Format::Markdown);
    insta::assert_snapshot!("report_session_markdown", md);
    assert_eq!(long_floats(&md), Vec::<String>::new());
    // The numbers, as the tiles show them.
    assert!(md.contains("cpu OK 45.3%"), "{md}");
    assert!(md.contains("invoices OK 40.0/s"), "{md}");
    assert!(md.contains("health OK 0.2 ms"), "{md}");
    // Summary first, with the outcome, exposure and who decided in which role.
    let summary = md.find("## Summary").unwrap();
    assert!(summary < md.find("## Timeline").unwrap());
    assert!(md.contains("| Outcome | **ROLLED_BACK** |"), "{md}");
    assert!(
        md.contains("| Exposure reached | 5% (stages: internal → enterprise) |"),
        "{md}"
    );
    assert!(
        md.contains("carol (billing): ROLLBACK started: errors climbing"),
        "{md}"
    );
    // A guard is not a person.
    assert!(
        md.contains("| guard (errors FAIL for 30s) | GUARD fired"),
        "{md}"
    );
    assert!(!md.contains("| alice (ic) | GUARD fired"), "{md}");
    // Commands as written, webhook statuses, the failed notification.
    assert!(
        md.contains("`flagctl set billing-v2 --percent \"$WARROOM_EXPOSURE\" (then webhook POST)`"),
        "{md}"
    );
    assert!(
        md.contains("expand FAILED in 840 ms: command exit 0, webhook HTTP 500"),
        "{md}"
    );
    assert!(md.contains("slack#1: 0 sent, 1 FAILED"), "{md}");
    // Damage: the irreversible step started before the rollback.
    assert!(
        md.contains("irreversible step backfill was started"),
        "{md}"
    );
    assert!(!md.contains("CHATSECRET") && !md.contains("SLACKSECRET"));
    assert!(!md.contains("<script>"), "{md}");
}

#[test]
fn the_html_record_is_one_page_with_nothing_active() {
    let html = report_of(Format::Html);
    insta::assert_snapshot!("report_session_html", html);
    assert_eq!(long_floats(&html), Vec::<String>::new());
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script, and the note's is escaped"
    );
    assert!(html.contains("bank says &lt;script&gt;alert(1)&lt;/script&gt; | *fine*"));
    // Self-contained: nothing fetched (links are for people to click).
    for needle in ["<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
    assert!(html.contains("<a href=\"https://grafana.example/d/errors\""));
    assert!(html.contains("@media print"));
}
