//! Test support: a runbook built directly from model structs (the format's
//! example, trimmed), and panel maps. For tests of this crate and of other
//! modules (the console's snapshots); not part of the product.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::health::{PanelMap, PanelState, PanelStatus};
use crate::runbook::model::*;

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn action(run: &str, two_person: bool) -> Action {
    Action {
        run: Some(run.to_string()),
        webhook: None,
        timeout: Duration::from_secs(60),
        two_person,
        roles: vec![],
    }
}

fn item(text: &str, role: Option<&str>, panel: Option<&str>, for_: Duration) -> GateItem {
    GateItem {
        text: text.into(),
        role: role.map(str::to_string),
        panel: panel.map(str::to_string),
        for_,
    }
}

fn panel(id: &str, title: &str, query: &str) -> Panel {
    Panel {
        id: id.into(),
        title: title.into(),
        source: "prom".into(),
        query: Query::Prometheus(query.into()),
        baseline: None,
        fail_ratio: None,
        unit: Unit::Ratio,
        every: Duration::from_secs(5),
        warn: None,
        fail: Some(Threshold {
            op: Op::Gt,
            value: 0.02,
        }),
        stale_after: 3,
        rate: false,
        compare: None,
    }
}

/// The format's example, trimmed: roles ic/db/billing; operators alice
/// (ic), bob (db, billing), carol (billing); stages internal (bake 10m),
/// enterprise (bake 30m, gate expand-enterprise, two-person), everyone
/// (gate expand-all); gate go-live (ic item, automatic `mismatch` item for
/// 10m, an item anyone signs); steps freeze (gate go-live) and backfill
/// (after freeze, irreversible); a two-person rollback; guards errors
/// fail → pause and mismatch fail → rollback; rollback deadline 4h.
pub fn sample_runbook() -> Runbook {
    Runbook {
        path: PathBuf::from("runbooks/billing-v2.toml"),
        dir: PathBuf::from("runbooks"),
        sha256: "a".repeat(64),
        text: String::new(),
        cutover: Cutover {
            id: "billing-v2".into(),
            title: "Billing platform migration".into(),
            strategy: Strategy::Phased,
            summary: None,
            rollback_deadline: Some(Deadline::After(Duration::from_secs(4 * 3600))),
            timezone: Default::default(),
        },
        roles: vec![
            Role {
                id: "ic".into(),
                name: "Incident commander".into(),
            },
            Role {
                id: "db".into(),
                name: "Database owner".into(),
            },
            Role {
                id: "billing".into(),
                name: "Billing service owner".into(),
            },
        ],
        operators: Some(vec![
            Operator {
                name: "alice".into(),
                roles: vec!["ic".into()],
                accounts: vec![],
            },
            Operator {
                name: "bob".into(),
                roles: vec!["db".into(), "billing".into()],
                accounts: vec![],
            },
            Operator {
                name: "carol".into(),
                roles: vec!["billing".into()],
                accounts: vec![],
            },
        ]),
        sources: vec![Source {
            id: "prom".into(),
            kind: SourceKind::Prometheus,
            url: "http://127.0.0.1:9090".into(),
            timeout: Duration::from_secs(2),
            headers: vec![],
        }],
        panels: vec![
            panel("errors", "5xx ratio", "errors"),
            panel("mismatch", "Reconciliation mismatches", "mismatch"),
        ],
        stages: vec![
            Stage {
                name: "internal".into(),
                exposure: 0.5,
                bake: mins(10),
                gate: None,
                analysis: None,
                advance: Advance::Manual,
                auto_countdown: DEFAULT_AUTO_COUNTDOWN,
            },
            Stage {
                name: "enterprise".into(),
                exposure: 5.0,
                bake: mins(30),
                gate: Some("expand-enterprise".into()),
                analysis: None,
                advance: Advance::Manual,
                auto_countdown: DEFAULT_AUTO_COUNTDOWN,
            },
            Stage {
                name: "everyone".into(),
                exposure: 100.0,
                bake: Duration::ZERO,
                gate: Some("expand-all".into()),
                analysis: None,
                advance: Advance::Manual,
                auto_countdown: DEFAULT_AUTO_COUNTDOWN,
            },
        ],
        gates: vec![
            Gate {
                id: "go-live".into(),
                title: "Go / no-go".into(),
                two_person: false,
                items: vec![
                    item("Rollback rehearsed", Some("ic"), None, Duration::ZERO),
                    item("Mismatch count is zero", None, Some("mismatch"), mins(10)),
                    item("Support lead briefed", None, None, Duration::ZERO),
                ],
            },
            Gate {
                id: "expand-enterprise".into(),
                title: "Expand to enterprise".into(),
                two_person: true,
                items: vec![item(
                    "Billing owner accepts canary numbers",
                    Some("billing"),
                    None,
                    Duration::ZERO,
                )],
            },
            Gate {
                id: "expand-all".into(),
                title: "Expand to everyone".into(),
                two_person: false,
                items: vec![item("IC go", Some("ic"), None, Duration::ZERO)],
            },
        ],
        steps: vec![
            Step {
                id: "freeze".into(),
                title: "Freeze writes on legacy billing".into(),
                owner: Some("db".into()),
                expect: Some(mins(15)),
                gate: Some("go-live".into()),
                after: vec![],
                run: Some("./scripts/freeze-writes.sh".into()),
                timeout: mins(10),
                notes: None,
                irreversible: false,
                stage: None,
                phase: Default::default(),
            },
            Step {
                id: "backfill".into(),
                title: "Backfill historical invoices".into(),
                owner: Some("db".into()),
                expect: Some(mins(45)),
                gate: None,
                after: vec!["freeze".into()],
                run: None,
                timeout: mins(5),
                notes: None,
                irreversible: true,
                stage: None,
                phase: Default::default(),
            },
        ],
        actions: Actions {
            pause: Some(action("flagctl freeze billing-v2", false)),
            resume: Some(action("flagctl unfreeze billing-v2", false)),
            expand: Some(action("flagctl set billing-v2", false)),
            rollback: action("./scripts/rollback.sh", true),
            begin_roles: vec![],
        },
        guards: vec![
            Guard {
                panel: "errors".into(),
                when: GuardWhen::Fail,
                for_: Duration::from_secs(30),
                then: GuardThen::Pause,
                override_for: std::time::Duration::from_secs(600),
            },
            Guard {
                panel: "mismatch".into(),
                when: GuardWhen::Fail,
                for_: Duration::ZERO,
                then: GuardThen::Rollback,
                override_for: std::time::Duration::from_secs(600),
            },
        ],
        links: Default::default(),
        notify: vec![],
        secrets: vec![],
    }
}

/// A panel in `state` with `value`, in that state since `since`.
pub fn panel_status(
    id: &str,
    state: PanelState,
    value: Option<f64>,
    since: Option<DateTime<Utc>>,
) -> PanelStatus {
    PanelStatus {
        state,
        value,
        state_since: since,
        last_poll: since,
        ..PanelStatus::unknown(id)
    }
}

/// Every panel of `runbook` OK since `since`, value 0.
pub fn all_ok(runbook: &Runbook, since: DateTime<Utc>) -> PanelMap {
    runbook
        .panels
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                panel_status(&p.id, PanelState::Ok, Some(0.0), Some(since)),
            )
        })
        .collect()
}
