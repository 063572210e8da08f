//! `[operators]` in both forms: the short `alice = ["ic"]` (the account
//! `alice` on any host) and the long `alice = { roles, accounts }` for a
//! person whose account names differ between hosts. An account two
//! persons could both claim is refused by `check` at its place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use warroom::runbook::{self, LoadError, Severity};

const BASE: &str = include_str!("fixtures/minimal.toml");

fn with_operators(ops: &str) -> String {
    BASE.replace(
        "[roles]\nic = \"Incident commander\"\n",
        &format!(
            "[roles]\nic = \"Incident commander\"\ndb = \"Database owner\"\n\n[operators]\n{ops}\n"
        ),
    )
}

fn load(ops: &str) -> Result<runbook::Loaded, LoadError> {
    runbook::load_str(&with_operators(ops), Path::new("operators.toml"), &|_| None)
}

/// (operators table, [(person, roles, accounts)])
type Loaded = &'static [(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
)];

#[test]
fn both_forms_load_in_file_order() {
    let cases: &[(&str, Loaded)] = &[
        ("alice = [\"ic\"]", &[("alice", &["ic"], &[])]),
        (
            "alice = { roles = [\"ic\"], accounts = [\"asmith@bastion-eu\", \"alice@laptop-7\"] }\nbob = [\"db\"]",
            &[
                ("alice", &["ic"], &["asmith@bastion-eu", "alice@laptop-7"]),
                ("bob", &["db"], &[]),
            ],
        ),
        (
            "[operators.carol]\nroles = [\"db\", \"ic\"]\naccounts = [\"cjones\"]",
            &[("carol", &["db", "ic"], &["cjones"])],
        ),
        // The long form without `accounts`: the name on any host.
        ("erin = { roles = [\"db\"] }", &[("erin", &["db"], &[])]),
        // The same account on two hosts of one person is one person.
        (
            "dan = { roles = [\"db\"], accounts = [\"dan@a\", \"dan@b\", \"dan\"] }",
            &[("dan", &["db"], &["dan@a", "dan@b", "dan"])],
        ),
    ];
    for (ops, want) in cases {
        let rb = load(ops)
            .unwrap_or_else(|e| panic!("{ops}: {}", e.render(false)))
            .runbook;
        let got: Vec<(String, Vec<String>, Vec<String>)> = rb
            .operators
            .unwrap()
            .into_iter()
            .map(|o| (o.name, o.roles, o.accounts))
            .collect();
        let want: Vec<(String, Vec<String>, Vec<String>)> = want
            .iter()
            .map(|(n, r, a)| {
                (
                    n.to_string(),
                    r.iter().map(|s| s.to_string()).collect(),
                    a.iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(got, want, "{ops}");
    }
}

#[test]
fn mistakes_are_refused_with_their_place() {
    // (operators table, message piece, line, column); [operators] is on
    // line 11 of the runbook, its first entry on line 12.
    let cases: &[(&str, &str, usize, usize)] = &[
        (
            "alice = { roles = [\"ic\"], accounts = [\"asmith@bastion-eu\"] }\nbob = { roles = [\"db\"], accounts = [\"asmith@BASTION-EU\"] }",
            "account `asmith@BASTION-EU` would act as both alice (`asmith@bastion-eu`) and bob",
            13,
            37,
        ),
        (
            "alice = [\"ic\"]\nbob = { roles = [\"db\"], accounts = [\"alice@laptop-7\"] }",
            "account `alice@laptop-7` would act as both alice (`alice`) and bob",
            13,
            37,
        ),
        (
            "alice = { roles = [\"ic\"], accounts = [\"asmith@\"] }",
            "account `asmith@` under alice: the host after `@` is empty",
            12,
            39,
        ),
        (
            "alice = { roles = [\"ic\"], accounts = [] }",
            "alice: `accounts` is empty",
            12,
            1,
        ),
        (
            "alice = { roles = [\"ic\"], acounts = [\"a@b\"] }",
            "unknown key `acounts` in `operators.alice`: did you mean `accounts`?",
            12,
            27,
        ),
        (
            "alice = { roles = [\"dab\"], accounts = [\"a@b\"] }",
            "unknown role `dab`",
            12,
            20,
        ),
    ];
    for (ops, needle, line, col) in cases {
        let err = match load(ops) {
            Ok(_) => panic!("{ops}: loaded, wanted {needle}"),
            Err(e) => e,
        };
        let found: Vec<_> = err
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.message.clone(), d.line_col(&err.source_text)))
            .collect();
        assert!(
            found
                .iter()
                .any(|(m, at)| m.contains(needle) && *at == Some((*line, *col))),
            "{ops}: wanted `{needle}` at {line}:{col}, got {found:?}"
        );
    }
}

#[test]
fn an_account_under_two_persons_is_shown_by_check() {
    let err = load(
        "alice = { roles = [\"ic\"], accounts = [\"asmith@bastion-eu\", \"alice@laptop-7\"] }\nbob = { roles = [\"db\"], accounts = [\"bjones@bastion-eu\", \"asmith@bastion-eu\"] }",
    )
    .unwrap_err();
    insta::assert_snapshot!(err.render(false));
}
