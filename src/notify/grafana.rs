//! Grafana annotations: one per decision, on the dashboards the team
//! already watches.
//!
//! The shape, from Grafana's HTTP API reference ("Annotations API > Create
//! Annotation", grafana.com/docs/grafana/latest/developers/http_api/annotations/,
//! the legacy `/api` API that every Grafana since 4.6 serves): `POST
//! /api/annotations` with `Authorization: Bearer <service account token>`
//! and `{dashboardUID?, panelId?, time (epoch ms), timeEnd?, tags: [..],
//! text}`; the answer is `200 {"message":"Annotation added","id":N}`.
//! Without `dashboardUID` the annotation belongs to the organization and
//! shows on any dashboard that queries annotations by tag (`warroom`, the
//! cutover id, the event kind).

use serde_json::json;

use super::payload;
use crate::runbook::model::Runbook;
use crate::session::event::Event;
use crate::session::event::SessionMode;

/// Where annotations are posted, below Grafana's base url.
pub fn annotations_url(base: &str) -> String {
    format!("{}/api/annotations", base.trim_end_matches('/'))
}

/// The annotation for `e` (redacted of the runbook's secrets).
pub fn body(
    rb: &Runbook,
    e: &Event,
    mode: SessionMode,
    dashboard_uid: Option<&str>,
    panel_id: Option<i64>,
) -> String {
    // A rehearsal's or the demo's annotations carry their mode as a tag, so
    // a dashboard can hide them (the text is labelled too).
    let mut tags = vec![json!("warroom"), json!(rb.cutover.id), json!(e.body.kind())];
    if mode != SessionMode::Live {
        tags.push(json!(mode.as_str()));
    }
    let mut v = json!({
        "time": e.ts.timestamp_millis(),
        "tags": tags,
        "text": payload::text(rb, e, mode),
    });
    if let Some(uid) = dashboard_uid {
        v["dashboardUID"] = json!(uid);
    }
    if let Some(id) = panel_id {
        v["panelId"] = json!(id);
    }
    v.to_string()
}
