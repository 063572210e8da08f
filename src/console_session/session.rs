//! The session: commands in, events out, state always the fold of the
//! journal.
//!
//! Every write follows one pattern, inside a single `BEGIN IMMEDIATE`
//! transaction: fold in what other consoles committed since our last seq,
//! decide against that current state, append, commit, then fold our own
//! events. So two consoles expanding in the same second produce one
//! `expanded`, and a guard seen by three consoles fires once.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::health::PanelMap;
use crate::journal::{Journal, JournalError, NewEvent};
use crate::runbook::model::Runbook;
use crate::session::command::{Command, Outcome};
use crate::session::decide::{Decision, Seen, decide, follow_ups, follow_ups_after};
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
        "{path}: the runbook changed since this session was opened (journaled sha256 {old}, now {new}); check the change, then start with --accept-runbook-change to go on"
    )]
    RunbookChanged {
        path: PathBuf,
        old: String,
        new: String,
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

pub struct Session {
    runbook: Arc<Runbook>,
    journal: Journal,
    operator: String,
    host: Option<String>,
    read_only: bool,
    state: State,
    events: VecDeque<Event>,
    warnings: Vec<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("journal", &self.journal.path())
            .field("operator", &self.operator)
            .field("last_seq", &self.state.last_seq)
            .finish()
    }
}

impl Session {
    /// Open (creating when new) the session journaled at `journal_path`.
    pub fn open(
        runbook: Arc<Runbook>,
        journal_path: &Path,
        opts: OpenOptions,
    ) -> Result<Session, SessionError> {
        Self::open_at(runbook, journal_path, opts, Utc::now())
    }

    /// `open` with the time of the journaled events given (tests, replays).
    pub fn open_at(
        runbook: Arc<Runbook>,
        journal_path: &Path,
        opts: OpenOptions,
        now: DateTime<Utc>,
    ) -> Result<Session, SessionError> {
        let (mut journal, warning) = if opts.read_only {
            Journal::open_existing(journal_path).map_err(|e| match e {
                JournalError::Missing { path } => SessionError::NoSession { path },
                other => other.into(),
            })?
        } else {
            Journal::open(journal_path)?
        };
        let mut state = State::new(&runbook);
        let mut events = VecDeque::new();
        // Replay the bulk without the write lock, so a long journal does not
        // hold up other consoles; then the tail inside it.
        for ev in journal.read_since(0)? {
            reduce(&mut state, &runbook, &ev);
            push_tail(&mut events, ev);
        }
        let mut tx = journal.begin()?;
        for ev in tx.read_since(state.last_seq)? {
            reduce(&mut state, &runbook, &ev);
            push_tail(&mut events, ev);
        }
        let mut bodies = Vec::new();
        match (&state.mode, &state.runbook_sha256) {
            (None, _) if opts.read_only => {
                return Err(SessionError::NoSession {
                    path: journal_path.to_path_buf(),
                });
            }
            (None, _) => bodies.push(EventBody::SessionOpened {
                runbook: runbook.path.display().to_string(),
                runbook_sha256: runbook.sha256.clone(),
                mode: opts.mode,
            }),
            (Some(mode), sha) => {
                if *mode != opts.mode {
                    return Err(SessionError::ModeMismatch {
                        path: journal_path.to_path_buf(),
                        journal: mode.as_str(),
                        requested: opts.mode.as_str(),
                    });
                }
                let old = sha.clone().unwrap_or_default();
                if old != runbook.sha256 {
                    if !opts.accept_runbook_change {
                        return Err(SessionError::RunbookChanged {
                            path: runbook.path.clone(),
                            old,
                            new: runbook.sha256.clone(),
                        });
                    }
                    bodies.push(EventBody::RunbookChangeAccepted {
                        previous_sha256: old,
                        runbook_sha256: runbook.sha256.clone(),
                    });
                }
            }
        }
        bodies.push(EventBody::OperatorAttached {
            host: opts.host.clone(),
            read_only: opts.read_only,
        });
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
            operator: opts.operator,
            host: opts.host,
            read_only: opts.read_only,
            state,
            events,
            warnings: warning.into_iter().collect(),
        })
    }

    /// Check `cmd` against the journal as it is now and append its events
    /// (or one refusal), committed before this returns. Read-only sessions:
    /// refused, nothing written.
    pub fn submit(
        &mut self,
        cmd: &Command,
        panels: &PanelMap,
        now: DateTime<Utc>,
    ) -> Result<Outcome, SessionError> {
        if self.read_only {
            return Ok(Outcome::Refused {
                reason: "read-only: observers cannot act".into(),
                events: Vec::new(),
            });
        }
        let seen = Seen::of(&self.state);
        let runbook = Arc::clone(&self.runbook);
        let operator = self.operator.clone();
        let mut tx = self.journal.begin()?;
        for ev in tx.read_since(self.state.last_seq)? {
            reduce(&mut self.state, &runbook, &ev);
            push_tail(&mut self.events, ev);
        }
        let decision = decide(&runbook, &self.state, cmd, &operator, panels, now, seen);
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
        self.transact_at(f, operator, Utc::now())
    }

    /// `transact` with the events' time given.
    pub fn transact_at(
        &mut self,
        f: impl FnOnce(&State, &Runbook) -> Vec<EventBody>,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, SessionError> {
        let runbook = Arc::clone(&self.runbook);
        let mut tx = self.journal.begin()?;
        for ev in tx.read_since(self.state.last_seq)? {
            reduce(&mut self.state, &runbook, &ev);
            push_tail(&mut self.events, ev);
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
        for ev in &appended {
            self.fold(ev.clone());
        }
        Ok(appended)
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

    /// Journal this console's departure.
    pub fn detach(&mut self) -> Result<(), SessionError> {
        self.detach_at(Utc::now())
    }

    pub fn detach_at(&mut self, now: DateTime<Utc>) -> Result<(), SessionError> {
        let host = self.host.clone();
        let operator = self.operator.clone();
        self.transact_at(
            move |_, _| vec![EventBody::OperatorDetached { host }],
            &operator,
            now,
        )?;
        Ok(())
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
    }
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
    pub fn journal_path(&self) -> &Path {
        self.journal.path()
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

fn push_tail(events: &mut VecDeque<Event>, ev: Event) {
    if events.len() == EVENT_TAIL {
        events.pop_front();
    }
    events.push_back(ev);
}
