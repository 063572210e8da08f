//! Default journal locations (PRODUCT.md): beside the runbook, in
//! `.warroom/<cutover id>/`: `live.db` for `run`, a new `rehearsal-N.db`
//! for each `rehearse` (N counts up from 1), the latest one for `--join`.

use std::path::{Path, PathBuf};

/// `.warroom/<id>/` in the runbook's folder.
pub fn session_dir(runbook_dir: &Path, cutover_id: &str) -> PathBuf {
    runbook_dir.join(".warroom").join(cutover_id)
}

/// The live session's journal.
pub fn live_journal(runbook_dir: &Path, cutover_id: &str) -> PathBuf {
    session_dir(runbook_dir, cutover_id).join("live.db")
}

/// Rehearsal numbers present in the session folder, ascending.
fn rehearsal_numbers(runbook_dir: &Path, cutover_id: &str) -> Vec<u32> {
    rehearsal_numbers_in(&session_dir(runbook_dir, cutover_id))
}

/// Rehearsal numbers of the `rehearsal-N.db` files in `dir`, ascending.
fn rehearsal_numbers_in(dir: &Path) -> Vec<u32> {
    let mut out: Vec<u32> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_prefix("rehearsal-")?
                .strip_suffix(".db")?
                .parse::<u32>()
                .ok()
        })
        .collect();
    out.sort_unstable();
    out
}

/// The newest `rehearsal-N.db` in the folder holding `journal`, other than
/// `journal` itself (a live report compares with it).
pub fn latest_rehearsal_beside(journal: &Path) -> Option<PathBuf> {
    let dir = match journal.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let own = journal.file_name()?;
    rehearsal_numbers_in(dir)
        .into_iter()
        .rev()
        .map(|n| dir.join(format!("rehearsal-{n}.db")))
        .find(|p| p.file_name() != Some(own))
}

/// The journal for a new rehearsal: one more than the highest present.
pub fn next_rehearsal(runbook_dir: &Path, cutover_id: &str) -> PathBuf {
    let n = rehearsal_numbers(runbook_dir, cutover_id)
        .last()
        .map_or(1, |n| n + 1);
    session_dir(runbook_dir, cutover_id).join(format!("rehearsal-{n}.db"))
}

/// The most recent rehearsal's journal (to join it, or to show its timings).
pub fn latest_rehearsal(runbook_dir: &Path, cutover_id: &str) -> Option<PathBuf> {
    let n = *rehearsal_numbers(runbook_dir, cutover_id).last()?;
    Some(session_dir(runbook_dir, cutover_id).join(format!("rehearsal-{n}.db")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rehearsals_count_up_and_latest_is_the_highest_number() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        assert_eq!(latest_rehearsal(d, "billing-v2"), None);
        let first = next_rehearsal(d, "billing-v2");
        assert_eq!(first, d.join(".warroom/billing-v2/rehearsal-1.db"));
        std::fs::create_dir_all(first.parent().unwrap()).unwrap();
        std::fs::write(&first, b"").unwrap();
        // 10 sorts after 9 numerically, not as text.
        std::fs::write(d.join(".warroom/billing-v2/rehearsal-9.db"), b"").unwrap();
        std::fs::write(d.join(".warroom/billing-v2/rehearsal-10.db"), b"").unwrap();
        std::fs::write(d.join(".warroom/billing-v2/notes.txt"), b"").unwrap();
        assert_eq!(
            next_rehearsal(d, "billing-v2"),
            d.join(".warroom/billing-v2/rehearsal-11.db")
        );
        assert_eq!(
            latest_rehearsal(d, "billing-v2"),
            Some(d.join(".warroom/billing-v2/rehearsal-10.db"))
        );
        assert_eq!(
            live_journal(d, "billing-v2"),
            d.join(".warroom/billing-v2/live.db")
        );
    }
}
