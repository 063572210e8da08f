//! Polls every panel on its schedule in tokio tasks and sends each panel's
//! status as a message; nothing here ever blocks the console.
//!
//! One task per job (see `source`): it ticks at the job's `every`
//! (`MissedTickBehavior::Delay`), takes a permit from a global semaphore,
//! fetches, and forwards the raw results. The next poll of a job starts only
//! after the previous one returned, so a slow source is never polled twice
//! at once; a hung one is cut off by its own timeout and delays nobody else.
//! A single evaluator task owns every panel's `Evaluator`, folds results in
//! as they come and ticks the clock so a silent source goes STALE even when
//! no result arrives.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{MissedTickBehavior, interval};

use super::PanelStatus;
use super::evaluate::{Evaluator, Poll};
use super::source::{Fetcher, Job, jobs};
use crate::runbook::model::Runbook;

/// At most this many fetches in flight at once across all sources.
pub const MAX_CONCURRENT: usize = 32;
/// The shortest poll interval honoured (a zero interval would spin).
const MIN_EVERY: Duration = Duration::from_millis(100);

type Raw = (usize, Poll, DateTime<Utc>);

/// The running poller; dropping it stops every task.
#[derive(Debug)]
pub struct PollerHandle {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for PollerHandle {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Start polling. Must be called inside a tokio runtime. A `PanelStatus` is
/// sent after every poll result of a panel and when a panel goes STALE.
pub fn spawn(runbook: Arc<Runbook>, tx: mpsc::UnboundedSender<PanelStatus>) -> PollerHandle {
    let now = Utc::now();
    let evaluators: Vec<Evaluator> = runbook
        .panels
        .iter()
        .map(|p| Evaluator::new(p, now))
        .collect();
    let (raw_tx, raw_rx) = mpsc::unbounded_channel::<Raw>();
    let mut tasks = Vec::new();
    match Fetcher::new(runbook.secrets.clone()) {
        Ok(fetcher) => {
            let fetcher = Arc::new(fetcher);
            let permits = Arc::new(Semaphore::new(MAX_CONCURRENT));
            for job in jobs(&runbook) {
                let task = run_job(job, fetcher.clone(), permits.clone(), raw_tx.clone());
                tasks.push(tokio::spawn(task));
            }
        }
        Err(e) => {
            for i in 0..runbook.panels.len() {
                let _ = raw_tx.send((i, Poll::Error(e.clone()), now));
            }
        }
    }
    drop(raw_tx);
    let tick = runbook
        .panels
        .iter()
        .map(|p| p.every)
        .min()
        .unwrap_or(Duration::from_secs(1))
        .clamp(MIN_EVERY, Duration::from_secs(1));
    tasks.push(tokio::spawn(evaluate(evaluators, raw_rx, tx, tick)));
    PollerHandle { tasks }
}

async fn run_job(
    job: Job,
    fetcher: Arc<Fetcher>,
    permits: Arc<Semaphore>,
    out: mpsc::UnboundedSender<Raw>,
) {
    let mut ticks = interval(job.every.max(MIN_EVERY));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let polls = {
            let Ok(_permit) = permits.acquire().await else {
                return;
            };
            fetcher.poll(&job).await
        };
        let now = Utc::now();
        for (panel, poll) in polls {
            if out.send((panel, poll, now)).is_err() {
                return;
            }
        }
    }
}

async fn evaluate(
    mut evaluators: Vec<Evaluator>,
    mut raw: mpsc::UnboundedReceiver<Raw>,
    out: mpsc::UnboundedSender<PanelStatus>,
    tick: Duration,
) {
    let mut clock = interval(tick);
    clock.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = raw.recv() => {
                let Some((i, poll, at)) = msg else { return };
                if let Some(e) = evaluators.get_mut(i)
                    && out.send(e.observe(poll, at)).is_err()
                {
                    return;
                }
            }
            _ = clock.tick() => {
                let now = Utc::now();
                for e in &mut evaluators {
                    if let Some(s) = e.tick(now)
                        && out.send(s).is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
}
