//! Text about warroom itself: the runbook's JSON Schema and reference,
//! shell completion scripts and the man page, all printed to stdout.
//!
//! The runbook reference (docs/RUNBOOK.md) is compiled into the binary, so
//! a host with only the binary (a bastion, a package) has it:
//! `warroom docs runbook`, and the man page lists every table and key.

use std::io::{self, Write};

use super::output::{EXIT_FAILURE, write_out};

/// docs/RUNBOOK.md as built.
pub const RUNBOOK_REFERENCE: &str = include_str!("../../docs/RUNBOOK.md");

/// `warroom schema`: the JSON Schema of the runbook format.
pub fn schema() -> u8 {
    write_out(crate::runbook::schema::json_schema().as_bytes())
}

/// `warroom docs runbook`: every key of the runbook format.
pub fn runbook_reference() -> u8 {
    write_out(RUNBOOK_REFERENCE.as_bytes())
}

/// `warroom completions SHELL`: a completion script for `cmd`.
pub fn completions(shell: clap_complete::Shell, mut cmd: clap::Command) -> u8 {
    let mut buf = Vec::new();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    write_out(&buf)
}

/// `warroom man`: the roff man page for `cmd`. One page: clap_mangen's
/// subcommand section names a page per subcommand (`warroom-run(1)`) that
/// nobody installs, so the commands are listed here instead, and a
/// RUNBOOK section names every table and key.
pub fn man(cmd: clap::Command) -> u8 {
    let mut buf = Vec::new();
    match render_man(cmd, &mut buf) {
        Ok(()) => write_out(&buf),
        Err(e) => {
            eprintln!("warroom: cannot render the man page: {e}");
            EXIT_FAILURE
        }
    }
}

fn render_man(cmd: clap::Command, w: &mut Vec<u8>) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    commands_section(&cmd, w)?;
    man.render_extra_section(w)?;
    runbook_section(w)?;
    man.render_version_section(w)
}

/// Every subcommand (and theirs: `journal init`) with what it does.
fn commands_section(cmd: &clap::Command, w: &mut Vec<u8>) -> io::Result<()> {
    writeln!(w, ".SH COMMANDS")?;
    fn walk(prefix: &str, cmd: &clap::Command, w: &mut Vec<u8>) -> io::Result<()> {
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() || sub.get_name() == "help" {
                continue;
            }
            let name = format!("{prefix} {}", sub.get_name());
            if sub.has_subcommands() {
                walk(&name, sub, w)?;
                continue;
            }
            let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
            writeln!(w, ".TP\n\\fB{}\\fR\n{}", roff(&name), roff(&about))?;
            for a in sub.get_arguments() {
                if a.is_hide_set() || matches!(a.get_id().as_str(), "help" | "version") {
                    continue;
                }
                let value = a
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map(ToString::to_string)
                    .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
                let flag = match a.get_long() {
                    None => value,
                    Some(l) if a.get_action().takes_values() => format!("--{l} {value}"),
                    Some(l) => format!("--{l}"),
                };
                let help = a.get_help().map(ToString::to_string).unwrap_or_default();
                writeln!(w, ".RS\n.TP\n\\fB{}\\fR\n{}\n.RE", roff(&flag), roff(&help))?;
            }
            if let Some(after) = sub.get_after_help() {
                writeln!(w, ".IP\n.nf\n{}\n.fi", roff(&after.to_string()))?;
            }
        }
        Ok(())
    }
    walk(cmd.get_name(), cmd, w)
}

/// Each table of docs/RUNBOOK.md (its `## [table] <!-- RawType -->`
/// heading) with its keys from the JSON Schema, which a test keeps equal.
fn runbook_section(w: &mut Vec<u8>) -> io::Result<()> {
    let schema: serde_json::Value =
        serde_json::from_str(&crate::runbook::schema::json_schema()).unwrap_or_default();
    writeln!(
        w,
        ".SH RUNBOOK\nA runbook is one TOML file with the tables and keys below. \
         \\fBwarroom docs runbook\\fR prints the reference: each key's type, default and \
         meaning. \\fBwarroom schema\\fR prints the JSON Schema for editors; \
         \\fBwarroom init\\fR writes a commented runbook."
    )?;
    for line in RUNBOOK_REFERENCE.lines() {
        let Some(heading) = line.strip_prefix("## ") else {
            continue;
        };
        let Some((title, rest)) = heading.split_once(" <!-- ") else {
            continue;
        };
        let def = rest.trim_end_matches(" -->");
        let props = if def == "RawRunbook" {
            &schema["properties"]
        } else {
            &schema["$defs"][def]["properties"]
        };
        let Some(props) = props.as_object() else {
            continue;
        };
        let keys: Vec<&str> = props.keys().map(String::as_str).collect();
        writeln!(
            w,
            ".TP\n\\fB{}\\fR\n{}",
            roff(title),
            roff(&keys.join(", "))
        )?;
    }
    Ok(())
}

/// Text safe in a roff line: backslashes and hyphens escaped, no line
/// starting with a control character.
fn roff(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e").replace('-', "\\-");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
