//! "Runbook changes": for each change accepted during the session, the
//! unified diff from the text the journal held before to the one accepted
//! (both read from the journal, checked against their digests).

use super::Ctx;
use crate::report::doc::Doc;
use crate::runbook::recorded;

pub fn changes(cx: &Ctx, doc: &mut Doc) {
    let versions = recorded::versions(cx.events);
    if versions.len() < 2 {
        return;
    }
    doc.h(2, "Runbook changes");
    for pair in versions.windows(2) {
        let [old, new] = pair else { continue };
        let caption = format!(
            "sha256 {} → {} (seq {})",
            short(old.sha256),
            short(new.sha256),
            new.seq
        );
        match (old.text, new.text) {
            (Some(a), Some(b)) => {
                let lines = recorded::unified_diff(
                    a,
                    b,
                    &format!("seq {}", old.seq),
                    &format!("seq {}", new.seq),
                );
                doc.pre(caption, lines.join("\n"));
            }
            _ => doc.line(format!(
                "{caption}: the journal holds no text for one of them (written by an older warroom, or not matching its digest)"
            )),
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
