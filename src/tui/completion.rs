//! Tab completion on the `:` line: command names, gate ids, item numbers,
//! step ids, outcomes. Pure: (line, runbook) in, candidates out.

use super::command_line::{COMMANDS, OUTCOMES};
use crate::runbook::model::Runbook;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset where the word being completed starts.
    pub from: usize,
    /// Every candidate that extends the word, in display order.
    pub candidates: Vec<String>,
}

impl Completion {
    /// The line after completion: the single candidate plus a space, or
    /// the longest prefix all candidates share.
    pub fn apply(&self, line: &str) -> String {
        let head = &line[..self.from];
        match self.candidates.as_slice() {
            [] => line.to_string(),
            [one] => format!("{head}{one} "),
            many => {
                let word = &line[self.from..];
                let prefix = common_prefix(many);
                if prefix.len() > word.len() {
                    format!("{head}{prefix}")
                } else {
                    line.to_string()
                }
            }
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .take_while(|((_, a), b)| a == b)
                .map(|((i, a), _)| i + a.len_utf8())
                .last()
                .unwrap_or(0),
        );
    }
    first[..end].to_string()
}

/// What could complete the last word of `line` (the cursor is at its end).
pub fn complete(line: &str, rb: &Runbook) -> Completion {
    // After the last whitespace character, whatever its width: a pasted
    // no-break space is two bytes, and slicing inside it would panic.
    let from = line
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let word = &line[from..];
    let before: Vec<&str> = line[..from].split_whitespace().collect();
    let options: Vec<String> = match before.as_slice() {
        [] => COMMANDS.iter().map(|(n, _)| n.to_string()).collect(),
        ["sign" | "withdraw" | "veto" | "lift"] => rb.gates.iter().map(|g| g.id.clone()).collect(),
        ["sign" | "withdraw" | "veto" | "lift", gate] => match rb.gate(gate) {
            Some(g) => (1..=g.items.len()).map(|i| i.to_string()).collect(),
            None => vec![],
        },
        ["start" | "finish"] => rb.steps.iter().map(|s| s.id.clone()).collect(),
        ["finish", _] => OUTCOMES.iter().map(|s| s.to_string()).collect(),
        ["expand"] | ["rollback"] => vec!["--override".to_string()],
        ["as"] => rb
            .operators
            .iter()
            .flatten()
            .map(|o| o.name.clone())
            .collect(),
        _ => vec![],
    };
    Completion {
        from,
        candidates: options
            .into_iter()
            .filter(|o| o.starts_with(word))
            .collect(),
    }
}
