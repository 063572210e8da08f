#![allow(clippy::unwrap_used)]

use chrono::TimeZone;

use super::*;
use crate::health::PanelState;
use crate::health::reading::Reading;
use crate::journal::Followed;
use crate::serve::live::LINES;
use crate::session::event::{Event, EventBody};
use crate::session::testkit::sample_runbook;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(s)
}

fn reading(panel: &str, state: PanelState, value: f64, since: i64) -> Followed {
    Followed::Reading(Reading {
        id: 0,
        panel: panel.into(),
        state,
        value: Some(value),
        baseline: None,
        error: None,
        sampled_at: Some(t(since)),
        state_since: Some(t(since)),
        last_good: Some(t(since)),
    })
}

/// Draws `live` at `secs` after t(0) and offers it at the same offset on
/// the monotonic clock; returns the ids the new frame changed.
struct Rig {
    rb: Runbook,
    live: Live,
    publisher: Publisher,
    mono0: Instant,
}

impl Rig {
    fn new() -> Rig {
        let rb = sample_runbook();
        let mut live = Live::new(&rb);
        let started = Event {
            seq: 1,
            ts: t(0),
            operator: "alice".into(),
            body: EventBody::CutoverStarted {},
        };
        live.apply(&rb, &Followed::Event(started));
        for p in &rb.panels {
            for k in 0..3 {
                live.apply(&rb, &reading(&p.id, PanelState::Ok, 1.0 + k as f64, 0));
            }
        }
        Rig {
            rb,
            live,
            publisher: Publisher::default(),
            mono0: Instant::now(),
        }
    }

    fn offer(&mut self, secs: u64) -> Vec<String> {
        let at = |now| At {
            now,
            zone: Zone::UTC,
        };
        let now = page::draw(&self.rb, &self.live, None, at(t(secs as i64)));
        let key = page::draw(&self.rb, &self.live, None, at(key_time()));
        let before = self.publisher.frame().version;
        if !self
            .publisher
            .offer(&now, &key, self.mono0 + Duration::from_secs(secs))
        {
            return Vec::new();
        }
        let f = self.publisher.frame();
        assert_eq!(f.version, before + 1);
        f.frags
            .iter()
            .filter(|x| x.rev == f.version)
            .map(|x| x.id.clone())
            .collect()
    }

    fn panel(&self, i: usize) -> String {
        self.rb.panels[i].id.clone()
    }
}

#[test]
fn the_first_draw_publishes_every_fragment_and_the_same_draw_again_nothing() {
    let mut r = Rig::new();
    let all = r.offer(0);
    assert!(all.contains(&"f-head".to_string()), "{all:?}");
    assert!(all.contains(&"f-journal".to_string()), "{all:?}");
    assert_eq!(
        all.iter().filter(|id| id.ends_with('v')).count(),
        r.rb.panels.len()
    );
    assert_eq!(r.offer(0), Vec::<String>::new());
}

#[test]
fn a_new_value_sends_that_panels_value_alone_and_its_sparkline_when_due() {
    let mut r = Rig::new();
    r.offer(0);
    let p = r.panel(1);
    r.live.apply(&r.rb, &reading(&p, PanelState::Ok, 7.0, 0));
    assert_eq!(r.offer(1), ["f-p1v"]);
    // The sparkline waits for its turn (and time alone waits for its own):
    // by then the clocks are due too, and nothing of another panel's
    // content is sent.
    let later = r.offer(SPARK_EVERY.as_secs());
    assert!(later.contains(&"f-p1g".to_string()), "{later:?}");
    for id in &later {
        let content = id == "f-p1g";
        let clock = id == "f-clock" || id.ends_with('t');
        assert!(content || clock, "{id} in {later:?}");
    }
}

#[test]
fn a_panel_changing_state_sends_its_word_value_sparkline_and_since_at_once() {
    let mut r = Rig::new();
    r.offer(0);
    let p = r.panel(0);
    r.live.apply(&r.rb, &reading(&p, PanelState::Fail, 90.0, 1));
    let mut sent = r.offer(1);
    sent.sort();
    assert_eq!(sent, ["f-p0g", "f-p0t", "f-p0v", "f-p0w"]);
    let f = r.publisher.frame();
    let word = f.frags.iter().find(|x| x.id == "f-p0w").unwrap();
    assert_eq!(
        &word.sse[..],
        b"event: f-p0w\ndata: <span id=\"f-p0w\" class=\"pw fail\"><span class=\"word\">FAIL</span></span>\n\n"
    );
}

#[test]
fn time_alone_is_sent_at_most_every_clock_interval() {
    let mut r = Rig::new();
    r.offer(0);
    assert_eq!(r.offer(1), Vec::<String>::new(), "one second later");
    assert_eq!(r.offer(4), Vec::<String>::new(), "four seconds later");
    let due = r.offer(CLOCK_EVERY.as_secs());
    assert!(due.contains(&"f-clock".to_string()), "{due:?}");
    assert!(!due.contains(&"f-head".to_string()), "{due:?}");
    assert!(!due.contains(&"f-journal".to_string()), "{due:?}");
}

#[test]
fn a_viewer_gets_the_events_of_every_frame_it_missed_once_and_two_viewers_the_same() {
    let mut r = Rig::new();
    r.offer(0);
    let seen = r.publisher.frame().version;
    let (a, b) = (r.panel(0), r.panel(1));
    r.live.apply(&r.rb, &reading(&a, PanelState::Ok, 5.0, 0));
    r.offer(1);
    r.live.apply(&r.rb, &reading(&b, PanelState::Ok, 6.0, 0));
    r.offer(2);
    let f = r.publisher.frame();
    let missed = f.since(seen);
    let text = String::from_utf8(missed.to_vec()).unwrap();
    assert_eq!(text.matches("event: ").count(), 2, "{text}");
    assert!(text.contains("event: f-p0v\n") && text.contains("event: f-p1v\n"));
    assert_eq!(f.since(seen), missed, "same frame, same bytes");
    assert!(f.since(f.version).is_empty());
}

#[test]
fn a_fragment_with_newlines_is_one_event_of_several_data_lines() {
    let e = encode("f-x", "<p>a</p>\r\n<p>b</p>\n");
    assert_eq!(
        &e[..],
        b"event: f-x\ndata: <p>a</p>\ndata: <p>b</p>\ndata: \n\n"
    );
}

fn note(r: &mut Rig, seq: u64, text: &str) {
    let e = Event {
        seq,
        ts: t(seq as i64),
        operator: "bob".into(),
        body: EventBody::Note { text: text.into() },
    };
    r.live.apply(&r.rb, &Followed::Event(e));
}

#[test]
fn a_new_journal_line_goes_alone_to_a_viewer_that_has_the_rest() {
    let mut r = Rig::new();
    r.offer(0);
    let seen = r.publisher.frame().version;
    note(&mut r, 2, "<b>one</b>");
    assert_eq!(r.offer(1), ["f-journal"]);
    let f = r.publisher.frame();
    let text = String::from_utf8(f.since(seen).to_vec()).unwrap();
    assert!(text.starts_with("event: f-journal-add\n"), "{text}");
    assert_eq!(text.matches("<li>").count(), 1, "{text}");
    assert!(text.contains("&lt;b&gt;one&lt;/b&gt;"), "{text}");
    // A viewer from before that (or a new one) gets the whole tail.
    let whole = String::from_utf8(f.since(0).to_vec()).unwrap();
    assert!(whole.contains("event: f-journal\n"), "{whole}");
    assert!(!whole.contains("f-journal-add"), "{whole}");
    // Two more lines while a viewer was away: it missed one frame of the
    // journal's, so it gets the whole tail, with both lines.
    let before = r.publisher.frame().version;
    note(&mut r, 3, "two");
    r.offer(2);
    note(&mut r, 4, "three");
    r.offer(3);
    let f = r.publisher.frame();
    let late = String::from_utf8(f.since(before).to_vec()).unwrap();
    assert!(
        late.contains("event: f-journal\n") && late.contains("two"),
        "{late}"
    );
}

#[test]
fn added_lines_are_found_only_when_the_rest_is_the_old_list_trimmed() {
    let line = |seq: u64| (seq, format!("<li>{seq}</li>\n"));
    let full: Vec<_> = (1..=LINES as u64).rev().map(line).collect();
    // One more on a full list: the oldest drops, the new one is added.
    let next: Vec<_> = (2..=LINES as u64 + 1).rev().map(line).collect();
    assert_eq!(added(&full, &next), Some(&next[..1]));
    // A list that is not the old one under new lines: no shortcut.
    let other: Vec<_> = vec![line(40), line(7)];
    assert_eq!(added(&full, &other), None);
    assert_eq!(added(&full, &full), None, "nothing new");
    assert_eq!(added(&[], &[line(1)]), Some(&[line(1)][..]));
}
