//! Outside text through the sanitizer and the redactor: nothing a terminal
//! acts on survives, clean text is unchanged, and no form of a secret
//! survives redaction.

use warroom::untrusted::{redact, sanitize, sanitize_lines};

pub fn sanitized_text_is_inert(text: &str) {
    for (out, newlines) in [(sanitize(text), false), (sanitize_lines(text), true)] {
        let bad = out.chars().find(|&c| {
            (c.is_control() && !(newlines && c == '\n')) || warroom::untrusted::text::is_bidi(c)
        });
        assert!(bad.is_none(), "{bad:?} survives in {out:?}");
    }
    if warroom::untrusted::first_control(text).is_none() && !text.contains(['\n', '\t']) {
        assert_eq!(sanitize(text), text, "clean text changed");
    }
}

pub fn no_form_of_a_secret_survives(secret: &str, before: &str, after: &str) {
    if secret.len() < 4 {
        return;
    }
    let secrets = vec![secret.to_string()];
    for form in warroom::untrusted::redact::forms(secret) {
        let text = format!("{before}{form}{after}");
        let out = redact(&text, &secrets);
        assert!(!out.contains(secret), "{secret:?} survives in {out:?}");
        assert!(out.contains("***"), "{form:?} not starred in {out:?}");
    }
}
