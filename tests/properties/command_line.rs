//! The `:` line, whatever is typed or pasted: an answer, never a panic; a
//! refusal says something; tab completion only extends what was typed.

use warroom::runbook::Runbook;
use warroom::tui::command_line::parse;
use warroom::tui::completion::complete;

pub fn line_is_answered(line: &str, rb: &Runbook) {
    if let Err(e) = parse(line, rb) {
        assert!(!e.trim().is_empty(), "an empty refusal for {line:?}");
    }
    let c = complete(line, rb);
    assert!(c.from <= line.len() && line.is_char_boundary(c.from));
    let after = c.apply(line);
    assert!(after.starts_with(line), "{line:?} became {after:?}");
}
