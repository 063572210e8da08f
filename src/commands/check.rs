//! `warroom check` and `check --probe`: validate a runbook, print what it
//! was read as, and optionally poll every panel once.

use std::path::Path;

use super::output::{EXIT_FAILURE, EXIT_INVALID, Output, write_out};
use crate::health::units::format_threshold;
use crate::runbook::model::{ActionKind, Step, StepPhase, Threshold};
use crate::runbook::{self, Loaded, Runbook};

/// `warroom check --probe`: validate, then poll every panel once.
pub fn probe(path: &Path, out: Output) -> u8 {
    match runbook::load(path) {
        Ok(loaded) => {
            write_out(summary(path, &loaded, out).as_bytes());
            let code = crate::health::probe::run(&loaded.runbook, out.color);
            u8::try_from(code).unwrap_or(EXIT_FAILURE)
        }
        Err(err) => {
            eprint!("{}", err.render(out.color));
            EXIT_INVALID
        }
    }
}

/// `warroom check`: load, validate, print the summary and warnings.
pub fn check(path: &Path, out: Output) -> u8 {
    match runbook::load(path) {
        Ok(loaded) => write_out(summary(path, &loaded, out).as_bytes()),
        Err(err) => {
            eprint!("{}", err.render(out.color));
            EXIT_INVALID
        }
    }
}

/// The text `check` prints for a valid runbook.
pub fn summary(path: &Path, loaded: &Loaded, out: Output) -> String {
    let rb: &Runbook = &loaded.runbook;
    let c = &rb.cutover;
    let strategy = match c.strategy {
        runbook::model::Strategy::Phased => "phased",
        runbook::model::Strategy::BigBang => "big-bang",
        runbook::model::Strategy::Canary => "canary",
    };
    let deadline = match c.rollback_deadline {
        None => "none".to_string(),
        Some(runbook::model::Deadline::After(d)) => {
            format!("{} after start", crate::timefmt::duration(d))
        }
        Some(runbook::model::Deadline::At(t)) => t.to_rfc3339(),
    };
    let irreversible = rb.steps.iter().filter(|s| s.irreversible).count();
    let ladder: Vec<String> = rb
        .stages
        .iter()
        .map(|s| format!("{} {}%", s.name, s.exposure))
        .collect();
    let mut s = String::new();
    s.push_str(&format!("{}: ok\n", crate::untrusted::show_path(path)));
    s.push_str(&format!("  {} ({})\n", c.title, c.id));
    s.push_str(&format!("  strategy:          {strategy}\n"));
    s.push_str(&format!(
        "  stages:            {}{}\n",
        rb.stages.len(),
        if ladder.is_empty() {
            String::new()
        } else {
            format!(" ({})", ladder.join(" -> "))
        }
    ));
    for st in &rb.stages {
        s.push_str(&format!(
            "    {:<16} {:>6}%  bake {:<8} gate {}\n",
            st.name,
            st.exposure,
            crate::timefmt::duration(st.bake),
            st.gate.as_deref().unwrap_or("-")
        ));
    }
    s.push_str(&format!("  gates:             {}\n", rb.gates.len()));
    s.push_str(&format!(
        "  steps:             {} ({irreversible} irreversible)\n",
        rb.steps.len()
    ));
    for st in &rb.steps {
        s.push_str(&format!("    {:<16} {}\n", st.id, step_terms(st)));
    }
    s.push_str(&format!("  point of no return: {}\n", no_return(rb)));
    s.push_str(&who_may_act(rb));
    s.push_str(&format!("  panels:            {}\n", rb.panels.len()));
    for p in &rb.panels {
        let shown =
            |t: Option<Threshold>| t.map_or("-".to_string(), |t| format_threshold(&t, p.unit));
        s.push_str(&format!(
            "    {:<16} every {:<6} warn {:<12} fail {}\n",
            p.id,
            crate::timefmt::duration(p.every),
            shown(p.warn),
            shown(p.fail)
        ));
    }
    s.push_str(&format!("  guards:            {}\n", rb.guards.len()));
    s.push_str(&format!("  rollback deadline: {deadline}\n"));
    // Each target by the name the journal gives it, never its url or key.
    for (i, n) in rb.notify.iter().enumerate() {
        s.push_str(&format!(
            "  notify {:<11} on {}\n",
            n.target(i),
            n.on.join(", ")
        ));
    }
    for w in &loaded.warnings {
        s.push_str(&w.render(path, &read_or_empty(path), out.color));
    }
    if !loaded.warnings.is_empty() {
        s.push_str(&format!("  {} warning(s)\n", loaded.warnings.len()));
    }
    rb.redact(&s)
}

/// A step's place in the plan: what it waits for and what it is.
fn step_terms(st: &Step) -> String {
    let mut t: Vec<String> = Vec::new();
    if let Some(g) = &st.gate {
        t.push(format!("gate {g}"));
    }
    if !st.after.is_empty() {
        t.push(format!("after {}", st.after.join(", ")));
    }
    if let Some(need) = &st.stage {
        t.push(format!(
            "stage {}{}",
            need.stage,
            if need.baked { " baked" } else { " reached" }
        ));
    }
    if let Some(o) = &st.owner {
        t.push(format!("owner {o}"));
    }
    if st.phase == StepPhase::Close {
        t.push("close (also after the end)".into());
    }
    if st.irreversible {
        t.push("IRREVERSIBLE".into());
    }
    if t.is_empty() {
        "-".into()
    } else {
        t.join("; ")
    }
}

/// Where the point of no return is: the first irreversible step, and
/// what must have happened before it may start.
fn no_return(rb: &Runbook) -> String {
    let Some(step) = rb.point_of_no_return() else {
        return "none (rollback stays possible throughout)".into();
    };
    let n = rb
        .steps
        .iter()
        .position(|s| s.id == step.id)
        .map_or(0, |i| i + 1);
    format!(
        "step {} ({n} of {}): from its start rollback is refused on every path; rollback guards pause instead",
        step.id,
        rb.steps.len()
    )
}

/// Who may do what, live: `[operators]` as the allow-list, each action's
/// roles, two-person actions. Rehearsals and demos let anyone act.
fn who_may_act(rb: &Runbook) -> String {
    let mut s = String::from("  who may act:\n");
    let listed = match &rb.operators {
        None => "anyone (no [operators])".to_string(),
        Some(ops) => {
            let names: Vec<String> = ops
                .iter()
                .map(|o| format!("{} ({})", o.name, o.roles.join(", ")))
                .collect();
            format!(
                "only [operators]: {}; others watch and note",
                names.join(", ")
            )
        }
    };
    s.push_str(&format!("    live:            {listed}\n"));
    s.push_str("    rehearse, demo:  anyone, as anyone\n");
    let anyone = if rb.operators.is_some() {
        "any listed operator"
    } else {
        "anyone"
    };
    let roles = |r: &[String]| {
        if r.is_empty() {
            anyone.to_string()
        } else {
            format!("role {}", r.join(" or "))
        }
    };
    s.push_str(&format!(
        "    begin            {}\n",
        roles(&rb.actions.begin_roles)
    ));
    for kind in [
        ActionKind::Pause,
        ActionKind::Resume,
        ActionKind::Expand,
        ActionKind::Rollback,
    ] {
        let Some(a) = rb.actions.get(kind) else {
            continue;
        };
        s.push_str(&format!(
            "    {:<16} {}{}\n",
            kind.as_str(),
            roles(&a.roles),
            if a.two_person {
                "; two persons (a second one confirms)"
            } else {
                ""
            }
        ));
    }
    s
}

fn read_or_empty(path: &Path) -> String {
    runbook::read_bounded(path).unwrap_or_default()
}
