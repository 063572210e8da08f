//! `/` on any pane: the journal searches (highlight, n/N, in
//! `journal_nav.rs`); the runbook, health and gates panes filter their rows
//! to those holding the text (case folded), and the selection moves among
//! them. One query, one editor, one `esc`: only the pane it applies to
//! differs.

use super::App;
use crate::tui::mode::{Mode, Pane};

/// Case-folded "holds": what `/` matches everywhere.
fn holds(text: &str, q: &str) -> bool {
    text.to_lowercase().contains(&q.to_lowercase())
}

impl App {
    /// The query as typed so far, or kept after enter, on pane `p`.
    fn query_on(&self, p: Pane) -> Option<&str> {
        if self.ui.search_pane != p {
            return None;
        }
        match self.ui.mode {
            Mode::Search => Some(self.ui.search_edit.text()),
            _ => self.ui.search.as_deref(),
        }
        .filter(|q| !q.is_empty())
    }

    /// The journal's search text (highlighted in its lines).
    pub fn journal_query(&self) -> Option<&str> {
        self.query_on(Pane::Journal)
    }

    /// The filter on a pane of rows (never the journal, which searches).
    pub fn filter_for(&self, p: Pane) -> Option<&str> {
        (p != Pane::Journal).then(|| self.query_on(p)).flatten()
    }

    pub fn step_shown(&self, i: usize) -> bool {
        let Some(q) = self.filter_for(Pane::Runbook) else {
            return true;
        };
        self.runbook.steps.get(i).is_some_and(|s| {
            let status = self.story.state.steps.get(i).map(|x| x.status.as_str());
            holds(
                &format!(
                    "{} {} {} {}",
                    s.id,
                    s.title,
                    s.owner.as_deref().unwrap_or(""),
                    status.unwrap_or("")
                ),
                q,
            )
        })
    }

    pub fn panel_shown(&self, i: usize) -> bool {
        let Some(q) = self.filter_for(Pane::Health) else {
            return true;
        };
        self.runbook.panels.get(i).is_some_and(|p| {
            let state = self.story.panels.get(&p.id).map(|s| s.state.as_str());
            holds(&format!("{} {} {}", p.id, p.title, state.unwrap_or("")), q)
        })
    }

    /// A gate item is shown when it, or its gate's id or title, holds the text.
    pub fn item_shown(&self, gi: usize, ii: usize) -> bool {
        let Some(q) = self.filter_for(Pane::Gates) else {
            return true;
        };
        let Some(g) = self.runbook.gates.get(gi) else {
            return false;
        };
        let status = self.story.state.gates.get(gi).map(|s| s.status.as_str());
        holds(&format!("{} {} {}", g.id, g.title, status.unwrap_or("")), q)
            || g.items.get(ii).is_some_and(|i| holds(&i.text, q))
    }

    /// Rows of the focused pane the filter shows, as selection indices.
    fn shown_rows(&self, p: Pane) -> Vec<usize> {
        match p {
            Pane::Runbook => (0..self.runbook.steps.len())
                .filter(|i| self.step_shown(*i))
                .collect(),
            Pane::Health => (0..self.runbook.panels.len())
                .filter(|i| self.panel_shown(*i))
                .collect(),
            Pane::Gates => self
                .items()
                .iter()
                .enumerate()
                .filter(|(_, (g, i))| self.item_shown(*g, *i))
                .map(|(n, _)| n)
                .collect(),
            Pane::Journal => Vec::new(),
        }
    }

    fn sel_mut(&mut self, p: Pane) -> Option<&mut usize> {
        match p {
            Pane::Runbook => Some(&mut self.ui.sel_step),
            Pane::Health => Some(&mut self.ui.sel_panel),
            Pane::Gates => Some(&mut self.ui.sel_item),
            Pane::Journal => None,
        }
    }

    /// Move the selection by `d` among the rows the filter shows. False
    /// when the pane has no filter (the caller moves it plainly).
    pub(super) fn move_filtered(&mut self, d: isize) -> bool {
        let p = self.ui.focus;
        if self.filter_for(p).is_none() {
            return false;
        }
        let rows = self.shown_rows(p);
        let Some(sel) = self.sel_mut(p) else {
            return false;
        };
        let cur = *sel;
        let next = if d > 0 {
            rows.iter().find(|r| **r > cur)
        } else {
            rows.iter().rev().find(|r| **r < cur)
        };
        if let Some(n) = next.or(rows.first().filter(|f| !rows.contains(&cur) && **f != cur)) {
            *sel = *n;
        }
        true
    }

    /// As the filter is typed: the selection onto a shown row; how many
    /// rows are shown.
    pub(super) fn filter_typed(&mut self) -> usize {
        let p = self.ui.search_pane;
        let rows = self.shown_rows(p);
        if let Some(sel) = self.sel_mut(p)
            && !rows.contains(sel)
            && let Some(f) = rows.first()
        {
            *sel = *f;
        }
        rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn holds_is_case_folded() {
        assert!(holds("Start CDC to orders-new", "cdc"));
        assert!(holds("stop-cdc", "STOP"));
        assert!(!holds("backfill", "cdc"));
    }
}
