//! Canary analysis keys: a panel's `compare` and a stage's `analysis`,
//! `advance` and `auto_countdown`, and what they need of each other.

use std::time::Duration;

use super::ctx::Ctx;
use crate::analysis::compare::{DEFAULT_ALPHA, DEFAULT_MIN_SAMPLES, DEFAULT_SMALL_EFFECT};
use crate::analysis::stage::StageAnalysis;
use crate::analysis::{Compare, Worse};
use crate::runbook::model::{Actions, Advance, DEFAULT_AUTO_COUNTDOWN, Panel, Stage};
use crate::runbook::raw::{RawCompare, RawPanel, RawStage};
use crate::runbook::words;

/// A panel's `compare`, or `None` (absent, or refused with an error).
pub fn compare(cx: &mut Ctx, p: &RawPanel) -> Option<Compare> {
    let c: &RawCompare = p.compare.as_ref()?;
    let id = p.id.get_ref();
    let span = p.id.span();
    if p.baseline.is_none() {
        cx.error(
            span.clone(),
            format!(
                "panel `{id}`: compare needs a baseline (the canary's samples are compared with the baseline's)"
            ),
        );
    }
    let worse = match c.worse.as_ref().map(|w| (w, w.get_ref().as_str())) {
        Some((_, "higher")) => Some(Worse::Higher),
        Some((_, "lower")) => Some(Worse::Lower),
        Some((w, other)) => {
            cx.one_of(w, "compare `worse`", other, words::WORSE);
            None
        }
        None => {
            cx.error(
                span.clone(),
                format!(
                    "panel `{id}`: compare needs `worse = \"higher\"` or `\"lower\"`: which direction of the canary is bad"
                ),
            );
            None
        }
    };
    let fraction = |cx: &mut Ctx, v: Option<&toml::Spanned<f64>>, key: &str, default: f64| match v {
        None => default,
        Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 && *v.get_ref() < 1.0 => {
            *v.get_ref()
        }
        Some(v) => {
            cx.error(
                v.span(),
                format!("compare `{key}` must be a number in (0, 1)"),
            );
            default
        }
    };
    let alpha = fraction(cx, c.alpha.as_ref(), "alpha", DEFAULT_ALPHA);
    let small_effect = fraction(
        cx,
        c.small_effect.as_ref(),
        "small_effect",
        DEFAULT_SMALL_EFFECT,
    );
    let min_samples = match &c.min_samples {
        None => DEFAULT_MIN_SAMPLES,
        Some(n) => match u32::try_from(*n.get_ref()) {
            Ok(v) if (3..=10_000).contains(&v) => v,
            _ => {
                cx.error(
                    n.span(),
                    "compare `min_samples` must be a whole number from 3 to 10000 (the normal approximation needs a few samples)",
                );
                DEFAULT_MIN_SAMPLES
            }
        },
    };
    Some(Compare {
        worse: worse?,
        alpha,
        min_samples,
        small_effect,
    })
}

/// A stage's `analysis`, `advance` and `auto_countdown`.
pub fn stage(cx: &mut Ctx, s: &RawStage) -> (Option<StageAnalysis>, Advance, Duration) {
    let advance = match s.advance.as_ref().map(|a| (a, a.get_ref().as_str())) {
        None | Some((_, "manual")) => Advance::Manual,
        Some((_, "auto")) => Advance::Auto,
        Some((a, other)) => {
            cx.one_of(a, "stage `advance`", other, words::ADVANCE);
            Advance::Manual
        }
    };
    let countdown = cx.positive_duration(
        s.auto_countdown.as_ref(),
        "auto_countdown",
        DEFAULT_AUTO_COUNTDOWN,
    );
    let whole =
        |cx: &mut Ctx, v: Option<&toml::Spanned<i64>>, key: &str, min: u32, default: u32| match v {
            None => default,
            Some(n) => match u32::try_from(*n.get_ref()) {
                Ok(x) if x >= min && x <= 1000 => x,
                _ => {
                    cx.error(
                        n.span(),
                        format!("analysis `{key}` must be a whole number from {min} to 1000"),
                    );
                    default
                }
            },
        };
    let analysis = match &s.analysis {
        Some(a) => {
            let d = StageAnalysis::default();
            Some(StageAnalysis {
                count: whole(cx, a.count.as_ref(), "count", 1, d.count),
                failure_limit: whole(cx, a.failure_limit.as_ref(), "failure_limit", 0, 0),
                inconclusive_limit: whole(
                    cx,
                    a.inconclusive_limit.as_ref(),
                    "inconclusive_limit",
                    0,
                    0,
                ),
            })
        }
        // Advancing by itself is only ever on a passing analysis.
        None if advance == Advance::Auto => Some(StageAnalysis::default()),
        None => None,
    };
    (analysis, advance, countdown)
}

/// What the analysis keys need of the rest of the runbook: a stage that is
/// analysed has a bake to judge and panels to compare; a stage that
/// advances by itself is not the last, and no second person must confirm
/// the expand (nothing advances by itself then).
pub fn plan(
    cx: &mut Ctx,
    raw: &[RawStage],
    stages: &[Stage],
    panels: &[Panel],
    actions: Option<&Actions>,
) {
    let compared = panels.iter().any(|p| p.compare.is_some());
    let last = stages.len().saturating_sub(1);
    for (i, (s, r)) in stages.iter().zip(raw).enumerate() {
        let span = r.name.span();
        if s.analysis.is_some() && !compared {
            cx.error(
                span.clone(),
                format!(
                    "stage `{}`: its analysis compares the panels with `compare`, and no panel has one",
                    s.name
                ),
            );
        }
        if s.analysis.is_some() && s.bake.is_zero() {
            cx.error(
                span.clone(),
                format!(
                    "stage `{}`: its analysis judges the bake, and the stage has none (add `bake`)",
                    s.name
                ),
            );
        }
        if s.advance == Advance::Auto && i == last {
            cx.error(
                span.clone(),
                format!(
                    "stage `{}`: the last stage has nothing to advance to (`advance = \"auto\"`)",
                    s.name
                ),
            );
        }
        if s.advance == Advance::Auto
            && actions
                .and_then(|a| a.expand.as_ref())
                .is_some_and(|e| e.two_person)
        {
            cx.error(
                span,
                format!(
                    "stage `{}`: `advance = \"auto\"` with a two-person expand: a second person must confirm every expand, so nothing advances by itself",
                    s.name
                ),
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::Path;

    const BASE: &str = r#"
[cutover]
id = "c"
title = "C"
strategy = "canary"

[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:9090"

[[panels]]
id = "errors"
source = "prom"
query = "errors"
PANEL

[[stages]]
name = "one"
exposure = 1
STAGE

[[stages]]
name = "all"
exposure = 100
LAST

[actions.rollback]
run = "true"
EXPAND
"#;

    fn load(panel: &str, stage: &str, last: &str, expand: &str) -> Result<String, String> {
        let text = BASE
            .replace("PANEL", panel)
            .replace("STAGE", stage)
            .replace("LAST", last)
            .replace("EXPAND", expand);
        match crate::runbook::load_str(&text, Path::new("r.toml"), &|_| None) {
            Ok(l) => Ok(format!(
                "{:?} {:?}",
                l.runbook.stages[0].analysis, l.runbook.stages[0].advance
            )),
            Err(e) => Err(e.render(false)),
        }
    }

    #[test]
    fn what_the_analysis_keys_need_by_table() {
        let cmp = "baseline = \"base\"\ncompare = { worse = \"higher\" }";
        let auto = "bake = \"2m\"\nadvance = \"auto\"";
        // (panel, first stage, last stage, expand action, error words or "" for accepted)
        let table: &[(&str, &str, &str, &str, &str)] = &[
            (cmp, auto, "", "", ""),
            (
                "compare = { worse = \"higher\" }",
                auto,
                "",
                "",
                "compare needs a baseline",
            ),
            (
                "baseline = \"b\"\ncompare = { alpha = 0.05 }",
                auto,
                "",
                "",
                "compare needs `worse",
            ),
            (
                "baseline = \"b\"\ncompare = { worse = \"up\" }",
                auto,
                "",
                "",
                "higher",
            ),
            (
                "baseline = \"b\"\ncompare = { worse = \"higher\", alpha = 2 }",
                auto,
                "",
                "",
                "must be a number in (0, 1)",
            ),
            ("", auto, "", "", "no panel has one"),
            (
                cmp,
                "advance = \"auto\"",
                "",
                "",
                "the stage has none (add `bake`)",
            ),
            (
                cmp,
                "bake = \"1m\"",
                "bake = \"1m\"\nadvance = \"auto\"",
                "",
                "the last stage has nothing to advance to",
            ),
            (
                cmp,
                auto,
                "",
                "[actions.expand]\nrun = \"true\"\ntwo_person = true",
                "a second person must confirm every expand",
            ),
            (
                cmp,
                "bake = \"1m\"\nanalysis = { count = 0 }",
                "",
                "",
                "analysis `count` must be a whole number from 1",
            ),
        ];
        for (panel, stage, last, expand, want) in table {
            match load(panel, stage, last, expand) {
                Ok(got) => assert!(
                    want.is_empty(),
                    "{panel} / {stage}: accepted ({got}), wanted {want}"
                ),
                Err(e) => assert!(
                    !want.is_empty() && e.contains(want),
                    "{panel} / {stage}: {e}"
                ),
            }
        }
        assert_eq!(
            load(cmp, auto, "", "").unwrap(),
            "Some(StageAnalysis { count: 1, failure_limit: 0, inconclusive_limit: 0 }) Auto"
        );
    }
}
