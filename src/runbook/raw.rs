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

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// Durations and thresholds: any TOML value, so `every = 5` (a number
/// where a string with a unit is needed) is reported with a hint and does
/// not stop the whole parse the way a serde type error would.
pub type Value = toml::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunbook {
    pub cutover: RawCutover,
    #[serde(default)]
    pub roles: OrderedMap<S<String>>,
    pub operators: Option<OrderedMap<Vec<S<String>>>>,
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

/// `[[notify]]`: a chat target (second wave).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    pub url: S<String>,
    pub format: Option<S<String>>,
    pub on: Option<S<Vec<S<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCutover {
    pub id: S<String>,
    pub title: S<String>,
    pub strategy: S<String>,
    pub summary: Option<String>,
    /// A duration string, an RFC 3339 string, or a TOML offset date-time.
    pub rollback_deadline: Option<S<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    #[serde(rename = "type")]
    pub kind: S<String>,
    pub url: S<String>,
    pub timeout: Option<S<Value>>,
    #[serde(default)]
    pub headers: OrderedMap<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPanel {
    pub id: S<String>,
    pub title: S<String>,
    pub source: S<String>,
    pub query: Option<S<String>>,
    pub metric: Option<S<String>>,
    pub pointer: Option<S<String>>,
    pub baseline: Option<S<String>>,
    pub fail_ratio: Option<S<f64>>,
    pub unit: Option<S<String>>,
    pub every: Option<S<Value>>,
    pub warn: Option<S<Value>>,
    pub fail: Option<S<Value>>,
    pub stale_after: Option<S<i64>>,
    pub rate: Option<S<bool>>,
    /// Second wave: a dashboard url shown in details and the report.
    pub dashboard: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub name: S<String>,
    pub exposure: S<f64>,
    pub bake: Option<S<Value>>,
    pub gate: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    pub id: S<String>,
    pub title: S<String>,
    #[serde(default)]
    pub two_person: bool,
    #[serde(default)]
    pub items: Vec<RawGateItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGateItem {
    pub text: S<String>,
    pub role: Option<S<String>>,
    pub panel: Option<S<String>>,
    #[serde(rename = "for")]
    pub for_: Option<S<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: S<String>,
    pub title: S<String>,
    pub owner: Option<S<String>>,
    pub expect: Option<S<Value>>,
    pub gate: Option<S<String>>,
    #[serde(default)]
    pub after: Vec<S<String>>,
    pub run: Option<S<String>>,
    pub timeout: Option<S<Value>>,
    pub notes: Option<String>,
    #[serde(default)]
    pub irreversible: bool,
    /// Second wave: a link (wiki, ticket) shown in details and the report.
    pub link: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActions {
    pub pause: Option<RawAction>,
    pub resume: Option<RawAction>,
    pub expand: Option<RawAction>,
    pub rollback: Option<RawAction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub run: Option<S<String>>,
    pub webhook: Option<RawWebhook>,
    pub timeout: Option<S<Value>>,
    #[serde(default)]
    pub two_person: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    pub url: S<String>,
    pub method: Option<S<String>>,
    #[serde(default)]
    pub headers: OrderedMap<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGuard {
    pub panel: S<String>,
    pub when: S<String>,
    #[serde(rename = "for")]
    pub for_: Option<S<Value>>,
    pub then: S<String>,
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
