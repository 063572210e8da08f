//! `enter`: everything about the selection that a row cannot hold: a
//! panel's full error, recent values and query; a step's notes, owner and
//! command; a gate's signers, times, vetoes and evidence.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::util::modal;
use crate::health::PanelStatus;
use crate::runbook::model::Query;
use crate::session::event::EventBody;
use crate::session::state::StepStatus;
use crate::tui::app::{App, signers};
use crate::tui::format;
use crate::tui::mode::DetailTarget;

fn kv<'a>(app: &App, k: &str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<9} "), app.theme().dim()),
        Span::raw(v),
    ])
}

fn panel_lines<'a>(app: &App, i: usize) -> (String, Vec<Line<'a>>) {
    let Some(p) = app.runbook.panels.get(i) else {
        return (String::new(), vec![]);
    };
    let unknown = PanelStatus::unknown(&p.id);
    let st = app.story.panels.get(&p.id).unwrap_or(&unknown);
    let t = app.theme();
    let mut l = vec![Line::from(vec![
        Span::styled(format!("{:<10}", "state"), t.dim()),
        Span::styled(st.state.as_str(), t.panel(st.state)),
        Span::raw(
            st.state_since
                .map(|s| format!(" since {}", app.zone().clock_abbrev(s)))
                .unwrap_or_default(),
        ),
    ])];
    let val = st
        .value
        .map(|v| format::value(v, p.unit))
        .unwrap_or_else(|| "—".into());
    l.push(kv(app, "value", val));
    if let Some(b) = st.baseline {
        l.push(kv(app, "baseline", format::value(b, p.unit)));
    }
    if let (Some(v), Some(s)) = (st.value, st.start_value) {
        l.push(kv(
            app,
            "at start",
            format!(
                "{} ({})",
                format::value(s, p.unit),
                format::delta(v, s, p.unit)
            ),
        ));
    }
    let mut th = Vec::new();
    if let Some(w) = p.warn {
        th.push(format!("warn {}", format::threshold(&w, p.unit)));
    }
    if let Some(f) = p.fail {
        th.push(format!("fail {}", format::threshold(&f, p.unit)));
    }
    if let Some(r) = p.fail_ratio {
        th.push(format!("fail > {r}x baseline"));
    }
    l.push(kv(
        app,
        "rules",
        if th.is_empty() {
            "none".into()
        } else {
            th.join(", ")
        },
    ));
    if let Some(c) = &p.compare {
        let judged = app.story.state.canary.panels.get(&p.id);
        l.push(kv(
            app,
            "analysis",
            match judged {
                Some(j) => format!("{}: {}", j.summary(), j.why),
                None => format!(
                    "vs baseline over the bake, canary {} is worse (no measurement in this stage yet)",
                    c.worse.as_str()
                ),
            },
        ));
    }
    let q = match &p.query {
        Query::Prometheus(q) | Query::Scrape(q) | Query::Json(q) => q.clone(),
        Query::Http => "HTTP health check (2xx = up)".into(),
    };
    l.push(kv(app, "source", p.source.clone()));
    l.push(kv(app, "query", app.runbook.redact(&q)));
    if let Some(url) = app.runbook.links.dashboards.get(&p.id) {
        l.push(kv(app, "dashboard", url.clone()));
    }
    l.push(kv(
        app,
        "polled",
        st.last_poll
            .map(|t| app.zone().clock(t))
            .unwrap_or_else(|| "never".into()),
    ));
    l.push(kv(
        app,
        "last good",
        st.last_good
            .map(|t| app.zone().clock(t))
            .unwrap_or_else(|| "never".into()),
    ));
    if let Some(e) = &st.error {
        l.push(Line::from(vec![
            Span::styled(format!("{:<10}", "error"), t.dim()),
            Span::styled(e.clone(), t.error()),
        ]));
    }
    let recent: Vec<String> = st
        .history
        .iter()
        .rev()
        .take(10)
        .map(|v| format::value(*v, p.unit))
        .collect();
    if !recent.is_empty() {
        l.push(kv(
            app,
            "recent",
            format!("{} (newest first)", recent.join(" ")),
        ));
        l.push(kv(
            app,
            "",
            format::sparkline(st.history.iter().copied(), 60),
        ));
    }
    (format!("{} ({})", p.title, p.id), l)
}

fn step_lines<'a>(app: &App, i: usize) -> (String, Vec<Line<'a>>) {
    let Some(s) = app.runbook.steps.get(i) else {
        return (String::new(), vec![]);
    };
    let t = app.theme();
    let st = app.story.state.steps.get(i);
    let status = st.map(|s| s.status).unwrap_or(StepStatus::Pending);
    let mut l = vec![Line::from(vec![
        Span::styled(format!("{:<10}", "state"), t.dim()),
        Span::styled(status.as_str(), t.step(status)),
    ])];
    if s.irreversible {
        l.push(Line::styled(
            "⚠ IRREVERSIBLE: the point of no return; starting it asks you to type its id, and from then on rollback is refused",
            t.irreversible(),
        ));
    }
    if let Some(why) = app.step_blocked(i) {
        l.push(kv(app, "blocked", why));
    }
    l.push(kv(
        app,
        "owner",
        s.owner.clone().unwrap_or_else(|| "—".into()),
    ));
    l.push(kv(
        app,
        "plan",
        s.expect
            .map(crate::timefmt::rounded)
            .unwrap_or_else(|| "—".into()),
    ));
    if let Some(st) = st {
        if let Some(a) = st.started_at {
            let by = st
                .started_by
                .clone()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default();
            l.push(kv(
                app,
                "started",
                format!("{}{by}", app.zone().clock_abbrev(a)),
            ));
        }
        if let Some(f) = st.finished_at {
            l.push(kv(app, "finished", app.zone().clock_abbrev(f)));
        }
    }
    if let Some(g) = &s.gate {
        l.push(kv(app, "gate", g.clone()));
    }
    if !s.after.is_empty() {
        l.push(kv(app, "after", s.after.join(", ")));
    }
    if let Some(need) = &s.stage {
        let what = if need.baked {
            "reached and baked"
        } else {
            "reached"
        };
        l.push(kv(app, "stage", format!("{} ({what})", need.stage)));
    }
    if s.phase == crate::runbook::model::StepPhase::Close {
        l.push(kv(
            app,
            "phase",
            "close: may also run after COMPLETE or ROLLED_BACK".to_string(),
        ));
    }
    l.push(kv(
        app,
        "command",
        s.run
            .as_ref()
            .map(|r| format!("$ {r} (timeout {})", crate::timefmt::rounded(s.timeout)))
            .unwrap_or_else(|| "none (manual step)".into()),
    ));
    if let Some(n) = &s.notes {
        l.push(kv(app, "notes", n.clone()));
    }
    if let Some(url) = app.runbook.links.steps.get(&s.id) {
        l.push(kv(app, "link", url.clone()));
    }
    (format!("{} ({})", s.title, s.id), l)
}

fn gate_lines<'a>(app: &App, i: usize) -> (String, Vec<Line<'a>>) {
    let Some(g) = app.runbook.gates.get(i) else {
        return (String::new(), vec![]);
    };
    let t = app.theme();
    let gs = app.story.state.gates.get(i);
    let mut l = Vec::new();
    if let Some(gs) = gs {
        let go = gs
            .went_go_at
            .map(|a| format!(" (GO at {})", app.zone().clock_abbrev(a)))
            .unwrap_or_default();
        l.push(Line::from(vec![
            Span::styled(format!("{:<10}", "state"), t.dim()),
            Span::styled(gs.status.as_str(), t.gate(gs.status)),
            Span::raw(go),
        ]));
    }
    if g.two_person {
        l.push(kv(app, "rule", "two different operators must sign".into()));
    }
    for (n, item) in g.items.iter().enumerate() {
        let st = gs.and_then(|g| g.items.get(n));
        l.push(Line::styled(format!("{}. {}", n + 1, item.text), t.bold()));
        if let Some(r) = &item.role {
            l.push(kv(app, "  role", r.clone()));
        }
        if let Some(p) = &item.panel {
            l.push(kv(
                app,
                "  auto",
                format!("panel `{p}` OK for {}", crate::timefmt::rounded(item.for_)),
            ));
        }
        for s in signers(st) {
            l.push(kv(
                app,
                "  signed",
                format!("{} at {}", s.operator, app.zone().clock_abbrev(s.at)),
            ));
            let ev: Vec<String> = s
                .evidence
                .iter()
                .map(|(k, e)| format!("{k} {}", e.state.as_str()))
                .collect();
            if !ev.is_empty() {
                l.push(kv(app, "  evidence", ev.join(", ")));
            }
        }
        if let Some(v) = st.and_then(|s| s.veto.as_ref()) {
            l.push(Line::from(vec![
                Span::styled(format!("{:<10}", "  VETO"), t.error()),
                Span::raw(format!(
                    "{} at {}: {}",
                    v.operator,
                    app.zone().clock_abbrev(v.at),
                    v.reason
                )),
            ]));
        }
    }
    (format!("{} ({})", g.title, g.id), l)
}

/// Every field of one journal event; text fields (an action's output tail)
/// keep their lines.
fn event_lines<'a>(app: &App, seq: u64) -> (String, Vec<Line<'a>>) {
    let Some(e) = app.story.tail.iter().find(|e| e.seq == seq) else {
        return (String::new(), vec![]);
    };
    let rb = &app.runbook;
    let mut l = vec![
        kv(
            app,
            "when",
            format!("{} {}", app.zone().date_time(e.ts), app.zone().abbrev(e.ts)),
        ),
        kv(app, "operator", crate::describe::actor(Some(rb), e)),
        kv(
            app,
            "what",
            rb.redact(&super::journal::describe(rb, &e.body)),
        ),
    ];
    if let EventBody::ActionRan { action, .. } = &e.body
        && let Some(cmd) = crate::describe::action_command(rb, action)
    {
        l.push(kv(app, "command", rb.redact(&cmd)));
    }
    if let serde_json::Value::Object(fields) = e.body.fields() {
        for (k, v) in fields {
            match v {
                serde_json::Value::String(_) if k == "runbook_text" => {
                    l.extend(runbook_text_lines(app, e));
                }
                serde_json::Value::String(s) if s.contains('\n') => {
                    l.push(kv(app, &k, String::new()));
                    for line in s.lines() {
                        l.push(Line::from(format!("  {}", rb.redact(line))));
                    }
                }
                serde_json::Value::String(s) => l.push(kv(app, &k, rb.redact(&s))),
                serde_json::Value::Object(_) if k == "evidence" => {
                    // As the tiles show it; the raw value is in JSON Lines.
                    if let Some(ev) = crate::describe::decision_evidence(&e.body) {
                        for one in crate::describe::evidence(Some(rb), ev).split(", ") {
                            l.push(kv(app, "evidence", one.to_string()));
                        }
                    }
                }
                other => l.push(kv(app, &k, rb.redact(&other.to_string()))),
            }
        }
    }
    (format!("#{} {}", e.seq, e.body.kind()), l)
}

/// A diff's lines by the seqs of its two versions.
type DiffMemo = Option<((u64, u64), Vec<String>)>;

thread_local! {
    /// The last diff drawn: the details pane is drawn every frame, the
    /// diff of two large texts is not cheap.
    static DIFF: std::cell::RefCell<DiffMemo> = const { std::cell::RefCell::new(None) };
}

fn cached_diff(old: u64, new: u64, make: impl FnOnce() -> Vec<String>) -> Vec<String> {
    DIFF.with(|d| {
        let mut d = d.borrow_mut();
        match &*d {
            Some((k, v)) if *k == (old, new) => v.clone(),
            _ => {
                let v = make();
                *d = Some(((old, new), v.clone()));
                v
            }
        }
    })
}

/// The journaled runbook text: its size where a session opened; the
/// unified diff from the text before where a change was accepted (the
/// texts are the journal's, checked against their digests, each diff line
/// sanitized).
fn runbook_text_lines<'a>(app: &App, e: &crate::session::event::Event) -> Vec<Line<'a>> {
    use crate::runbook::recorded;
    let versions = recorded::versions(app.story.tail.iter().take_while(|x| x.seq <= e.seq));
    let this = versions.iter().position(|v| v.seq == e.seq);
    match (&e.body, this) {
        (EventBody::RunbookChangeAccepted { .. }, Some(i)) if i > 0 => {
            let (old, new) = (&versions[i - 1], &versions[i]);
            match (old.text, new.text) {
                (Some(a), Some(b)) => {
                    let mut l = vec![kv(app, "runbook diff", String::new())];
                    let diff = cached_diff(old.seq, new.seq, || {
                        recorded::unified_diff(
                            a,
                            b,
                            &format!("seq {}", old.seq),
                            &format!("seq {}", new.seq),
                        )
                    });
                    l.extend(diff.into_iter().map(|d| Line::from(format!("  {d}"))));
                    l
                }
                _ => vec![kv(
                    app,
                    "runbook diff",
                    "a text is missing or does not match its digest".into(),
                )],
            }
        }
        (EventBody::RunbookChangeAccepted { .. }, _) => vec![kv(
            app,
            "runbook diff",
            "the previous text is not in this console's tail: `warroom report` shows it".into(),
        )],
        _ => {
            let lines = match &e.body {
                EventBody::SessionOpened {
                    runbook_text: Some(t),
                    ..
                } => t.lines().count(),
                _ => 0,
            };
            vec![kv(
                app,
                "runbook text",
                format!("{lines} lines, kept in the journal (`warroom report --format jsonl`)"),
            )]
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, target: &DetailTarget) {
    let t = app.theme();
    let (title, lines) = match target {
        DetailTarget::Step(i) => step_lines(app, *i),
        DetailTarget::Panel(i) => panel_lines(app, *i),
        DetailTarget::Gate(i) => gate_lines(app, *i),
        DetailTarget::Event(seq) => event_lines(app, *seq),
    };
    let width = super::util::dialog_width(area, 76);
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = modal(frame, area, width, height);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.info())
        .title(Span::styled(format!(" {title} "), t.bold()))
        .title_bottom(Span::styled(" ↑↓ scroll · esc closes ", t.dim()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((app.ui.detail_scroll, 0)),
        r,
    );
}
