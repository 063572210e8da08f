//! One request per event and target, whatever receives it: a chat webhook
//! (`payload`), PagerDuty (`pagerduty`) or Grafana (`grafana`).

use super::{grafana, pagerduty, payload};
use crate::runbook::model::{Notify, NotifyKind, Runbook};
use crate::session::event::Event;
use crate::session::event::SessionMode;

/// What `deliver` sends. Holds secrets (the url, a routing key in the
/// body, a token in a header): never printed.
pub struct Request {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

pub fn request(n: &Notify, rb: &Runbook, e: &Event, mode: SessionMode) -> Request {
    match &n.kind {
        NotifyKind::Chat => Request {
            url: n.url.clone(),
            headers: Vec::new(),
            body: payload::body(n.format, rb, e, mode),
        },
        NotifyKind::PagerDuty {
            routing_key,
            status_url,
        } => Request {
            url: n.url.clone(),
            headers: Vec::new(),
            body: pagerduty::body(rb, e, mode, routing_key, status_url.as_deref()),
        },
        NotifyKind::Grafana {
            token,
            dashboard_uid,
            panel_id,
        } => Request {
            url: grafana::annotations_url(&n.url),
            headers: vec![("authorization", format!("Bearer {token}"))],
            body: grafana::body(rb, e, mode, dashboard_uid.as_deref(), *panel_id),
        },
    }
}
