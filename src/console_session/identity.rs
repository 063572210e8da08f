//! Who is at this console: the Unix account (by user id, never `$USER`,
//! which anyone can set) and where they connect from.

/// The live operator: the account name of the real user id. Falls back to
/// `uid <n>` when the account has no passwd entry (containers).
pub fn current_operator() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        // A passwd entry is outside text too.
        Ok(Some(user)) => crate::untrusted::sanitize(&user.name).into_owned(),
        _ => format!("uid {uid}"),
    }
}

/// This machine's host name (what `user@host` in `[operators]` names).
pub fn machine_host() -> Option<String> {
    let h = nix::unistd::gethostname().ok()?.into_string().ok()?;
    Some(crate::untrusted::sanitize(&h).into_owned())
}

/// What an attach records as its host when the runbook mapped the account
/// to a person: the real account and host, and the SSH client if any
/// (`asmith@bastion-eu from 203.0.113.7`).
pub fn account_and_origin(account: &str, ssh: Option<&str>) -> String {
    match ssh {
        Some(from) => format!("{account} from {from}"),
        None => account.to_string(),
    }
}

/// The client address of an SSH session (`SSH_CONNECTION`'s first field).
pub fn ssh_host() -> Option<String> {
    host_from_ssh_connection(std::env::var("SSH_CONNECTION").ok()?.as_str())
}

/// `"203.0.113.7 52144 10.0.0.5 22"` → `"203.0.113.7"`.
pub fn host_from_ssh_connection(value: &str) -> Option<String> {
    value
        .split_whitespace()
        .next()
        .filter(|h| !h.is_empty())
        .map(|h| crate::untrusted::sanitize(h).into_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn host_is_the_client_address() {
        assert_eq!(
            host_from_ssh_connection("203.0.113.7 52144 10.0.0.5 22").as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(host_from_ssh_connection("  "), None);
    }

    #[test]
    fn operator_is_the_account_of_the_uid_not_the_user_variable() {
        let expected = nix::unistd::User::from_uid(nix::unistd::getuid())
            .unwrap()
            .map(|u| u.name);
        let name = current_operator();
        if let Some(e) = expected {
            assert_eq!(name, e);
        }
        assert!(!name.is_empty());
    }
}
