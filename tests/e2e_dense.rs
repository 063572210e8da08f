//! The real binary at 80x24 with the shipped dense runbook (12 steps, 11
//! panels, 5 gates): every step, panel and gate item is reached by keys
//! alone and shows on screen when selected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::time::Duration;

use pty::Console;

const T: Duration = Duration::from_secs(20);

/// A line of the screen that holds the selection cursor and `text`.
fn selected(screen: &str, text: &str) -> bool {
    screen.lines().any(|l| l.contains('▸') && l.contains(text))
}

/// The first words of `text` that a narrow column still shows whole.
fn head(text: &str, cells: usize) -> String {
    let mut out = String::new();
    for w in text.split(' ') {
        if out.len() + w.len() + 1 > cells {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[test]
fn every_step_panel_and_gate_of_the_dense_runbook_is_reached_by_keys_at_80x24() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rb = warroom::runbook::load(&root.join("runbooks/dense.toml"))
        .unwrap()
        .runbook;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("dense.db");
    let mut c = Console::spawn(
        &[
            "rehearse",
            "runbooks/dense.toml",
            "--journal",
            journal.to_str().unwrap(),
            "--as",
            "alice",
        ],
        80,
        24,
        root,
        &[],
    );
    c.wait_for("REHEARSAL", T);

    // Runbook (focused at start): j walks every step, the pane scrolls.
    for step in &rb.steps {
        c.wait_until(T, &format!("step {} selected", step.id), |s| {
            selected(s, &step.id)
        });
        c.send("j");
    }
    let s = c.screen();
    assert!(
        s.contains("▲ "),
        "the runbook says what scrolled away:\n{s}"
    );

    // Health, zoomed to the whole screen: every panel by its title.
    c.send("\t");
    c.send("z");
    for panel in &rb.panels {
        c.wait_until(T, &format!("panel {} selected", panel.title), |s| {
            selected(s, &panel.title) && !s.contains("Runbook")
        });
        c.send("j");
    }
    c.send("z");
    c.wait_for("Runbook", T);

    // Gates: one line per gate, the selected gate open; j walks every item.
    c.send("\t");
    for gate in &rb.gates {
        for (n, item) in gate.items.iter().enumerate() {
            let text = head(&item.text, 30);
            c.wait_until(T, &format!("{} item {} selected", gate.id, n + 1), |s| {
                s.contains(&gate.id) && selected(s, &text)
            });
            c.send("j");
        }
    }
    // Every gate id is on screen at once (collapsed to one line each).
    let s = c.screen();
    for gate in &rb.gates {
        assert!(s.contains(&gate.id), "{}:\n{s}", gate.id);
    }

    c.send("q");
    c.send("y");
    assert_eq!(c.wait_exit(T), 0);
}
