//! Links (panel `dashboard`, step `link`) and `[[notify]]` targets:
//! chat webhooks, PagerDuty change events, Grafana annotations.

use super::ctx::Ctx;
use crate::runbook::model::{Links, Notify, NotifyFormat, NotifyKind};
use crate::runbook::raw::{RawNotify, RawRunbook};

/// Event kinds a `[[notify]]` may ask for: every kind of the journal
/// except `notified` itself (a notification about a notification would
/// never end).
pub const NOTIFIABLE: &[&str] = &[
    "session_opened",
    "operator_attached",
    "operator_detached",
    "cutover_started",
    "signed",
    "withdrawn",
    "vetoed",
    "veto_lifted",
    "gate_go",
    "gate_reopened",
    "refused",
    "step_started",
    "step_finished",
    "paused",
    "resumed",
    "action_requested",
    "action_withdrawn",
    "expanded",
    "expand_refused",
    "rollback_started",
    "rollback_finished",
    "guard_fired",
    "action_ran",
    "note",
    "completed",
    "analysis_verdict",
    "auto_expand_announced",
    "auto_expand_stopped",
];

/// `on` when a `[[notify]]` gives none: the decisions people wait for.
pub const DEFAULT_ON: &[&str] = &[
    "gate_go",
    "expanded",
    "paused",
    "resumed",
    "rollback_started",
    "rollback_finished",
    "guard_fired",
    "vetoed",
    "completed",
    // Someone on the call may want to hold it.
    "auto_expand_announced",
];

/// `on` for `kind = "pagerduty"`: the changes to production (a change
/// event says what changed, not that something is wrong), begin to end.
pub const PAGERDUTY_DEFAULT_ON: &[&str] = &[
    "cutover_started",
    "expanded",
    "paused",
    "resumed",
    "rollback_started",
    "rollback_finished",
    "completed",
];

/// `on` for `kind = "grafana"`: one annotation per decision, so the
/// dashboards show when each was taken: begin, sign-off and veto, gate
/// GO, step start, expand, pause, resume, rollback, and the end.
pub const GRAFANA_DEFAULT_ON: &[&str] = &[
    "cutover_started",
    "signed",
    "vetoed",
    "gate_go",
    "step_started",
    "expanded",
    "paused",
    "resumed",
    "rollback_started",
    "rollback_finished",
    "completed",
];

/// PagerDuty's endpoint for change events (`url` overrides it).
pub const PAGERDUTY_CHANGE_URL: &str = "https://events.pagerduty.com/v2/change/enqueue";

/// Dashboards and step links: plain http(s) urls (no `${NAME}`: they are
/// shown to people, so they must not hold secrets).
pub fn links(cx: &mut Ctx, raw: &RawRunbook) -> Links {
    let mut out = Links::default();
    for p in &raw.panels {
        if let Some(d) = &p.dashboard {
            let what = format!("panel `{}` dashboard", p.id.get_ref());
            cx.url(d, d.get_ref(), &what);
            out.dashboards
                .insert(p.id.get_ref().clone(), d.get_ref().clone());
        }
    }
    for s in &raw.steps {
        if let Some(l) = &s.link {
            let what = format!("step `{}` link", s.id.get_ref());
            cx.url(l, l.get_ref(), &what);
            out.steps
                .insert(s.id.get_ref().clone(), l.get_ref().clone());
        }
    }
    out
}

pub fn targets(cx: &mut Ctx, raw: &[RawNotify]) -> Vec<Notify> {
    let mut out = Vec::new();
    for (i, n) in raw.iter().enumerate() {
        let what = format!("notify #{}", i + 1);
        // A bad kind word is one error; `on` is still checked (one run
        // reports every problem).
        let kind = kind_word(cx, n, &what);
        let default_on = match kind.as_deref() {
            Some("pagerduty") => PAGERDUTY_DEFAULT_ON,
            Some("grafana") => GRAFANA_DEFAULT_ON,
            _ => DEFAULT_ON,
        };
        let on = on_kinds(cx, n, &what, default_on);
        let Some(kind) = kind else {
            continue;
        };
        misplaced_keys(cx, n, &kind, &what);
        let url = if crate::runbook::raw::is_missing(&n.url) && kind == "pagerduty" {
            PAGERDUTY_CHANGE_URL.to_string()
        } else {
            let url = cx.expand(&n.url);
            cx.url(&n.url, &url, &what);
            url
        };
        let kind = match kind.as_str() {
            "pagerduty" => {
                let Some(key) = n.routing_key.as_ref() else {
                    continue; // reported as a missing key
                };
                let routing_key = cx.expand(key);
                cx.secret(&routing_key);
                if let Some(s) = &n.status_url {
                    cx.url(s, s.get_ref(), &format!("{what} status_url"));
                }
                NotifyKind::PagerDuty {
                    routing_key,
                    status_url: n.status_url.as_ref().map(|s| s.get_ref().clone()),
                }
            }
            "grafana" => {
                let Some(t) = n.token.as_ref() else {
                    continue; // reported as a missing key
                };
                let token = cx.expand(t);
                cx.secret(&token);
                NotifyKind::Grafana {
                    token,
                    dashboard_uid: n.dashboard_uid.as_ref().map(|s| s.get_ref().clone()),
                    panel_id: n.panel_id.as_ref().map(|p| *p.get_ref()),
                }
            }
            _ => NotifyKind::Chat,
        };
        let format = match n
            .format
            .as_ref()
            .or(n.kind.as_ref())
            .map(|f| f.get_ref().as_str())
        {
            Some("teams") => NotifyFormat::Teams,
            Some("json") => NotifyFormat::Json,
            _ => NotifyFormat::Slack,
        };
        out.push(Notify {
            url,
            format,
            on,
            kind,
        });
    }
    out
}

/// The target's kind word, from `kind` or its older name `format` (which
/// takes only the chat shapes); `None` after reporting a bad word.
fn kind_word(cx: &mut Ctx, n: &RawNotify, what: &str) -> Option<String> {
    use crate::runbook::words::{NOTIFY_FORMATS, NOTIFY_KINDS};
    match (&n.kind, &n.format) {
        (Some(k), Some(_)) => {
            cx.error(
                k.span(),
                format!("{what}: give `kind` or `format`, not both (`format` is the older name of `kind`)"),
            );
            None
        }
        (Some(k), None) => {
            if NOTIFY_KINDS.contains(&k.get_ref().as_str()) {
                Some(k.get_ref().clone())
            } else {
                cx.one_of(k, "notify kind", k.get_ref(), NOTIFY_KINDS);
                None
            }
        }
        (None, Some(f)) => {
            if NOTIFY_FORMATS.contains(&f.get_ref().as_str()) {
                Some(f.get_ref().clone())
            } else {
                cx.one_of(f, "notify format", f.get_ref(), NOTIFY_FORMATS);
                None
            }
        }
        (None, None) => Some("slack".into()),
    }
}

fn on_kinds(cx: &mut Ctx, n: &RawNotify, what: &str, default_on: &[&str]) -> Vec<String> {
    match &n.on {
        None => default_on.iter().map(|k| k.to_string()).collect(),
        Some(list) => {
            if list.get_ref().is_empty() {
                cx.error(
                    list.span(),
                    format!("{what}: `on` is empty: nothing would ever be sent"),
                );
            }
            for k in list.get_ref() {
                if !NOTIFIABLE.contains(&k.get_ref().as_str()) {
                    cx.one_of(k, "notify event kind", k.get_ref(), NOTIFIABLE);
                }
            }
            list.get_ref().iter().map(|k| k.get_ref().clone()).collect()
        }
    }
}

/// A key for another kind of receiver is a mistake (a `token` on a Slack
/// target would silently never be sent): refused where it is written.
fn misplaced_keys(cx: &mut Ctx, n: &RawNotify, kind: &str, what: &str) {
    let spans = [
        (
            "routing_key",
            "pagerduty",
            n.routing_key.as_ref().map(|v| v.span()),
        ),
        (
            "status_url",
            "pagerduty",
            n.status_url.as_ref().map(|v| v.span()),
        ),
        ("token", "grafana", n.token.as_ref().map(|v| v.span())),
        (
            "dashboard_uid",
            "grafana",
            n.dashboard_uid.as_ref().map(|v| v.span()),
        ),
        ("panel_id", "grafana", n.panel_id.as_ref().map(|v| v.span())),
    ];
    for (key, for_kind, span) in spans {
        if let Some(span) = span
            && kind != for_kind
        {
            cx.error(
                span,
                format!("{what}: `{key}` is for kind = \"{for_kind}\", not \"{kind}\""),
            );
        }
    }
}
