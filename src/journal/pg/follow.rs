//! Following a PostgreSQL journal: `LISTEN warroom_journal` wakes the
//! thread as soon as another console commits, and a catch-up read from the
//! last seq runs at least every second anyway, so a notification lost (a
//! reconnect, a server restart) loses nothing. A failing connection is
//! reported through the handle (the console shows it) and retried.

use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;
use tokio::sync::mpsc::UnboundedSender;

use super::super::error::JournalError;
use super::super::follower::{Followed, FollowerHandle, deliver, set_error};
use super::schema::CHANNEL;
use super::url::PgUrl;
use super::{pg_err, read_since, readings_since};

/// The longest wait between two catch-up reads.
pub const CATCH_UP: Duration = Duration::from_secs(1);
/// How often the thread looks whether it should stop.
const TICK: Duration = Duration::from_millis(50);

pub fn follow(
    url: PgUrl,
    after_seq: u64,
    after_reading: i64,
    tx: UnboundedSender<Followed>,
) -> Result<FollowerHandle, JournalError> {
    // Connect here, so a bad URL or password is reported at once.
    let client = super::off_runtime(|| listen(&url))?;
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let error = Arc::new(Mutex::new(None));
    let err2 = Arc::clone(&error);
    let path = url.display.clone();
    let thread = std::thread::Builder::new()
        .name("journal-follow-pg".into())
        .spawn(move || run(url, client, (after_seq, after_reading), tx, stop_rx, err2))
        .map_err(|e| JournalError::Open {
            path,
            cause: format!("cannot start the follower thread: {e}"),
        })?;
    Ok(FollowerHandle::new(stop_tx, thread, error))
}

fn listen(url: &PgUrl) -> Result<(Client, String), JournalError> {
    let mut c = url.connect()?;
    c.batch_execute(&format!("LISTEN {CHANNEL}"))
        .map_err(pg_err(&url.display))?;
    let schema: Option<String> = c
        .query_one("SELECT current_schema()::text", &[])
        .map_err(pg_err(&url.display))?
        .get(0);
    Ok((c, schema.unwrap_or_default()))
}

fn run(
    url: PgUrl,
    first: (Client, String),
    (mut last, mut last_reading): (u64, i64),
    tx: UnboundedSender<Followed>,
    stop: mpsc::Receiver<()>,
    error: Arc<Mutex<Option<String>>>,
) {
    let path = url.display.clone();
    let mut conn = Some(first);
    loop {
        if tx.is_closed() {
            return;
        }
        if conn.is_none() {
            match listen(&url).and_then(|mut c| {
                super::failover::check_connection(&mut c.0, &path, last).map(|()| c)
            }) {
                Ok(c) => conn = Some(c),
                Err(e) => set_error(&error, Some(e.to_string())),
            }
        }
        let mut wake = Instant::now() + CATCH_UP;
        if let Some((client, _)) = conn.as_mut() {
            let read = read_since(client, &path, last)
                .and_then(|ev| Ok((ev, readings_since(client, &path, last_reading)?)));
            match read {
                Ok((events, readings)) => {
                    set_error(&error, None);
                    if !deliver(events, readings, &tx, (&mut last, &mut last_reading)) {
                        return;
                    }
                }
                Err(e) => {
                    set_error(&error, Some(e.to_string()));
                    if client.is_closed() {
                        conn = None;
                    }
                }
            }
        }
        // Wait for a notification of this schema, the catch-up time or stop.
        loop {
            match stop.try_recv() {
                Err(TryRecvError::Empty) => {}
                Ok(()) | Err(TryRecvError::Disconnected) => return,
            }
            let now = Instant::now();
            if now >= wake || tx.is_closed() {
                break;
            }
            let Some((client, schema)) = conn.as_mut() else {
                std::thread::sleep(TICK.min(wake - now));
                continue;
            };
            let mut woken = false;
            let mut lost = false;
            {
                let mut notes = client.notifications();
                let mut it = notes.timeout_iter(TICK.min(wake - now));
                match it.next() {
                    Ok(Some(n)) => woken = n.payload() == schema.as_str(),
                    Ok(None) => {}
                    Err(e) => {
                        set_error(&error, Some(pg_err(&path)(e).to_string()));
                        lost = true;
                    }
                }
            }
            if lost {
                conn = None;
                // Retry after a short pause, not in a tight loop.
                wake = Instant::now() + CATCH_UP;
            } else if woken {
                break;
            }
        }
    }
}
