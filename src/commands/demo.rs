//! `warroom demo`: the whole console on the embedded simulated service,
//! with the bundled runbook and fault keys. Nothing leaves the host.

use std::path::PathBuf;
use std::sync::Arc;

use super::output::{EXIT_FAILURE, EXIT_INVALID, Output};
use crate::console_session::identity;
use crate::runbook;
use crate::session::event::SessionMode;
use crate::sim::{self, DEMO_RUNBOOK, DEMO_URL_VAR, Fault};
use crate::tui::{ConsoleOptions, demo_keys, run_console_async};

pub struct Request {
    pub journal: Option<crate::journal::JournalLocation>,
    /// `--new-attempt [REASON]` (with `--journal`): try the demo again in
    /// the same journal after it ended.
    pub new_attempt: Option<String>,
    pub operator: Option<String>,
}

pub fn run(req: Request, out: Output) -> u8 {
    if let Some(why) = crate::tui::terminal::interactive_refusal() {
        eprintln!("{why}");
        return EXIT_INVALID;
    }
    let rt = match crate::runtime::start() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("warroom demo: cannot start the runtime: {e}");
            return EXIT_FAILURE;
        }
    };
    rt.block_on(demo(req, out))
}

async fn demo(req: Request, out: Output) -> u8 {
    let sim = match sim::start().await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("warroom demo: cannot start the simulated service on 127.0.0.1: {e}");
            return EXIT_FAILURE;
        }
    };
    let (dir, journal) = match demo_paths(req.journal) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("warroom demo: {e}");
            return EXIT_FAILURE;
        }
    };
    // The runbook sits beside the journal so `warroom report` finds it.
    let runbook_path = dir.join("demo.toml");
    if let Err(e) = std::fs::write(&runbook_path, DEMO_RUNBOOK) {
        eprintln!(
            "warroom demo: cannot write {}: {e}",
            crate::untrusted::show_path(&runbook_path)
        );
        return EXIT_FAILURE;
    }
    let url = sim.url.clone();
    let env = |name: &str| {
        if name == DEMO_URL_VAR {
            Some(url.clone())
        } else {
            std::env::var(name).ok()
        }
    };
    let rb = match runbook::load_str(DEMO_RUNBOOK, &runbook_path, &env) {
        Ok(l) => l.runbook,
        Err(e) => {
            eprint!("{}", e.render(out.color));
            return EXIT_INVALID;
        }
    };
    if let Some(msg) = req
        .operator
        .as_deref()
        .and_then(super::console::name_refusal)
    {
        eprintln!("warroom demo: {msg}");
        return EXIT_INVALID;
    }
    let operator = req.operator.unwrap_or_else(identity::current_operator);
    let mut opts = ConsoleOptions::new(Arc::new(rb), journal.clone(), SessionMode::Demo, operator);
    opts.no_color = !out.color_allowed;
    opts.tz = out.tz;
    opts.extra_keys = demo_keys();
    opts.new_attempt = req.new_attempt.clone();
    let handle = sim.clone();
    opts.on_extra = Some(Box::new(move |id: &str| {
        let fault = Fault::parse(id)?;
        handle.inject(fault);
        Some(format!("demo: injected fault `{}`", fault.name()))
    }));
    let result = run_console_async(opts).await;
    drop(sim);
    super::console::finish(result, &journal)
}

/// `--journal`, else a new folder under the system's temporary directory.
fn demo_paths(
    journal: Option<crate::journal::JournalLocation>,
) -> std::io::Result<(PathBuf, crate::journal::JournalLocation)> {
    if let Some(j) = journal.as_ref().and_then(|j| j.file()) {
        let dir = match j.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)?;
        return Ok((dir, j.into()));
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let dir = std::env::temp_dir().join(format!("warroom-demo-{stamp}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // A URL journal keeps the demo's runbook in the temporary folder.
    let journal = journal.unwrap_or_else(|| dir.join("demo.db").into());
    Ok((dir, journal))
}
