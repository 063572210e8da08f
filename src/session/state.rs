//! The cutover's state: what `reduce` builds from the journal, and what the
//! console draws. Data only; the logic lives in `reduce.rs` and `rules.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::event::{Evidence, SessionMode, StepOutcome};
use crate::runbook::model::ActionKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Ready,
    Running,
    Paused,
    RollingBack,
    RolledBack,
    Complete,
}

impl Status {
    /// ROLLED_BACK or COMPLETE: nothing more happens to the cutover, so no
    /// deadline runs any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::RolledBack | Status::Complete)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ready => "READY",
            Status::Running => "RUNNING",
            Status::Paused => "PAUSED",
            Status::RollingBack => "ROLLING_BACK",
            Status::RolledBack => "ROLLED_BACK",
            Status::Complete => "COMPLETE",
        }
    }
}

impl State {
    /// Where the elapsed clock stands at `now`: stopped at the end of a
    /// finished attempt (ROLLED_BACK or COMPLETE), running otherwise.
    pub fn elapsed_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.ended_at {
            Some(end) if self.status.is_final() => end,
            _ => now,
        }
    }

    /// The rollback deadline while it still matters: `None` once the
    /// cutover is ROLLED_BACK or COMPLETE (the countdown stops there).
    pub fn live_rollback_deadline(&self) -> Option<DateTime<Utc>> {
        self.rollback_deadline.filter(|_| !self.status.is_final())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GateStatus {
    #[serde(rename = "OPEN")]
    Open,
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl GateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Open => "OPEN",
            GateStatus::Go => "GO",
            GateStatus::NoGo => "NO-GO",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    pub operator: String,
    pub at: DateTime<Utc>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Veto {
    pub operator: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ItemState {
    /// Manual items: the current signature (withdrawn removes it).
    pub signed: Option<Signature>,
    /// Added (engine): every current signature in order, `signed` being the
    /// first. A `two_person` gate may need a second operator on one item.
    pub signers: Vec<Signature>,
    pub veto: Option<Veto>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateState {
    pub id: String,
    /// 0-based here; 1-based on screen, in commands and in events.
    pub items: Vec<ItemState>,
    /// As last journaled (`gate_go` / `gate_reopened`).
    pub status: GateStatus,
    pub went_go_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Skipped,
    Failed,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        }
    }
}

impl From<StepOutcome> for StepStatus {
    fn from(o: StepOutcome) -> Self {
        match o {
            StepOutcome::Done => StepStatus::Done,
            StepOutcome::Failed => StepStatus::Failed,
            StepOutcome::Skipped => StepStatus::Skipped,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepState {
    pub id: String,
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub started_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attached {
    pub operator: String,
    pub host: Option<String>,
    pub read_only: bool,
    /// One console = one attach; an operator may have several.
    pub consoles: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingAction {
    pub action: ActionKind,
    pub requested_by: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageVisit {
    /// Index into `runbook.stages`.
    pub stage: usize,
    pub entered_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
}

/// The whole cutover as the journal says it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub mode: Option<SessionMode>,
    pub runbook_sha256: Option<String>,
    pub status: Status,
    pub started_at: Option<DateTime<Utc>>,
    /// Index into `runbook.stages`; `None` before the first expand (exposure 0).
    pub stage: Option<usize>,
    pub stage_entered_at: Option<DateTime<Utc>>,
    pub stage_history: Vec<StageVisit>,
    /// In runbook order.
    pub gates: Vec<GateState>,
    /// In runbook order.
    pub steps: Vec<StepState>,
    /// Keyed by operator name.
    pub attached: BTreeMap<String, Attached>,
    /// The operator whose console conducts (holds the lease), from the
    /// latest `conductor_changed`; cleared when their last console leaves.
    pub conductor: Option<String>,
    /// The conductor's fence: the seq of the `conductor_changed` that gave
    /// its console the lease. It grows with every holder, so work a console
    /// queued under an older epoch is refused when it tries to commit.
    pub conductor_epoch: Option<u64>,
    /// The console id (`host:pid:start`) holding that epoch.
    pub conductor_console: Option<String>,
    pub pending: Vec<PendingAction>,
    /// Absolute deadline, fixed when the cutover starts (or by the runbook).
    pub rollback_deadline: Option<DateTime<Utc>>,
    /// seq of the last event folded in (0 = none).
    pub last_seq: u64,
    pub completed_at: Option<DateTime<Utc>>,
    /// When the attempt reached ROLLED_BACK or COMPLETE: the clock stops
    /// there on every screen, the status page and the report alike.
    pub ended_at: Option<DateTime<Utc>>,
    /// Last rollback outcome failed: the console shows how to retry.
    pub rollback_failed: bool,
    /// An expand's action was interrupted (by a rollback, or its console
    /// went away): the exposure is unknown until an operator rolls back
    /// (successfully) or expands again.
    pub expand_interrupted: bool,
    /// When each guard last fired, keyed by `guard_key` ("panel/when/then"):
    /// lets every console agree a breach has already been acted on.
    pub guard_last_fired: BTreeMap<String, DateTime<Utc>>,
    /// The latest resume: it re-arms every guard (a firing before it no
    /// longer counts for the breach).
    pub guards_rearmed_at: Option<DateTime<Utc>>,
    /// Guards an operator overrode (`resume --override`, `expand
    /// --override`) while their condition held, keyed like
    /// `guard_last_fired`: silent until then, armed again after.
    pub guard_silenced_until: BTreeMap<String, DateTime<Utc>>,
    /// Per notify target (`slack#1`), the highest event seq journaled as
    /// `notified`: the notifier's cursor, so a takeover neither skips nor
    /// repeats.
    pub notified: BTreeMap<String, u64>,
    /// Rows the reader found damaged, in journal order (see `Damage`).
    pub damage: Vec<Damage>,
    /// Damage up to this seq was acknowledged (`damage_acknowledged`).
    pub damage_acknowledged: Option<i64>,
    /// Which attempt this is, its point of no return, and the attempts
    /// before it. Boxed: the state travels in the console's messages.
    pub attempts: Box<Attempts>,
    /// The current stage's canary analysis and automatic expand.
    pub canary: Box<super::canary::Canary>,
}

/// The cutover's attempts in this journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempts {
    /// This attempt's number, from 1; `attempt_opened` adds one.
    pub number: u32,
    /// Set when the first irreversible step starts: rollback is refused
    /// from then on, for the rest of this attempt.
    pub no_return: Option<NoReturn>,
    /// The attempts before this one, in order (how each ended).
    pub past: Vec<PastAttempt>,
}

impl Default for Attempts {
    fn default() -> Self {
        Attempts {
            number: 1,
            no_return: None,
            past: Vec::new(),
        }
    }
}

/// The point of no return, as journaled: the irreversible step, who
/// started it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoReturn {
    pub step: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl NoReturn {
    /// The sentence, its time in `zone` (`2026-11-28 14:05:09 CET`).
    pub fn describe(&self, zone: crate::timefmt::Zone) -> String {
        format!(
            "past the point of no return: irreversible step {} started by {} at {} {}",
            self.step,
            self.by,
            zone.date_time(self.at),
            zone.abbrev(self.at)
        )
    }
}

/// In UTC with `Z`, for readers without a zone (the status page's line).
impl std::fmt::Display for NoReturn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "past the point of no return: irreversible step {} started by {} at {}",
            self.step,
            self.by,
            self.at.format("%Y-%m-%d %H:%M:%SZ")
        )
    }
}

/// An earlier attempt of the same runbook in this journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PastAttempt {
    pub number: u32,
    pub started_at: Option<DateTime<Utc>>,
    /// COMPLETE or ROLLED_BACK (the only states a new attempt follows).
    pub ended: Status,
    /// When the next attempt was opened.
    pub closed_at: DateTime<Utc>,
    /// The journal seq of the `attempt_opened` that closed it.
    pub closed_seq: u64,
}

/// One damaged row: "journal damaged at seq N: what".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Damage {
    pub seq: i64,
    pub what: String,
}

impl State {
    /// The first damage no operator has acknowledged: expand waits on it.
    pub fn unacknowledged_damage(&self) -> Option<&Damage> {
        self.damage
            .iter()
            .find(|d| self.damage_acknowledged.is_none_or(|a| d.seq > a))
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "journal damaged at seq {}: {}", self.seq, self.what)
    }
}
