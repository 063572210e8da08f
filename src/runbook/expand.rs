//! `${NAME}` and `${NAME:-default}` expansion for urls, headers and webhooks.

/// The result of expanding one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub value: String,
    /// Values that came from the environment (defaults are not secret).
    pub secrets: Vec<String>,
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
    Ok(Expanded { value, secrets })
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
