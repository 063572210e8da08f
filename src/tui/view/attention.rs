//! What is not OK, in one place: the panes count it in their scroll
//! markers, the header totals it (a zoomed pane hides the others), so a
//! FAIL panel, a veto, an OPEN gate the next stage needs or a blocked step
//! is never scrolled away silently.

use crate::health::PanelState;
use crate::session::rules;
use crate::session::state::{GateStatus, Status, StepStatus};
use crate::tui::app::App;

/// A panel's word when it is not OK (UNKNOWN is "no poll yet", not a fault).
pub fn panel(app: &App, i: usize) -> Option<&'static str> {
    let p = app.runbook.panels.get(i)?;
    let st = app.story.panels.get(&p.id)?;
    match st.state {
        PanelState::Ok | PanelState::Unknown => None,
        s => Some(s.as_str()),
    }
}

/// How bad a panel's word is: FAIL first, then ERROR, STALE, WARN; OK last.
pub fn rank(word: Option<&str>) -> u8 {
    match word {
        Some("FAIL") => 0,
        Some("ERROR") => 1,
        Some("STALE") => 2,
        Some(_) => 3,
        None => 4,
    }
}

/// A step that needs a look: failed, or next in line (its `after` steps
/// done) in a running cutover yet refused by the rules (its gate not GO).
pub fn step(app: &App, i: usize) -> Option<&'static str> {
    let spec = app.runbook.steps.get(i)?;
    let st = app.story.state.steps.get(i)?;
    if st.status == StepStatus::Failed {
        return Some("failed");
    }
    let running = matches!(app.story.state.status, Status::Running | Status::Paused);
    let next = st.status == StepStatus::Pending
        && spec.after.iter().all(|a| {
            app.story
                .state
                .step(a)
                .is_some_and(|s| matches!(s.status, StepStatus::Done | StepStatus::Skipped))
        });
    (running
        && next
        && rules::may_start(
            &app.runbook,
            &app.story.state,
            i,
            &app.story.panels,
            app.now,
        )
        .is_err())
    .then_some("blocked")
}

/// Gate ids the cutover waits on next: the next stage's gate, and the
/// gates of steps next in line.
fn needed(app: &App) -> Vec<&str> {
    let mut out = Vec::new();
    let next = app.story.state.stage.map_or(0, |i| i + 1);
    if matches!(
        app.story.state.status,
        Status::Ready | Status::Running | Status::Paused
    ) && let Some(g) = app.runbook.stages.get(next).and_then(|s| s.gate.as_deref())
    {
        out.push(g);
    }
    for (i, s) in app.runbook.steps.iter().enumerate() {
        let pending = app
            .story
            .state
            .steps
            .get(i)
            .is_some_and(|st| st.status == StepStatus::Pending);
        let ready = s.after.iter().all(|a| {
            app.story
                .state
                .step(a)
                .is_some_and(|x| matches!(x.status, StepStatus::Done | StepStatus::Skipped))
        });
        if pending
            && ready
            && let Some(g) = s.gate.as_deref()
        {
            out.push(g);
        }
    }
    out
}

/// A gate's word: VETO when an item is vetoed, OPEN when it is not GO and
/// the cutover waits on it next.
pub fn gate(app: &App, gi: usize) -> Option<&'static str> {
    let g = app.runbook.gates.get(gi)?;
    let gs = app.story.state.gates.get(gi);
    if gs.is_some_and(|s| s.items.iter().any(|i| i.veto.is_some())) {
        return Some("VETO");
    }
    let open = gs.is_none_or(|s| s.status != GateStatus::Go);
    (open && needed(app).contains(&g.id.as_str())).then_some("OPEN")
}

/// A gate item's word: VETO.
pub fn item(app: &App, gi: usize, ii: usize) -> Option<&'static str> {
    app.story
        .state
        .gates
        .get(gi)
        .and_then(|g| g.items.get(ii))
        .and_then(|i| i.veto.as_ref())
        .map(|_| "VETO")
}

/// Everything not OK on the console: `2 FAIL, 1 VETO, 1 blocked`.
pub fn summary(app: &App) -> String {
    let mut panels: Vec<Option<&str>> = (0..app.runbook.panels.len())
        .map(|i| panel(app, i))
        .collect();
    panels.sort_by_key(|w| rank(*w));
    let gates = (0..app.runbook.gates.len()).map(|i| gate(app, i));
    let steps = (0..app.runbook.steps.len()).map(|i| step(app, i));
    super::scroll::note(panels.into_iter().chain(gates).chain(steps))
}
