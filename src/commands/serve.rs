//! `warroom serve RUNBOOK`: decide the journal, the address and the token,
//! then run the read-only status page until interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::output::{EXIT_FAILURE, EXIT_INVALID, EXIT_OK, Output};
use crate::journal::{JournalError, paths};
use crate::serve;

pub struct Request {
    /// Optional with a journal: the page shows the runbook the journal holds.
    pub runbook: Option<PathBuf>,
    pub journal: Option<crate::journal::JournalLocation>,
    pub listen: SocketAddr,
    pub token_file: Option<PathBuf>,
}

pub fn run(req: Request, out: Output) -> u8 {
    let journal = match (&req.journal, &req.runbook) {
        (Some(j), _) => j.clone(),
        (None, Some(file)) => match super::load_or_report(file, out) {
            Ok(rb) => paths::live_journal(&rb.dir, &rb.cutover.id).into(),
            Err(code) => return code,
        },
        (None, None) => {
            eprintln!("warroom serve: name the runbook, or the journal with --journal");
            return EXIT_INVALID;
        }
    };
    // The session's own runbook when the journal holds it (any host, any
    // folder); the file otherwise.
    let rb = match super::journal_runbook::for_reader(req.runbook.as_deref(), Some(&journal), out) {
        Ok(rb) => Arc::new(rb),
        Err(code) => return code,
    };
    let token = match &req.token_file {
        Some(f) => match serve::token_from_file(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("warroom serve: --token-file {e}");
                return EXIT_INVALID;
            }
        },
        None => match serve::random_hex(24) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("warroom serve: no random token: {e}");
                return EXIT_FAILURE;
            }
        },
    };
    let rt = match crate::runtime::start() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("warroom serve: cannot start the runtime: {e}");
            return EXIT_FAILURE;
        }
    };
    let fds = serve::listen::raise_descriptor_limit();
    if fds < serve::listen::WANTED_DESCRIPTORS {
        eprintln!(
            "warroom serve: at most {fds} open files (ulimit -n); fewer viewers than {} can connect",
            serve::MAX_VIEWERS
        );
    }
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(req.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("warroom serve: cannot listen on {}: {e}", req.listen);
                return EXIT_FAILURE;
            }
        };
        let server = match serve::start(
            Arc::clone(&rb),
            out.tz.unwrap_or(rb.cutover.timezone),
            journal.clone(),
            listener,
            token.clone(),
        ) {
            Ok(s) => s,
            Err(e) => return refused(&e),
        };
        if !server.addr.ip().is_loopback() {
            eprintln!(
                "warroom serve: listening on {} (not loopback): anyone who can reach it and holds the token reads the session, over plain HTTP; prefer a tunnel or a TLS proxy",
                server.addr
            );
        }
        println!("warroom serve: {journal} read-only");
        println!("  http://{}/?token={token}", server.addr);
        println!("  (Ctrl-C stops; the token is also accepted as `Authorization: Bearer ...`)");
        tokio::select! {
            r = server.task => match r {
                Ok(Ok(())) => EXIT_OK,
                Ok(Err(e)) => { eprintln!("warroom serve: {e}"); EXIT_FAILURE }
                Err(e) => { eprintln!("warroom serve: {e}"); EXIT_FAILURE }
            },
            _ = stopped() => EXIT_OK,
        }
    })
}

/// Why the journal cannot be served. A journal that is not there, or is
/// not ours, is bad input (exit 2): serve never creates one, so it says who
/// does. A server that cannot be reached is a failure (exit 1).
fn refused(e: &JournalError) -> u8 {
    match e {
        JournalError::Missing { .. } => {
            eprintln!(
                "warroom serve: {e}: serve only reads; the first console (`warroom run|rehearse --journal ...`) or `warroom journal init URL` creates it"
            );
            EXIT_INVALID
        }
        JournalError::NotSqlite { .. }
        | JournalError::NotJournal { .. }
        | JournalError::Foreign { .. }
        | JournalError::NewerSchema { .. } => {
            eprintln!("warroom serve: {e}");
            EXIT_INVALID
        }
        _ => {
            eprintln!("warroom serve: {e}");
            EXIT_FAILURE
        }
    }
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn stopped() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
