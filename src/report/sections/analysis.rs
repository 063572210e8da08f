//! The canary analysis: every verdict, automatic expand and its stop, in
//! journal order, with the numbers (only when the cutover had any).

use super::Ctx;
use crate::report::doc::Doc;
use crate::session::event::{EventBody, Trigger};

pub fn analysis(cx: &Ctx, doc: &mut Doc) {
    let items: Vec<_> = cx
        .events
        .iter()
        .filter(|e| {
            matches!(
                &e.body,
                EventBody::AnalysisVerdict { .. }
                    | EventBody::AutoExpandAnnounced { .. }
                    | EventBody::AutoExpandStopped { .. }
                    | EventBody::Expanded {
                        automatic: true,
                        ..
                    }
                    | EventBody::Paused {
                        trigger: Trigger::Analysis,
                        ..
                    }
            )
        })
        .map(|e| cx.event_item(e))
        .collect();
    if items.is_empty() {
        return;
    }
    doc.h(2, "Canary analysis");
    doc.list_or(items, "None.");
}
