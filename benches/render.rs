//! The console's frame cost: one whole `draw` of a busy screen (a FAIL
//! panel, a paused cutover, a full journal) on a TestBackend, compact and
//! roomy, plus folding one panel status into the app. The loop draws at
//! most once per message and once per second for the clock, so this bounds
//! the CPU the console spends at steady state.
//!
//! `cargo bench --bench render -- --quick`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::session::event::EventBody;
use warroom::tui::Msg;

fn busy_app() -> warroom::tui::App {
    let rb = runbook();
    let events = (1..=500)
        .map(|i| {
            event(
                i,
                at(0, i as i64),
                if i % 2 == 0 { "alice" } else { "bob" },
                EventBody::Note {
                    text: format!("note number {i}"),
                },
            )
        })
        .collect();
    let mut panels = healthy_panels();
    panels[0].state = warroom::health::PanelState::Fail;
    panels[0].history = (0..120).map(|i| 0.001 * i as f64).collect();
    app(running_state(&rb), panels, events, at(30, 0))
}

fn draw(c: &mut Criterion) {
    let app = busy_app();
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(&format!("draw {w}x{h}"), |b| {
            b.iter(|| {
                term.draw(|f| warroom::tui::draw(f, &app)).unwrap();
            });
        });
    }
}

fn fold_panel(c: &mut Criterion) {
    let mut app = busy_app();
    let mut st = healthy_panels().remove(1);
    let mut v = 0.2;
    c.bench_function("update(Panel)", |b| {
        b.iter(|| {
            v += 0.001;
            st.value = Some(v);
            app.update(Msg::Panel(st.clone()))
        });
    });
}

criterion_group!(benches, draw, fold_panel);
criterion_main!(benches);
