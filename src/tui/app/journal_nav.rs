//! The journal pane's keys, and the keys every pane shares: scroll by
//! page, oldest/newest, `/` (the journal searches with n/N; the other panes
//! filter, in `pane_filter.rs`), `z` zooms the focused pane, esc back to
//! live. Journal matching runs over the very text lines the pane shows
//! (`view::journal::text`), so what is found is what is highlighted.

use crossterm::event::KeyEvent;

use super::App;
use crate::tui::keymap::Action;
use crate::tui::mode::{Mode, Pane};
use crate::tui::view::journal;

impl App {
    /// Indices into `self.story.tail` of the lines holding `query` (case
    /// folded), oldest first.
    pub fn journal_matches(&self, query: &str) -> Vec<usize> {
        if query.is_empty() {
            return Vec::new();
        }
        let q = query.to_lowercase();
        self.story
            .tail
            .iter()
            .enumerate()
            .filter(|(_, e)| journal::text(self, e).to_lowercase().contains(&q))
            .map(|(i, _)| i)
            .collect()
    }

    /// The index of the selected (newest shown) line.
    fn journal_cursor(&self) -> usize {
        self.story
            .tail
            .len()
            .saturating_sub(1 + self.ui.journal_back)
    }

    fn show_line(&mut self, i: usize) {
        self.ui.journal_back = self.story.tail.len().saturating_sub(1 + i);
    }

    /// Move to the next match older (or newer) than the selected line.
    fn jump(&mut self, older: bool) {
        let Some(q) = self.ui.search.clone() else {
            return;
        };
        let cur = self.journal_cursor();
        let m = self.journal_matches(&q);
        let next = if older {
            m.iter().rev().find(|i| **i < cur)
        } else {
            m.iter().find(|i| **i > cur)
        };
        match next {
            Some(i) => self.show_line(*i),
            None => self.info(format!(
                "no {} match for `{q}` ({} in all)",
                if older { "older" } else { "newer" },
                m.len()
            )),
        }
    }

    /// How many rows the typed text matches on the pane it applies to.
    pub fn search_count(&self) -> usize {
        let q = self.ui.search_edit.text();
        match self.ui.search_pane {
            Pane::Journal => self.journal_matches(q).len(),
            Pane::Runbook => (0..self.runbook.steps.len())
                .filter(|i| self.step_shown(*i))
                .count(),
            Pane::Health => (0..self.runbook.panels.len())
                .filter(|i| self.panel_shown(*i))
                .count(),
            Pane::Gates => self
                .items()
                .iter()
                .filter(|(g, i)| self.item_shown(*g, *i))
                .count(),
        }
    }

    /// The newest match of what is typed so far, as it is typed; on the
    /// other panes the selection onto a row the filter shows.
    fn search_typed(&mut self) {
        let q = self.ui.search_edit.text().to_string();
        if self.ui.search_pane != Pane::Journal {
            if self.filter_typed() == 0 && !q.is_empty() {
                self.error(format!("no row here holds `{q}`"));
            } else {
                self.ui.message = None;
            }
            return;
        }
        match self.journal_matches(&q).last() {
            Some(i) => {
                let i = *i;
                self.show_line(i);
                self.ui.message = None;
            }
            None if q.is_empty() => self.ui.journal_back = 0,
            None => self.error(format!("no journal line holds `{q}`")),
        }
    }

    pub(super) fn journal_key(&mut self, a: Action) {
        let page = usize::from(self.ui.journal_page.get().max(2)) - 1;
        let last = self.story.tail.len().saturating_sub(1);
        match a {
            Action::PageUp => {
                self.ui.focus = Pane::Journal;
                self.ui.journal_back = (self.ui.journal_back + page).min(last);
            }
            Action::PageDown => {
                self.ui.focus = Pane::Journal;
                self.ui.journal_back = self.ui.journal_back.saturating_sub(page);
            }
            Action::Oldest => {
                self.ui.focus = Pane::Journal;
                self.ui.journal_back = last;
            }
            Action::Newest => self.ui.journal_back = 0,
            Action::Search => {
                // A new query replaces the old one, on whichever pane.
                self.ui.search = None;
                self.ui.search_pane = self.ui.focus;
                self.ui.search_edit.clear();
                self.ui.mode = Mode::Search;
            }
            Action::SearchNext => self.jump(true),
            Action::SearchPrev => self.jump(false),
            Action::Zoom => self.ui.zoom = !self.ui.zoom,
            Action::Live => {
                self.ui.search = None;
                self.ui.journal_back = 0;
                self.ui.zoom = false;
            }
            _ => {}
        }
    }

    pub(super) fn search_key(&mut self, a: Option<Action>, key: KeyEvent) {
        match a {
            Some(Action::Submit) => {
                let q = self.ui.search_edit.text().to_string();
                self.ui.mode = Mode::Normal;
                if q.is_empty() {
                    self.ui.search = None;
                } else if self.ui.search_pane != Pane::Journal {
                    let n = self.search_count();
                    self.info(format!(
                        "{} filtered to {n} {} holding `{q}`: esc shows all",
                        self.ui.search_pane.title(),
                        if n == 1 { "row" } else { "rows" }
                    ));
                    self.ui.search = Some(q);
                } else {
                    let n = self.journal_matches(&q).len();
                    self.info(format!(
                        "{n} {} `{q}`: n older, N newer, esc live",
                        if n == 1 { "line holds" } else { "lines hold" }
                    ));
                    self.ui.search = Some(q);
                }
            }
            Some(Action::Cancel) => {
                self.ui.mode = Mode::Normal;
                self.ui.search = None;
                self.ui.journal_back = 0;
            }
            _ => {
                self.ui.search_edit.edit(key);
                self.search_typed();
            }
        }
    }
}
