//! A one-line editor (the `:` line and the reason prompts) and the command
//! history. Pure: keys in, text out.
//!
//! Bounded: a line holds at most `MAX_INPUT_BYTES`. A note or a reason is
//! journaled, drawn on every console and sent to chat; 4 KiB is a long
//! paragraph, and keeps every key's work (and every frame drawing the
//! line) small however much is pasted. A key past the limit is refused; a
//! paste is cut there; either way the editor says so (`take_refused`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The most a line of input holds: 4 KiB.
pub const MAX_INPUT_BYTES: usize = 4096;

/// What the editor refused, for the prompt's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A typed character: the line is full.
    Full,
    /// A paste of this many bytes (after newlines became spaces) was cut.
    PasteCut { pasted: usize },
}

impl Refused {
    pub fn message(self) -> String {
        match self {
            Refused::Full => format!(
                "the line is full: a note, reason or command holds at most {} KiB",
                MAX_INPUT_BYTES / 1024
            ),
            Refused::PasteCut { pasted } => format!(
                "pasted {pasted} bytes: kept what fits in {} KiB, the most a note, reason or command holds",
                MAX_INPUT_BYTES / 1024
            ),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEditor {
    text: String,
    /// In chars, 0..=len.
    cursor: usize,
    refused: Option<Refused>,
}

impl LineEditor {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor as a column in chars.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Terminal cells before the cursor: where the screen puts it.
    pub fn cursor_cells(&self) -> usize {
        let before: String = self.text.chars().take(self.cursor).collect();
        super::format::cells(&before)
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.chars().count();
        self.refused = None;
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
        self.refused = None;
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    pub fn insert(&mut self, c: char) {
        if self.text.len() + c.len_utf8() > MAX_INPUT_BYTES {
            self.refused = Some(Refused::Full);
            return;
        }
        let b = self.byte_at(self.cursor);
        self.text.insert(b, c);
        self.cursor += 1;
    }

    /// A paste, as one edit (linear in its length): line breaks and tabs
    /// become spaces (a prompt is one line), other controls their visible
    /// escape; cut at the limit.
    pub fn paste(&mut self, pasted: &str) {
        let flat: String = pasted
            .replace("\r\n", " ")
            .chars()
            .map(|c| {
                if matches!(c, '\n' | '\r' | '\t') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let clean = crate::untrusted::sanitize(&flat);
        let room = MAX_INPUT_BYTES.saturating_sub(self.text.len());
        let mut take = clean.len().min(room);
        while !clean.is_char_boundary(take) {
            take -= 1;
        }
        if take < clean.len() {
            self.refused = Some(Refused::PasteCut {
                pasted: clean.len(),
            });
        }
        let part = &clean[..take];
        let b = self.byte_at(self.cursor);
        self.text.insert_str(b, part);
        self.cursor += part.chars().count();
    }

    /// What was refused since the last call.
    pub fn take_refused(&mut self) -> Option<Refused> {
        self.refused.take()
    }

    /// Handles editing keys; returns false for keys it does not edit with
    /// (enter, esc, tab, up, down…), which the caller's keymap handles.
    pub fn edit(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                let b = self.byte_at(self.cursor);
                self.text.replace_range(..b, "");
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.chars().count(),
            KeyCode::Char(_) if ctrl => return false,
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Backspace => {
                if self.cursor > 0 {
                    let b = self.byte_at(self.cursor - 1);
                    self.text.remove(b);
                    self.cursor -= 1;
                }
            }
            KeyCode::Delete => {
                if self.cursor < self.text.chars().count() {
                    let b = self.byte_at(self.cursor);
                    self.text.remove(b);
                }
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.chars().count(),
            _ => return false,
        }
        true
    }

    fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i > 0 && chars[i - 1] == ' ' {
            i -= 1;
        }
        while i > 0 && chars[i - 1] != ' ' {
            i -= 1;
        }
        let (from, to) = (self.byte_at(i), self.byte_at(self.cursor));
        self.text.replace_range(from..to, "");
        self.cursor = i;
    }
}

/// Commands typed on the `:` line, oldest first; up/down walk it.
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<String>,
    /// While browsing: index into `entries`; `None` when editing a new line.
    pos: Option<usize>,
    /// The line being typed before browsing began.
    draft: String,
}

impl History {
    pub fn push(&mut self, line: &str) {
        let line = line.trim();
        if !line.is_empty() && self.entries.last().map(String::as_str) != Some(line) {
            self.entries.push(line.to_string());
        }
        self.pos = None;
    }

    pub fn reset(&mut self) {
        self.pos = None;
    }

    /// The older entry, or `None` at the oldest.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        if self.entries.is_empty() {
            return None;
        }
        let next = match self.pos {
            None => {
                self.draft = current.to_string();
                self.entries.len() - 1
            }
            Some(0) => 0,
            Some(i) => i - 1,
        };
        self.pos = Some(next);
        self.entries.get(next).map(String::as_str)
    }

    /// The newer entry, or the draft when leaving the history.
    pub fn newer(&mut self) -> Option<&str> {
        match self.pos {
            None => None,
            Some(i) if i + 1 < self.entries.len() => {
                self.pos = Some(i + 1);
                self.entries.get(i + 1).map(String::as_str)
            }
            Some(_) => {
                self.pos = None;
                Some(self.draft.as_str())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn edits_in_the_middle_and_deletes_words() {
        let mut e = LineEditor::new();
        for c in "sign go".chars() {
            e.insert(c);
        }
        e.edit(key(KeyCode::Left));
        e.edit(key(KeyCode::Left));
        e.insert('X');
        assert_eq!(e.text(), "sign Xgo");
        e.edit(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(e.text(), "sign go");
        e.edit(key(KeyCode::End));
        e.edit(key(KeyCode::Backspace));
        assert_eq!(e.text(), "sign g");
    }

    #[test]
    fn history_walks_back_and_returns_to_the_draft() {
        let mut h = History::default();
        h.push("begin");
        h.push("sign go-live 1");
        assert_eq!(h.older("dra"), Some("sign go-live 1"));
        assert_eq!(h.older("ignored"), Some("begin"));
        assert_eq!(h.older("ignored"), Some("begin"));
        assert_eq!(h.newer(), Some("sign go-live 1"));
        assert_eq!(h.newer(), Some("dra"));
        assert_eq!(h.newer(), None);
    }
}
