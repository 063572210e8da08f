//! The `:` line: every action by name. Parsing is pure and checks ids
//! against the runbook so a typo is an inline message with a suggestion,
//! never a crash and never a journaled refusal for a command that was
//! not what the operator meant.

use crate::runbook::model::Runbook;
use crate::session::command::Command;
use crate::session::event::StepOutcome;

/// Every command name, in the order help lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    ("begin", "begin"),
    ("sign", "sign GATE ITEM"),
    ("withdraw", "withdraw GATE ITEM"),
    ("veto", "veto GATE ITEM REASON"),
    ("lift", "lift GATE ITEM"),
    ("start", "start STEP"),
    ("finish", "finish STEP [done|failed|skipped]"),
    ("pause", "pause [REASON]"),
    ("resume", "resume [--override REASON]"),
    ("expand", "expand [--override REASON]"),
    ("hold", "hold [REASON]"),
    ("rollback", "rollback REASON"),
    ("note", "note TEXT"),
    ("acknowledge", "acknowledge REASON"),
    ("as", "as NAME"),
    ("help", "help"),
    ("quit", "quit"),
];

pub const OUTCOMES: &[&str] = &["done", "failed", "skipped"];

/// What a line asks for: a session command, or something the console does.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Run(Command),
    Help,
    Quit,
    /// Act as another operator (rehearse and demo only).
    As(String),
}

/// `did you mean`: the closest candidate by edit distance, if close enough.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn usage(name: &str) -> String {
    let u = COMMANDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, u)| *u)
        .unwrap_or(name);
    format!("usage: {u}")
}

fn gate_id<'a>(rb: &'a Runbook, word: Option<&str>, cmd: &str) -> Result<&'a str, String> {
    let word = word.ok_or_else(|| usage(cmd))?;
    if let Some(g) = rb.gate(word) {
        return Ok(g.id.as_str());
    }
    let ids = rb.gates.iter().map(|g| g.id.as_str());
    Err(match suggest(word, ids) {
        Some(s) => format!("unknown gate `{word}`: did you mean `{s}`?"),
        None => format!(
            "unknown gate `{word}`; gates: {}",
            rb.gates
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

fn item_no(rb: &Runbook, gate: &str, word: Option<&str>, cmd: &str) -> Result<u32, String> {
    let word = word.ok_or_else(|| usage(cmd))?;
    let n = rb.gate(gate).map(|g| g.items.len()).unwrap_or(0);
    match word.parse::<u32>() {
        Ok(i) if i >= 1 && (i as usize) <= n => Ok(i),
        _ => Err(format!(
            "gate `{gate}` has items 1..{n}; `{word}` is not one of them"
        )),
    }
}

fn step_id<'a>(rb: &'a Runbook, word: Option<&str>, cmd: &str) -> Result<&'a str, String> {
    let word = word.ok_or_else(|| usage(cmd))?;
    if let Some(s) = rb.step(word) {
        return Ok(s.id.as_str());
    }
    Err(
        match suggest(word, rb.steps.iter().map(|s| s.id.as_str())) {
            Some(s) => format!("unknown step `{word}`: did you mean `{s}`?"),
            None => format!("unknown step `{word}`"),
        },
    )
}

/// The rest of the line after `n` words, as typed (inner spacing kept).
/// `VERB [--override REASON]`: nothing, or the override's reason (which
/// may not be empty).
fn override_arg(line: &str, first: Option<&str>, verb: &str) -> Result<Option<String>, String> {
    match first {
        None => Ok(None),
        Some("--override") => {
            let reason = rest_after(line, 2);
            if reason.is_empty() {
                return Err(format!(
                    "an override needs a reason: {verb} --override REASON"
                ));
            }
            Ok(Some(reason))
        }
        Some(other) => Err(format!("unexpected `{other}`: {}", usage(verb))),
    }
}

fn rest_after(line: &str, n: usize) -> String {
    let mut s = line.trim_start();
    for _ in 0..n {
        s = s.trim_start();
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        s = &s[end..];
    }
    s.trim().to_string()
}

/// Parse one line (without the leading `:`).
pub fn parse(line: &str, rb: &Runbook) -> Result<Parsed, String> {
    let line = line.trim().trim_start_matches(':').trim();
    // A pasted escape sequence would be journaled and drawn on every
    // console: refused here, where the operator can still fix the line.
    // (A tab is spacing between words, as ever.)
    if let Some((at, c)) = crate::untrusted::first_control(line)
        .or_else(|| line.char_indices().find(|&(_, c)| c == '\n'))
    {
        return Err(format!(
            "control character {} at column {} refused: type plain text",
            crate::untrusted::text::visible(c),
            line[..at].chars().count() + 1
        ));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(&name) = words.first() else {
        return Err("type a command; `help` lists them".into());
    };
    let arg = |i: usize| words.get(i).copied();
    let cmd = match name {
        "begin" => Command::Begin,
        "sign" | "withdraw" | "lift" => {
            let gate = gate_id(rb, arg(1), name)?.to_string();
            let item = item_no(rb, &gate, arg(2), name)?;
            match name {
                "sign" => Command::Sign { gate, item },
                "withdraw" => Command::Withdraw { gate, item },
                _ => Command::Lift { gate, item },
            }
        }
        "veto" => {
            let gate = gate_id(rb, arg(1), name)?.to_string();
            let item = item_no(rb, &gate, arg(2), name)?;
            let reason = rest_after(line, 3);
            if reason.is_empty() {
                return Err("a veto needs a reason: veto GATE ITEM REASON".into());
            }
            Command::Veto { gate, item, reason }
        }
        "start" => Command::Start {
            step: step_id(rb, arg(1), name)?.to_string(),
        },
        "finish" => {
            let step = step_id(rb, arg(1), name)?.to_string();
            let outcome = match arg(2) {
                None | Some("done") => StepOutcome::Done,
                Some("failed") => StepOutcome::Failed,
                Some("skipped") => StepOutcome::Skipped,
                Some(other) => {
                    return Err(format!(
                        "unknown outcome `{other}`: use done, failed or skipped"
                    ));
                }
            };
            Command::Finish { step, outcome }
        }
        "pause" => {
            let reason = rest_after(line, 1);
            Command::Pause {
                reason: if reason.is_empty() {
                    "operator".into()
                } else {
                    reason
                },
            }
        }
        "resume" => Command::Resume {
            override_reason: override_arg(line, arg(1), "resume")?,
        },
        "expand" => Command::Expand {
            override_reason: override_arg(line, arg(1), "expand")?,
        },
        "hold" => Command::Hold {
            reason: rest_after(line, 1),
        },
        "rollback" => {
            // `rollback --override REASON` overrides a passed deadline;
            // the override reason doubles as the rollback's reason.
            if arg(1) == Some("--override") {
                let reason = rest_after(line, 2);
                if reason.is_empty() {
                    return Err("an override needs a reason: rollback --override REASON".into());
                }
                Command::Rollback {
                    reason: reason.clone(),
                    override_reason: Some(reason),
                }
            } else {
                let reason = rest_after(line, 1);
                if reason.is_empty() {
                    return Err("a rollback needs a reason: rollback REASON".into());
                }
                Command::Rollback {
                    reason,
                    override_reason: None,
                }
            }
        }
        "note" => {
            let text = rest_after(line, 1);
            if text.is_empty() {
                return Err(usage("note"));
            }
            Command::Note { text }
        }
        "acknowledge" | "ack" => {
            let reason = rest_after(line, 1);
            if reason.is_empty() {
                return Err(usage("acknowledge"));
            }
            Command::Acknowledge { reason }
        }
        "as" => {
            return match (arg(1), arg(2)) {
                (Some(n), None) => Ok(Parsed::As(n.to_string())),
                _ => Err(usage("as")),
            };
        }
        "help" | "h" | "?" => return Ok(Parsed::Help),
        "quit" | "q" => return Ok(Parsed::Quit),
        other => {
            return Err(match suggest(other, COMMANDS.iter().map(|(n, _)| *n)) {
                Some(s) => format!("unknown command `{other}`: did you mean `{s}`?"),
                None => format!("unknown command `{other}`; `help` lists them"),
            });
        }
    };
    Ok(Parsed::Run(cmd))
}
