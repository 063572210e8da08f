//! The status page as HTML: one pure function of the live view, so the
//! first load, the self-refresh without JavaScript and every Server-Sent
//! Event draw the same thing. Every outside text goes through
//! `report::doc::html_escape` (the sanitizer, then HTML escaping); nothing
//! here links, submits or acts.

use chrono::{DateTime, Utc};

use super::live::Live;
use super::sparkline;
use crate::health::PanelState;
use crate::report::doc::html_escape as esc;
use crate::runbook::model::Runbook;
use crate::session::state::{GateStatus, Status, StepStatus};
use crate::session::story::Exposure;
use crate::timefmt::{Zone, countdown, duration, rounded_delta};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// Seconds between self-refreshes when JavaScript is off.
pub const NOSCRIPT_REFRESH_SECS: u32 = 5;

/// The whole page; `nonce` admits our one style and our one script.
/// `follow_error`: the follower's current read error, shown while it lasts.
pub fn page(rb: &Runbook, live: &Live, follow_error: Option<&str>, at: At, nonce: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<title>{title} · warroom</title>\n\
<noscript><meta http-equiv=\"refresh\" content=\"{NOSCRIPT_REFRESH_SECS}\"></noscript>\n\
<style nonce=\"{nonce}\">{STYLE}</style>\n</head>\n<body>\n\
<p class=\"conn\" id=\"conn\" role=\"status\" aria-live=\"polite\">read-only view</p>\n\
<main id=\"live\">\n{main}</main>\n\
<script nonce=\"{nonce}\">{SCRIPT}</script>\n</body>\n</html>\n",
        title = esc(&rb.cutover.title),
        main = main(rb, live, follow_error, at),
    )
}

/// When the page is drawn, and in which zone its clocks read (the
/// runbook's, or `--tz`).
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub now: DateTime<Utc>,
    pub zone: Zone,
}

/// What changes, drawn whole (the first load and the noscript refresh).
pub fn main(rb: &Runbook, live: &Live, follow_error: Option<&str>, at: At) -> String {
    draw(rb, live, follow_error, at).html
}

/// The live part and where its fragments lie in it: each fragment is one
/// element whose `id` is the fragment's id, so an event stream can send a
/// fragment alone and the page's script put it in place of the old one.
#[derive(Debug, Default)]
pub struct Drawn {
    pub html: String,
    /// Fragment ids with their byte ranges in `html`, in page order.
    pub frags: Vec<(String, std::ops::Range<usize>)>,
    /// The journal's lines as drawn, newest first, with their seqs: a new
    /// line can be sent alone (`f-journal-add`).
    pub journal_lines: Vec<(u64, String)>,
}

impl Drawn {
    /// A fragment's HTML, by its place in `frags`.
    pub fn frag(&self, i: usize) -> &str {
        self.frags
            .get(i)
            .and_then(|(_, r)| self.html.get(r.clone()))
            .unwrap_or("")
    }

    /// Append `html`, a whole element whose id is `id`, as a fragment.
    fn push_frag(&mut self, id: String, html: &str) {
        let start = self.html.len();
        self.html.push_str(html);
        self.frags.push((id, start..self.html.len()));
    }
}

/// `main` with its fragments marked.
pub fn draw(rb: &Runbook, live: &Live, follow_error: Option<&str>, at: At) -> Drawn {
    let mut d = Drawn::default();
    header(&mut d, rb, live, at);
    let alert = match follow_error {
        Some(e) => format!(
            "<div id=\"f-alert\"><p class=\"alert\"><strong>ERROR</strong> reading the journal: {}</p></div>\n",
            esc(e)
        ),
        None => "<div id=\"f-alert\"></div>\n".to_string(),
    };
    d.push_frag("f-alert".into(), &alert);
    panels(&mut d, rb, live, at);
    gates(&mut d, rb, live, at.zone);
    steps(&mut d, rb, live, at.zone);
    journal(&mut d, live, at.zone);
    d
}

fn status_class(st: Status) -> &'static str {
    match st {
        Status::Ready => "neutral",
        Status::Running | Status::Complete => "ok",
        Status::Paused => "warn",
        Status::RollingBack | Status::RolledBack => "fail",
    }
}

fn header(d: &mut Drawn, rb: &Runbook, live: &Live, At { now, zone }: At) {
    let st = &live.story.state;
    // The same words as the console's header: an interrupted expand leaves
    // the exposure unknown, a rolled-back cutover is at no stage.
    let (stage, exposure) = match crate::session::story::exposure(rb, st) {
        Exposure::Stage(_, stage) => (esc(&stage.name), crate::describe::exposure(stage.exposure)),
        Exposure::RolledBack => (
            "none (rolled back)".to_string(),
            crate::describe::exposure(0.0),
        ),
        // The stage the interrupted expand was going to, if reduce kept one.
        Exposure::Unknown => (
            st.stage
                .and_then(|i| rb.stages.get(i))
                .map_or("no stage yet".to_string(), |s| esc(&s.name)),
            "unknown (expand interrupted)".to_string(),
        ),
        Exposure::None => ("no stage yet".to_string(), crate::describe::exposure(0.0)),
    };
    let elapsed = match crate::session::story::elapsed(st, now) {
        Some(d) => countdown(d),
        None => "not started".into(),
    };
    let deadline = match st.live_rollback_deadline() {
        // The countdown means nothing once rollback is refused outright.
        _ if st.attempts.no_return.is_some() && !st.status.is_final() => {
            esc(&st.attempts.no_return.as_ref().map_or(String::new(), |n| {
                format!("PAST NO RETURN: step {} started by {}", n.step, n.by)
            }))
        }
        Some(d) if d > now => format!("{} ({} left)", stamp(zone, d), countdown(d - now)),
        Some(d) => format!("{} (passed)", stamp(zone, d)),
        None => "none".into(),
    };
    let mode = st.mode.map_or("unknown", |m| m.as_str());
    // A retried cutover: which attempt this is, and how the others ended.
    let attempt = if st.attempts.number > 1 {
        let past: Vec<String> = st
            .attempts
            .past
            .iter()
            .map(|a| format!("#{} {}", a.number, a.ended.as_str()))
            .collect();
        format!(
            "<div><dt>attempt</dt><dd>{} (before: {})</dd></div>\n",
            st.attempts.number,
            past.join(", ")
        )
    } else {
        String::new()
    };
    let conductor = st
        .conductor
        .as_deref()
        .map_or_else(|| "none".to_string(), esc);
    let ops: Vec<String> = st
        .attached
        .values()
        .map(|a| {
            let ro = if a.read_only { " (observer)" } else { "" };
            format!("{}{ro}", esc(&a.operator))
        })
        .collect();
    // The facts that change with the journal, and the clocks that change
    // with time alone (sent at most every few seconds): two fragments.
    d.html.push_str(&format!(
        "<header>\n<h1>{title}</h1>\n",
        title = esc(&rb.cutover.title)
    ));
    d.push_frag(
        "f-head".into(),
        &format!(
            "<div id=\"f-head\"><p class=\"status {cls}\"><span class=\"word\">{word}</span> <span class=\"mode\">{mode}</span></p>\n<dl class=\"facts\">\n\
<div><dt>stage</dt><dd>{stage} · exposure {exposure}</dd></div>\n\
{attempt}<div><dt>conductor</dt><dd>{conductor}</dd></div>\n\
<div><dt>operators</dt><dd>{ops}</dd></div>\n</dl></div>\n",
            cls = status_class(st.status),
            word = st.status.as_str(),
            ops = if ops.is_empty() {
                "none".to_string()
            } else {
                ops.join(", ")
            },
        ),
    );
    d.push_frag(
        "f-clock".into(),
        &format!(
            "<dl class=\"facts\" id=\"f-clock\">\n\
<div><dt>elapsed</dt><dd>{elapsed}</dd></div>\n\
<div><dt>rollback deadline</dt><dd>{deadline}</dd></div>\n\
<div><dt>as of</dt><dd>{asof}</dd></div>\n</dl>\n",
            asof = stamp(zone, now),
        ),
    );
    d.html.push_str("</header>\n");
}

fn state_class(p: PanelState) -> &'static str {
    match p {
        PanelState::Ok => "ok",
        PanelState::Warn => "warn",
        PanelState::Fail | PanelState::Error => "fail",
        _ => "neutral",
    }
}

fn panels(d: &mut Drawn, rb: &Runbook, live: &Live, At { now, zone }: At) {
    d.html.push_str("<section aria-labelledby=\"h-panels\">\n<h2 id=\"h-panels\">Health</h2>\n<ul class=\"panels\">\n");
    // Four fragments a panel, by how often they change: the state word
    // (rarely), the value (every poll), the sparkline (every poll, sent
    // less often) and "since" with any error (with time). Ids by position:
    // a panel id is the runbook author's text, an element id is ours.
    for (i, p) in rb.panels.iter().enumerate() {
        let Some(st) = live.story.panels.get(&p.id) else {
            continue;
        };
        let value = st.value.map_or_else(
            || "no value".to_string(),
            |v| crate::describe::value(Some(rb), &p.id, v),
        );
        let since = match st.state_since {
            Some(t) => format!(
                "since {} ({} ago)",
                zone.clock_abbrev(t),
                rounded_delta(now - t)
            ),
            None => "never polled".into(),
        };
        let error = st
            .error
            .as_deref()
            .map(|e| format!("<p class=\"err\">{}</p>", esc(e)))
            .unwrap_or_default();
        d.html.push_str(&format!(
            "<li class=\"panel\" data-panel=\"{id}\"><h3>{title}</h3><p class=\"state\">",
            id = esc(&p.id),
            title = esc(&p.title),
        ));
        d.push_frag(
            format!("f-p{i}w"),
            &format!(
                "<span id=\"f-p{i}w\" class=\"pw {cls}\"><span class=\"word\">{word}</span></span>",
                cls = state_class(st.state),
                word = st.state.as_str(),
            ),
        );
        d.html.push(' ');
        d.push_frag(
            format!("f-p{i}v"),
            &format!(
                "<span id=\"f-p{i}v\" class=\"value\">{value}</span>",
                value = esc(&value)
            ),
        );
        d.html.push_str("</p>");
        d.push_frag(
            format!("f-p{i}g"),
            &format!(
                "<div id=\"f-p{i}g\">{spark}</div>",
                spark = sparkline::svg(st.history.iter().copied(), &p.title),
            ),
        );
        d.push_frag(
            format!("f-p{i}t"),
            &format!("<div id=\"f-p{i}t\"><p class=\"since\">{since}</p>{error}</div>"),
        );
        d.html.push_str("</li>\n");
    }
    d.html.push_str("</ul>\n</section>\n");
}

fn gate_class(g: GateStatus) -> &'static str {
    match g {
        GateStatus::Open => "neutral",
        GateStatus::Go => "ok",
        GateStatus::NoGo => "fail",
    }
}

fn gates(d: &mut Drawn, rb: &Runbook, live: &Live, zone: Zone) {
    if rb.gates.is_empty() {
        return;
    }
    let mut s = String::from(
        "<section aria-labelledby=\"h-gates\" id=\"f-gates\">\n<h2 id=\"h-gates\">Gates</h2>\n",
    );
    for g in &rb.gates {
        let Some(gs) = live.story.state.gate(&g.id) else {
            continue;
        };
        s.push_str(&format!(
            "<div class=\"gate\"><h3>{title} <span class=\"badge {cls}\">{word}</span></h3>\n<ol>\n",
            title = esc(&g.title),
            cls = gate_class(gs.status),
            word = gs.status.as_str(),
        ));
        for (item, is) in g.items.iter().zip(&gs.items) {
            let mark = if let Some(v) = &is.veto {
                format!(
                    "<span class=\"badge fail\">VETO</span> {} at {}: {}",
                    esc(&v.operator),
                    zone.clock(v.at),
                    esc(&v.reason)
                )
            } else if is.signers.is_empty() && is.signed.is_none() {
                match &item.panel {
                    Some(p) => format!(
                        "<span class=\"badge neutral\">waiting</span> automatic, on panel {}",
                        esc(p)
                    ),
                    None => "<span class=\"badge neutral\">unsigned</span>".to_string(),
                }
            } else {
                // `signers` holds every current signature; older journals
                // only filled `signed`.
                let sigs: Vec<_> = if is.signers.is_empty() {
                    is.signed.iter().collect()
                } else {
                    is.signers.iter().collect()
                };
                let names: Vec<String> = sigs
                    .iter()
                    .map(|x| format!("{} at {}", esc(&x.operator), zone.clock(x.at)))
                    .collect();
                format!(
                    "<span class=\"badge ok\">signed</span> {}",
                    names.join(", ")
                )
            };
            s.push_str(&format!("<li>{} · {mark}</li>\n", esc(&item.text)));
        }
        s.push_str("</ol></div>\n");
    }
    s.push_str("</section>\n");
    d.push_frag("f-gates".into(), &s);
}

fn step_class(st: StepStatus) -> &'static str {
    match st {
        StepStatus::Pending | StepStatus::Skipped => "neutral",
        StepStatus::Running => "warn",
        StepStatus::Done => "ok",
        StepStatus::Failed => "fail",
    }
}

fn steps(d: &mut Drawn, rb: &Runbook, live: &Live, zone: Zone) {
    if rb.steps.is_empty() {
        return;
    }
    let mut s = String::from(
        "<section aria-labelledby=\"h-steps\" id=\"f-steps\">\n<h2 id=\"h-steps\">Steps</h2>\n<table>\n<thead><tr><th>step</th><th>state</th><th>planned</th><th>actual</th></tr></thead>\n<tbody>\n",
    );
    for step in &rb.steps {
        let Some(ss) = live.story.state.step(&step.id) else {
            continue;
        };
        let planned = step.expect.map_or_else(|| "-".to_string(), duration);
        let actual = match (ss.started_at, ss.finished_at) {
            (Some(a), Some(b)) => rounded_delta(b - a),
            (Some(a), None) => format!("running since {}", zone.clock(a)),
            _ => "-".into(),
        };
        s.push_str(&format!(
            "<tr><td>{title}{irr}</td><td><span class=\"badge {cls}\">{word}</span></td><td>{planned}</td><td>{actual}</td></tr>\n",
            title = esc(&step.title),
            irr = if step.irreversible { " <em>(irreversible)</em>" } else { "" },
            cls = step_class(ss.status),
            word = ss.status.as_str(),
        ));
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
    d.push_frag("f-steps".into(), &s);
}

fn journal(d: &mut Drawn, live: &Live, zone: Zone) {
    let mut s = format!(
        "<section aria-labelledby=\"h-journal\" id=\"f-journal\">\n<h2 id=\"h-journal\">Journal</h2>\n<ol class=\"journal\" data-keep=\"{keep}\">\n",
        keep = super::live::LINES
    );
    for l in live.lines.iter().rev() {
        let line = format!(
            "<li><time datetime=\"{iso}\">{t}</time> <span class=\"who\">{who}</span> {text}</li>\n",
            iso = l.at.to_rfc3339(),
            t = zone.clock(l.at),
            who = esc(&l.who),
            text = esc(&l.text),
        );
        s.push_str(&line);
        d.journal_lines.push((l.seq, line));
    }
    s.push_str("</ol>\n</section>\n");
    d.push_frag("f-journal".into(), &s);
}

/// An absolute time with its zone's abbreviation.
fn stamp(zone: Zone, t: DateTime<Utc>) -> String {
    format!("{} {}", zone.date_time(t), zone.abbrev(t))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::session::event::{Event, EventBody};
    use crate::session::testkit::sample_runbook;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(s)
    }

    #[test]
    fn before_any_reading_every_panel_says_unknown_in_words_not_only_colour() {
        let rb = sample_runbook();
        let live = Live::new(&rb);
        let html = main(
            &rb,
            &live,
            None,
            At {
                now: t(0),
                zone: Zone::UTC,
            },
        );
        assert_eq!(
            html.matches("<span class=\"word\">UNKNOWN</span>").count(),
            rb.panels.len()
        );
        assert!(html.contains("never polled"));
        assert!(html.contains("<span class=\"word\">READY</span>"));
        assert!(html.contains("elapsed</dt><dd>not started"));
    }

    /// A retried cutover past its point of no return: the page numbers
    /// the attempt, names the earlier one, and says PAST NO RETURN where
    /// the rollback countdown was.
    #[test]
    fn the_page_numbers_the_attempt_and_says_past_no_return() {
        use crate::session::event::{Evidence, RollbackOutcome, Trigger};
        let rb = sample_runbook();
        let mut live = Live::new(&rb);
        let bodies = vec![
            ("alice", EventBody::CutoverStarted {}),
            (
                "alice",
                EventBody::RollbackStarted {
                    trigger: Trigger::Operator,
                    reason: "x".into(),
                    override_reason: None,
                    evidence: Evidence::new(),
                    recorded_late: None,
                },
            ),
            (
                "alice",
                EventBody::RollbackFinished {
                    trigger: Trigger::Operator,
                    reason: "x".into(),
                    outcome: RollbackOutcome::Done,
                },
            ),
            (
                "alice",
                EventBody::AttemptOpened {
                    attempt: 2,
                    reason: "again".into(),
                },
            ),
            ("alice", EventBody::CutoverStarted {}),
            (
                "bob",
                EventBody::StepStarted {
                    step: "backfill".into(),
                },
            ),
        ];
        for (i, (op, body)) in bodies.into_iter().enumerate() {
            let e = Event {
                seq: i as u64 + 1,
                ts: t(i as i64),
                operator: op.into(),
                body,
            };
            live.apply(&rb, &crate::journal::Followed::Event(e));
        }
        let html = main(
            &rb,
            &live,
            None,
            At {
                now: t(60),
                zone: Zone::UTC,
            },
        );
        assert!(
            html.contains("<dt>attempt</dt><dd>2 (before: #1 ROLLED_BACK)</dd>"),
            "{html}"
        );
        assert!(
            html.contains("<dd>PAST NO RETURN: step backfill started by bob</dd>"),
            "{html}"
        );
        assert!(html.contains("OPENED ATTEMPT 2"), "{html}");
    }

    #[test]
    fn journal_lines_are_newest_first_and_escaped_with_the_operator() {
        let rb = sample_runbook();
        let mut live = Live::new(&rb);
        for (seq, text) in [(1, "first"), (2, "<b>second</b>")] {
            let e = Event {
                seq,
                ts: t(seq as i64),
                operator: "m\u{202e}allory".into(),
                body: EventBody::Note { text: text.into() },
            };
            live.apply(&rb, &crate::journal::Followed::Event(e));
        }
        let html = main(
            &rb,
            &live,
            Some("disk <full>"),
            At {
                now: t(5),
                zone: Zone::UTC,
            },
        );
        let second = html.find("&lt;b&gt;second&lt;/b&gt;").unwrap();
        let first = html.find("first").unwrap();
        assert!(second < first, "{html}");
        assert!(html.contains("m\\u{202e}allory"), "{html}");
        assert!(!html.contains('\u{202e}'));
        assert!(html.contains("reading the journal: disk &lt;full&gt;"));
    }
}
