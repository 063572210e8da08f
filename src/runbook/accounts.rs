//! Which person a console's account is, when a team's account names differ
//! between hosts. An `[operators]` entry names accounts as `user@host`
//! (that account on that host) or `user` (that account on any host); the
//! short form `alice = ["ic"]` means the account `alice` on any host.
//!
//! A host in a pattern matches the console's host name ignoring case, or
//! its first label (`bastion-eu` matches `bastion-eu.corp.example`).

use super::model::{Operator, Runbook};

/// Is this syntactically an account pattern? Says why not.
pub fn invalid_account(pattern: &str) -> Option<&'static str> {
    let (user, host) = split(pattern);
    if user.is_empty() {
        return Some("the account name before `@` is empty");
    }
    if host == Some("") {
        return Some("the host after `@` is empty");
    }
    if pattern.matches('@').count() > 1 {
        return Some("more than one `@`: write `user@host`");
    }
    if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("holds a space or control character");
    }
    None
}

fn split(pattern: &str) -> (&str, Option<&str>) {
    match pattern.split_once('@') {
        Some((u, h)) => (u, Some(h)),
        None => (pattern, None),
    }
}

/// Does `pattern` name the account `user` on `host`?
pub fn matches(pattern: &str, user: &str, host: Option<&str>) -> bool {
    let (u, h) = split(pattern);
    if u != user {
        return false;
    }
    match (h, host) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(want), Some(have)) => {
            have.eq_ignore_ascii_case(want)
                || have
                    .split('.')
                    .next()
                    .is_some_and(|first| first.eq_ignore_ascii_case(want))
        }
    }
}

/// Could one console's account match both patterns?
pub fn overlap(a: &str, b: &str) -> bool {
    let ((ua, ha), (ub, hb)) = (split(a), split(b));
    ua == ub
        && match (ha, hb) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            _ => true,
        }
}

impl Operator {
    /// The accounts this person uses: the long form's list, else their
    /// own name on any host.
    pub fn account_patterns(&self) -> Vec<&str> {
        if self.accounts.is_empty() {
            vec![self.name.as_str()]
        } else {
            self.accounts.iter().map(String::as_str).collect()
        }
    }
}

/// Who a console is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The person: what events record and two-person rules compare.
    pub person: String,
    /// `user@host` when a long-form `accounts` entry made the account
    /// someone else's name (journaled on attach); else None.
    pub mapped_from: Option<String>,
}

impl Runbook {
    /// The person the account `user` on `host` acts as: the entry that
    /// lists it, else the account name itself (which then holds no role
    /// when `[operators]` exists).
    pub fn identity_of(&self, user: &str, host: Option<&str>) -> Identity {
        let found = self
            .operators
            .iter()
            .flatten()
            .find(|o| o.account_patterns().iter().any(|p| matches(p, user, host)));
        match found {
            Some(o) if !o.accounts.is_empty() => Identity {
                person: o.name.clone(),
                mapped_from: Some(match host {
                    Some(h) => format!("{user}@{h}"),
                    None => user.to_string(),
                }),
            },
            Some(o) => Identity {
                person: o.name.clone(),
                mapped_from: None,
            },
            // A person who lists their accounts did not list this one: the
            // console is someone else of the same name, named with its host
            // so it holds none of that person's roles or sign-offs.
            None if self.operators.iter().flatten().any(|o| o.name == user) => Identity {
                person: match host {
                    Some(h) => format!("{user}@{h}"),
                    None => format!("{user}@?"),
                },
                mapped_from: None,
            },
            None => Identity {
                person: user.to_string(),
                mapped_from: None,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_accounts_on_hosts() {
        // (pattern, user, host, matches)
        let cases: &[(&str, &str, Option<&str>, bool)] = &[
            ("alice", "alice", Some("laptop-7"), true),
            ("alice", "alice", None, true),
            ("alice", "bob", Some("laptop-7"), false),
            ("asmith@bastion-eu", "asmith", Some("bastion-eu"), true),
            ("asmith@bastion-eu", "asmith", Some("BASTION-EU"), true),
            (
                "asmith@bastion-eu",
                "asmith",
                Some("bastion-eu.corp.example"),
                true,
            ),
            ("asmith@bastion-eu", "asmith", Some("bastion-us"), false),
            ("asmith@bastion-eu", "asmith", Some("bastion-eu-2"), false),
            ("asmith@bastion-eu", "asmith", None, false),
            ("asmith@bastion-eu", "alice", Some("bastion-eu"), false),
        ];
        for (p, u, h, want) in cases {
            assert_eq!(matches(p, u, *h), *want, "{p} vs {u}@{h:?}");
        }
    }

    #[test]
    fn overlapping_patterns() {
        let cases = [
            ("alice", "alice@laptop", true),
            ("alice@laptop", "alice@LAPTOP", true),
            ("alice@laptop", "alice@bastion", false),
            ("alice", "bob", false),
            ("alice", "alice", true),
        ];
        for (a, b, want) in cases {
            assert_eq!(overlap(a, b), want, "{a} {b}");
            assert_eq!(overlap(b, a), want, "{b} {a}");
        }
    }

    #[test]
    fn account_syntax() {
        assert_eq!(invalid_account("asmith@bastion-eu"), None);
        assert_eq!(invalid_account("asmith"), None);
        assert!(invalid_account("@bastion").is_some());
        assert!(invalid_account("asmith@").is_some());
        assert!(invalid_account("a@b@c").is_some());
        assert!(invalid_account("a smith").is_some());
    }

    fn runbook() -> Runbook {
        let mut rb = crate::session::testkit::sample_runbook();
        rb.operators = Some(vec![
            Operator {
                name: "alice".into(),
                roles: vec!["ic".into()],
                accounts: vec!["asmith@bastion-eu".into(), "alice@laptop-7".into()],
            },
            Operator {
                name: "bob".into(),
                roles: vec!["db".into()],
                accounts: vec![],
            },
        ]);
        rb
    }

    #[test]
    fn a_console_acts_as_the_person_its_account_maps_to() {
        let rb = runbook();
        // (user, host) -> (person, mapped_from)
        let cases: &[(&str, &str, &str, Option<&str>)] = &[
            ("asmith", "bastion-eu", "alice", Some("asmith@bastion-eu")),
            ("alice", "laptop-7", "alice", Some("alice@laptop-7")),
            // alice's long form lists her accounts: `alice` elsewhere
            // is not her.
            ("alice", "bastion-eu", "alice@bastion-eu", None),
            ("bob", "anywhere", "bob", None),
            ("asmith", "bastion-us", "asmith", None),
        ];
        for (user, host, person, mapped) in cases {
            let id = rb.identity_of(user, Some(host));
            assert_eq!(id.person, *person, "{user}@{host}");
            assert_eq!(id.mapped_from.as_deref(), *mapped, "{user}@{host}");
        }
        assert!(rb.holds_role(&rb.identity_of("asmith", Some("bastion-eu")).person, "ic"));
        assert!(!rb.holds_role(&rb.identity_of("asmith", Some("bastion-us")).person, "ic"));
        assert!(!rb.holds_role(&rb.identity_of("alice", Some("bastion-eu")).person, "ic"));
    }
}
