//! The validated runbook: what every other module reads.
//!
//! `runbook::load` turns TOML into these types only after validation has
//! passed, so code downstream never re-checks references, durations or
//! thresholds: a `Runbook` in hand is a runbook `warroom check` accepts.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct Runbook {
    /// The file it was loaded from, as given.
    pub path: PathBuf,
    /// The folder actions and step commands run in.
    pub dir: PathBuf,
    /// sha256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The file's text as written (`${NAME}` references, never their
    /// values): journaled in `session_opened`, so the journal alone is
    /// enough to read the plan back. Empty for a runbook built in code.
    pub text: String,
    pub cutover: Cutover,
    /// In file order: the IC is the role with id `ic`, else the first role.
    pub roles: Vec<Role>,
    /// `None` when the runbook has no `[operators]`: everyone holds every role.
    pub operators: Option<Vec<Operator>>,
    pub sources: Vec<Source>,
    pub panels: Vec<Panel>,
    pub stages: Vec<Stage>,
    pub gates: Vec<Gate>,
    pub steps: Vec<Step>,
    pub actions: Actions,
    pub guards: Vec<Guard>,
    /// Panel dashboards and step links (http(s) only).
    pub links: Links,
    /// `[[notify]]`: chat targets for journaled events.
    pub notify: Vec<Notify>,
    /// Every value that came from `${NAME}` expansion: redacted from any
    /// output, error text or journal entry.
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Cutover {
    pub id: String,
    pub title: String,
    pub strategy: Strategy,
    pub summary: Option<String>,
    pub rollback_deadline: Option<Deadline>,
    /// The zone every clock is shown in (default UTC).
    pub timezone: crate::timefmt::Zone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    Phased,
    BigBang,
    Canary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// Measured from `cutover_started`.
    After(Duration),
    /// A fixed instant.
    At(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The person: what events record and two-person rules compare.
    pub name: String,
    pub roles: Vec<String>,
    /// The long form's `accounts` (`user@host` or `user`); empty: the
    /// account `name` on any host (`runbook::accounts`).
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Prometheus,
    Scrape,
    Json,
    Http,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub kind: SourceKind,
    /// Expanded: may hold a secret. Never print it; use `redact`.
    pub url: String,
    pub timeout: Duration,
    /// Expanded values: may hold secrets.
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Ratio,
    Seconds,
    Ms,
    Count,
    PerSecond,
    Bytes,
}

/// What to read from the panel's source; the variant matches the source kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// PromQL instant query.
    Prometheus(String),
    /// A selector `name{label="value",...}` over a text exposition page.
    Scrape(String),
    /// An RFC 6901 pointer to a number.
    Json(String),
    /// A plain health check: the value is the response time in seconds.
    Http,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub id: String,
    pub title: String,
    pub source: String,
    pub query: Query,
    /// Same language as `query` (PromQL, selector or pointer).
    pub baseline: Option<String>,
    pub fail_ratio: Option<f64>,
    pub unit: Unit,
    pub every: Duration,
    pub warn: Option<Threshold>,
    pub fail: Option<Threshold>,
    pub stale_after: u32,
    pub rate: bool,
    /// Canary analysis over a stage's bake (needs `baseline`).
    pub compare: Option<crate::analysis::Compare>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub op: Op,
    pub value: f64,
}

impl Threshold {
    /// True when `v` is on the bad side of the threshold.
    pub fn breached(&self, v: f64) -> bool {
        match self.op {
            Op::Gt => v > self.value,
            Op::Ge => v >= self.value,
            Op::Lt => v < self.value,
            Op::Le => v <= self.value,
            Op::Eq => v == self.value,
            Op::Ne => v != self.value,
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
        };
        write!(f, "{op} {}", self.value)
    }
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    /// Percent, in (0, 100], strictly increasing along the ladder.
    pub exposure: f64,
    /// Zero when the runbook gives no bake.
    pub bake: Duration,
    pub gate: Option<String>,
    /// The bake is judged by the `compare` panels (`analysis`, or
    /// `advance = "auto"` with the defaults).
    pub analysis: Option<crate::analysis::stage::StageAnalysis>,
    pub advance: Advance,
    /// How long an automatic expand is announced before it runs (30s).
    pub auto_countdown: Duration,
}

/// Does a stage wait for an operator's `expand` after its bake?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Advance {
    #[default]
    Manual,
    /// Expand by itself when the bake is over, the analysis passed and the
    /// next stage's gate is GO, after an announced countdown any operator
    /// may stop.
    Auto,
}

/// A stage's `auto_countdown` when the runbook says nothing.
pub const DEFAULT_AUTO_COUNTDOWN: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Gate {
    pub id: String,
    pub title: String,
    pub two_person: bool,
    pub items: Vec<GateItem>,
}

#[derive(Debug, Clone)]
pub struct GateItem {
    pub text: String,
    /// Only holders of this role may sign; `None`: any operator.
    pub role: Option<String>,
    /// Automatic item: satisfied while this panel has been OK for `for_`.
    pub panel: Option<String>,
    pub for_: Duration,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// A role id.
    pub owner: Option<String>,
    pub expect: Option<Duration>,
    pub gate: Option<String>,
    pub after: Vec<String>,
    pub run: Option<String>,
    /// Default 5m.
    pub timeout: Duration,
    pub notes: Option<String>,
    /// Starting it is the point of no return: from then on rollback is
    /// refused on every path (`rules::rollback_refusal`).
    pub irreversible: bool,
    /// `stage = "NAME"` (and `baked = true`): the stage the cutover must
    /// have reached (and baked) before this step may start.
    pub stage: Option<StageNeed>,
    /// `phase = "close"`: follow-up work that may also run after the
    /// cutover is COMPLETE or ROLLED_BACK.
    pub phase: StepPhase,
}

/// A step's `stage` binding: reached means the current stage is `stage`
/// or a later one; baked also needs `stage`'s bake over (or a later stage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageNeed {
    pub stage: String,
    pub baked: bool,
}

/// When a step belongs to the cutover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepPhase {
    /// The cutover's own work: between `begin` and the end.
    #[default]
    Main,
    /// Follow-up (close the change record): from `begin` on, also after
    /// COMPLETE or ROLLED_BACK; not needed for `completed`.
    Close,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    /// Expanded: may hold a secret.
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub run: Option<String>,
    pub webhook: Option<Webhook>,
    /// Default 60s.
    pub timeout: Duration,
    pub two_person: bool,
    /// Roles that may take this action in a live session; empty: anyone
    /// listed in `[operators]`.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Pause,
    Resume,
    Expand,
    Rollback,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Pause => "pause",
            ActionKind::Resume => "resume",
            ActionKind::Expand => "expand",
            ActionKind::Rollback => "rollback",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Actions {
    pub pause: Option<Action>,
    pub resume: Option<Action>,
    pub expand: Option<Action>,
    /// Required: a cutover without a way back is refused by validation.
    pub rollback: Action,
    /// `[actions.begin] roles = [...]`: who may begin a live cutover;
    /// empty: anyone listed in `[operators]`.
    pub begin_roles: Vec<String>,
}

impl Actions {
    pub fn get(&self, kind: ActionKind) -> Option<&Action> {
        match kind {
            ActionKind::Pause => self.pause.as_ref(),
            ActionKind::Resume => self.resume.as_ref(),
            ActionKind::Expand => self.expand.as_ref(),
            ActionKind::Rollback => Some(&self.rollback),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardWhen {
    Fail,
    Warn,
    Stale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardThen {
    Pause,
    Rollback,
}

#[derive(Debug, Clone)]
pub struct Guard {
    pub panel: String,
    pub when: GuardWhen,
    pub for_: Duration,
    pub then: GuardThen,
    /// How long an override silences it (default 10 minutes).
    pub override_for: Duration,
}

/// A guard's `override_for` when the runbook says nothing.
pub const DEFAULT_OVERRIDE_FOR: Duration = Duration::from_secs(10 * 60);

/// Where to look: `dashboard` of each panel and `link` of each step, by
/// id. Kept beside the panels and steps (not in them) so adding them left
/// every `Panel`/`Step` literal untouched.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub dashboards: std::collections::BTreeMap<String, String>,
    pub steps: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyFormat {
    Slack,
    Teams,
    Json,
}

impl NotifyFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyFormat::Slack => "slack",
            NotifyFormat::Teams => "teams",
            NotifyFormat::Json => "json",
        }
    }
}

/// What receives a `[[notify]]` target's events.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum NotifyKind {
    /// A chat webhook; `Notify::format` is the body's shape.
    #[default]
    Chat,
    /// PagerDuty Events API v2 change events (`notify::pagerduty`).
    PagerDuty {
        /// A secret (in `Runbook.secrets` however it was written).
        routing_key: String,
        status_url: Option<String>,
    },
    /// Grafana annotations (`notify::grafana`); `url` is Grafana's base url.
    Grafana {
        /// A secret, sent as `Authorization: Bearer`.
        token: String,
        dashboard_uid: Option<String>,
        panel_id: Option<i64>,
    },
}

/// One `[[notify]]` target.
#[derive(Debug, Clone)]
pub struct Notify {
    /// Expanded: a secret. Never shown; `target` names it instead.
    pub url: String,
    /// The body's shape for a chat target (`kind` Chat); unused otherwise.
    pub format: NotifyFormat,
    /// Event kinds to send.
    pub on: Vec<String>,
    pub kind: NotifyKind,
}

impl Notify {
    /// How screens, reports and the journal name the target: `slack#1`,
    /// `pagerduty#2` (its kind and 1-based position), never its url.
    pub fn target(&self, index: usize) -> String {
        let kind = match self.kind {
            NotifyKind::Chat => self.format.as_str(),
            NotifyKind::PagerDuty { .. } => "pagerduty",
            NotifyKind::Grafana { .. } => "grafana",
        };
        format!("{kind}#{}", index + 1)
    }
}

impl Runbook {
    pub fn panel(&self, id: &str) -> Option<&Panel> {
        self.panels.iter().find(|p| p.id == id)
    }
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }
    pub fn gate(&self, id: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id == id)
    }
    /// The panels a stage's analysis compares, in file order.
    pub fn compared_panels(&self) -> Vec<(&str, &crate::analysis::Compare)> {
        self.panels
            .iter()
            .filter_map(|p| Some((p.id.as_str(), p.compare.as_ref()?)))
            .collect()
    }
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
    /// The IC role: `ic` when declared, else the first role.
    pub fn ic_role(&self) -> Option<&str> {
        self.roles
            .iter()
            .find(|r| r.id == "ic")
            .or_else(|| self.roles.first())
            .map(|r| r.id.as_str())
    }
    /// Does `operator` hold `role`? Without `[operators]`, everyone holds every role.
    pub fn holds_role(&self, operator: &str, role: &str) -> bool {
        match &self.operators {
            None => true,
            Some(ops) => ops
                .iter()
                .any(|o| o.name == operator && o.roles.iter().any(|r| r == role)),
        }
    }
    /// Is `person` listed in `[operators]`? Without `[operators]`,
    /// everyone is (the runbook restricts no one).
    pub fn lists(&self, person: &str) -> bool {
        self.operators
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o.name == person))
    }
    /// The first irreversible step of the cutover's own work, in plan
    /// order: where the point of no return is.
    pub fn point_of_no_return(&self) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| s.irreversible && s.phase == StepPhase::Main)
    }
    /// Replace every known secret in `text` with `***`.
    pub fn redact(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }
}

/// Replace every secret (non-empty), in every encoding, with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    crate::untrusted::redact(text, secrets)
}
