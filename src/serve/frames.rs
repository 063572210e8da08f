//! The status page drawn once per change for every viewer (issue 26):
//! one task draws the live part after each fold, compares it fragment by
//! fragment (header facts, clocks, alert, each panel's word, value,
//! sparkline and "since", gates, steps, journal) with what it published,
//! and publishes a `Frame` through a `watch`. Each fragment carries its
//! Server-Sent Event already encoded, so an event stream only copies the
//! bytes of the fragments newer than what it sent last: a thousand viewers
//! cost a thousand small writes, not a thousand renders.
//!
//! What is sent when:
//! - a fragment whose content changed (the journal, a reading) at once;
//! - one that changed only because time passed (elapsed, "as of",
//!   "3m ago") at most every `CLOCK_EVERY`;
//! - a sparkline at most every `SPARK_EVERY`, or at once with its panel's
//!   state word: the word and the value say what is true now, the line is
//!   the trend;
//! - a new journal line alone (`f-journal-add`) to a viewer that has the
//!   journal as it was just before; the whole tail to one that missed more.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::time::Instant;

use super::live::Live;
use super::page::{self, At, Drawn};
use crate::journal::FollowerHandle;
use crate::runbook::model::Runbook;
use crate::timefmt::Zone;

/// A fragment that changed only with the clock is sent at most this often.
pub const CLOCK_EVERY: Duration = Duration::from_secs(5);
/// A sparkline is sent at most this often (unless its panel's word changed).
pub const SPARK_EVERY: Duration = Duration::from_secs(15);
/// Readings come in bursts (one per panel, a follower tick apart): the
/// draw waits this long after the first so the burst is one frame.
const GATHER: Duration = Duration::from_millis(250);
/// How often the clocks are looked at when nothing else happens.
const LOOK: Duration = Duration::from_secs(1);

/// One fragment as published.
#[derive(Debug)]
pub struct Frag {
    pub id: String,
    pub html: String,
    /// The frame that last changed it.
    pub rev: u64,
    /// `event: ID` and the HTML as `data:` lines, ready to write.
    pub sse: Bytes,
    /// For a viewer that has the frame `.0`: the same change as less
    /// (the journal's new lines alone, `event: f-journal-add`).
    pub delta: Option<(u64, Bytes)>,
}

/// What every event stream reads: the fragments, each with the frame that
/// last changed it.
#[derive(Debug, Default)]
pub struct Frame {
    pub version: u64,
    pub frags: Vec<Arc<Frag>>,
}

impl Frame {
    /// The events a viewer that has seen frame `seen` is missing, as one
    /// write (empty when none).
    pub fn since(&self, seen: u64) -> Bytes {
        let newer: Vec<&Bytes> = self
            .frags
            .iter()
            .filter(|f| f.rev > seen)
            .map(|f| match &f.delta {
                Some((base, d)) if seen >= *base => d,
                _ => &f.sse,
            })
            .collect();
        match newer.as_slice() {
            [] => Bytes::new(),
            [one] => (*one).clone(),
            many => {
                let mut out = Vec::with_capacity(many.iter().map(|b| b.len()).sum());
                for b in many {
                    out.extend_from_slice(b);
                }
                Bytes::from(out)
            }
        }
    }
}

/// The drawer's memory of each published fragment.
struct Mine {
    /// The fragment drawn at `KEY_TIME`: equal keys mean only time moved.
    key: String,
    sent_at: Instant,
}

/// Decides, draw after draw, what to publish.
#[derive(Default)]
pub struct Publisher {
    frame: Arc<Frame>,
    mine: Vec<Mine>,
    /// The journal's lines as last published, newest first.
    journal_lines: Vec<(u64, String)>,
}

/// The journal's lines `new` has beyond `old` (both newest first), when
/// `new` is exactly those on top of `old` (its oldest perhaps dropped):
/// the page's script adds them and drops as many at the bottom.
fn added<'a>(old: &[(u64, String)], new: &'a [(u64, String)]) -> Option<&'a [(u64, String)]> {
    let top = old.first().map_or(0, |(seq, _)| *seq);
    let n = new.iter().take_while(|(seq, _)| *seq > top).count();
    let (fresh, rest) = new.split_at(n);
    let kept = old.len().min(super::live::LINES.saturating_sub(n));
    (!fresh.is_empty() && rest.len() == kept && old.starts_with(rest)).then_some(fresh)
}

/// The fixed time fragments are also drawn at, to tell a change of
/// content from the passing of time.
fn key_time() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

fn encode(id: &str, html: &str) -> Bytes {
    let mut s = String::with_capacity(html.len() + id.len() + 16);
    s.push_str("event: ");
    s.push_str(id);
    s.push('\n');
    for line in html.replace('\r', "").split('\n') {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    Bytes::from(s)
}

impl Publisher {
    pub fn frame(&self) -> Arc<Frame> {
        Arc::clone(&self.frame)
    }

    /// Take a draw (`now`: the page at the current time, `key`: the same
    /// state at `key_time()`) made at `mono`; returns whether a new frame
    /// was published.
    pub fn offer(&mut self, now: &Drawn, key: &Drawn, mono: Instant) -> bool {
        let same_shape = self.frame.frags.len() == now.frags.len()
            && now.frags.len() == key.frags.len()
            && self
                .frame
                .frags
                .iter()
                .zip(&now.frags)
                .all(|(a, (b, _))| a.id == *b);
        if !same_shape {
            // The first draw (or a different page): everything, at once.
            let version = self.frame.version + 1;
            self.mine = (0..key.frags.len())
                .map(|i| Mine {
                    key: key.frag(i).to_string(),
                    sent_at: mono,
                })
                .collect();
            let frags = now
                .frags
                .iter()
                .enumerate()
                .map(|(i, (id, _))| {
                    Arc::new(Frag {
                        id: id.clone(),
                        html: now.frag(i).to_string(),
                        rev: version,
                        sse: encode(id, now.frag(i)),
                        delta: None,
                    })
                })
                .collect();
            self.journal_lines = now.journal_lines.clone();
            self.frame = Arc::new(Frame { version, frags });
            return true;
        }
        let version = self.frame.version + 1;
        let mut frags = self.frame.frags.clone();
        let mut words_changed: Vec<&str> = Vec::new();
        let mut any = false;
        for (i, (id, _)) in now.frags.iter().enumerate() {
            let (fresh, fresh_key) = (now.frag(i), key.frag(i));
            let Some(mine) = self.mine.get_mut(i) else {
                continue;
            };
            let Some(old) = frags.get(i) else { continue };
            if old.html == fresh {
                continue;
            }
            let waited = mono.saturating_duration_since(mine.sent_at);
            let send = if mine.key != fresh_key {
                match id.strip_suffix('g') {
                    // A sparkline: with its panel's word, or when due.
                    Some(panel) if id.starts_with("f-p") => {
                        waited >= SPARK_EVERY || words_changed.contains(&panel)
                    }
                    _ => true,
                }
            } else {
                waited >= CLOCK_EVERY
            };
            if !send {
                continue;
            }
            if let Some(panel) = id.strip_suffix('w') {
                words_changed.push(panel);
            }
            mine.key = fresh_key.to_string();
            mine.sent_at = mono;
            let mut delta = None;
            if id == "f-journal" {
                if let Some(lines) = added(&self.journal_lines, &now.journal_lines) {
                    let html: String = lines.iter().map(|(_, l)| l.as_str()).collect();
                    delta = Some((old.rev, encode("f-journal-add", &html)));
                }
                self.journal_lines = now.journal_lines.clone();
            }
            frags[i] = Arc::new(Frag {
                id: id.clone(),
                html: fresh.to_string(),
                rev: version,
                sse: encode(id, fresh),
                delta,
            });
            any = true;
        }
        if any {
            self.frame = Arc::new(Frame { version, frags });
        }
        any
    }
}

/// What the drawing task reads.
pub struct Sources {
    pub rb: Arc<Runbook>,
    pub zone: Zone,
    pub live: Arc<RwLock<Live>>,
    pub follower: Weak<FollowerHandle>,
}

impl Sources {
    fn draw(&self, now: DateTime<Utc>) -> Option<(Drawn, Drawn)> {
        let follower = self.follower.upgrade()?;
        let error = follower.error();
        let l = self.live.read().ok()?;
        let at = |now| At {
            now,
            zone: self.zone,
        };
        Some((
            page::draw(&self.rb, &l, error.as_deref(), at(now)),
            page::draw(&self.rb, &l, error.as_deref(), at(key_time())),
        ))
    }
}

/// Draw after every fold (`changed`) and look at the clocks every second;
/// publish into `out`. Ends when the fold ends or the server is dropped.
pub async fn run(src: Sources, mut changed: watch::Receiver<u64>, out: watch::Sender<Arc<Frame>>) {
    let mut publisher = Publisher::default();
    let mut look = tokio::time::interval(LOOK);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            r = changed.changed() => {
                if r.is_err() {
                    return;
                }
                tokio::time::sleep(GATHER).await;
                changed.mark_unchanged();
            }
            _ = look.tick() => {}
        }
        let Some((now, key)) = src.draw(Utc::now()) else {
            return;
        };
        if publisher.offer(&now, &key, Instant::now()) {
            out.send_replace(publisher.frame());
        }
        if out.is_closed() {
            return;
        }
    }
}

#[cfg(test)]
#[path = "frames_tests.rs"]
mod tests;
