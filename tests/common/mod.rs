//! A runbook and states built in code (the billing-v2 example from
//! runbook-format.md), so console tests do not depend on the loader.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use warroom::health::{PanelState, PanelStatus};
use warroom::runbook::model::*;
use warroom::session::event::{Event, EventBody, Evidence, SessionMode};
use warroom::session::state::*;
use warroom::tui::{App, AppOptions, Msg, Theme};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).unwrap()
}

pub fn at(min: i64, sec: i64) -> DateTime<Utc> {
    t0() + chrono::TimeDelta::minutes(min) + chrono::TimeDelta::seconds(sec)
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn th(op: Op, value: f64) -> Option<Threshold> {
    Some(Threshold { op, value })
}

fn panel(
    id: &str,
    title: &str,
    unit: Unit,
    warn: Option<Threshold>,
    fail: Option<Threshold>,
) -> Panel {
    Panel {
        id: id.into(),
        title: title.into(),
        source: "prom".into(),
        query: Query::Prometheus(format!("sum(rate({id}[1m]))")),
        baseline: None,
        fail_ratio: None,
        unit,
        every: Duration::from_secs(5),
        warn,
        fail,
        stale_after: 3,
        rate: false,
        compare: None,
    }
}

fn item(text: &str, role: Option<&str>, panel: Option<&str>, for_: u64) -> GateItem {
    GateItem {
        text: text.into(),
        role: role.map(Into::into),
        panel: panel.map(Into::into),
        for_: mins(for_),
    }
}

fn step(id: &str, title: &str, owner: &str, expect: u64, irreversible: bool) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        owner: Some(owner.into()),
        expect: Some(mins(expect)),
        gate: None,
        after: vec![],
        run: None,
        timeout: mins(5),
        notes: None,
        irreversible,
        stage: None,
        phase: Default::default(),
    }
}

pub fn runbook() -> Arc<Runbook> {
    let action = |run: &str, two: bool| Action {
        run: Some(run.into()),
        webhook: None,
        timeout: Duration::from_secs(60),
        two_person: two,
        roles: vec![],
    };
    let mut steps = vec![
        step("freeze", "Freeze writes on legacy billing", "db", 15, false),
        step("backfill", "Backfill historical invoices", "db", 45, true),
        step(
            "switch",
            "Point checkout at billing v2",
            "billing",
            10,
            false,
        ),
        step(
            "verify",
            "Verify first invoices by hand",
            "billing",
            20,
            false,
        ),
    ];
    steps[0].gate = Some("go-live".into());
    steps[0].run = Some("./scripts/freeze-writes.sh".into());
    steps[0].notes = Some("Check replication lag is under 1s first.".into());
    let mut rollback = action("./scripts/rollback.sh", true);
    rollback.webhook = Some(Webhook {
        url: "https://chat.example/hooks/SECRET123".into(),
        method: "POST".into(),
        headers: vec![],
    });
    Arc::new(Runbook {
        path: PathBuf::from("runbooks/billing-v2.toml"),
        dir: PathBuf::from("runbooks"),
        sha256: "ab".repeat(32),
        text: String::new(),
        cutover: Cutover {
            id: "billing-v2".into(),
            title: "Billing platform migration".into(),
            strategy: Strategy::Phased,
            summary: None,
            rollback_deadline: Some(Deadline::After(Duration::from_secs(4 * 3600))),
            timezone: Default::default(),
        },
        roles: vec![
            Role {
                id: "ic".into(),
                name: "Incident commander".into(),
            },
            Role {
                id: "db".into(),
                name: "Database owner".into(),
            },
            Role {
                id: "billing".into(),
                name: "Billing service owner".into(),
            },
        ],
        operators: Some(vec![
            Operator {
                name: "alice".into(),
                roles: vec!["ic".into()],
                accounts: vec![],
            },
            Operator {
                name: "bob".into(),
                roles: vec!["db".into(), "billing".into()],
                accounts: vec![],
            },
        ]),
        sources: vec![Source {
            id: "prom".into(),
            kind: SourceKind::Prometheus,
            url: "http://127.0.0.1:9090".into(),
            timeout: Duration::from_secs(2),
            headers: vec![],
        }],
        panels: vec![
            panel(
                "errors",
                "5xx ratio, billing v2",
                Unit::Percent,
                th(Op::Gt, 0.005),
                th(Op::Gt, 0.02),
            ),
            panel(
                "p99",
                "p99 latency",
                Unit::Seconds,
                th(Op::Gt, 0.3),
                th(Op::Gt, 0.8),
            ),
            panel(
                "invoices",
                "Invoices / s",
                Unit::PerSecond,
                None,
                th(Op::Lt, 5.0),
            ),
            panel(
                "mismatch",
                "Reconciliation mismatches",
                Unit::Count,
                None,
                th(Op::Gt, 0.0),
            ),
            panel(
                "legacy_up",
                "Legacy billing health",
                Unit::Ms,
                th(Op::Gt, 0.5),
                None,
            ),
        ],
        stages: vec![
            Stage {
                name: "internal".into(),
                exposure: 0.5,
                bake: mins(10),
                gate: None,
                analysis: None,
                advance: Advance::Manual,
                auto_countdown: DEFAULT_AUTO_COUNTDOWN,
            },
            Stage {
                name: "enterprise".into(),
                exposure: 5.0,
                bake: mins(30),
                gate: Some("expand-enterprise".into()),
                analysis: None,
                advance: Advance::Manual,
                auto_countdown: DEFAULT_AUTO_COUNTDOWN,
            },
            Stage {
                name: "everyone".into(),
                exposure: 100.0,
                bake: Duration::ZERO,
                gate: Some("expand-all".into()),
                analysis: None,
                advance: Advance::Manual,
                auto_countdown: DEFAULT_AUTO_COUNTDOWN,
            },
        ],
        gates: vec![
            Gate {
                id: "go-live".into(),
                title: "Go / no-go: start the migration".into(),
                two_person: false,
                items: vec![
                    item(
                        "Rollback rehearsed: one segment reverted in under 30 minutes",
                        Some("ic"),
                        None,
                        0,
                    ),
                    item(
                        "Dual-write mismatch count is zero",
                        None,
                        Some("mismatch"),
                        10,
                    ),
                    item("Support lead briefed", None, None, 0),
                ],
            },
            Gate {
                id: "expand-enterprise".into(),
                title: "Expand to enterprise".into(),
                two_person: true,
                items: vec![item(
                    "Billing owner accepts canary numbers",
                    Some("billing"),
                    None,
                    0,
                )],
            },
            Gate {
                id: "expand-all".into(),
                title: "Expand to everyone".into(),
                two_person: false,
                items: vec![item("IC go", Some("ic"), None, 0)],
            },
        ],
        steps,
        actions: Actions {
            pause: Some(action("flagctl freeze billing-v2", false)),
            resume: Some(action("flagctl unfreeze billing-v2", false)),
            expand: Some(action(
                "flagctl set billing-v2 --percent \"$WARROOM_EXPOSURE\"",
                false,
            )),
            rollback,
            begin_roles: vec![],
        },
        guards: vec![
            Guard {
                panel: "errors".into(),
                when: GuardWhen::Fail,
                for_: Duration::from_secs(30),
                then: GuardThen::Pause,
                override_for: std::time::Duration::from_secs(600),
            },
            Guard {
                panel: "mismatch".into(),
                when: GuardWhen::Fail,
                for_: Duration::ZERO,
                then: GuardThen::Rollback,
                override_for: std::time::Duration::from_secs(600),
            },
        ],
        links: Default::default(),
        notify: vec![],
        secrets: vec!["SECRET123".into()],
    })
}

/// A fresh session: nothing signed, nothing started, opened as a rehearsal.
pub fn ready_state(rb: &Runbook) -> State {
    State {
        mode: Some(SessionMode::Rehearsal),
        runbook_sha256: Some(rb.sha256.clone()),
        ..State::new(rb)
    }
}

pub fn attach(state: &mut State, who: &str, read_only: bool) {
    state.attached.insert(
        who.into(),
        Attached {
            operator: who.into(),
            host: None,
            read_only,
            consoles: 1,
        },
    );
}

pub fn sign(state: &mut State, gate: usize, item: usize, who: &str, when: DateTime<Utc>) {
    let s = Signature {
        operator: who.into(),
        at: when,
        evidence: Evidence::new(),
    };
    let item = &mut state.gates[gate].items[item];
    if item.signed.is_none() {
        item.signed = Some(s.clone());
    }
    item.signers.push(s);
}

/// Running at stage 1 (internal), started at t0, steps partly done.
pub fn running_state(rb: &Runbook) -> State {
    let mut s = ready_state(rb);
    s.status = Status::Running;
    s.started_at = Some(t0());
    s.rollback_deadline = Some(t0() + chrono::TimeDelta::hours(4));
    s.stage = Some(0);
    s.stage_entered_at = Some(at(20, 0));
    for i in 0..3 {
        if i != 1 {
            sign(
                &mut s,
                0,
                i,
                if i == 0 { "alice" } else { "bob" },
                at(-10 + i as i64, 0),
            );
        }
    }
    s.gates[0].status = GateStatus::Go;
    s.gates[0].went_go_at = Some(at(-8, 0));
    s.steps[0].status = StepStatus::Done;
    s.steps[0].started_at = Some(at(1, 0));
    s.steps[0].finished_at = Some(at(13, 30));
    s.steps[0].started_by = Some("bob".into());
    s.steps[1].status = StepStatus::Running;
    s.steps[1].started_at = Some(at(14, 0));
    s.steps[1].started_by = Some("bob".into());
    attach(&mut s, "alice", false);
    attach(&mut s, "bob", false);
    s
}

pub fn status(
    id: &str,
    state: PanelState,
    value: Option<f64>,
    history: &[f64],
    since: DateTime<Utc>,
) -> PanelStatus {
    PanelStatus {
        id: id.into(),
        state,
        value,
        baseline: None,
        error: None,
        history: history.iter().copied().collect::<VecDeque<f64>>(),
        start_value: None,
        state_since: Some(since),
        last_poll: Some(since),
        last_good: value.map(|_| since),
    }
}

/// Every panel healthy, with some history.
pub fn healthy_panels() -> Vec<PanelStatus> {
    let h = |base: f64, step: f64| {
        (0..30)
            .map(|i| base + step * ((i * 7 % 11) as f64))
            .collect::<Vec<_>>()
    };
    vec![
        status(
            "errors",
            PanelState::Ok,
            Some(0.0012),
            &h(0.001, 0.0001),
            at(-30, 0),
        ),
        status(
            "p99",
            PanelState::Ok,
            Some(0.212),
            &h(0.18, 0.005),
            at(-30, 0),
        ),
        status(
            "invoices",
            PanelState::Ok,
            Some(42.5),
            &h(40.0, 0.5),
            at(-30, 0),
        ),
        status(
            "mismatch",
            PanelState::Ok,
            Some(0.0),
            &[0.0; 30],
            at(-30, 0),
        ),
        status(
            "legacy_up",
            PanelState::Ok,
            Some(0.041),
            &h(0.03, 0.002),
            at(-30, 0),
        ),
    ]
}

pub fn event(seq: u64, ts: DateTime<Utc>, who: &str, body: EventBody) -> Event {
    Event {
        seq,
        ts,
        operator: who.into(),
        body,
    }
}

pub fn options(operator: &str, theme: Theme) -> AppOptions {
    AppOptions {
        operator: operator.into(),
        mode: SessionMode::Rehearsal,
        read_only: false,
        executes: false,
        allow_as: true,
        theme,
        extra_keys: vec![],
        rehearsal_durations: BTreeMap::new(),
        tz: None,
    }
}

pub fn app(state: State, panels: Vec<PanelStatus>, events: Vec<Event>, now: DateTime<Utc>) -> App {
    let rb = runbook();
    let mut app = App::new(rb, state.clone(), options("alice", Theme::color()), now);
    for p in panels {
        app.update(Msg::Panel(p));
    }
    app.update(Msg::Journal { events, state });
    app
}

/// Draw at a size and return the screen as text, one line per row.
pub fn render(app: &App, w: u16, h: u16) -> String {
    buffer_text(&render_buffer(app, w, h))
}

pub fn render_buffer(app: &App, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| warroom::tui::draw(f, app)).unwrap();
    term.backend().buffer().clone()
}

pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One key, as the terminal would send it.
pub fn press(app: &mut App, code: crossterm::event::KeyCode) {
    app.update(Msg::Key(crossterm::event::KeyEvent::new(
        code,
        crossterm::event::KeyModifiers::NONE,
    )));
}

/// Type `text` key by key.
pub fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, crossterm::event::KeyCode::Char(c));
    }
}

/// A rehearsal console's seat in the session journaled at `path`, as
/// `warroom rehearse --as WHO` opens it.
pub fn open_rehearsal(
    rb: Arc<Runbook>,
    path: &std::path::Path,
    who: &str,
) -> warroom::console_session::Session {
    warroom::console_session::Session::open(
        rb,
        path,
        warroom::console_session::OpenOptions {
            mode: SessionMode::Rehearsal,
            operator: who.into(),
            host: None,
            read_only: false,
            accept_runbook_change: false,
        },
    )
    .unwrap()
}

/// A TestBackend whose screen, as of the last flush, can be read while
/// the loop owns the terminal.
pub struct Watched {
    pub inner: ratatui::backend::TestBackend,
    pub screen: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Watched {
    /// A `w`x`h` screen and the handle its text is read through.
    pub fn new(w: u16, h: u16) -> (Watched, std::sync::Arc<std::sync::Mutex<String>>) {
        let screen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        (
            Watched {
                inner: ratatui::backend::TestBackend::new(w, h),
                screen: std::sync::Arc::clone(&screen),
            },
            screen,
        )
    }

    pub fn buffer(&self) -> &ratatui::buffer::Buffer {
        self.inner.buffer()
    }
}

impl ratatui::backend::Backend for Watched {
    type Error = std::convert::Infallible;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        p: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, region: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(region)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        *self.screen.lock().unwrap() = buffer_text(self.inner.buffer());
        self.inner.flush()
    }
}
