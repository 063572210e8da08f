//! The journal's event kinds, exactly as `runbook-format.md` names them.
//!
//! JSON form (one line per event in `report --format jsonl`):
//! `{"seq":1,"ts":"2026-11-23T09:00:00Z","operator":"alice","kind":"signed","gate":"go-live","item":1,"evidence":{...}}`
//! The SQLite store keeps `seq`, `ts`, `operator`, `kind` as columns and the
//! remaining fields as a JSON object in `data`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::analysis::{PanelComparison, Verdict};
use crate::health::PanelState;
use crate::runbook::model::{ActionKind, GuardThen, GuardWhen};

/// One panel as the console knew it at a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    pub state: PanelState,
    /// Raw unit; `None` when there is no value.
    pub value: Option<f64>,
    /// Extension: when the canonical reading was sampled (the conductor's
    /// poll), so an auditor can order evidence against guard readings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Extension: the current stage's canary comparison of this panel with
    /// its baseline, as the journal last measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<PanelComparison>,
}

/// Keyed by panel id.
pub type Evidence = BTreeMap<String, EvidenceEntry>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    Live,
    Rehearsal,
    Demo,
}

impl SessionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionMode::Live => "live",
            SessionMode::Rehearsal => "rehearsal",
            SessionMode::Demo => "demo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Operator,
    Guard,
    /// The stage's canary analysis (`session::auto`): a verdict that is not
    /// a pass pauses a stage that advances by itself.
    Analysis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Done,
    Failed,
    Skipped,
}

/// How an action ended as a whole (extension of `action_ran`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionOutcome {
    Succeeded,
    Failed,
    /// Stopped before it ended: preempted by a rollback, or its console
    /// went away while it ran (found by the next console).
    Interrupted,
    /// Its command or webhook ran past the action's timeout.
    TimedOut,
}

impl ActionOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionOutcome::Succeeded => "succeeded",
            ActionOutcome::Failed => "failed",
            ActionOutcome::Interrupted => "interrupted",
            ActionOutcome::TimedOut => "timed out",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackOutcome {
    Done,
    Failed,
}

/// A stored event: the envelope every kind shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub operator: String,
    #[serde(flatten)]
    pub body: EventBody,
}

/// Every kind and its fields. Optional extras (marked "extension") are
/// additions the format allows; they never change a listed field's meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    SessionOpened {
        runbook: String,
        runbook_sha256: String,
        mode: SessionMode,
        /// Extension: the runbook's text as written (`${NAME}` references,
        /// never their values), whose sha256 is `runbook_sha256`: the
        /// report, the status page and a joining console read the plan
        /// from here, on any host. Absent in older journals and for a
        /// runbook built in code; outside text when read back (checked
        /// against the digest, sanitized before it is drawn).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runbook_text: Option<String>,
    },
    /// Extension: journaled when a session is reopened with a changed runbook
    /// and `--accept-runbook-change`.
    RunbookChangeAccepted {
        previous_sha256: String,
        runbook_sha256: String,
        /// Extension: the new text, as `session_opened`'s.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runbook_text: Option<String>,
    },
    OperatorAttached {
        host: Option<String>,
        /// Extension: an observer (`--read-only`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        read_only: bool,
    },
    OperatorDetached {
        host: Option<String>,
        /// Extension: why (absent in older journals: a quit).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<DetachReason>,
    },
    /// Extension: another console holds the conductor's lease (it polls,
    /// judges and acts). The event's operator is the new conductor.
    ConductorChanged {
        /// The console's id (`host:pid:start`).
        console: String,
        reason: ConductorReason,
    },
    CutoverStarted {},
    Signed {
        gate: String,
        item: u32,
        evidence: Evidence,
    },
    Withdrawn {
        gate: String,
        item: u32,
    },
    Vetoed {
        gate: String,
        item: u32,
        reason: String,
    },
    VetoLifted {
        gate: String,
        item: u32,
        reason: String,
    },
    GateGo {
        gate: String,
        evidence: Evidence,
    },
    GateReopened {
        gate: String,
    },
    Refused {
        what: String,
        reason: String,
    },
    StepStarted {
        step: String,
    },
    StepFinished {
        step: String,
        outcome: StepOutcome,
    },
    Paused {
        reason: String,
        trigger: Trigger,
        evidence: Evidence,
        /// Extension: the pause ran before the journal could take it (the
        /// journal was locked, full or away for more than 2 s); this is when
        /// it really ran. Its action already ran: nobody runs it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recorded_late: Option<DateTime<Utc>>,
    },
    Resumed {
        reason: String,
        trigger: Trigger,
        /// Extension: resumed while a guard's condition still held; the
        /// operator's reason. Silences those guards for their
        /// `override_for` (see `State::guard_silenced_until`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        /// Extension: the panels as the console knew them (with an override).
        #[serde(default, skip_serializing_if = "Evidence::is_empty")]
        evidence: Evidence,
    },
    ActionRequested {
        action: ActionKind,
        reason: String,
    },
    /// Extension: the requester withdrew a pending two-person request.
    ActionWithdrawn {
        action: ActionKind,
    },
    Expanded {
        from_stage: Option<String>,
        to_stage: String,
        exposure: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        evidence: Evidence,
        /// Extension: the stage advanced by itself (`advance = "auto"`)
        /// after its announced countdown; the conductor journaled it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        automatic: bool,
    },
    ExpandRefused {
        reason: String,
    },
    RollbackStarted {
        trigger: Trigger,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        evidence: Evidence,
        /// Extension: as `paused`'s: when the rollback really started,
        /// before the journal could take it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recorded_late: Option<DateTime<Utc>>,
    },
    RollbackFinished {
        trigger: Trigger,
        reason: String,
        outcome: RollbackOutcome,
    },
    GuardFired {
        panel: String,
        when: GuardWhen,
        then: GuardThen,
        evidence: Evidence,
    },
    /// Extension: an action began (journaled before its command runs); its
    /// `action_ran` carries the same `id`. A start without an end is an
    /// action that was in flight when its console went away.
    ActionStarted {
        action: String,
        id: String,
        /// Extension: the run token every process of this run carries in
        /// its environment, and the host it runs on: a console that takes
        /// over stops what is left of it before acting (same host), or says
        /// it cannot see it (another host).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run_token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
    },
    /// Extension: a console took over an action another console left in
    /// flight and runs it again (rollback and pause only); same `id`.
    ActionRetried {
        action: String,
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run_token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
    },
    ActionRan {
        /// `pause`, `resume`, `expand`, `rollback`, or `step:<id>` for a step command.
        action: String,
        /// Extension: ties this end to its `action_started`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Extension: how the action ended as a whole.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<ActionOutcome>,
        /// Extension: the webhook's HTTP status when it answered at all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        webhook_status: Option<u16>,
        executed: bool,
        exit_code: Option<i32>,
        duration_ms: u64,
        output_tail: String,
        /// Extension: the webhook's HTTP status, or its error text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        webhook: Option<String>,
    },
    Note {
        text: String,
    },
    Completed {},
    /// Extension: a new attempt of the same runbook opens in this journal
    /// after the last one ended (COMPLETE or ROLLED_BACK). `reduce` keeps
    /// the ended attempt's summary and starts the cutover again from
    /// READY: gates unsigned, steps pending, exposure zero.
    AttemptOpened {
        /// The new attempt's number (2 for the first retry).
        attempt: u32,
        #[serde(default)]
        reason: String,
    },
    /// Extension: one measurement of the current stage's canary analysis
    /// (`measurement` of `count`, at entry + bake·measurement/count): every
    /// compared panel over the samples since the stage was entered.
    AnalysisMeasured {
        stage: String,
        measurement: u32,
        count: u32,
        result: Verdict,
        panels: BTreeMap<String, PanelComparison>,
    },
    /// Extension: the stage's analysis verdict (pass at the end of the
    /// bake; fail or inconclusive as soon as a limit is passed), with the
    /// last measurement's comparisons and the panels as evidence.
    AnalysisVerdict {
        stage: String,
        verdict: Verdict,
        reason: String,
        panels: BTreeMap<String, PanelComparison>,
        evidence: Evidence,
    },
    /// Extension: the conductor will expand to `to_stage` by itself at
    /// `expand_at` unless an operator stops it (`hold`).
    AutoExpandAnnounced {
        from_stage: String,
        to_stage: String,
        expand_at: DateTime<Utc>,
        reason: String,
    },
    /// Extension: the announced automatic expand will not run; the event's
    /// operator stopped it (or the conductor, when its rules refused).
    AutoExpandStopped {
        to_stage: String,
        reason: String,
    },
    /// Second wave: a `[[notify]]` target was sent event `event_seq`
    /// (`status`: `HTTP 200`, or why it failed after its retries).
    Notified {
        event_seq: u64,
        /// `slack#1`: the format and position, never the url.
        target: String,
        status: String,
    },
    /// Extension: an operator read the "journal damaged" banner and lets
    /// expand go ahead again; acknowledges every damage up to `seq`.
    DamageAcknowledged {
        /// Damage at or below this seq is acknowledged (not `seq`: that
        /// name is the envelope's).
        through_seq: i64,
        reason: String,
    },
    /// A row the reader could not take as written (undecodable, a malformed
    /// known kind, a gap before it, a negative seq). Never stored: the
    /// reader makes it in the row's place so every screen names the damage.
    #[serde(skip)]
    Damaged {
        /// The seq as stored (negative for a negative seq; the first
        /// missing one for a gap).
        seq: i64,
        what: String,
    },
    /// A kind this build does not know (a newer warroom wrote it): shown, never a crash.
    #[serde(skip)]
    Unknown {
        kind: String,
        fields: serde_json::Value,
    },
}

/// Why a console left the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetachReason {
    /// The operator quit.
    Quit,
    /// SIGHUP, SIGTERM or SIGINT.
    Signal,
    /// The terminal's input ended (a vanished pane or SSH session).
    TerminalLost,
    /// Its heartbeat stopped (killed, frozen, host lost): journaled by the
    /// conductor on its behalf.
    Lost,
}

impl DetachReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DetachReason::Quit => "quit",
            DetachReason::Signal => "signal",
            DetachReason::TerminalLost => "terminal lost",
            DetachReason::Lost => "lost",
        }
    }
}

/// Why the conductor changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConductorReason {
    /// The first console of the session.
    First,
    /// The previous conductor detached (and released the lease).
    Detached,
    /// The previous conductor stopped renewing the lease.
    Lost,
}

impl ConductorReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ConductorReason::First => "first",
            ConductorReason::Detached => "holder detached",
            ConductorReason::Lost => "holder lost",
        }
    }
}

impl EventBody {
    /// Mark a pause or rollback decision as run before the journal took
    /// it, at `ran` (`None` clears the mark); false for any other kind
    /// (nothing changed).
    pub fn set_recorded_late(&mut self, ran: Option<DateTime<Utc>>) -> bool {
        match self {
            EventBody::Paused { recorded_late, .. }
            | EventBody::RollbackStarted { recorded_late, .. } => {
                *recorded_late = ran;
                true
            }
            _ => false,
        }
    }

    /// The `kind` string as stored.
    pub fn kind(&self) -> String {
        if let EventBody::Unknown { kind, .. } = self {
            return kind.clone();
        }
        if let EventBody::Damaged { .. } = self {
            return "damaged".to_string();
        }
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or("unknown")
                .to_string(),
            _ => "unknown".to_string(),
        }
    }

    /// The fields other than `kind`, as a JSON object (the store's `data`).
    pub fn fields(&self) -> serde_json::Value {
        if let EventBody::Unknown { fields, .. } = self {
            return fields.clone();
        }
        if let EventBody::Damaged { seq, what } = self {
            return serde_json::json!({ "damaged_seq": seq, "what": what });
        }
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut m)) => {
                m.remove("kind");
                serde_json::Value::Object(m)
            }
            _ => serde_json::Value::Object(Default::default()),
        }
    }

    /// Rebuild from a stored kind and its fields; an unknown or unreadable
    /// kind becomes `Unknown` rather than an error.
    pub fn from_parts(kind: &str, fields: serde_json::Value) -> EventBody {
        let mut obj = match fields.clone() {
            serde_json::Value::Object(m) => m,
            _ => Default::default(),
        };
        obj.insert("kind".into(), serde_json::Value::String(kind.to_string()));
        serde_json::from_value(serde_json::Value::Object(obj)).unwrap_or(EventBody::Unknown {
            kind: kind.to_string(),
            fields,
        })
    }
}
