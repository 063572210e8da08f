//! Side effects of committed decisions: the runbook's pause / resume /
//! expand / rollback actions and step commands. They run as tasks and post
//! their `action_ran` (and, for a rollback, `rollback_finished`) back to
//! the loop, which journals them; nothing slow runs in `update`.
//!
//! Only the console that committed a decision runs its action: followed
//! events from other consoles never start anything here, so an action runs
//! once however many consoles are attached.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::actions::{self, ActionContext};
use crate::runbook::model::{ActionKind, Runbook};
use crate::session::event::{Event, EventBody, RollbackOutcome, SessionMode, StepOutcome, Trigger};

/// What a finished action asks the loop to journal.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDone {
    /// `action_ran`, then `rollback_finished` for a rollback or
    /// `step_finished` for an executed step command.
    pub events: Vec<EventBody>,
    /// A line for the operator when something failed.
    pub failure: Option<String>,
}

/// Everything a task needs, cloned out of the console.
#[derive(Clone)]
pub struct Effects {
    pub runbook: Arc<Runbook>,
    pub mode: SessionMode,
    /// False in a rehearsal without `--execute`: journal "not executed".
    pub execute: bool,
    pub client: reqwest::Client,
    pub done: UnboundedSender<ActionDone>,
}

fn stage_index(rb: &Runbook, name: Option<&str>) -> Option<usize> {
    name.and_then(|n| rb.stages.iter().position(|s| s.name == n))
}

fn describe_failure(body: &EventBody) -> Option<String> {
    if actions::succeeded(body) {
        return None;
    }
    match body {
        EventBody::ActionRan {
            action,
            exit_code,
            output_tail,
            webhook,
            ..
        } => {
            let code = exit_code
                .map(|c| format!("exit {c}"))
                .unwrap_or_else(|| "did not finish".into());
            let hook = webhook
                .as_ref()
                .map(|w| format!(", webhook {w}"))
                .unwrap_or_default();
            let last = output_tail
                .lines()
                .last()
                .map(|l| format!(": {l}"))
                .unwrap_or_default();
            Some(format!("{action} FAILED ({code}{hook}){last}"))
        }
        _ => None,
    }
}

impl Effects {
    /// Start the actions `events` (just committed by this console) call for.
    /// `stage_before` is the stage index before these events. Returns how
    /// many tasks started: each sends exactly one `ActionDone`, so the loop
    /// can wait for every result to be journaled before it exits.
    pub fn spawn_for(&self, events: &[Event], stage_before: Option<usize>) -> usize {
        let mut started = 0;
        for ev in events {
            let ctx = |action: &str, from, to, reason: &str| {
                ActionContext::for_transition(
                    &self.runbook,
                    action,
                    from,
                    to,
                    &ev.operator,
                    reason,
                    self.mode,
                )
            };
            match &ev.body {
                EventBody::Paused { reason, .. } => {
                    self.spawn_action(
                        ActionKind::Pause,
                        ctx("pause", stage_before, stage_before, reason),
                        None,
                    );
                }
                EventBody::Resumed { reason, .. } => {
                    self.spawn_action(
                        ActionKind::Resume,
                        ctx("resume", stage_before, stage_before, reason),
                        None,
                    );
                }
                EventBody::Expanded {
                    from_stage,
                    to_stage,
                    override_reason,
                    ..
                } => {
                    let from = stage_index(&self.runbook, from_stage.as_deref());
                    let to = stage_index(&self.runbook, Some(to_stage));
                    let reason = override_reason.clone().unwrap_or_default();
                    self.spawn_action(ActionKind::Expand, ctx("expand", from, to, &reason), None)
                }
                EventBody::RollbackStarted {
                    trigger, reason, ..
                } => {
                    self.spawn_action(
                        ActionKind::Rollback,
                        ctx("rollback", stage_before, None, reason),
                        Some((*trigger, reason.clone())),
                    );
                }
                EventBody::StepStarted { step } => {
                    if self.runbook.step(step).is_some_and(|s| s.run.is_some()) {
                        let c = ctx("step", stage_before, stage_before, "");
                        self.spawn_step(step.clone(), c);
                    } else {
                        continue;
                    }
                }
                _ => continue,
            }
            started += 1;
        }
        started
    }

    fn spawn_action(
        &self,
        kind: ActionKind,
        ctx: ActionContext,
        rollback: Option<(Trigger, String)>,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            let ran = actions::execute(&me.runbook, kind, ctx, me.execute, &me.client).await;
            let mut done = ActionDone {
                events: vec![],
                failure: None,
            };
            let ok = ran.as_ref().is_none_or(actions::succeeded);
            if let Some(body) = ran {
                done.failure = describe_failure(&body);
                done.events.push(body);
            }
            // A rollback is finished when its action is: done if it
            // succeeded (or there was nothing to run), failed otherwise.
            if let Some((trigger, reason)) = rollback {
                let outcome = if ok {
                    RollbackOutcome::Done
                } else {
                    RollbackOutcome::Failed
                };
                done.events.push(EventBody::RollbackFinished {
                    trigger,
                    reason,
                    outcome,
                });
            }
            let _ = me.done.send(done);
        });
    }

    fn spawn_step(&self, step: String, ctx: ActionContext) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut done = ActionDone {
                events: vec![],
                failure: None,
            };
            if let Some(s) = me.runbook.step(&step)
                && let Some(body) = actions::execute_step(&me.runbook, s, ctx, me.execute).await
            {
                done.failure = describe_failure(&body);
                // The command's exit code is the step's outcome. A command a
                // rehearsal did not execute leaves the step to the people.
                let executed = matches!(body, EventBody::ActionRan { executed: true, .. });
                let outcome = if actions::succeeded(&body) {
                    StepOutcome::Done
                } else {
                    StepOutcome::Failed
                };
                done.events.push(body);
                if executed {
                    done.events.push(EventBody::StepFinished { step, outcome });
                }
            }
            let _ = me.done.send(done);
        });
    }
}
