//! The guards a console fired by itself while the journal did not answer
//! (see `conductor::outage_judge`), shared with its writer's judge so that stale
//! statuses still queued for the writer do not fire them a second time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// Guards this console fired while the journal did not answer, by guard
/// key, with the start of the breach they fired for. Shared with the
/// writer's judge.
#[derive(Debug, Default, Clone)]
pub struct LocalFires(Arc<Mutex<BTreeMap<String, DateTime<Utc>>>>);

impl LocalFires {
    pub fn record(&self, key: &str, breach_since: DateTime<Utc>) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.insert(key.to_string(), breach_since);
    }

    /// Did this console already act on the breach of `key` that began at
    /// `since`?
    pub fn covers(&self, key: &str, since: DateTime<Utc>) -> bool {
        let m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.get(key).is_some_and(|s| since <= *s)
    }

    /// The journal took the late decision in `events` (its `guard_fired`):
    /// the journal's own record (`guard_last_fired`) rules from here.
    pub fn forget(&self, events: &[crate::session::event::EventBody]) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for e in events {
            if let crate::session::event::EventBody::GuardFired {
                panel, when, then, ..
            } = e
            {
                m.remove(&crate::session::reduce::guard_key_of(panel, *when, *then));
            }
        }
    }
}
