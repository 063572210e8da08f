//! Sources and panels: where health comes from and how it is judged.

use std::time::Duration;

use toml::Spanned;

use super::ctx::{Ctx, IdRule, Seen};
use crate::runbook::model::{Panel, Query, Source, SourceKind, Unit};
use crate::runbook::raw::{OrderedMap, RawPanel, RawSource};
use crate::runbook::words;

const SOURCE_TIMEOUT: Duration = Duration::from_secs(2);
const PANEL_EVERY: Duration = Duration::from_secs(5);
const STALE_AFTER: u32 = 3;

/// The sources, and the ids of those whose `type` was invalid (their
/// panels are not checked for type-specific keys: one error is enough).
pub fn sources(cx: &mut Ctx, raw: &OrderedMap<RawSource>) -> (Vec<Source>, Vec<String>) {
    let mut out = Vec::new();
    let mut untyped = Vec::new();
    for (id, s) in &raw.0 {
        cx.id(id, "source id", IdRule::Name);
        let kind = match s.kind.get_ref().as_str() {
            "prometheus" => SourceKind::Prometheus,
            "scrape" => SourceKind::Scrape,
            "json" => SourceKind::Json,
            "http" => SourceKind::Http,
            other => {
                cx.one_of(&s.kind, "source type", other, words::SOURCE_TYPES);
                untyped.push(id.get_ref().clone());
                // Keep the source so panels referring to it are not also flagged.
                SourceKind::Http
            }
        };
        let url = cx.expand_url(&s.url);
        cx.url(&s.url, &url, &format!("source `{}`", id.get_ref()));
        let timeout = cx.timeout(s.timeout.as_ref(), SOURCE_TIMEOUT);
        let headers = s
            .headers
            .0
            .iter()
            .map(|(k, v)| (k.get_ref().clone(), cx.expand(v)))
            .collect();
        out.push(Source {
            id: id.get_ref().clone(),
            kind,
            url,
            timeout,
            headers,
        });
    }
    (out, untyped)
}

pub fn panels(
    cx: &mut Ctx,
    raw: &[RawPanel],
    sources: &[Source],
    untyped: &[String],
) -> Vec<Panel> {
    let mut seen = Seen::default();
    let known: Vec<String> = sources.iter().map(|s| s.id.clone()).collect();
    let mut out = Vec::new();
    for p in raw {
        cx.id(&p.id, "panel id", IdRule::Name);
        cx.unique(&mut seen, &p.id, "panel");
        if let Some(t) = &p.title {
            cx.non_empty(t, "panel title");
        }
        let source = cx
            .reference(&p.source, &known, "source")
            .then(|| sources.iter().find(|s| &s.id == p.source.get_ref()))
            .flatten()
            .filter(|s| !untyped.contains(&s.id));
        let query = source.map_or(Query::Http, |s| query(cx, p, s.kind));
        if let (Some(fr), None) = (&p.fail_ratio, &p.baseline) {
            cx.error(
                fr.span(),
                format!(
                    "panel `{}`: fail_ratio needs a baseline to compare against (add `baseline`, in the same language as the query)",
                    p.id.get_ref()
                ),
            );
        }
        if let Some(fr) = &p.fail_ratio
            && !(fr.get_ref().is_finite() && *fr.get_ref() > 0.0)
        {
            cx.error(
                fr.span(),
                "fail_ratio must be a number above 0, such as 1.5",
            );
        }
        let compare = super::analysis::compare(cx, p);
        if let (Some(b), None, None) = (&p.baseline, &p.fail_ratio, &p.compare) {
            cx.warn(
                b.span(),
                format!(
                    "panel `{}`: baseline is only used with fail_ratio or compare; without them nothing compares against it",
                    p.id.get_ref()
                ),
            );
        }
        let unit = unit(cx, p.unit.as_ref());
        let every = cx.positive_duration(p.every.as_ref(), "every", PANEL_EVERY);
        let warn = cx.threshold(p.warn.as_ref(), "warn", unit);
        let fail = cx.threshold(p.fail.as_ref(), "fail", unit);
        let stale_after = match &p.stale_after {
            None => STALE_AFTER,
            Some(n) => match u32::try_from(*n.get_ref()) {
                Ok(v) if v >= 1 => v,
                _ => {
                    cx.error(
                        n.span(),
                        "stale_after must be a whole number of intervals, at least 1",
                    );
                    STALE_AFTER
                }
            },
        };
        let rate = p.rate.as_ref().is_some_and(|r| *r.get_ref());
        if let (Some(r), Query::Http) = (&p.rate, &query)
            && *r.get_ref()
        {
            cx.error(
                r.span(),
                "rate applies to counters; an http source measures response time",
            );
        }
        out.push(Panel {
            id: p.id.get_ref().clone(),
            title: p
                .title
                .as_ref()
                .map_or_else(|| p.id.get_ref().clone(), |t| t.get_ref().clone()),
            source: p.source.get_ref().clone(),
            query,
            baseline: p.baseline.as_ref().map(|b| b.get_ref().clone()),
            fail_ratio: p.fail_ratio.as_ref().map(|f| *f.get_ref()),
            unit,
            every,
            warn,
            fail,
            stale_after,
            rate,
            compare,
        });
    }
    out
}

/// The one key the source type needs (`query` / `metric` / `pointer`, none
/// for http), and none of the others.
fn query(cx: &mut Ctx, p: &RawPanel, kind: SourceKind) -> Query {
    let id = p.id.get_ref();
    let keys: [(&str, &Option<Spanned<String>>); 3] = [
        ("query", &p.query),
        ("metric", &p.metric),
        ("pointer", &p.pointer),
    ];
    let (wanted, type_name) = match kind {
        SourceKind::Prometheus => (Some("query"), "prometheus"),
        SourceKind::Scrape => (Some("metric"), "scrape"),
        SourceKind::Json => (Some("pointer"), "json"),
        SourceKind::Http => (None, "http"),
    };
    let mut misplaced = false;
    for (key, value) in keys {
        if let Some(v) = value
            && Some(key) != wanted
        {
            misplaced = true;
            let hint = match wanted {
                Some(w) => format!("a {type_name} source takes `{w}`"),
                None => "an http source takes no query: its value is the response time".to_string(),
            };
            cx.error_labeled(
                v.span(),
                format!(
                    "panel `{id}`: `{key}` does not apply to source `{}`: {hint}",
                    p.source.get_ref()
                ),
                "wrong key for this source type",
            );
        }
    }
    if kind == SourceKind::Http
        && p.baseline.is_some()
        && let Some(b) = &p.baseline
    {
        cx.error(
            b.span(),
            format!("panel `{id}`: an http source has no baseline query"),
        );
    }
    let Some(wanted) = wanted else {
        return Query::Http;
    };
    let value = keys
        .iter()
        .find(|(k, _)| *k == wanted)
        .and_then(|(_, v)| v.as_ref());
    let Some(value) = value else {
        if misplaced {
            return Query::Http; // the misplaced key's error already says what to write
        }
        cx.error(
            p.id.span(),
            format!("panel `{id}`: a {type_name} source needs `{wanted}` (what to read)"),
        );
        return Query::Http;
    };
    let text = value.get_ref().clone();
    if text.trim().is_empty() {
        cx.error(
            value.span(),
            format!("panel `{id}`: `{wanted}` must not be empty"),
        );
    }
    match kind {
        SourceKind::Prometheus => Query::Prometheus(text),
        SourceKind::Scrape => Query::Scrape(text),
        SourceKind::Json => {
            if !text.is_empty() && !text.starts_with('/') {
                cx.error(
                    value.span(),
                    format!("panel `{id}`: pointer \"{text}\" must start with / (RFC 6901), e.g. \"/mismatches\""),
                );
            }
            Query::Json(text)
        }
        SourceKind::Http => Query::Http,
    }
}

fn unit(cx: &mut Ctx, v: Option<&Spanned<String>>) -> Unit {
    let Some(v) = v else { return Unit::Count };
    match v.get_ref().as_str() {
        "percent" => Unit::Percent,
        "ratio" => Unit::Ratio,
        "seconds" => Unit::Seconds,
        "ms" => Unit::Ms,
        "count" => Unit::Count,
        "per_second" => Unit::PerSecond,
        "bytes" => Unit::Bytes,
        other => {
            cx.one_of(v, "unit", other, words::UNITS);
            Unit::Count
        }
    }
}
