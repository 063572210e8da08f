//! What an action knows about the moment it runs, and the two ways it is
//! handed over: environment variables for commands, a JSON body for webhooks.
//!
//! The context is never spliced into a command's text: an operator's reason
//! like `$(rm -rf /)` reaches the command only as the value of
//! `WARROOM_REASON`, where the shell does not interpret it.

use serde::Serialize;

use crate::runbook::model::Runbook;
use crate::session::event::SessionMode;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionContext {
    /// The runbook's `cutover.id`.
    pub cutover: String,
    /// `pause`, `resume`, `expand`, `rollback`, or `step:<id>`.
    pub action: String,
    /// The stage the cutover is in after the action (for `expand`: the stage
    /// being entered); `None` before the first stage.
    pub stage: Option<String>,
    /// Percent exposed after the action.
    pub exposure: f64,
    /// Percent exposed before the action.
    pub previous_exposure: f64,
    pub operator: String,
    pub reason: String,
    /// `live` or `rehearsal` (see [`mode_str`]).
    pub mode: String,
    /// The conductor's epoch that ran it (`WARROOM_FENCE`, the webhook's
    /// `X-Warroom-Fence` header and `fence` field): it grows with every
    /// conductor, so a target that remembers the highest it has seen can
    /// refuse a stale conductor's late call. `None` for an action a console
    /// ran while the journal could not say who conducts.
    pub fence: Option<u64>,
    /// The run token its processes carry (`_WARROOM_RUN`), chosen before
    /// `action_started` is journaled so a takeover can find them; `None`:
    /// the runner makes one.
    #[serde(skip)]
    pub run_token: Option<String>,
}

/// The `WARROOM_MODE` word for a session mode. The format knows two words:
/// a demo is practice, so it is `rehearsal` (its actions do run, against the
/// embedded simulated service).
pub fn mode_str(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::Live => "live",
        SessionMode::Rehearsal | SessionMode::Demo => "rehearsal",
    }
}

/// A number as a script wants it: `5`, not `5.0`; `0.5` stays `0.5`.
fn number(v: f64) -> String {
    format!("{v}")
}

impl ActionContext {
    /// The context of a move between two stages (indexes into
    /// `runbook.stages`; `None` = before the first stage, exposure 0):
    /// `expand` from the current stage to the next, `rollback` from the
    /// current stage to `None`, `pause`/`resume` and steps from the current
    /// stage to itself.
    pub fn for_transition(
        runbook: &Runbook,
        action: &str,
        from: Option<usize>,
        to: Option<usize>,
        operator: &str,
        reason: &str,
        mode: SessionMode,
    ) -> ActionContext {
        let stage = |i: Option<usize>| i.and_then(|i| runbook.stages.get(i));
        ActionContext {
            cutover: runbook.cutover.id.clone(),
            action: action.to_string(),
            stage: stage(to).map(|s| s.name.clone()),
            exposure: stage(to).map_or(0.0, |s| s.exposure),
            previous_exposure: stage(from).map_or(0.0, |s| s.exposure),
            operator: operator.to_string(),
            reason: reason.to_string(),
            mode: mode_str(mode).to_string(),
            fence: None,
            run_token: None,
        }
    }

    /// The environment variables a command receives, in a fixed order.
    /// A missing stage is the empty string.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("WARROOM_CUTOVER", self.cutover.clone()),
            ("WARROOM_ACTION", self.action.clone()),
            ("WARROOM_STAGE", self.stage.clone().unwrap_or_default()),
            ("WARROOM_EXPOSURE", number(self.exposure)),
            ("WARROOM_PREVIOUS_EXPOSURE", number(self.previous_exposure)),
            ("WARROOM_OPERATOR", self.operator.clone()),
            ("WARROOM_REASON", self.reason.clone()),
            ("WARROOM_MODE", self.mode.clone()),
            (
                "WARROOM_FENCE",
                self.fence.map(|f| f.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// The webhook body: the same fields, lowercase, without the prefix;
    /// a missing stage is `null`, exposures are numbers.
    pub fn webhook_body(&self) -> serde_json::Value {
        serde_json::json!({
            "cutover": self.cutover,
            "action": self.action,
            "stage": self.stage,
            "exposure": self.exposure,
            "previous_exposure": self.previous_exposure,
            "operator": self.operator,
            "reason": self.reason,
            "mode": self.mode,
            "fence": self.fence,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ctx() -> ActionContext {
        ActionContext {
            cutover: "checkout-v2".into(),
            action: "expand".into(),
            stage: Some("five".into()),
            exposure: 5.0,
            previous_exposure: 0.5,
            operator: "alice".into(),
            reason: "bake passed".into(),
            mode: "live".into(),
            fence: Some(42),
            run_token: None,
        }
    }

    #[test]
    fn env_vars_carry_every_field_with_plain_numbers() {
        let env: std::collections::BTreeMap<_, _> = ctx().env_vars().into_iter().collect();
        assert_eq!(env["WARROOM_CUTOVER"], "checkout-v2");
        assert_eq!(env["WARROOM_ACTION"], "expand");
        assert_eq!(env["WARROOM_STAGE"], "five");
        assert_eq!(env["WARROOM_EXPOSURE"], "5");
        assert_eq!(env["WARROOM_PREVIOUS_EXPOSURE"], "0.5");
        assert_eq!(env["WARROOM_OPERATOR"], "alice");
        assert_eq!(env["WARROOM_REASON"], "bake passed");
        assert_eq!(env["WARROOM_MODE"], "live");
        assert_eq!(env["WARROOM_FENCE"], "42");
        assert_eq!(env.len(), 9);
    }

    #[test]
    fn missing_stage_is_empty_in_env_and_null_in_json() {
        let mut c = ctx();
        c.stage = None;
        let env: std::collections::BTreeMap<_, _> = c.env_vars().into_iter().collect();
        assert_eq!(env["WARROOM_STAGE"], "");
        assert!(c.webhook_body()["stage"].is_null());
    }

    #[test]
    fn webhook_body_has_the_same_fields_lowercase() {
        let body = ctx().webhook_body();
        let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
        let mut expected = vec![
            "cutover",
            "action",
            "stage",
            "exposure",
            "previous_exposure",
            "operator",
            "reason",
            "mode",
            "fence",
        ];
        expected.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, expected);
        assert_eq!(body["exposure"], 5.0);
    }

    #[test]
    fn demo_runs_as_rehearsal() {
        assert_eq!(mode_str(SessionMode::Live), "live");
        assert_eq!(mode_str(SessionMode::Rehearsal), "rehearsal");
        assert_eq!(mode_str(SessionMode::Demo), "rehearsal");
    }
}
