//! `${NAME}` and `${NAME:-default}` expansion for urls, headers and webhooks.

/// The result of expanding one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub value: String,
    /// Values that came from the environment (defaults are not secret).
    pub secrets: Vec<String>,
    /// Where each of `secrets` sits in `value` (byte ranges, same order).
    pub spans: Vec<std::ops::Range<usize>>,
}

impl Expanded {
    /// The environment values that are secrets in a URL: those that reach
    /// its user info, path, query or fragment. A value that only names the
    /// scheme, host or port (`${HOST:-localhost}`, a service's base URL)
    /// is shown as it is, so error texts still say where they went.
    pub fn url_secrets(&self) -> Vec<String> {
        let public = public_prefix(&self.value);
        self.secrets
            .iter()
            .zip(&self.spans)
            .filter(|(_, span)| !public.as_ref().is_some_and(|p| p.covers(span)))
            .map(|(s, _)| s.clone())
            .collect()
    }
}

/// The parts of a URL that name where it goes and hold no credential:
/// `scheme://` and `host:port`, with the user info between them left out.
struct PublicPrefix {
    /// End of `scheme://`, start of the authority.
    authority: usize,
    /// Start of `host:port` (after `user:pass@`, if any).
    host: usize,
    /// End of the authority (first `/`, `?` or `#` after it, else the end).
    end: usize,
}

impl PublicPrefix {
    fn covers(&self, span: &std::ops::Range<usize>) -> bool {
        let in_scheme = span.end <= self.authority;
        let in_host = span.start >= self.host && span.end <= self.end;
        let scheme_and_host = span.end <= self.end && self.host == self.authority;
        span.is_empty() || in_scheme || in_host || scheme_and_host
    }
}

fn public_prefix(url: &str) -> Option<PublicPrefix> {
    let authority = url.find("://")? + 3;
    let end = url[authority..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority + i);
    let host = url[authority..end]
        .rfind('@')
        .map_or(authority, |i| authority + i + 1);
    Some(PublicPrefix {
        authority,
        host,
        end,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub message: String,
    /// Byte offset of the `${` in the template.
    pub offset: usize,
}

/// Expand every `${NAME}` / `${NAME:-default}` in `template`. A missing
/// variable without default is an error that names it. `$$` is not special:
/// only `${` starts a reference.
pub fn expand(
    template: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Expanded, ExpandError> {
    let mut value = String::with_capacity(template.len());
    let mut secrets = Vec::new();
    let mut spans = Vec::new();
    let mut rest = template;
    let mut base = 0;
    while let Some(i) = rest.find("${") {
        value.push_str(&rest[..i]);
        let offset = base + i;
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else {
            return Err(ExpandError {
                message: format!(
                    "unclosed \"${{\" in \"{template}\": write ${{NAME}} or ${{NAME:-default}}"
                ),
                offset,
            });
        };
        let inner = &after[..close];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ExpandError {
                message: format!(
                    "invalid variable name \"{name}\" in \"{template}\": use letters, digits and _"
                ),
                offset,
            });
        }
        match (env(name), default) {
            (Some(v), _) => {
                spans.push(value.len()..value.len() + v.len());
                value.push_str(&v);
                secrets.push(v);
            }
            (None, Some(d)) => value.push_str(d),
            (None, None) => {
                return Err(ExpandError {
                    message: format!(
                        "environment variable `{name}` is not set (used in \"{template}\"; set it, or write ${{{name}:-default}})"
                    ),
                    offset,
                });
            }
        }
        let consumed = i + 2 + close + 1;
        rest = &rest[consumed..];
        base += consumed;
    }
    value.push_str(rest);
    Ok(Expanded {
        value,
        secrets,
        spans,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr3t".into()),
            "HOST" => Some("db.internal".into()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_and_defaults_and_collects_only_env_values() {
        let e = expand("Bearer ${TOKEN}", &env).unwrap();
        assert_eq!(e.value, "Bearer s3cr3t");
        assert_eq!(e.secrets, vec!["s3cr3t".to_string()]);

        let e = expand("${PROM_URL:-http://127.0.0.1:9090}/api", &env).unwrap();
        assert_eq!(e.value, "http://127.0.0.1:9090/api");
        assert!(e.secrets.is_empty(), "defaults are not secret");

        let e = expand("http://${HOST:-localhost}:${PORT:-80}/", &env).unwrap();
        assert_eq!(e.value, "http://db.internal:80/");
        assert_eq!(e.secrets, vec!["db.internal".to_string()]);

        assert_eq!(
            expand("no refs $HOME", &env).unwrap().value,
            "no refs $HOME"
        );
    }

    #[test]
    fn in_a_url_only_values_past_the_host_are_secret() {
        let env = |name: &str| match name {
            "HOST" => Some("db.internal".to_string()),
            "BASE" => Some("http://127.0.0.1:9999".to_string()),
            "TOKEN" => Some("s3cr3t".to_string()),
            "CRED" => Some("u:pw".to_string()),
            "FULL" => Some("http://u:pw@h:1/p?k=v".to_string()),
            _ => None,
        };
        let secrets = |t: &str| expand(t, &env).unwrap().url_secrets();
        assert!(secrets("http://${HOST:-localhost}:80/x").is_empty());
        assert!(secrets("${BASE}/metrics").is_empty(), "the demo's base URL");
        assert_eq!(secrets("https://h/hooks/${TOKEN}"), vec!["s3cr3t"]);
        assert_eq!(secrets("https://h/x?token=${TOKEN}"), vec!["s3cr3t"]);
        assert_eq!(secrets("https://${CRED}@${HOST}/"), vec!["u:pw"]);
        assert_eq!(secrets("${FULL}"), vec!["http://u:pw@h:1/p?k=v"]);
        assert_eq!(secrets("no scheme ${HOST}"), vec!["db.internal"]);
    }

    #[test]
    fn missing_variable_names_it_and_its_position() {
        let err = expand("https://hooks/${CHAT_HOOK}", &env).unwrap_err();
        assert!(
            err.message.contains("`CHAT_HOOK` is not set"),
            "{}",
            err.message
        );
        assert_eq!(err.offset, 14);
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(
            expand("x ${TOKEN", &env)
                .unwrap_err()
                .message
                .contains("unclosed")
        );
        assert!(
            expand("${}", &env)
                .unwrap_err()
                .message
                .contains("invalid variable")
        );
        assert!(
            expand("${A B}", &env)
                .unwrap_err()
                .message
                .contains("invalid variable")
        );
    }
}
