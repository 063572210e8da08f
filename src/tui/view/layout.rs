//! Where each pane goes: heights by what the panes hold, spare rows to the
//! journal. Pure (sizes in, rectangles out) so a table tests it.
//!
//! ```text
//! COMPACT (below 120x40)                   ROOMY / WIDE (120x40 and up)
//! ┌──────────────────────────────────┐     ┌────────────────────────────────────────┐
//! │ header: title (cut first) MODE   │     │ header: title  MODE STATUS stage clock │
//! │   STATUS stage exposure clock    │     │ elapsed deadline guards operators      │
//! │ banners (two-person, damaged …)  │     │ banners                                │
//! ├─ Runbook ─────────┬─ Health ─────┤     ├─ Runbook ─────────────┬─ Health ───────┤
//! │ ids whole (width  │ one line per │     │ id + title per step   │ tiles          │
//! │ by longest id)    │ panel        │     ├─ Gates ───────────────┤ (height by     │
//! ├─ Gates ───────────┴──────────────┤     │ gate + item rows      │  panel count)  │
//! │ gate + item rows (as many as     │     ├─ Journal ─────────────┴────────────────┤
//! │ they hold, leaving the journal   │     │ every spare row: at least 15 lines     │
//! │ its minimum)                     │     │ at 160x50                              │
//! ├─ Journal ────────────────────────┤     │                                        │
//! │ every spare row, full width      │     ├────────────────────────────────────────┤
//! ├──────────────────────────────────┤     │ latest message / :command line         │
//! │ latest message / :command line   │     │ footer: keys that work now             │
//! │ footer: keys that work now       │     └────────────────────────────────────────┘
//! └──────────────────────────────────┘
//! `z` gives the focused pane the whole body (the journal in full screen).
//! ```

use ratatui::layout::Rect;

/// Rows under the panes: the message or `:` line, then the keys.
pub const BOTTOM_ROWS: u16 = 2;
/// Pane borders, top and bottom.
pub const BORDERS: u16 = 2;
/// The journal never gets fewer rows than this (borders included)...
pub const JOURNAL_MIN: u16 = 4;
/// ...and on a tall screen (body of `TALL_BODY` rows and up) at least 15
/// lines, whatever the other panes hold.
pub const JOURNAL_MIN_TALL: u16 = 15 + BORDERS;
pub const TALL_BODY: u16 = 40;
/// Gates keep this many rows (borders included) when space is short; the
/// pane scrolls to the selection.
pub const GATES_MIN: u16 = 4;
/// A runbook pane never narrower than this on a compact screen, and the
/// health pane never narrower than `HEALTH_MIN_W`.
pub const RUNBOOK_MIN_W: u16 = 30;
pub const HEALTH_MIN_W: u16 = 34;

/// What the panes hold, in rows (borders excluded) and the runbook's
/// widest row in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    pub runbook_rows: u16,
    pub runbook_w: u16,
    pub health_rows: u16,
    pub gate_rows: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub runbook: Rect,
    pub health: Rect,
    pub gates: Rect,
    pub journal: Rect,
}

fn rows(top: u16, h: u16, x: u16, w: u16) -> Rect {
    Rect::new(x, top, w, h)
}

/// Compact: runbook (as wide as its longest id needs) beside health on
/// top, then gates, then the journal, both full width.
pub fn compact(body: Rect, c: Content) -> Areas {
    let journal_min = JOURNAL_MIN;
    let top_max = body.height.saturating_sub(journal_min + GATES_MIN);
    let top = (c.runbook_rows.max(c.health_rows) + BORDERS)
        .min(top_max)
        .max(BORDERS + 1);
    let rest = body.height.saturating_sub(top);
    let gates = (c.gate_rows + BORDERS)
        .min(rest.saturating_sub(journal_min))
        .max(GATES_MIN.min(rest));
    let journal = rest.saturating_sub(gates);
    let rb_w = (c.runbook_w + BORDERS)
        .max(RUNBOOK_MIN_W)
        .min(body.width.saturating_sub(HEALTH_MIN_W));
    Areas {
        runbook: rows(body.y, top, body.x, rb_w),
        health: rows(body.y, top, body.x + rb_w, body.width - rb_w),
        gates: rows(body.y + top, gates, body.x, body.width),
        journal: rows(body.y + top + gates, journal, body.x, body.width),
    }
}

/// Roomy and wide: runbook over gates on the left, health on the right,
/// each as tall as it needs; the journal takes every row left below.
pub fn roomy(body: Rect, c: Content, left_pct: u16) -> Areas {
    let journal_min = if body.height >= TALL_BODY {
        JOURNAL_MIN_TALL
    } else {
        JOURNAL_MIN
    };
    let left_need = c.runbook_rows + BORDERS + c.gate_rows + BORDERS;
    let right_need = c.health_rows + BORDERS;
    let top_max = body.height.saturating_sub(journal_min);
    let top = left_need.max(right_need).min(top_max);
    // Short of rows, the runbook keeps what it needs up to the half, the
    // gates take the rest and scroll to the selection.
    let rb = (c.runbook_rows + BORDERS)
        .min(top.saturating_sub(GATES_MIN.min(top / 2)))
        .max(top.min(BORDERS + 1));
    let left_w = body.width * left_pct / 100;
    Areas {
        runbook: rows(body.y, rb, body.x, left_w),
        gates: rows(body.y + rb, top - rb, body.x, left_w),
        health: rows(body.y, top, body.x + left_w, body.width - left_w),
        journal: rows(body.y + top, body.height - top, body.x, body.width),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: Content = Content {
        runbook_rows: 4,
        runbook_w: 40,
        health_rows: 5,
        gate_rows: 8,
    };

    #[test]
    fn the_journal_gets_the_spare_rows() {
        // 160x50: header 3, footer 2.
        let a = roomy(
            Rect::new(0, 3, 160, 45),
            Content {
                health_rows: 10,
                ..DEMO
            },
            55,
        );
        assert_eq!(a.runbook.height, 4 + 2);
        assert!(a.journal.height >= JOURNAL_MIN_TALL, "{a:?}");
        assert_eq!(a.journal.bottom(), 48);
        // A gate list of 8 rows does not take 20.
        assert_eq!(a.gates.height, 8 + 2);
    }

    #[test]
    fn a_long_runbook_never_squeezes_the_journal_below_its_minimum() {
        let big = Content {
            runbook_rows: 60,
            runbook_w: 40,
            health_rows: 40,
            gate_rows: 40,
        };
        let a = roomy(Rect::new(0, 3, 160, 45), big, 55);
        assert_eq!(a.journal.height, JOURNAL_MIN_TALL);
        assert!(a.gates.height >= GATES_MIN);
        let c = compact(Rect::new(0, 2, 80, 20), big);
        assert_eq!(c.journal.height, JOURNAL_MIN);
        assert!(c.gates.height >= GATES_MIN);
        assert_eq!(c.journal.bottom(), 22);
    }

    #[test]
    fn compact_runbook_is_as_wide_as_its_longest_id_needs() {
        let c = compact(
            Rect::new(0, 2, 80, 20),
            Content {
                runbook_w: 41,
                ..DEMO
            },
        );
        assert_eq!(c.runbook.width, 43);
        assert_eq!(c.health.x, 43);
        assert_eq!(c.health.width, 37);
        // Never so wide that health cannot show a panel line.
        let c = compact(
            Rect::new(0, 2, 80, 20),
            Content {
                runbook_w: 70,
                ..DEMO
            },
        );
        assert_eq!(c.health.width, HEALTH_MIN_W);
        assert_eq!(c.gates.width, 80);
        assert_eq!(c.journal.width, 80);
    }
}
