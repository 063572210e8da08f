//! The plan: gates, the stage ladder, and the steps with their ordering.

use std::time::Duration;

use super::ctx::{Ctx, IdRule, Seen};
use crate::runbook::model::{Gate, GateItem, Stage, StageNeed, Step, StepPhase};
use crate::runbook::raw::{RawGate, RawRunbook, RawStage, RawStep, is_missing};
use crate::runbook::words;

const STEP_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Ids that other sections refer to.
pub struct Names {
    pub roles: Vec<String>,
    pub panels: Vec<String>,
    pub gates: Vec<String>,
    pub stages: Vec<String>,
}

pub fn gates(cx: &mut Ctx, raw: &[RawGate], names: &Names) -> Vec<Gate> {
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for g in raw {
        cx.id(&g.id, "gate id", IdRule::Name);
        cx.unique(&mut seen, &g.id, "gate");
        cx.non_empty(&g.title, "gate title");
        if g.items.is_empty() {
            cx.error(
                g.id.span(),
                format!(
                    "gate `{}` has no items: it would be GO without anyone signing",
                    g.id.get_ref()
                ),
            );
        }
        let items = g
            .items
            .iter()
            .map(|it| {
                cx.non_empty(&it.text, "gate item text");
                if let Some(r) = &it.role {
                    cx.reference(r, &names.roles, "role");
                }
                if let Some(p) = &it.panel {
                    cx.reference(p, &names.panels, "panel");
                }
                if let (Some(f), None) = (&it.for_, &it.panel) {
                    cx.error(
                        f.span(),
                        "`for` applies only to an automatic item (one with `panel`)",
                    );
                }
                GateItem {
                    text: it.text.get_ref().clone(),
                    role: it.role.as_ref().map(|r| r.get_ref().clone()),
                    panel: it.panel.as_ref().map(|p| p.get_ref().clone()),
                    for_: cx.duration(it.for_.as_ref(), "for", Duration::ZERO),
                }
            })
            .collect();
        out.push(Gate {
            id: g.id.get_ref().clone(),
            title: g.title.get_ref().clone(),
            two_person: g.two_person,
            items,
        });
    }
    out
}

/// A gate that no stage and no step names holds nothing back: operators
/// would sign it while the moves it was meant to guard ran without it.
pub fn unused_gates(cx: &mut Ctx, raw: &RawRunbook) {
    let used = |id: &str| {
        raw.stages
            .iter()
            .filter_map(|s| s.gate.as_ref())
            .chain(raw.steps.iter().filter_map(|s| s.gate.as_ref()))
            .any(|g| g.get_ref() == id)
    };
    for g in &raw.gates {
        let id = g.id.get_ref();
        if is_missing(&g.id) || used(id) {
            continue;
        }
        cx.error_labeled(
            g.id.span(),
            format!(
                "gate `{id}` gates nothing: no stage and no step names it; attach it with `gate = \"{id}\"` on the [[stages]] entry or [[steps]] entry it must hold back"
            ),
            "not used by any stage or step",
        );
    }
}

pub fn stages(cx: &mut Ctx, raw: &[RawStage], names: &Names) -> Vec<Stage> {
    let mut seen = Seen::default();
    let mut previous: Option<(f64, String)> = None;
    let mut out = Vec::new();
    for s in raw {
        cx.non_empty(&s.name, "stage name");
        cx.unique(&mut seen, &s.name, "stage");
        let exposure = *s.exposure.get_ref();
        let name = s.name.get_ref();
        if is_missing(&s.exposure) {
            // reported once as a missing key
        } else if !(exposure > 0.0 && exposure <= 100.0) {
            cx.error_labeled(
                s.exposure.span(),
                format!("stage `{name}`: exposure {exposure} is outside (0, 100]: it is a percent"),
                "not a percent",
            );
        } else if let Some((prev, prev_name)) = &previous
            && exposure <= *prev
        {
            cx.error_labeled(
                    s.exposure.span(),
                    format!(
                        "stage `{name}`: exposure {exposure} does not increase (previous stage `{prev_name}` has {prev}): stages climb in order"
                    ),
                    "must be greater than the previous stage",
                );
        }
        if exposure > 0.0 && exposure <= 100.0 {
            previous = Some((exposure, name.clone()));
        }
        if let Some(g) = &s.gate {
            cx.reference(g, &names.gates, "gate");
        }
        let (analysis, advance, auto_countdown) = super::analysis::stage(cx, s);
        out.push(Stage {
            name: name.clone(),
            exposure,
            bake: cx.duration(s.bake.as_ref(), "bake", Duration::ZERO),
            gate: s.gate.as_ref().map(|g| g.get_ref().clone()),
            analysis,
            advance,
            auto_countdown,
        });
    }
    out
}

pub fn steps(cx: &mut Ctx, raw: &[RawStep], names: &Names) -> Vec<Step> {
    let mut seen = Seen::default();
    let ids: Vec<String> = raw.iter().map(|s| s.id.get_ref().clone()).collect();
    let mut out = Vec::new();
    for s in raw {
        let id = s.id.get_ref();
        cx.id(&s.id, "step id", IdRule::Name);
        cx.unique(&mut seen, &s.id, "step");
        cx.non_empty(&s.title, "step title");
        if let Some(o) = &s.owner {
            cx.reference(o, &names.roles, "role");
        }
        if let Some(g) = &s.gate {
            cx.reference(g, &names.gates, "gate");
        }
        for a in &s.after {
            if a.get_ref() == id {
                cx.error(a.span(), format!("step `{id}` cannot come after itself"));
            } else {
                cx.reference(a, &ids, "step");
            }
        }
        if let Some(run) = &s.run {
            cx.script(run, &format!("step `{id}`"));
        }
        let stage = s.stage.as_ref().map(|st| {
            cx.reference(st, &names.stages, "stage");
            StageNeed {
                stage: st.get_ref().clone(),
                baked: s.baked.as_ref().is_some_and(|b| *b.get_ref()),
            }
        });
        if let (Some(b), None) = (&s.baked, &s.stage) {
            cx.error(
                b.span(),
                format!("step `{id}`: `baked` applies only with `stage = \"NAME\"`"),
            );
        }
        let phase = match s.phase.as_ref().map(|p| (p, p.get_ref().as_str())) {
            None | Some((_, "main")) => StepPhase::Main,
            Some((_, "close")) => StepPhase::Close,
            Some((p, other)) => {
                cx.one_of(p, "step `phase`", other, words::STEP_PHASES);
                StepPhase::Main
            }
        };
        if phase == StepPhase::Close && s.irreversible {
            cx.error(
                s.id.span(),
                format!(
                    "step `{id}`: a `phase = \"close\"` step runs after the end and cannot be the point of no return (`irreversible`)"
                ),
            );
        }
        out.push(Step {
            id: id.clone(),
            title: s.title.get_ref().clone(),
            owner: s.owner.as_ref().map(|o| o.get_ref().clone()),
            expect: s
                .expect
                .as_ref()
                .map(|e| cx.duration(Some(e), "expect", Duration::ZERO)),
            gate: s.gate.as_ref().map(|g| g.get_ref().clone()),
            after: s.after.iter().map(|a| a.get_ref().clone()).collect(),
            run: s.run.as_ref().map(|r| r.get_ref().clone()),
            timeout: cx.timeout(s.timeout.as_ref(), STEP_TIMEOUT),
            notes: s.notes.clone(),
            irreversible: s.irreversible,
            stage,
            phase,
        });
    }
    cycles(cx, raw);
    out
}

/// Report every cycle in `after` once, naming it: "a -> b -> a".
fn cycles(cx: &mut Ctx, raw: &[RawStep]) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let index: std::collections::HashMap<&str, usize> = raw
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.get_ref().as_str(), i))
        .collect();
    let mut mark = vec![Mark::New; raw.len()];
    // Iterative DFS: a generated runbook may have thousands of steps.
    for root in 0..raw.len() {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Active;
        while let Some(top) = stack.last_mut() {
            let node = top.0;
            let after = &raw[node].after;
            if top.1 >= after.len() {
                mark[node] = Mark::Done;
                stack.pop();
                continue;
            }
            let dep = &after[top.1];
            top.1 += 1;
            let Some(&d) = index.get(dep.get_ref().as_str()) else {
                continue;
            };
            if d == node {
                continue; // reported as "after itself"
            }
            match mark[d] {
                Mark::New => {
                    mark[d] = Mark::Active;
                    stack.push((d, 0));
                }
                Mark::Active => {
                    let from = stack.iter().position(|(n, _)| *n == d).unwrap_or(0);
                    let mut names: Vec<&str> = stack[from..]
                        .iter()
                        .map(|(n, _)| raw[*n].id.get_ref().as_str())
                        .collect();
                    names.push(raw[d].id.get_ref());
                    cx.error_labeled(
                        dep.span(),
                        format!(
                            "steps wait for each other in a cycle: {}",
                            names.join(" -> ")
                        ),
                        "closes the cycle",
                    );
                }
                Mark::Done => {}
            }
        }
    }
}
