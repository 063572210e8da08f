//! Serde types that mirror the runbook TOML exactly, before validation.
//!
//! Every struct denies unknown keys (a typo must never silently disable a
//! guard), and every value that validation may flag is `Spanned` so the
//! error can point at it. Tables are never `Spanned`: an implicit table
//! (`[actions.pause]` without `[actions]`) has no span and toml then fails
//! to deserialize the wrapper; `Ctx::table_span` finds table headers instead. Enum-like values (`strategy`, `type`, `unit`,
//! `when`, `then`) stay strings here, durations and thresholds any value: validation rejects bad ones with a
//! position and keeps going, where a serde enum would stop at the first.

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// Where a required key that the runbook does not give "is": nowhere. The
/// missing-key pass (`required.rs`) reports it once with the table's place;
/// validation skips values with this span so one mistake is one error.
pub const MISSING: std::ops::Range<usize> = usize::MAX..usize::MAX;

/// True for a required value the runbook does not give.
pub fn is_missing<T>(v: &S<T>) -> bool {
    v.span() == MISSING
}

fn missing_str() -> S<String> {
    Spanned::new(MISSING, String::new())
}

fn missing_f64() -> S<f64> {
    Spanned::new(MISSING, f64::NAN)
}

/// Durations and thresholds: any TOML value, so `every = 5` (a number
/// where a string with a unit is needed) is reported with a hint and does
/// not stop the whole parse the way a serde type error would.
pub type Value = toml::Value;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRunbook {
    #[serde(default)]
    pub cutover: RawCutover,
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub roles: OrderedMap<S<String>>,
    #[schemars(with = "Option<std::collections::BTreeMap<String, OperatorSchema>>")]
    pub operators: Option<OrderedMap<RawOperator>>,
    #[serde(default)]
    pub sources: OrderedMap<RawSource>,
    #[serde(default)]
    pub panels: Vec<RawPanel>,
    #[serde(default)]
    pub stages: Vec<RawStage>,
    #[serde(default)]
    pub gates: Vec<RawGate>,
    #[serde(default)]
    pub steps: Vec<RawStep>,
    pub actions: Option<RawActions>,
    #[serde(default)]
    pub guards: Vec<RawGuard>,
    #[serde(default)]
    pub notify: Vec<RawNotify>,
}

/// `[[notify]]`: where journaled events are announced: a chat webhook,
/// PagerDuty change events or Grafana annotations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    /// slack | teams | json | pagerduty | grafana.
    #[schemars(with = "Option<String>")]
    pub kind: Option<S<String>>,
    /// The webhook; Grafana's base url; PagerDuty's enqueue url (optional).
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub url: S<String>,
    /// The older name of `kind`, for slack | teams | json.
    #[schemars(with = "Option<String>")]
    pub format: Option<S<String>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub on: Option<S<Vec<S<String>>>>,
    /// PagerDuty: the Events API v2 integration key (a secret).
    #[schemars(with = "Option<String>")]
    pub routing_key: Option<S<String>>,
    /// PagerDuty: the status page, linked from every change event.
    #[schemars(with = "Option<String>")]
    pub status_url: Option<S<String>>,
    /// Grafana: a service account token (a secret).
    #[schemars(with = "Option<String>")]
    pub token: Option<S<String>>,
    /// Grafana: the dashboard the annotations belong to.
    #[schemars(with = "Option<String>")]
    pub dashboard_uid: Option<S<String>>,
    /// Grafana: the panel of that dashboard.
    #[schemars(with = "Option<i64>")]
    pub panel_id: Option<S<i64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCutover {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub id: S<String>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub title: S<String>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub strategy: S<String>,
    pub summary: Option<String>,
    /// A duration string, an RFC 3339 string, or a TOML offset date-time.
    #[schemars(with = "Option<String>")]
    pub rollback_deadline: Option<S<toml::Value>>,
    /// IANA zone name for every clock on screen, in the report and in refusals.
    #[schemars(with = "Option<String>")]
    pub timezone: Option<S<String>>,
}

/// A runbook without `[cutover]`: every required key missing, reported once.
impl Default for RawCutover {
    fn default() -> Self {
        RawCutover {
            id: missing_str(),
            title: missing_str(),
            strategy: missing_str(),
            summary: None,
            rollback_deadline: None,
            timezone: None,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    #[serde(default = "missing_str")]
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub kind: S<String>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub url: S<String>,
    #[schemars(with = "Option<String>")]
    pub timeout: Option<S<Value>>,
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub headers: OrderedMap<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPanel {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub id: S<String>,
    /// Defaults to the id.
    #[schemars(with = "Option<String>")]
    pub title: Option<S<String>>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub source: S<String>,
    #[schemars(with = "Option<String>")]
    pub query: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub metric: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub pointer: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub baseline: Option<S<String>>,
    #[schemars(with = "Option<f64>")]
    pub fail_ratio: Option<S<f64>>,
    #[schemars(with = "Option<String>")]
    pub unit: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub every: Option<S<Value>>,
    #[schemars(with = "Option<String>")]
    pub warn: Option<S<Value>>,
    #[schemars(with = "Option<String>")]
    pub fail: Option<S<Value>>,
    #[schemars(with = "Option<i64>")]
    pub stale_after: Option<S<i64>>,
    #[schemars(with = "Option<bool>")]
    pub rate: Option<S<bool>>,
    /// A dashboard url shown in details and the report.
    #[schemars(with = "Option<String>")]
    pub dashboard: Option<S<String>>,
    /// Canary analysis: compare the value's samples with the baseline's
    /// over a stage's bake (Mann-Whitney U); needs `baseline`.
    pub compare: Option<RawCompare>,
}

/// A panel's `compare = { worse = "higher", ... }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCompare {
    #[schemars(with = "Option<String>")]
    pub worse: Option<S<String>>,
    #[schemars(with = "Option<f64>")]
    pub alpha: Option<S<f64>>,
    #[schemars(with = "Option<i64>")]
    pub min_samples: Option<S<i64>>,
    #[schemars(with = "Option<f64>")]
    pub small_effect: Option<S<f64>>,
}

/// A stage's `analysis = { count = 3, ... }` (Argo Rollouts' names).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAnalysis {
    #[schemars(with = "Option<i64>")]
    pub count: Option<S<i64>>,
    #[schemars(with = "Option<i64>")]
    pub failure_limit: Option<S<i64>>,
    #[schemars(with = "Option<i64>")]
    pub inconclusive_limit: Option<S<i64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub name: S<String>,
    #[serde(default = "missing_f64")]
    #[schemars(with = "f64")]
    pub exposure: S<f64>,
    #[schemars(with = "Option<String>")]
    pub bake: Option<S<Value>>,
    #[schemars(with = "Option<String>")]
    pub gate: Option<S<String>>,
    /// Judge the bake by the `compare` panels.
    pub analysis: Option<RawAnalysis>,
    /// `"auto"`: expand by itself after a passing analysis (`"manual"`).
    #[schemars(with = "Option<String>")]
    pub advance: Option<S<String>>,
    /// How long an automatic expand is announced before it runs.
    #[schemars(with = "Option<String>")]
    pub auto_countdown: Option<S<Value>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub id: S<String>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub title: S<String>,
    #[serde(default)]
    pub two_person: bool,
    #[serde(default)]
    pub items: Vec<RawGateItem>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGateItem {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub text: S<String>,
    #[schemars(with = "Option<String>")]
    pub role: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub panel: Option<S<String>>,
    #[serde(rename = "for")]
    #[schemars(with = "Option<String>")]
    pub for_: Option<S<Value>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub id: S<String>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub title: S<String>,
    #[schemars(with = "Option<String>")]
    pub owner: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub expect: Option<S<Value>>,
    #[schemars(with = "Option<String>")]
    pub gate: Option<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub after: Vec<S<String>>,
    #[schemars(with = "Option<String>")]
    pub run: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub timeout: Option<S<Value>>,
    pub notes: Option<String>,
    #[serde(default)]
    pub irreversible: bool,
    /// The stage the cutover must have reached before this step starts.
    #[schemars(with = "Option<String>")]
    pub stage: Option<S<String>>,
    /// With `stage`: that stage's bake must be over too.
    #[schemars(with = "Option<bool>")]
    pub baked: Option<S<bool>>,
    /// `"main"` (default) or `"close"` (may run after the end).
    #[schemars(with = "Option<String>")]
    pub phase: Option<S<String>>,
    /// A link (wiki, ticket) shown in details and the report.
    #[schemars(with = "Option<String>")]
    pub link: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActions {
    pub pause: Option<RawAction>,
    pub resume: Option<RawAction>,
    pub expand: Option<RawAction>,
    pub rollback: Option<RawAction>,
    /// Who may begin: `[actions.begin] roles = ["ic"]` (nothing runs).
    pub begin: Option<RawBegin>,
}

/// `[actions.begin]`: only who may begin; beginning runs nothing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBegin {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub roles: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    #[schemars(with = "Option<String>")]
    pub run: Option<S<String>>,
    pub webhook: Option<RawWebhook>,
    #[schemars(with = "Option<String>")]
    pub timeout: Option<S<Value>>,
    #[serde(default)]
    pub two_person: bool,
    /// Roles that may take this action in a live session.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub roles: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub url: S<String>,
    #[schemars(with = "Option<String>")]
    pub method: Option<S<String>>,
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub headers: OrderedMap<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGuard {
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub panel: S<String>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub when: S<String>,
    #[serde(rename = "for")]
    #[schemars(with = "Option<String>")]
    pub for_: Option<S<Value>>,
    #[serde(default = "missing_str")]
    #[schemars(with = "String")]
    pub then: S<String>,
    /// How long an operator's override (`resume --override`, `expand
    /// --override`) silences this guard while its condition still holds.
    #[schemars(with = "Option<String>")]
    pub override_for: Option<S<Value>>,
}

/// An `[operators]` entry. Short: `alice = ["ic"]` (the account `alice`
/// on any host). Long: `alice = { roles = ["ic"], accounts =
/// ["asmith@bastion-eu", "alice@laptop-7"] }`, for a person whose account
/// names differ between hosts.
#[derive(Debug, Default)]
pub struct RawOperator {
    pub roles: Vec<S<String>>,
    /// `None` in the short form, or the long form without `accounts`.
    pub accounts: Option<Vec<S<String>>>,
}

/// A person whose account names differ between hosts:
/// `{ roles = ["ic"], accounts = ["asmith@bastion-eu", "alice@laptop-7"] }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub roles: Vec<S<String>>,
    /// `user@host`, or `user` for that account on any host. Absent: the
    /// person's own name on any host.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub accounts: Option<Vec<S<String>>>,
}

/// An `[operators]` entry: an array of role ids (the account of that
/// name on any host), or a table with `roles` and `accounts`.
#[derive(JsonSchema)]
#[schemars(rename = "RawOperator")]
#[serde(untagged)]
#[allow(dead_code)]
pub enum OperatorSchema {
    Roles(Vec<String>),
    Person(RawPerson),
}

/// An array is the short form, a table the long one (an untagged serde
/// enum would lose the spans).
impl<'de> Deserialize<'de> for RawOperator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = RawOperator;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of role ids, or a table with `roles` and `accounts`")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawOperator, A::Error> {
                let roles = Vec::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(RawOperator {
                    roles,
                    accounts: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawOperator, A::Error> {
                let p = RawPerson::deserialize(MapAccessDeserializer::new(map))?;
                Ok(RawOperator {
                    roles: p.roles,
                    accounts: p.accounts,
                })
            }
        }
        d.deserialize_any(Either)
    }
}

/// A TOML table kept in file order, with each key's span: roles are shown
/// in the order the runbook lists them, and a bad key can be pointed at.
#[derive(Debug)]
pub struct OrderedMap<V>(pub Vec<(S<String>, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

/// In the schema a table of `V` keyed by any name.
impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<std::collections::BTreeMap<String, V>>()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<S<String>, V>()? {
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}
