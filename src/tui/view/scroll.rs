//! Every pane scrolls the same way and says so: a window of rows around an
//! anchor (the selection, or what needs attention), and `▲ 3 more` /
//! `▼ 4 more (1 FAIL)` on the pane's borders, so nothing is hidden
//! silently and a row that is not OK is counted even when scrolled away.

use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::tui::format;
use crate::tui::theme::Theme;

/// The first row to show of `total` in `height` rows so that `anchor` is
/// in view; `lead` rows of context above it when there is room.
pub fn first_row(total: usize, height: usize, anchor: usize, lead: usize) -> usize {
    if height == 0 || total <= height {
        return 0;
    }
    let anchor = anchor.min(total - 1);
    // Keep the anchor in view, a little below the top, never past the end.
    anchor
        .saturating_sub(lead.min(height - 1))
        .min(total - height)
}

/// `first_row` for a selection that moves: the window moves only when the
/// selection would leave it (the selection sits at the bottom edge).
pub fn follow(total: usize, height: usize, selected: usize) -> usize {
    if height == 0 || total <= height {
        return 0;
    }
    selected
        .min(total - 1)
        .saturating_sub(height - 1)
        .min(total - height)
}

/// Hidden rows counted by what needs attention: `1 FAIL, 2 ERROR`.
pub fn note<'a>(labels: impl Iterator<Item = Option<&'a str>>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for l in labels.flatten() {
        match counts.iter_mut().find(|(k, _)| *k == l) {
            Some((_, n)) => *n += 1,
            None => counts.push((l, 1)),
        }
    }
    counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a pane leaves out: counts above and below its window, and the
/// attention note of each side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hidden {
    pub above: usize,
    pub above_note: String,
    pub below: usize,
    pub below_note: String,
}

impl Hidden {
    /// Rows `first..first + shown` of `labels` are on screen.
    pub fn of(labels: &[Option<&str>], first: usize, shown: usize) -> Hidden {
        let end = (first + shown).min(labels.len());
        let first = first.min(end);
        Hidden {
            above: first,
            above_note: note(labels[..first].iter().copied()),
            below: labels.len() - end,
            below_note: note(labels[end..].iter().copied()),
        }
    }

    fn text(arrow: &str, n: usize, note: &str, room: usize) -> Option<String> {
        if n == 0 {
            return None;
        }
        // The long form, then without the word, then without the note:
        // the count of what is not OK goes last of all.
        let with_note = |s: String| {
            if note.is_empty() {
                s
            } else {
                format!("{s} ({note})")
            }
        };
        [
            with_note(format!("{arrow} {n} more")),
            with_note(format!("{arrow} {n}")),
            format!("{arrow} {n} more"),
            format!("{arrow} {n}"),
        ]
        .into_iter()
        .find(|s| format::cells(s) + 2 <= room)
    }

    /// The markers on `block`'s borders, right-aligned: `▲` on top (in
    /// the room the title leaves: `title_cells`), `▼` at the bottom.
    pub fn mark<'a>(
        &self,
        block: Block<'a>,
        t: Theme,
        width: u16,
        title_cells: usize,
    ) -> Block<'a> {
        let width = usize::from(width).saturating_sub(2);
        let style = |note: &str| {
            if note.is_empty() {
                t.dim()
            } else {
                t.warning()
            }
        };
        let mut block = block;
        if let Some(s) = Self::text(
            "▲",
            self.above,
            &self.above_note,
            width.saturating_sub(title_cells + 1),
        ) {
            block = block.title_top(
                Line::from(Span::styled(format!(" {s} "), style(&self.above_note))).right_aligned(),
            );
        }
        if let Some(s) = Self::text("▼", self.below, &self.below_note, width) {
            block = block.title_bottom(
                Line::from(Span::styled(format!(" {s} "), style(&self.below_note))).right_aligned(),
            );
        }
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_keep_the_anchor_in_view() {
        // Everything fits: no scrolling.
        assert_eq!(first_row(5, 10, 4, 1), 0);
        // The anchor with one row of context above it.
        assert_eq!(first_row(20, 5, 10, 1), 9);
        // Never past the end.
        assert_eq!(first_row(20, 5, 19, 1), 15);
        assert_eq!(follow(20, 5, 3), 0);
        assert_eq!(follow(20, 5, 7), 3);
        assert_eq!(follow(20, 5, 40), 15);
        assert_eq!(follow(20, 0, 7), 0);
    }

    #[test]
    fn hidden_rows_are_counted_with_what_is_not_ok() {
        let l = [None, Some("FAIL"), None, None, Some("ERROR"), Some("FAIL")];
        let h = Hidden::of(&l, 2, 2);
        assert_eq!((h.above, h.below), (2, 2));
        assert_eq!(h.above_note, "1 FAIL");
        assert_eq!(h.below_note, "1 ERROR, 1 FAIL");
        assert_eq!(Hidden::of(&l, 0, 10), Hidden::default());
        assert_eq!(
            Hidden::text("▼", 4, "1 FAIL", 40).as_deref(),
            Some("▼ 4 more (1 FAIL)")
        );
        // Short of room the word goes first, the count of FAIL last.
        assert_eq!(
            Hidden::text("▼", 4, "1 FAIL", 14).as_deref(),
            Some("▼ 4 (1 FAIL)")
        );
        assert_eq!(Hidden::text("▼", 4, "1 FAIL", 8).as_deref(), Some("▼ 4"));
        assert_eq!(Hidden::text("▼", 0, "", 40), None);
    }
}
