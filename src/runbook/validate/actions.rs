//! Actions (pause / resume / expand / rollback) and the guards that fire them.

use std::time::Duration;

use super::ctx::Ctx;
use super::plan::Names;
use crate::runbook::model::{Action, Actions, Guard, GuardThen, GuardWhen, Webhook};
use crate::runbook::raw::{RawAction, RawActions, RawGuard};
use crate::runbook::words;

const ACTION_TIMEOUT: Duration = Duration::from_secs(60);
const METHODS: [&str; 5] = ["POST", "PUT", "PATCH", "GET", "DELETE"];

/// `None` when there is no usable rollback (reported).
pub fn actions(cx: &mut Ctx, raw: Option<&RawActions>, names: &Names) -> Option<Actions> {
    let get = |f: fn(&RawActions) -> &Option<RawAction>| raw.and_then(|a| f(a).as_ref());
    let pause = get(|a| &a.pause).map(|a| action(cx, a, "pause", names));
    let resume = get(|a| &a.resume).map(|a| action(cx, a, "resume", names));
    let expand = get(|a| &a.expand).map(|a| action(cx, a, "expand", names));
    let rollback = get(|a| &a.rollback).map(|a| action(cx, a, "rollback", names));
    let begin_roles = raw
        .and_then(|a| a.begin.as_ref())
        .map(|b| roles(cx, &b.roles, names))
        .unwrap_or_default();
    let Some(rollback) = rollback else {
        let msg = "no [actions.rollback]: a cutover without a way back is refused (add [actions.rollback] with `run` and/or `webhook`)";
        match cx.table_span(&["actions"]) {
            Some(span) => cx.error(span, msg),
            None => cx.error_nowhere(msg),
        }
        return None;
    };
    Some(Actions {
        pause,
        resume,
        expand,
        rollback,
        begin_roles,
    })
}

fn roles(cx: &mut Ctx, raw: &[toml::Spanned<String>], names: &Names) -> Vec<String> {
    for r in raw {
        cx.reference(r, &names.roles, "role");
    }
    raw.iter().map(|r| r.get_ref().clone()).collect()
}

fn action(cx: &mut Ctx, raw: &RawAction, name: &str, names: &Names) -> Action {
    let what = format!("action `{name}`");
    if raw.run.is_none() && raw.webhook.is_none() {
        let span = cx.table_span(&["actions", name]);
        cx.error_at(
            span,
            format!("{what} does nothing: give it `run` (a shell command) and/or `webhook`"),
        );
    }
    if let Some(run) = &raw.run {
        cx.script(run, &what);
    }
    let webhook = raw.webhook.as_ref().map(|w| {
        let url = cx.expand_url(&w.url);
        cx.url(&w.url, &url, &format!("{what} webhook"));
        let method = match &w.method {
            None => "POST".to_string(),
            Some(m) => {
                let upper = m.get_ref().to_ascii_uppercase();
                if !METHODS.contains(&upper.as_str()) {
                    cx.error(
                        m.span(),
                        format!(
                            "{what}: webhook method \"{}\" is not one of {}",
                            m.get_ref(),
                            METHODS.join(", ")
                        ),
                    );
                }
                upper
            }
        };
        let headers = w
            .headers
            .0
            .iter()
            .map(|(k, v)| (k.get_ref().clone(), cx.expand(v)))
            .collect();
        Webhook {
            url,
            method,
            headers,
        }
    });
    Action {
        run: raw.run.as_ref().map(|r| r.get_ref().clone()),
        webhook,
        timeout: cx.timeout(raw.timeout.as_ref(), ACTION_TIMEOUT),
        two_person: raw.two_person,
        roles: roles(cx, &raw.roles, names),
    }
}

pub fn guards(cx: &mut Ctx, raw: &[RawGuard], names: &Names) -> Vec<Guard> {
    let mut out = Vec::new();
    for g in raw {
        cx.reference(&g.panel, &names.panels, "panel");
        let when = match g.when.get_ref().as_str() {
            "fail" => Some(GuardWhen::Fail),
            "warn" => Some(GuardWhen::Warn),
            "stale" => Some(GuardWhen::Stale),
            other => {
                cx.one_of(&g.when, "guard `when`", other, words::GUARD_WHEN);
                None
            }
        };
        let then = match g.then.get_ref().as_str() {
            "pause" => Some(GuardThen::Pause),
            "rollback" => Some(GuardThen::Rollback),
            other => {
                cx.one_of(&g.then, "guard `then`", other, words::GUARD_THEN);
                None
            }
        };
        let for_ = cx.duration(g.for_.as_ref(), "for", Duration::ZERO);
        let override_for = cx.duration(
            g.override_for.as_ref(),
            "override_for",
            crate::runbook::model::DEFAULT_OVERRIDE_FOR,
        );
        if let (Some(when), Some(then)) = (when, then) {
            out.push(Guard {
                panel: g.panel.get_ref().clone(),
                when,
                for_,
                then,
                override_for,
            });
        }
    }
    out
}
