//! Second-wave links (panel `dashboard`, step `link`) and `[[notify]]`
//! chat targets.

use super::ctx::Ctx;
use crate::runbook::model::{Links, Notify, NotifyFormat};
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
        let url = cx.expand(&n.url);
        cx.url(&n.url, &url, &what);
        let format = match n.format.as_ref() {
            None => Some(NotifyFormat::Slack),
            Some(f) => match f.get_ref().as_str() {
                "slack" => Some(NotifyFormat::Slack),
                "teams" => Some(NotifyFormat::Teams),
                "json" => Some(NotifyFormat::Json),
                other => {
                    cx.one_of(
                        f,
                        "notify format",
                        other,
                        crate::runbook::words::NOTIFY_FORMATS,
                    );
                    None
                }
            },
        };
        let on: Vec<String> = match &n.on {
            None => DEFAULT_ON.iter().map(|k| k.to_string()).collect(),
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
        };
        if let Some(format) = format {
            out.push(Notify { url, format, on });
        }
    }
    out
}
