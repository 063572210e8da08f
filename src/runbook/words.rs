//! The words enum-like keys take: one list each, read by validation (to
//! refuse other words with a suggestion) and by the JSON Schema (so editors
//! offer them).

pub const STRATEGIES: &[&str] = &["phased", "big-bang", "canary"];
pub const SOURCE_TYPES: &[&str] = &["prometheus", "scrape", "json", "http"];
pub const UNITS: &[&str] = &[
    "percent",
    "ratio",
    "seconds",
    "ms",
    "count",
    "per_second",
    "bytes",
];
pub const GUARD_WHEN: &[&str] = &["fail", "warn", "stale"];
pub const GUARD_THEN: &[&str] = &["pause", "rollback"];
pub const NOTIFY_FORMATS: &[&str] = &["slack", "teams", "json"];
pub const NOTIFY_KINDS: &[&str] = &["slack", "teams", "json", "pagerduty", "grafana"];
pub const STEP_PHASES: &[&str] = &["main", "close"];
pub const WORSE: &[&str] = &["higher", "lower"];
pub const ADVANCE: &[&str] = &["manual", "auto"];
