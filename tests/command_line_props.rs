//! The `:` line, whatever is typed into it: at 03:00 an operator pastes
//! half a Slack message into it. Parsing and tab completion never panic, a
//! refusal always says why, free text is kept as typed, and ids and item
//! numbers are accepted exactly when the runbook has them. The same inputs
//! are fuzzed in `fuzz/fuzz_targets/command_line.rs` (nightly, local).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

mod properties;

use properties::command_line::line_is_answered;
use proptest::prelude::*;
use warroom::runbook::{Runbook, load};
use warroom::session::command::Command;
use warroom::tui::command_line::{Parsed, parse};
use warroom::tui::completion::complete;

fn rb() -> &'static Runbook {
    static RB: OnceLock<Runbook> = OnceLock::new();
    RB.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("runbooks/api-canary.toml");
        load(&path).unwrap().runbook
    })
}

/// Spacing as typed: none is never generated where a separator is needed.
fn gap() -> impl Strategy<Value = String> {
    "[ \t]{1,3}"
}

/// Free text with at least one visible character, any Unicode.
fn free_text() -> impl Strategy<Value = String> {
    "\\PC{0,20}[!-~]\\PC{0,20}"
}

fn run(line: &str) -> Command {
    match parse(line, rb()) {
        Ok(Parsed::Run(c)) => c,
        other => panic!("{line:?} gave {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Anything at all: an answer, never a panic; a refusal says something;
    /// completion only ever extends what was typed.
    #[test]
    fn any_line_is_answered(line in "\\PC{0,60}") {
        line_is_answered(&line, rb());
    }

    /// Lines that start like commands, with ids and numbers near the real
    /// ones: the same.
    #[test]
    fn near_miss_commands_are_answered(
        name in "(sign|withdraw|lift|veto|start|finish|pause|resume|expand|rollback|note|as|help|quit|sing|expnad|)",
        args in proptest::collection::vec("(to-5|to-25|to-100|deploy-canary|retire-stable|--override|done|failed|skipped|[0-9]{1,3}|-1|\\PC{0,6})", 0..4),
        colon in "(:|::|)",
    ) {
        line_is_answered(&format!("{colon}{name} {}", args.join(" ")), rb());
    }

    /// Notes, vetoes, pauses, rollbacks and overrides keep the operator's
    /// words as typed, inner spacing and all; only the ends are trimmed.
    #[test]
    fn free_text_is_kept_as_typed(text in free_text(), g in gap(), colon in "(:|)") {
        let want = text.trim().to_string();
        prop_assert_eq!(run(&format!("{colon}note{g}{text}")), Command::Note { text: want.clone() });
        prop_assert_eq!(run(&format!("pause{g}{text}")), Command::Pause { reason: want.clone() });
        prop_assert_eq!(
            run(&format!("veto{g}to-25{g}2{g}{text}")),
            Command::Veto { gate: "to-25".into(), item: 2, reason: want.clone() }
        );
        prop_assert_eq!(
            run(&format!("rollback{g}{text}")),
            Command::Rollback { reason: want.clone(), override_reason: None }
        );
        prop_assert_eq!(
            run(&format!("expand{g}--override{g}{text}")),
            Command::Expand { override_reason: Some(want) }
        );
    }

    /// A gate item is accepted exactly when the runbook has it.
    #[test]
    fn items_are_accepted_exactly_when_the_gate_has_them(gate_ix in 0usize..3, item in 0u32..12, g in gap()) {
        let gate = &rb().gates[gate_ix];
        let line = format!("sign{g}{}{g}{item}", gate.id);
        let exists = item >= 1 && (item as usize) <= gate.items.len();
        match parse(&line, rb()) {
            Ok(Parsed::Run(Command::Sign { gate: got, item: i })) => {
                prop_assert!(exists, "{:?} accepted a missing item", line);
                prop_assert_eq!((got.as_str(), i), (gate.id.as_str(), item));
            }
            Err(e) => {
                prop_assert!(!exists, "{:?} refused: {}", line, e);
                prop_assert!(e.contains(&format!("has items 1..{}", gate.items.len())), "{}", e);
            }
            other => prop_assert!(false, "{:?} gave {:?}", line, other),
        }
    }

    /// A unique prefix of a step id completes to the whole id, and the
    /// completed line then parses.
    #[test]
    fn a_step_prefix_completes_to_a_line_that_parses(step_ix in 0usize..4, cut in 1usize..8) {
        let id = &rb().steps[step_ix].id;
        let typed = format!("start {}", &id[..cut.min(id.len())]);
        let c = complete(&typed, rb());
        if c.candidates.len() == 1 {
            let line = c.apply(&typed);
            prop_assert_eq!(run(&line), Command::Start { step: id.clone() });
        } else {
            prop_assert!(c.candidates.iter().any(|s| s == id), "{:?} lost {}", c, id);
        }
    }
}
