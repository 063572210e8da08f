//! Delivery bookkeeping of `[[notify]]` targets, beside the events (not
//! in them): one row per target with the highest event seq handled, how
//! many deliveries were tried and given up, and the last error. The
//! timeline keeps only what happened to the cutover; a takeover resumes
//! each target from its row.
//!
//! Journals written before this table carry `notified` events instead:
//! they still decode and still count as cursors (the higher of the two
//! wins), so a session started by an older warroom resumes without
//! repeating. The table is made with `IF NOT EXISTS` by every console that
//! opens the file for writing (`sqlite/notify_cursor.rs`; no schema version change: an older
//! warroom opens such a journal and ignores the table).

/// One delivery's result: the event sent to the target and how it went
/// (after the retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `slack#1`: the format and position, never the url.
    pub target: String,
    pub event_seq: u64,
    /// `HTTP 200`, or why it failed (never the url).
    pub status: String,
    pub delivered: bool,
}

/// A target's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub target: String,
    /// The highest event seq handled (sent, or given up after retries).
    pub seq: u64,
    /// Deliveries tried (one per event, retries inside it not counted).
    pub attempts: u64,
    /// Deliveries given up after their retries.
    pub failures: u64,
    /// The last failure's text and event, kept after later successes.
    pub last_error: Option<String>,
    pub last_error_seq: Option<u64>,
}
