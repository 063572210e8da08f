//! The session: commands in, events out, state always the fold of the
//! journal.
//!
//! Every write follows one pattern, inside a single `BEGIN IMMEDIATE`
//! transaction: fold in what other consoles committed since our last seq,
//! decide against that current state, append, commit, then fold our own
//! events. So two consoles expanding in the same second produce one
//! `expanded`, and a guard seen by three consoles fires once.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::claim::Claim;
use crate::analysis::SampleLog;
use crate::health::reading::{self, Reading};
use crate::health::{PanelMap, PanelStatus};
use crate::journal::backend::{Lost, Seat, Takeover};
use crate::journal::{
    Followed, FollowerHandle, JournalClock, JournalError, JournalLocation, NewEvent, Store,
};
use crate::runbook::model::Runbook;
use crate::runbook::recorded;
use crate::session::auto;
use crate::session::command::{Command, Outcome};
use crate::session::decide::{Decision, Seen, decide, follow_ups, follow_ups_after};
use crate::session::event::{ConductorReason, DetachReason};
use crate::session::event::{Event, EventBody, SessionMode};
use crate::session::reduce::reduce;
use crate::session::state::State;

/// How many recent events a session keeps for the journal pane.
pub const EVENT_TAIL: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    pub mode: SessionMode,
    pub operator: String,
    pub host: Option<String>,
    /// An observer: attaches and detaches, every command refused unjournaled.
    pub read_only: bool,
    pub accept_runbook_change: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "{path}: the runbook changed since this session was opened (journaled sha256 {old}, now {new}); check the change, then start with --accept-runbook-change to go on{}",
        diff_block(diff)
    )]
    RunbookChanged {
        path: PathBuf,
        old: String,
        new: String,
        /// The unified diff from the journal's text to the given one
        /// (sanitized, bounded); empty when the journal has no text.
        diff: Vec<String>,
    },
    #[error("{path}: this journal is a {journal} session; it cannot be opened as {requested}")]
    ModeMismatch {
        path: PathBuf,
        journal: &'static str,
        requested: &'static str,
    },
    #[error("{path}: no session to observe yet (read-only consoles join an existing session)")]
    NoSession { path: PathBuf },
}

/// The lease lasts this long unrenewed (renewed every `BEAT`): a dead
/// conductor is replaced within `LEASE_TTL + BEAT`.
pub const LEASE_TTL_SECS: f64 = 3.0;
/// A console whose heartbeat is older than this is journaled `lost`: a
/// renewal (every `PRESENCE_EVERY`) may come up to 4 s late, e.g. behind
/// another process's write lock, without dropping anyone, and a dead
/// console still leaves every header within `LOST_AFTER + BEAT` (7 s; the
/// promise is 10 s).
pub const LOST_AFTER_SECS: f64 = 6.0;
/// How often the conductor renews its lease (with its presence) and every
/// other console looks whether the lease is still held.
pub const BEAT: std::time::Duration = std::time::Duration::from_secs(1);
/// How often a console that does not conduct renews its presence. Each
/// renewal is a commit, and every commit wakes every console's follower:
/// renewing every `BEAT` made ten consoles cost n x n wake-ups a second.
pub const PRESENCE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// What one heartbeat found.
#[derive(Debug, Clone, PartialEq)]
pub struct Beat {
    /// This console holds the lease (it polls and judges).
    pub conductor: bool,
    /// What the heartbeat journaled (a takeover, lost consoles, a re-attach).
    pub events: Vec<Event>,
}

pub struct Session {
    runbook: Arc<Runbook>,
    journal: Box<dyn Store>,
    /// Where the journal lives, as the command line parsed it.
    location: JournalLocation,
    seat: Seat,
    /// The canonical readings folded in (what the conductor stored).
    panels: PanelMap,
    last_reading: i64,
    operator: String,
    host: Option<String>,
    read_only: bool,
    state: State,
    events: VecDeque<Event>,
    warnings: Vec<String>,
    /// The journal's clock (`journal::clock`): every `now` this session
    /// stamps or decides with.
    clock: JournalClock,
    /// The journal's file was deleted or replaced at its path (why), and
    /// whether the console was told (`check_journal`).
    lost: Option<String>,
    lost_told: bool,
    /// Where the copy of a lost journal is kept (`Store::rescue`).
    rescued: Option<PathBuf>,
    /// The canary's and baseline's samples from every reading folded in:
    /// what the canary analysis compares (`session::auto`).
    samples: SampleLog,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("journal", &self.location)
            .field("operator", &self.operator)
            .field("last_seq", &self.state.last_seq)
            .finish()
    }
}

impl Session {
    /// Open (creating when new) the session journaled at `journal`.
    pub fn open(
        runbook: Arc<Runbook>,
        journal: impl Into<JournalLocation>,
        opts: OpenOptions,
    ) -> Result<Session, SessionError> {
        Self::open_with(runbook, journal.into(), opts, None)
    }

    /// `open` with the time of the journaled events given (tests, replays).
    pub fn open_at(
        runbook: Arc<Runbook>,
        journal: impl Into<JournalLocation>,
        opts: OpenOptions,
        now: DateTime<Utc>,
    ) -> Result<Session, SessionError> {
        Self::open_with(runbook, journal.into(), opts, Some(now))
    }

    /// `now`: the events' time, or `None` for the journal's clock.
    fn open_with(
        runbook: Arc<Runbook>,
        location: JournalLocation,
        opts: OpenOptions,
        now: Option<DateTime<Utc>>,
    ) -> Result<Session, SessionError> {
        // How messages name it (a URL without its password).
        let shown = PathBuf::from(location.display());
        let (mut journal, warning) = crate::journal::open::open_store(&location, !opts.read_only)
            .map_err(|e| match e {
            JournalError::Missing { path } => SessionError::NoSession { path },
            other => other.into(),
        })?;
        let mut state = State::new(&runbook);
        let mut events = VecDeque::new();
        // Replay the bulk without the write lock, so a long journal does not
        // hold up other consoles; then the tail inside it.
        let mut journaled = None;
        for ev in journal.read_since(0)? {
            reduce(&mut state, &runbook, &ev);
            keep_text(&mut journaled, &ev);
            push_tail(&mut events, ev);
        }
        let mut tx = journal.begin()?;
        // The journal's clock before anything is stamped or decided.
        let clock = JournalClock::default();
        if let Some(off) = tx.clock_offset()? {
            clock.set_offset(off);
        }
        let now = now.unwrap_or_else(|| clock.now());
        for ev in tx.read_since(state.last_seq)? {
            reduce(&mut state, &runbook, &ev);
            keep_text(&mut journaled, &ev);
            push_tail(&mut events, ev);
        }
        let mut bodies = Vec::new();
        match (&state.mode, &state.runbook_sha256) {
            (None, _) if opts.read_only => {
                return Err(SessionError::NoSession {
                    path: shown.clone(),
                });
            }
            (None, _) => bodies.push(EventBody::SessionOpened {
                runbook: runbook.path.display().to_string(),
                runbook_sha256: runbook.sha256.clone(),
                mode: opts.mode,
                runbook_text: recorded::journaled_text(&runbook),
            }),
            (Some(mode), sha) => {
                if *mode != opts.mode {
                    return Err(SessionError::ModeMismatch {
                        path: shown.clone(),
                        journal: mode.as_str(),
                        requested: opts.mode.as_str(),
                    });
                }
                let old = sha.clone().unwrap_or_default();
                if old != runbook.sha256 {
                    if !opts.accept_runbook_change {
                        let diff = journaled
                            .as_deref()
                            .and_then(|t| recorded::verified(Some(t), &old))
                            .map(|t| {
                                recorded::unified_diff(
                                    t,
                                    &runbook.text,
                                    "journal",
                                    &crate::untrusted::show_path(&runbook.path),
                                )
                            })
                            .unwrap_or_default();
                        return Err(SessionError::RunbookChanged {
                            path: runbook.path.clone(),
                            old,
                            new: runbook.sha256.clone(),
                            diff,
                        });
                    }
                    bodies.push(EventBody::RunbookChangeAccepted {
                        previous_sha256: old,
                        runbook_sha256: runbook.sha256.clone(),
                        runbook_text: recorded::journaled_text(&runbook),
                    });
                }
            }
        }
        bodies.push(EventBody::OperatorAttached {
            host: opts.host.clone(),
            read_only: opts.read_only,
        });
        // In a live session an account `[operators]` does not list may
        // watch and note, nothing else: its console never conducts either
        // (polls, guards and actions would otherwise run, and be journaled,
        // under the name of someone who may not act).
        let watch_only = opts.mode == SessionMode::Live && !runbook.lists(&opts.operator);
        let seat = Seat {
            console: console_id(opts.host.as_deref()),
            operator: opts.operator.clone(),
            host: opts.host.clone(),
            pid: std::process::id(),
            read_only: opts.read_only || watch_only,
        };
        tx.beat_presence(&seat)?;
        let mut panels = unknown_panels(&runbook);
        let mut last_reading = 0;
        let mut samples = SampleLog::default();
        for r in tx.readings_since(0)? {
            last_reading = r.id;
            reading::apply(&mut panels, &r);
            samples.push(&r);
        }
        let mut appended = Vec::new();
        for body in bodies {
            appended.push(tx.append(&NewEvent {
                ts: now,
                operator: opts.operator.clone(),
                body,
            })?);
        }
        tx.commit()?;
        for ev in appended {
            reduce(&mut state, &runbook, &ev);
            push_tail(&mut events, ev);
        }
        Ok(Session {
            runbook,
            journal,
            location,
            seat,
            panels,
            last_reading,
            operator: opts.operator,
            host: opts.host,
            read_only: opts.read_only,
            state,
            events,
            warnings: warning.into_iter().collect(),
            clock,
            lost: None,
            lost_told: false,
            rescued: None,
            samples,
        })
    }

    /// Check `cmd` against the journal as it is now and append its events
    /// (or one refusal), committed before this returns. Read-only sessions:
    /// refused, nothing written. Decided on the panels given: tests that
    /// drive the rules without a conductor; the console and the scenario
    /// files use `submit_canonical`.
    pub fn submit(
        &mut self,
        cmd: &Command,
        panels: &PanelMap,
        now: DateTime<Utc>,
    ) -> Result<Outcome, SessionError> {
        self.submit_on(cmd, Some(panels), now, None)
    }

    /// `submit` decided on the canonical readings, read inside the write
    /// transaction: a sign-off's evidence is never older than a reading a
    /// guard already acted on.
    pub fn submit_canonical(
        &mut self,
        cmd: &Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome, SessionError> {
        self.submit_on(cmd, None, now, None)
    }

    /// `submit_canonical` for a pause or rollback the console may run by
    /// itself when the journal is slow to answer (`Claim`): taken here only
    /// once the write lock is held; when the console ran it already, its
    /// decision is journaled `recorded_late` (and nobody runs it again).
    pub fn submit_claimed(
        &mut self,
        cmd: &Command,
        now: DateTime<Utc>,
        claim: &Claim,
    ) -> Result<Outcome, SessionError> {
        let r = self.submit_on(cmd, None, now, Some(claim));
        match &r {
            Ok(_) => claim.writer_done(),
            Err(_) => claim.writer_release(),
        }
        r
    }

    fn submit_on(
        &mut self,
        cmd: &Command,
        given: Option<&PanelMap>,
        now: DateTime<Utc>,
        claim: Option<&Claim>,
    ) -> Result<Outcome, SessionError> {
        if self.read_only {
            return Ok(Outcome::Refused {
                reason: "read-only: observers cannot act".into(),
                events: Vec::new(),
            });
        }
        if let Some(reason) = self.refuse_forward(cmd) {
            return Ok(Outcome::Refused {
                reason,
                events: Vec::new(),
            });
        }
        let seen = Seen::of(&self.state);
        let runbook = Arc::clone(&self.runbook);
        let operator = self.operator.clone();
        let mut tx = self.journal.begin()?;
        catch_up(&*tx, &mut self.state, &mut self.events, &self.runbook)?;
        let mut fresh = None;
        if given.is_none() {
            let mut panels = self.panels.clone();
            let mut last = self.last_reading;
            for r in tx.readings_since(last)? {
                last = r.id;
                reading::apply(&mut panels, &r);
                self.samples.push(&r);
            }
            fresh = Some((panels, last));
        }
        let panels = match (given, &fresh) {
            (Some(p), _) => p,
            (None, Some((p, _))) => p,
            (None, None) => &self.panels,
        };
        let late = claim.and_then(|c| c.writer_take().err());
        let mut decision = decide(&runbook, &self.state, cmd, &operator, panels, now, seen);
        if let Some(ran) = late {
            decision = late_decision(decision, cmd, ran, runbook.cutover.timezone);
        }
        let (bodies, refusal) = match decision {
            Decision::Apply(mut bodies) => {
                let more =
                    follow_ups_after(&runbook, &self.state, &bodies, &operator, Some(panels), now);
                bodies.extend(more);
                (bodies, None)
            }
            Decision::Refuse { reason, event } => (vec![event], Some(reason)),
        };
        let mut appended = Vec::with_capacity(bodies.len());
        for body in bodies {
            appended.push(tx.append(&NewEvent {
                ts: now,
                operator: operator.clone(),
                body,
            })?);
        }
        tx.commit()?;
        self.keep_copy_if_lost();
        if let Some((panels, last)) = fresh {
            self.panels = panels;
            self.last_reading = last;
        }
        for ev in &appended {
            self.fold(ev.clone());
        }
        Ok(match refusal {
            None => Outcome::Applied(appended),
            Some(reason) => Outcome::Refused {
                reason,
                events: appended,
            },
        })
    }

    /// Decide inside the write lock: `f` sees the state with every other
    /// console's events folded in and returns the events to append (none
    /// is fine). Guards use it to fire exactly once across consoles.
    pub fn transact(
        &mut self,
        f: impl FnOnce(&State, &Runbook) -> Vec<EventBody>,
        operator: &str,
    ) -> Result<Vec<Event>, SessionError> {
        let now = self.now();
        self.transact_at(f, operator, now)
    }

    /// `transact` with the events' time given.
    pub fn transact_at(
        &mut self,
        f: impl FnOnce(&State, &Runbook) -> Vec<EventBody>,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, SessionError> {
        self.transact_fenced(f, operator, now, None)
            .map(Option::unwrap_or_default)
    }

    /// `transact`, committed only while `fence` (an epoch this console was
    /// given) still holds the lease: `None`, nothing written, when another
    /// console took it since. The check and the append are one transaction,
    /// so a console frozen past its lease can never journal, and so never
    /// start, work it queued under the old epoch.
    pub fn transact_fenced(
        &mut self,
        f: impl FnOnce(&State, &Runbook) -> Vec<EventBody>,
        operator: &str,
        now: DateTime<Utc>,
        fence: Option<u64>,
    ) -> Result<Option<Vec<Event>>, SessionError> {
        let runbook = Arc::clone(&self.runbook);
        let mut tx = self.journal.begin()?;
        catch_up(&*tx, &mut self.state, &mut self.events, &self.runbook)?;
        if !holds(&self.state, &self.seat.console, fence) {
            return Ok(None);
        }
        let mut bodies = f(&self.state, &runbook);
        if !bodies.is_empty() {
            let more = follow_ups_after(&runbook, &self.state, &bodies, operator, None, now);
            bodies.extend(more);
        }
        let mut appended = Vec::with_capacity(bodies.len());
        for body in bodies {
            appended.push(tx.append(&NewEvent {
                ts: now,
                operator: operator.to_string(),
                body,
            })?);
        }
        tx.commit()?;
        if !appended.is_empty() {
            self.keep_copy_if_lost();
        }
        for ev in &appended {
            self.fold(ev.clone());
        }
        Ok(Some(appended))
    }

    /// Move the delivery cursors of `[[notify]]` targets (`notified`
    /// bodies: the loop's words for a delivery's result) under `fence`,
    /// in the cursor table beside the events; a journal without the table
    /// gets the `notified` events, as before. `None`: fenced off.
    pub fn record_deliveries(
        &mut self,
        bodies: Vec<EventBody>,
        operator: &str,
        now: DateTime<Utc>,
        fence: Option<u64>,
    ) -> Result<Option<()>, SessionError> {
        let mut tx = self.journal.begin()?;
        catch_up(&*tx, &mut self.state, &mut self.events, &self.runbook)?;
        if !holds(&self.state, &self.seat.console, fence) {
            return Ok(None);
        }
        let mut appended = Vec::new();
        for body in bodies {
            let EventBody::Notified {
                event_seq,
                target,
                status,
            } = &body
            else {
                continue;
            };
            let d = crate::journal::notify_cursor::Delivery {
                target: target.clone(),
                event_seq: *event_seq,
                delivered: crate::notify::deliver::delivered(status),
                status: status.clone(),
            };
            if !tx.record_delivery(&d)? {
                appended.push(tx.append(&NewEvent {
                    ts: now,
                    operator: operator.to_string(),
                    body,
                })?);
            }
        }
        tx.commit()?;
        for ev in appended {
            self.fold(ev);
        }
        Ok(Some(()))
    }

    /// This console's epoch: the seq of the `conductor_changed` that gave
    /// it the lease, while the journal (as folded) says it still holds it.
    pub fn epoch(&self) -> Option<u64> {
        epoch_of(&self.state, &self.seat.console)
    }

    /// Does `epoch` still hold the lease, by the journal as folded? Every
    /// takeover journals `conductor_changed` in the transaction that takes
    /// the lease, so the latest one names the only epoch that may act.
    pub fn fence_holds(&self, epoch: u64) -> bool {
        self.epoch() == Some(epoch)
    }

    /// Journal gate transitions that come from the panels alone (an
    /// automatic item becoming satisfied, or no longer). Checked first
    /// without the lock; decided again inside it, so several consoles
    /// journal a transition once.
    pub fn observe(
        &mut self,
        panels: &PanelMap,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, SessionError> {
        if self.read_only {
            return Ok(Vec::new());
        }
        let gate_changes = |s: &State, r: &Runbook| -> Vec<EventBody> {
            follow_ups(r, s, Some(panels), now)
                .into_iter()
                .filter(|b| matches!(b, EventBody::GateGo { .. } | EventBody::GateReopened { .. }))
                .collect()
        };
        if gate_changes(&self.state, &self.runbook).is_empty() {
            return Ok(Vec::new());
        }
        let operator = self.operator.clone();
        self.transact_at(gate_changes, &operator, now)
    }

    /// Fold in events other consoles committed since our last seq.
    pub fn refresh(&mut self) -> Result<Vec<Event>, SessionError> {
        let new = self.journal.read_since(self.state.last_seq)?;
        for ev in &new {
            self.fold(ev.clone());
        }
        Ok(new)
    }

    /// Fold one event delivered by the follower (ignored when already seen).
    /// Returns whether the state changed.
    pub fn apply_followed(&mut self, ev: &Event) -> bool {
        if ev.seq <= self.state.last_seq {
            return false;
        }
        if ev.seq > self.state.last_seq + 1 {
            // A gap means we missed some; read them in order from the store.
            return self.refresh().is_ok();
        }
        self.fold(ev.clone());
        true
    }

    /// Journal this console's departure (a quit).
    pub fn detach(&mut self) -> Result<(), SessionError> {
        self.detach_at(self.now(), DetachReason::Quit)
    }

    /// Leave: presence removed, the lease released (another console takes
    /// it at its next heartbeat) and `operator_detached` journaled, in one
    /// transaction.
    pub fn detach_at(
        &mut self,
        now: DateTime<Utc>,
        reason: DetachReason,
    ) -> Result<(), SessionError> {
        let mut tx = self.journal.begin()?;
        catch_up(&*tx, &mut self.state, &mut self.events, &self.runbook)?;
        tx.drop_presence(&self.seat.console)?;
        tx.release_lease(&self.seat.console)?;
        let ev = tx.append(&NewEvent {
            ts: now,
            operator: self.operator.clone(),
            body: EventBody::OperatorDetached {
                host: self.host.clone(),
                reason: Some(reason),
            },
        })?;
        tx.commit()?;
        self.fold(ev);
        Ok(())
    }

    /// Every event of the journal, read without the write lock (on the
    /// writer thread, never the loop): what a new conductor settles.
    pub fn history(&self) -> Result<Vec<Event>, SessionError> {
        Ok(self.journal.read_since(0)?)
    }

    /// Does this beat need the write lock? Always for the conductor (its
    /// lease) and when presence is due; otherwise only when the lease is
    /// free, expired or, unknown to this console, its own (a takeover whose
    /// commit answered with an error), which is looked at without the write
    /// lock, so a quiet console commits nothing between its presence
    /// renewals. A failing look counts as due: the write reports the error.
    /// `since_presence` counts from the start of the last renewal, so the
    /// renewal falls every second beat however long its commit took.
    pub fn beat_due(&self, conducting: bool, since_presence: std::time::Duration) -> bool {
        if conducting || since_presence.saturating_add(BEAT / 2) >= PRESENCE_EVERY {
            return true;
        }
        if self.read_only {
            return false;
        }
        match self.journal.lease_console() {
            Ok(Some(holder)) => holder == self.seat.console,
            Ok(None) | Err(_) => true,
        }
    }

    /// The heartbeat, about once a second, in one short transaction: renew
    /// presence (re-attaching when this console was dropped as lost while
    /// frozen), renew or take the lease (never an observer), and, as the
    /// conductor, journal consoles whose heartbeat stopped as `lost`.
    pub fn heartbeat(&mut self, now: DateTime<Utc>) -> Result<Beat, SessionError> {
        let mut tx = self.journal.begin()?;
        if let Some(off) = tx.clock_offset()? {
            self.clock.set_offset(off);
        }
        catch_up(&*tx, &mut self.state, &mut self.events, &self.runbook)?;
        let mut bodies: Vec<(String, EventBody)> = Vec::new();
        if !tx.beat_presence(&self.seat)? {
            bodies.push((
                self.operator.clone(),
                EventBody::OperatorAttached {
                    host: self.host.clone(),
                    read_only: self.read_only,
                },
            ));
        }
        let lease = tx.beat_lease(&self.seat, LEASE_TTL_SECS)?;
        if let Some(took) = lease.took {
            bodies.push((
                self.operator.clone(),
                EventBody::ConductorChanged {
                    console: self.seat.console.clone(),
                    reason: match took {
                        Takeover::First => ConductorReason::First,
                        Takeover::Detached => ConductorReason::Detached,
                        Takeover::Lost => ConductorReason::Lost,
                    },
                },
            ));
        }
        if lease.held {
            for Lost { operator, host, .. } in tx.take_lost(&self.seat.console, LOST_AFTER_SECS)? {
                bodies.push((
                    operator,
                    EventBody::OperatorDetached {
                        host,
                        reason: Some(DetachReason::Lost),
                    },
                ));
            }
        }
        let mut appended = Vec::with_capacity(bodies.len());
        for (operator, body) in bodies {
            appended.push(tx.append(&NewEvent {
                ts: now,
                operator,
                body,
            })?);
        }
        tx.commit()?;
        for ev in &appended {
            self.fold(ev.clone());
        }
        Ok(Beat {
            conductor: lease.held,
            events: appended,
        })
    }

    /// The conductor's write: store `statuses` as readings and judge them,
    /// in one transaction. `judge` sees the state (with everything decided
    /// so far in this transaction) and the canonical panels after each
    /// reading in turn (so a breach that clears within one batch still
    /// fires a guard with `for = 0`); its flag is true for the batch's last
    /// reading, where automatic gate items are judged. Refused (nothing
    /// written, `None`) when this console no longer holds the lease: a
    /// process frozen past its lease must not act on what it saw before.
    pub fn conduct(
        &mut self,
        statuses: &[PanelStatus],
        now: DateTime<Utc>,
        fence: u64,
        mut judge: impl FnMut(&State, &Runbook, &PanelMap, bool) -> Vec<EventBody>,
    ) -> Result<Option<Vec<Event>>, SessionError> {
        let runbook = Arc::clone(&self.runbook);
        let mut tx = self.journal.begin()?;
        if !tx.holds_lease(&self.seat.console)? {
            return Ok(None);
        }
        catch_up(&*tx, &mut self.state, &mut self.events, &self.runbook)?;
        if epoch_of(&self.state, &self.seat.console) != Some(fence) {
            return Ok(None);
        }
        let mut readings: Vec<Reading> = statuses.iter().map(Reading::of).collect();
        carry_since(&mut readings, &self.panels, &runbook);
        tx.insert_readings(&mut readings)?;
        let new = tx.readings_since(self.last_reading)?;
        for r in &new {
            self.samples.push(r);
        }
        let mut scratch = self.state.clone();
        let mut panels = self.panels.clone();
        let mut appended = Vec::new();
        let count = new.len().max(1);
        for i in 0..count {
            if let Some(r) = new.get(i) {
                reading::apply(&mut panels, r);
            }
            let bodies = judge(&scratch, &runbook, &panels, i + 1 == count);
            if bodies.is_empty() {
                continue;
            }
            append_judged(
                &mut *tx,
                &runbook,
                &mut scratch,
                bodies,
                &self.operator,
                now,
                &mut appended,
            )?;
        }
        // After the guards: the canary analysis and the automatic expand
        // (`session::auto`), on the round's readings.
        let bodies = auto::conduct(&runbook, &scratch, &panels, &self.samples, now);
        if !bodies.is_empty() {
            append_judged(
                &mut *tx,
                &runbook,
                &mut scratch,
                bodies,
                &self.operator,
                now,
                &mut appended,
            )?;
        }
        tx.commit()?;
        if !appended.is_empty() {
            self.keep_copy_if_lost();
        }
        self.panels = panels;
        if let Some(r) = new.last() {
            self.last_reading = r.id;
        }
        for ev in &appended {
            self.fold(ev.clone());
        }
        Ok(Some(appended))
    }

    /// Follow the store from where this session has read: every new event
    /// and reading goes to `tx`.
    pub fn follow(
        &self,
        tx: tokio::sync::mpsc::UnboundedSender<Followed>,
    ) -> Result<FollowerHandle, JournalError> {
        self.journal
            .follow(self.state.last_seq, self.last_reading, tx)
    }

    /// Has the journal's file been deleted or replaced at its path? Looked
    /// at by the writer once a second: returns what to tell the operator
    /// once, when it is first noticed. From then on this console refuses
    /// forward moves and keeps the way back: pause and rollback are still
    /// journaled into the file it opened (every console of the session
    /// opened before the deletion shares that file and keeps following
    /// it), the conductor still runs them, and a copy of that file is kept
    /// after every change where an operator can read it or put it back
    /// (`Store::rescue`). The identity never comes back (sticky): the
    /// connection stays on the file it opened.
    pub fn check_journal(&mut self) -> Option<String> {
        if self.lost.is_none() {
            self.lost = self.journal.lost();
            self.keep_copy_if_lost();
        }
        let why = self.lost.as_ref()?;
        if self.lost_told {
            return None;
        }
        self.lost_told = true;
        Some(format!(
            "{why}: forward moves refused, pause and rollback still act; this console writes on to the file it opened ({})",
            self.copy_kept()
        ))
    }

    /// The reason to refuse `cmd` when the journal's file is gone: forward
    /// moves only (begin, sign, lift, start, resume, expand).
    fn refuse_forward(&mut self, cmd: &Command) -> Option<String> {
        let forward = matches!(
            cmd,
            Command::Begin
                | Command::Sign { .. }
                | Command::Lift { .. }
                | Command::Start { .. }
                | Command::Resume { .. }
                | Command::Expand { .. }
        );
        if !forward {
            return None;
        }
        if self.lost.is_none() {
            // Looked at now too: a forward move must not slip in between
            // the writer's looks.
            self.lost = self.journal.lost();
            self.keep_copy_if_lost();
        }
        let why = self.lost.as_ref()?;
        Some(format!(
            "{why}: forward moves are refused; pause and rollback still act ({})",
            self.copy_kept()
        ))
    }

    fn copy_kept(&self) -> String {
        match &self.rescued {
            Some(p) => format!("a copy is kept at {}", p.display()),
            None => "no copy could be kept".into(),
        }
    }

    /// After a commit while the journal's file is gone: refresh the copy.
    fn keep_copy_if_lost(&mut self) {
        if self.lost.is_some()
            && let Ok(Some(p)) = self.journal.rescue()
        {
            self.rescued = Some(p);
        }
    }

    /// The journal's time now (`journal::clock`): what the writer stamps
    /// and decides with.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
    /// The journal's clock, shared (the console's ticks and header).
    pub fn clock(&self) -> JournalClock {
        self.clock.clone()
    }

    /// The canonical readings folded in so far (every panel of the runbook).
    /// The samples the canary analysis compares.
    pub fn samples(&self) -> &SampleLog {
        &self.samples
    }

    pub fn panels(&self) -> &PanelMap {
        &self.panels
    }
    /// The id of the last reading folded in (where a follower starts).
    pub fn last_reading(&self) -> i64 {
        self.last_reading
    }
    /// This console's id in the lease and presence rows.
    pub fn console_id(&self) -> &str {
        &self.seat.console
    }

    fn fold(&mut self, ev: Event) {
        reduce(&mut self.state, &self.runbook, &ev);
        push_tail(&mut self.events, ev);
    }

    pub fn state(&self) -> &State {
        &self.state
    }
    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.runbook
    }
    pub fn operator(&self) -> &str {
        &self.operator
    }
    /// Rehearsal and demo only (`as NAME`); the caller enforces that.
    pub fn set_operator(&mut self, name: &str) {
        self.operator = name.to_string();
        self.seat.operator = name.to_string();
    }
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
    pub fn journal_location(&self) -> JournalLocation {
        self.location.clone()
    }
    /// Warnings from opening (e.g. the journal is on a network filesystem).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
    /// The latest events, oldest first (at most `EVENT_TAIL`).
    pub fn events(&self) -> &VecDeque<Event> {
        &self.events
    }
}

/// Unique per console process: `host:pid:start-nanos`.
fn console_id(host: Option<&str>) -> String {
    let start = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "{}:{}:{start:x}",
        host.unwrap_or("local"),
        std::process::id()
    )
}

/// The epoch `console` holds by `state`: the seq of the latest
/// `conductor_changed` when it names this console.
fn epoch_of(state: &State, console: &str) -> Option<u64> {
    if state.conductor_console.as_deref() == Some(console) {
        state.conductor_epoch
    } else {
        None
    }
}

/// A panel's "since" is the session's, not one poller's: a new conductor's
/// poller starts its own history, so a panel OK for an hour would read "OK
/// since" its first poll and an automatic gate item would fall back to
/// waiting on every takeover. A reading in the same state as the canonical
/// one keeps the canonical start, when that reading is recent enough to
/// vouch for the time between (within the panel's `stale_after` polls).
fn carry_since(readings: &mut [Reading], canonical: &PanelMap, runbook: &Runbook) {
    for r in readings {
        let Some(c) = canonical.get(&r.panel) else {
            continue;
        };
        let window = runbook
            .panel(&r.panel)
            .and_then(|p| chrono::Duration::from_std(p.every * p.stale_after.max(1)).ok())
            .unwrap_or_default();
        let recent = match (c.last_poll, r.sampled_at) {
            (Some(before), Some(now)) => now - before <= window,
            _ => false,
        };
        if let (true, Some(cs), Some(rs)) = (recent, c.state_since, r.state_since)
            && c.state == r.state
            && c.state != crate::health::PanelState::Unknown
            && cs < rs
        {
            r.state_since = Some(cs);
        }
    }
}

/// The console ran this pause or rollback at `ran` already, before the
/// journal answered. Journaled as the decision, marked `recorded_late`
/// (nobody runs it again), when the journal as it is now still takes it;
/// otherwise (already paused, now a two-person request, refused) as a note
/// that says what ran: never as a request a second person could approve,
/// which would run it twice.
fn late_decision(
    decision: Decision,
    cmd: &Command,
    ran: DateTime<Utc>,
    zone: crate::timefmt::Zone,
) -> Decision {
    let note = |now_says: &str| {
        Decision::Apply(vec![EventBody::Note {
            text: format!(
                "{} ran at {} while the journal did not answer; the journal then said: {now_says}",
                cmd.describe(),
                zone.clock_abbrev(ran)
            ),
        }])
    };
    match decision {
        Decision::Apply(mut bodies) => {
            if bodies.iter_mut().any(|b| b.set_recorded_late(Some(ran))) {
                Decision::Apply(bodies)
            } else {
                let kinds: Vec<String> = bodies.iter().map(EventBody::kind).collect();
                note(&kinds.join(", "))
            }
        }
        Decision::Refuse { reason, .. } => note(&reason),
    }
}

fn unknown_panels(runbook: &Runbook) -> PanelMap {
    runbook
        .panels
        .iter()
        .map(|p| (p.id.clone(), PanelStatus::unknown(&p.id)))
        .collect()
}

/// Remember the newest runbook text the journal holds (`session_opened`,
/// then each accepted change): what a changed runbook is compared with.
fn keep_text(text: &mut Option<String>, ev: &Event) {
    match &ev.body {
        EventBody::SessionOpened {
            runbook_text: Some(t),
            ..
        }
        | EventBody::RunbookChangeAccepted {
            runbook_text: Some(t),
            ..
        } => *text = Some(t.clone()),
        EventBody::RunbookChangeAccepted { .. } => *text = None,
        _ => {}
    }
}

/// The refusal's diff, on lines of its own after the message.
fn diff_block(diff: &[String]) -> String {
    if diff.is_empty() {
        return String::new();
    }
    format!("\n{}", diff.join("\n"))
}

/// Fold, inside a write transaction, what other consoles appended since
/// this session last looked: every decision is taken on the journal as it
/// is under the lock.
fn catch_up(
    tx: &dyn crate::journal::StoreTx,
    state: &mut State,
    events: &mut VecDeque<Event>,
    runbook: &Runbook,
) -> Result<(), JournalError> {
    for ev in tx.read_since(state.last_seq)? {
        reduce(state, runbook, &ev);
        push_tail(events, ev);
    }
    Ok(())
}

/// Does `fence` (an epoch, or none for an unfenced write) still hold for
/// this console?
fn holds(state: &State, console: &str, fence: Option<u64>) -> bool {
    fence.is_none_or(|epoch| epoch_of(state, console) == Some(epoch))
}

fn push_tail(events: &mut VecDeque<Event>, ev: Event) {
    if events.len() == EVENT_TAIL {
        events.pop_front();
    }
    events.push_back(ev);
}

/// Append what a poll round judged (a guard's or the canary analysis'
/// decisions) with their follow-ups and the analysis in their evidence,
/// folding each into `scratch` so the next decision of the round sees it.
#[allow(clippy::too_many_arguments)]
fn append_judged(
    tx: &mut dyn crate::journal::StoreTx,
    runbook: &Runbook,
    scratch: &mut crate::session::state::State,
    mut bodies: Vec<crate::session::event::EventBody>,
    operator: &str,
    now: DateTime<Utc>,
    appended: &mut Vec<crate::session::event::Event>,
) -> Result<(), JournalError> {
    let more = follow_ups_after(runbook, scratch, &bodies, operator, None, now);
    bodies.extend(more);
    crate::session::evidence::attach_analysis(&mut bodies, scratch);
    for body in bodies {
        let ev = tx.append(&NewEvent {
            ts: now,
            operator: operator.to_string(),
            body,
        })?;
        reduce(scratch, runbook, &ev);
        appended.push(ev);
    }
    Ok(())
}
