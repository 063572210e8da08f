// Scratch harness (not committed): the demo console on the embedded service.
use std::path::Path;
use std::sync::Arc;
use warroom::tui::{ConsoleOptions, demo_keys, run_console_async};

#[tokio::main]
async fn main() {
    let sim = Arc::new(warroom::sim::start().await.unwrap());
    let url = sim.url.clone();
    let env = move |n: &str| if n == warroom::sim::DEMO_URL_VAR { Some(url.clone()) } else { std::env::var(n).ok() };
    let dir = std::env::args().nth(1).unwrap_or("/tmp/wr-demo".into());
    std::fs::create_dir_all(&dir).unwrap();
    let path = Path::new(&dir).join("demo.toml");
    let loaded = warroom::runbook::load_str(warroom::sim::DEMO_RUNBOOK, &path, &env).unwrap();
    let rb = Arc::new(loaded.runbook);
    let sim2 = Arc::clone(&sim);
    let code = run_console_async(ConsoleOptions {
        journal: Path::new(&dir).join("demo.db"),
        runbook: rb,
        mode: warroom::session::event::SessionMode::Demo,
        operator: std::env::args().nth(2).unwrap_or("alice".into()),
        host: None,
        read_only: false,
        accept_runbook_change: true,
        execute: true,
        no_color: false,
        extra_keys: demo_keys(),
        on_extra: Some(Box::new(move |id| {
            let f = warroom::sim::Fault::parse(id)?;
            sim2.inject(f);
            Some(format!("demo: injected {id}"))
        })),
        rehearsal_journal: None,
    })
    .await
    .unwrap();
    eprintln!("exit {code}");
}
