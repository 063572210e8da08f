//! Where each pane goes: heights by what the panes hold, shared fairly when
//! short (a pane that holds less gives its rows to one that holds more; the
//! focused pane is served first), spare rows to the journal. Pure (sizes
//! in, rectangles out) so a table tests it.
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

use crate::tui::mode::Pane;

/// Rows under the panes: the message or `:` line, then the keys.
pub const BOTTOM_ROWS: u16 = 2;
/// Pane borders, top and bottom.
pub const BORDERS: u16 = 2;
/// The journal never gets fewer rows than this (borders included)...
pub const JOURNAL_MIN: u16 = 4;
/// ...and on a tall screen (body of `TALL_BODY` rows and up) at least 15
/// lines, whatever the other panes hold, once it has that many events
/// (until then, the rows it does not need go to the panes that do).
pub const JOURNAL_MIN_TALL: u16 = 15 + BORDERS;
pub const TALL_BODY: u16 = 40;
/// Gates keep this many rows (borders included) when space is short; the
/// pane scrolls to the selection and says what it hides.
pub const GATES_MIN: u16 = 4;
/// The runbook (and, compact, the health pane beside it) keeps this many.
pub const TOP_MIN: u16 = 3 + BORDERS;
/// A runbook pane never narrower than this on a compact screen, and the
/// health pane never narrower than `HEALTH_MIN_W`.
pub const RUNBOOK_MIN_W: u16 = 30;
pub const HEALTH_MIN_W: u16 = 34;

/// A count of rows as the layout takes it: capped far above any screen,
/// so sums of rows never overflow.
pub fn rows_of(n: usize) -> u16 {
    n.min(10_000) as u16
}

/// What the panes hold, in rows (borders excluded) and the runbook's
/// widest row in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    pub runbook_rows: u16,
    pub runbook_w: u16,
    /// Health rows at the geometry's tile size...
    pub health_rows: u16,
    /// ...and at one line per panel, the fallback before any is hidden.
    pub health_min: u16,
    /// Every gate with every item...
    pub gate_rows: u16,
    /// ...and one line per gate with the selected gate's items, the
    /// fallback before any gate is hidden.
    pub gate_min: u16,
    /// Journal lines there are to show.
    pub journal_rows: u16,
    /// Gates (one heading line each).
    pub gate_heads: u16,
    pub focus: Pane,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub runbook: Rect,
    pub health: Rect,
    pub gates: Rect,
    pub journal: Rect,
}

/// The two claims on a column, the pane above (`top`) and the gates.
/// The focused one is served first: the top leaves the gates every
/// heading (their state at a glance), the gates leave the top its
/// minimum. Otherwise both start from their minimum and share fairly.
fn claims(c: Content, avail: u16, top_need: u16, gates_need: u16, top_focused: bool) -> [Claim; 2] {
    let top_min = TOP_MIN.min(avail / 2);
    let gates_min = GATES_MIN.min(avail / 2);
    let glance = (c.gate_heads + BORDERS).min(gates_need).max(gates_min);
    let (top_min, gates_min) = if top_focused {
        (
            top_need.min(avail.saturating_sub(glance)).max(top_min),
            glance,
        )
    } else if c.focus == Pane::Gates {
        (
            top_min,
            gates_need.min(avail.saturating_sub(top_min)).max(gates_min),
        )
    } else {
        (top_min, gates_min)
    };
    [
        Claim {
            min: top_min,
            need: top_need,
        },
        Claim {
            min: gates_min,
            need: gates_need,
        },
    ]
}

fn rows(top: u16, h: u16, x: u16, w: u16) -> Rect {
    Rect::new(x, top, w, h)
}

/// One claimant on rows: at least `min`, wants `need`.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    pub min: u16,
    pub need: u16,
}

/// Share `avail` rows, fairly: every claim its minimum first; then a claim
/// that needs less than an equal share of the spare gets all it needs,
/// and the rest is split evenly among those that need more (the earlier
/// claim takes an odd row). Rows nobody needs are left over.
pub fn share<const N: usize>(avail: u16, claims: [Claim; N]) -> ([u16; N], u16) {
    let mut got = [0u16; N];
    let mut left = avail;
    for (g, c) in got.iter_mut().zip(&claims) {
        *g = c.min.min(left);
        left -= *g;
    }
    let want = |got: &[u16; N], i: usize| claims[i].need.saturating_sub(got[i]);
    loop {
        let open: Vec<usize> = (0..N).filter(|i| want(&got, *i) > 0).collect();
        if open.is_empty() || left == 0 {
            break;
        }
        let even = left / open.len() as u16;
        let small: Vec<usize> = open
            .iter()
            .copied()
            .filter(|i| want(&got, *i) <= even)
            .collect();
        if !small.is_empty() {
            for i in small {
                let w = want(&got, i);
                got[i] += w;
                left -= w;
            }
            continue;
        }
        for &i in &open {
            got[i] += even;
        }
        left -= even * open.len() as u16;
        for &i in open.iter().take(left as usize) {
            got[i] += 1;
        }
        left -= left.min(open.len() as u16);
        break;
    }
    (got, left)
}

/// Compact: runbook (as wide as its longest id needs) beside health on
/// top, then gates, then the journal, both full width. Short of rows, the
/// top and the gates share what the journal's minimum leaves by what they
/// hold (gates one line each, the selected one open); the journal takes
/// every row nobody needs.
pub fn compact(body: Rect, c: Content) -> Areas {
    let avail = body.height.saturating_sub(JOURNAL_MIN);
    let top_need = c.runbook_rows.max(c.health_min) + BORDERS;
    let gates_full = c.gate_rows + BORDERS;
    let gates_need = if top_need + gates_full <= avail {
        gates_full
    } else {
        c.gate_min + BORDERS
    };
    let ([top, gates], _) = share(
        avail,
        claims(
            c,
            avail,
            top_need,
            gates_need,
            matches!(c.focus, Pane::Runbook | Pane::Health),
        ),
    );
    let rest = body.height.saturating_sub(top + gates);
    // Spare rows beyond the journal's minimum open every gate first.
    let gates = gates
        + gates_full
            .saturating_sub(gates)
            .min(rest.saturating_sub(JOURNAL_MIN));
    let journal = body.height.saturating_sub(top + gates);
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
/// Short of rows, runbook and gates share the column by what they hold.
pub fn roomy(body: Rect, c: Content, left_pct: u16) -> Areas {
    let journal_min = if body.height >= TALL_BODY {
        JOURNAL_MIN_TALL.min((c.journal_rows + BORDERS).max(JOURNAL_MIN))
    } else {
        JOURNAL_MIN
    };
    let rb_need = c.runbook_rows + BORDERS;
    let gates_full = c.gate_rows + BORDERS;
    let left_need = rb_need + gates_full;
    let right_need = c.health_rows + BORDERS;
    let top_max = body.height.saturating_sub(journal_min);
    let top = left_need.max(right_need).min(top_max);
    let gates_need = if left_need <= top {
        gates_full
    } else {
        c.gate_min + BORDERS
    };
    let ([rb, gates], left) = share(
        top,
        claims(c, top, rb_need, gates_need, c.focus == Pane::Runbook),
    );
    // Whatever is left opens every gate, then fills the column.
    let gates = gates + left;
    let left_w = body.width * left_pct / 100;
    Areas {
        runbook: rows(body.y, rb, body.x, left_w),
        gates: rows(body.y + rb, gates, body.x, left_w),
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
        health_min: 5,
        gate_rows: 8,
        gate_min: 5,
        journal_rows: 40,
        gate_heads: 3,
        focus: Pane::Runbook,
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
        // A journal of three events leaves the rest to the panes above.
        let short = roomy(
            Rect::new(0, 3, 160, 45),
            Content {
                gate_rows: 40,
                journal_rows: 3,
                ..DEMO
            },
            55,
        );
        assert_eq!(short.journal.height, 3 + 2);
    }

    #[test]
    fn a_long_runbook_never_squeezes_the_journal_below_its_minimum() {
        let big = Content {
            runbook_rows: 60,
            runbook_w: 40,
            health_rows: 40,
            health_min: 40,
            gate_rows: 40,
            gate_min: 10,
            journal_rows: 100,
            gate_heads: 5,
            focus: Pane::Runbook,
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

    #[test]
    fn rows_are_shared_fairly_small_needs_first() {
        let c = |min, need| Claim { min, need };
        // Enough for both: each its need, the rest left over.
        assert_eq!(share(20, [c(5, 8), c(4, 6)]), ([8, 6], 6));
        // Short: the smaller need is met, the larger takes the rest.
        assert_eq!(share(16, [c(5, 14), c(4, 7)]), ([9, 7], 0));
        // Both large: an even split of the spare, the odd row to the first.
        assert_eq!(share(16, [c(5, 14), c(4, 11)]), ([9, 7], 0));
        // Not even the minimums: in order.
        assert_eq!(share(6, [c(5, 14), c(4, 11)]), ([5, 1], 0));
    }

    #[test]
    fn dense_at_80x24_shows_every_gate_and_a_journal() {
        // 12 steps, 11 panels, 5 gates with 17 items (dense.toml).
        let dense = Content {
            runbook_rows: 12,
            runbook_w: 34,
            health_rows: 11,
            health_min: 11,
            gate_rows: 22,
            gate_min: 5,
            journal_rows: 2,
            gate_heads: 5,
            focus: Pane::Runbook,
        };
        let a = compact(Rect::new(0, 2, 80, 20), dense);
        assert_eq!(a.gates.height, 5 + BORDERS, "{a:?}");
        assert_eq!(a.journal.height, JOURNAL_MIN);
        assert_eq!(a.runbook.height, 20 - 7 - JOURNAL_MIN);
        // A short runbook gives its rows away: the gates open whole.
        let small = Content {
            runbook_rows: 3,
            health_min: 4,
            health_rows: 4,
            ..dense
        };
        let a = compact(Rect::new(0, 2, 80, 20), small);
        assert_eq!(a.runbook.height, 4 + BORDERS);
        assert_eq!(a.gates.height, 20 - 6 - JOURNAL_MIN);
        // Gates focused: every heading and the open gate's four items.
        let a = compact(
            Rect::new(0, 2, 80, 20),
            Content {
                gate_min: 5 + 4,
                focus: Pane::Gates,
                ..dense
            },
        );
        assert_eq!(a.gates.height, 9 + BORDERS, "{a:?}");
        assert_eq!(a.runbook.height, TOP_MIN);
    }
}
