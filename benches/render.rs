//! The console's frame cost: one whole `draw` of a busy screen (a FAIL
//! panel, a paused cutover, a full journal) on a TestBackend, compact and
//! roomy, plus folding one panel status into the app. The loop draws at
//! most once per message and once per second for the clock, so this bounds
//! the CPU the console spends at steady state.
//!
//! The big case is the one from the issue: 200 panels (two thirds of them not
//! OK: WARN, FAIL, ERROR, STALE; each with two minutes of history), 500 steps, 500 journal events, at
//! 120x40 and 200x60: the screen shows what fits, and the frame must stay
//! far below 16 ms however much does not.
//!
//! `cargo bench --bench render -- --quick`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;
use warroom::session::event::EventBody;

use warroom::health::PanelState;
use warroom::runbook::{Runbook, load_str};
use warroom::session::state::{State, Status};
use warroom::tui::{App, Msg, Theme};

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

/// A runbook with `panels` panels on one Prometheus source and `steps` steps.
fn big_runbook(panels: usize, steps: usize) -> Arc<Runbook> {
    let mut s = String::from(
        "[cutover]\nid = \"big\"\ntitle = \"Big runbook\"\nstrategy = \"phased\"\n\n\
         [roles]\nic = \"IC\"\n\n[sources.prom]\ntype = \"prometheus\"\nurl = \"http://127.0.0.1:9\"\n\n",
    );
    for i in 0..panels {
        s += &format!(
            "[[panels]]\nid = \"p{i}\"\ntitle = \"Panel number {i}\"\nsource = \"prom\"\n\
             query = \"sum(rate(x_{i}[1m]))\"\nunit = \"seconds\"\nwarn = \"> 0.5\"\nfail = \"> 0.9\"\n\n"
        );
    }
    s += "[[stages]]\nname = \"half\"\nexposure = 50\n\n[[stages]]\nname = \"all\"\nexposure = 100\n\n";
    for i in 0..steps {
        s += &format!(
            "[[steps]]\nid = \"s{i}\"\ntitle = \"Step number {i}\"\nowner = \"ic\"\nexpect = \"5m\"\n\n"
        );
    }
    s += "[actions.rollback]\nrun = \"true\"\n";
    let loaded = load_str(&s, Path::new("big.toml"), &|_| None).unwrap();
    Arc::new(loaded.runbook)
}

fn big_app() -> App {
    let rb = big_runbook(200, 500);
    let mut state = State::new(&rb);
    state.status = Status::Running;
    state.started_at = Some(t0());
    state.stage = Some(0);
    let mut app = App::new(
        Arc::clone(&rb),
        state.clone(),
        options("alice", Theme::color()),
        at(30, 0),
    );
    let states = [
        PanelState::Ok,
        PanelState::Ok,
        PanelState::Warn,
        PanelState::Fail,
        PanelState::Error,
        PanelState::Stale,
    ];
    for (i, p) in rb.panels.iter().enumerate() {
        let history: Vec<f64> = (0..120).map(|k| ((i * 7 + k) % 13) as f64 * 0.07).collect();
        let mut st = status(
            &p.id,
            states[i % states.len()],
            Some(0.42),
            &history,
            at(-5, 0),
        );
        if st.state == PanelState::Error {
            st.value = None;
            st.error = Some("connection refused (127.0.0.1:9)".into());
        }
        app.update(Msg::Panel(st));
    }
    let events = (1..=500)
        .map(|i| {
            event(
                i,
                at(0, i as i64),
                "bob",
                EventBody::Note {
                    text: format!("note number {i}"),
                },
            )
        })
        .collect();
    app.update(Msg::Journal { events, state });
    app
}

fn draw_200_panels(c: &mut Criterion) {
    let app = big_app();
    for (w, h) in [(120u16, 40u16), (200, 60)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(&format!("draw 200 panels 500 steps {w}x{h}"), |b| {
            b.iter(|| {
                term.draw(|f| warroom::tui::draw(f, &app)).unwrap();
            });
        });
    }
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

criterion_group!(benches, draw, draw_200_panels, fold_panel);
criterion_main!(benches);
