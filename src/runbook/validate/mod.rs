//! Semantic validation: turn the raw TOML shape into a `Runbook`, reporting
//! every problem found (not just the first), each with its span.

mod actions;
mod analysis;
mod ctx;
mod health;
pub(crate) mod notify;
mod plan;

use std::path::Path;

use super::diag::Diagnostic;
use super::model::{Cutover, Deadline, Operator, Role, Runbook, Strategy};
use super::raw::{OrderedMap, RawCutover, RawOperator, RawRunbook};
use super::words;
use ctx::{Ctx, IdRule};

/// Validate `raw` (parsed from `text`, read from `path`). Returns the
/// runbook (meaningful only when no diagnostic is an error) and every
/// diagnostic.
pub fn validate(
    raw: RawRunbook,
    text: &str,
    path: &Path,
    dir: &Path,
    sha256: String,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<Runbook>, Vec<Diagnostic>) {
    let mut cx = Ctx::new(text, dir, env);
    let cutover = cutover(&mut cx, &raw.cutover);
    let roles = roles(&mut cx, &raw);
    let operators = operators(&mut cx, &raw, &roles);
    let (sources, untyped) = health::sources(&mut cx, &raw.sources);
    let panels = health::panels(&mut cx, &raw.panels, &sources, &untyped);
    let names = plan::Names {
        roles: roles.iter().map(|r| r.id.clone()).collect(),
        panels: panels.iter().map(|p| p.id.clone()).collect(),
        gates: raw.gates.iter().map(|g| g.id.get_ref().clone()).collect(),
        stages: raw
            .stages
            .iter()
            .map(|s| s.name.get_ref().clone())
            .collect(),
    };
    let gates = plan::gates(&mut cx, &raw.gates, &names);
    let stages = plan::stages(&mut cx, &raw.stages, &names);
    let steps = plan::steps(&mut cx, &raw.steps, &names);
    plan::unused_gates(&mut cx, &raw);
    let actions = actions::actions(&mut cx, raw.actions.as_ref(), &names);
    let guards = actions::guards(&mut cx, &raw.guards, &names);
    let links = notify::links(&mut cx, &raw);
    let notify = notify::targets(&mut cx, &raw.notify);
    analysis::plan(&mut cx, &raw.stages, &stages, &panels, actions.as_ref());
    let (diags, secrets) = cx.finish();
    let runbook = match (cutover, actions) {
        (Some(cutover), Some(actions)) => Some(Runbook {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            sha256,
            text: text.to_string(),
            cutover,
            roles,
            operators,
            sources,
            panels,
            stages,
            gates,
            steps,
            actions,
            guards,
            links,
            notify,
            secrets,
        }),
        _ => None,
    };
    (runbook, diags)
}

fn cutover(cx: &mut Ctx, c: &RawCutover) -> Option<Cutover> {
    cx.id(&c.id, "cutover id", IdRule::Cutover);
    cx.non_empty(&c.title, "cutover title");
    let strategy = match c.strategy.get_ref().as_str() {
        "phased" => Some(Strategy::Phased),
        "big-bang" => Some(Strategy::BigBang),
        "canary" => Some(Strategy::Canary),
        other => {
            cx.one_of(&c.strategy, "strategy", other, words::STRATEGIES);
            None
        }
    };
    let rollback_deadline = c.rollback_deadline.as_ref().and_then(|d| deadline(cx, d));
    let timezone = match &c.timezone {
        Some(tz) => match crate::timefmt::Zone::parse(tz.get_ref()) {
            Ok(z) => z,
            Err(e) => {
                cx.error(tz.span(), format!("invalid timezone: {e}"));
                crate::timefmt::Zone::UTC
            }
        },
        None => crate::timefmt::Zone::UTC,
    };
    Some(Cutover {
        id: c.id.get_ref().clone(),
        title: c.title.get_ref().clone(),
        strategy: strategy?,
        summary: c.summary.clone(),
        rollback_deadline,
        timezone,
    })
}

fn deadline(cx: &mut Ctx, d: &toml::Spanned<toml::Value>) -> Option<Deadline> {
    let text = match d.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            cx.error(
                d.span(),
                format!(
                    "invalid rollback_deadline: expected a duration such as \"4h\" or an RFC 3339 time such as 2026-11-28T06:00:00Z, found {} {other}",
                    other.type_str()
                ),
            );
            return None;
        }
    };
    match super::duration::parse_duration(&text) {
        Ok(dur) => return Some(Deadline::After(dur)),
        Err(e) if e.contains("longer than") => {
            cx.error(d.span(), format!("rollback_deadline: {e}"));
            return None;
        }
        Err(_) => {}
    }
    match chrono::DateTime::parse_from_rfc3339(&text) {
        Ok(at) => Some(Deadline::At(at.with_timezone(&chrono::Utc))),
        Err(_) => {
            cx.error(
                d.span(),
                format!(
                    "invalid rollback_deadline \"{text}\": expected a duration such as \"4h\" or an RFC 3339 time with an offset such as \"2026-11-28T06:00:00Z\""
                ),
            );
            None
        }
    }
}

fn roles(cx: &mut Ctx, raw: &RawRunbook) -> Vec<Role> {
    let mut seen = ctx::Seen::default();
    let mut out = Vec::new();
    for (id, name) in &raw.roles.0 {
        cx.id(id, "role id", IdRule::Name);
        cx.unique(&mut seen, id, "role");
        out.push(Role {
            id: id.get_ref().clone(),
            name: name.get_ref().clone(),
        });
    }
    out
}

fn operators(cx: &mut Ctx, raw: &RawRunbook, roles: &[Role]) -> Option<Vec<Operator>> {
    let ops = raw.operators.as_ref()?;
    let known: Vec<String> = roles.iter().map(|r| r.id.clone()).collect();
    let mut out = Vec::new();
    for (name, entry) in &ops.0 {
        for r in &entry.roles {
            cx.reference(r, &known, "role");
        }
        for a in entry.accounts.iter().flatten() {
            if let Some(why) = crate::runbook::accounts::invalid_account(a.get_ref()) {
                cx.error(
                    a.span(),
                    format!("account `{}` under {}: {why}", a.get_ref(), name.get_ref()),
                );
            }
        }
        if entry.accounts.as_ref().is_some_and(|a| a.is_empty()) {
            cx.error(
                name.span(),
                format!(
                    "{}: `accounts` is empty, so no console can act as this person; list `user@host` entries or use the short form {} = [roles]",
                    name.get_ref(),
                    name.get_ref()
                ),
            );
        }
        out.push(Operator {
            name: name.get_ref().clone(),
            roles: entry.roles.iter().map(|r| r.get_ref().clone()).collect(),
            accounts: entry
                .accounts
                .iter()
                .flatten()
                .map(|a| a.get_ref().clone())
                .collect(),
        });
    }
    one_person_per_account(cx, ops);
    if out.is_empty() {
        let span = cx.table_span(&["operators"]);
        cx.warn_at(
            span,
            "[operators] is empty: nobody holds any role, so no role-bound item can be signed; remove the section to let everyone hold every role",
        );
    }
    Some(out)
}

/// A console acts as one person: an account two entries could both claim
/// is refused, pointing at the later claim.
fn one_person_per_account(cx: &mut Ctx, ops: &OrderedMap<RawOperator>) {
    // (person, pattern, where): the short form claims the name itself.
    let claims: Vec<(&str, &str, std::ops::Range<usize>)> = ops
        .0
        .iter()
        .flat_map(|(name, entry)| match &entry.accounts {
            Some(list) => list
                .iter()
                .map(|a| (name.get_ref().as_str(), a.get_ref().as_str(), a.span()))
                .collect::<Vec<_>>(),
            None => vec![(
                name.get_ref().as_str(),
                name.get_ref().as_str(),
                name.span(),
            )],
        })
        .collect();
    for (i, (person, pattern, span)) in claims.iter().enumerate() {
        if let Some((first, earlier, _)) = claims[..i]
            .iter()
            .find(|(p, a, _)| p != person && crate::runbook::accounts::overlap(a, pattern))
        {
            cx.error_labeled(
                span.clone(),
                format!(
                    "account `{pattern}` would act as both {first} (`{earlier}`) and {person}: each account is one person; list it under one of them"
                ),
                "claimed twice",
            );
        }
    }
}
