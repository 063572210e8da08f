//! Hostile input end to end at the cheapest layer that shows it: a damaged
//! journal row, cross-origin redirects, escape-laden server texts, and
//! runbooks with absurd durations or control characters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command as Proc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use chrono::{DateTime, TimeZone, Utc};
use warroom::console_session::{OpenOptions, Session};
use warroom::session::command::{Command, Outcome};
use warroom::session::event::SessionMode;
use warroom::session::testkit::{all_ok, sample_runbook};

const ATTACK: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}]52;c;aGVsbG8=\u{7}\u{202e}";

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

fn opts(op: &str) -> OpenOptions {
    OpenOptions {
        mode: SessionMode::Rehearsal,
        operator: op.into(),
        host: None,
        read_only: false,
        accept_runbook_change: false,
    }
}

/// Rows another tool wrote, straight into the table.
fn insert(path: &Path, seq: i64, ts: &str, kind: &str, data: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute(
        "INSERT INTO events(seq, ts, operator, kind, data) VALUES (?1, ?2, 'mallory', ?3, ?4)",
        rusqlite::params![seq, ts, kind, data],
    )
    .unwrap();
}

fn no_attack_in(text: &str) {
    for bad in ["\u{1b}", "\u{7}", "\u{202e}", "\u{9b}"] {
        assert!(!text.contains(bad), "{bad:?} in {text}");
    }
}

#[test]
fn a_damaged_row_opens_names_its_seq_keeps_rollback_and_holds_expand_until_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let rb = Arc::new(sample_runbook());
    let panels = all_ok(&rb, t(0));
    {
        let mut s = Session::open_at(Arc::clone(&rb), &path, opts("alice"), t(0)).unwrap();
        s.submit(&Command::Begin, &panels, t(1)).unwrap();
    }
    let last = {
        let s = Session::open_at(Arc::clone(&rb), &path, opts("alice"), t(2)).unwrap();
        s.state().last_seq as i64
    };
    insert(&path, last + 1, "not a time", "note", r#"{"text":"x"}"#);
    insert(&path, last + 2, "2026-11-21T22:00:03Z", "signed", "{}");
    insert(
        &path,
        last + 3,
        "2026-11-21T22:00:03Z",
        "note",
        &serde_json::json!({ "text": ATTACK }).to_string(),
    );

    let mut s = Session::open_at(Arc::clone(&rb), &path, opts("bob"), t(10)).unwrap();
    let damage: Vec<String> = s.state().damage.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        damage,
        vec![
            format!(
                "journal damaged at seq {}: bad timestamp \"not a time\"",
                last + 1
            ),
            format!(
                "journal damaged at seq {}: malformed `signed`: missing field `gate`",
                last + 2
            ),
        ]
    );
    let out = s
        .submit(
            &Command::Expand {
                override_reason: None,
            },
            &panels,
            t(11),
        )
        .unwrap();
    let Outcome::Refused { reason, .. } = out else {
        panic!("expand went ahead on a damaged journal: {out:?}")
    };
    assert!(reason.contains("journal damaged at seq"), "{reason}");
    // The way back stays open.
    let out = s.submit(
        &Command::Pause {
            reason: "look".into(),
        },
        &panels,
        t(12),
    );
    assert!(matches!(out.unwrap(), Outcome::Applied(_)));
    let ack = Command::Acknowledge {
        reason: "row written by a migration script, checked".into(),
    };
    assert!(matches!(
        s.submit(&ack, &panels, t(13)).unwrap(),
        Outcome::Applied(_)
    ));
    assert!(s.state().unacknowledged_damage().is_none());
    s.submit(
        &Command::Resume {
            override_reason: None,
        },
        &panels,
        t(14),
    )
    .unwrap();
    let out = s
        .submit(
            &Command::Expand {
                override_reason: None,
            },
            &panels,
            t(15),
        )
        .unwrap();
    if let Outcome::Refused { reason, .. } = &out {
        assert!(!reason.contains("journal damaged"), "{reason}");
    }
    let out = s
        .submit(
            &Command::Rollback {
                reason: "back".into(),
                override_reason: None,
            },
            &panels,
            t(16),
        )
        .unwrap();
    assert!(matches!(out, Outcome::Applied(_)), "{out:?}");
    drop(s);

    // report: exit 0, the damage in its place, nothing of the attack.
    let o = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains(&format!(
            "journal damaged at seq {}: bad timestamp",
            last + 1
        )),
        "{text}"
    );
    assert!(text.contains("acknowledged"), "{text}");
    no_attack_in(&text);
}

#[test]
fn gaps_and_negative_seqs_are_damage_not_silence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let rb = Arc::new(sample_runbook());
    drop(Session::open_at(Arc::clone(&rb), &path, opts("alice"), t(0)).unwrap());
    insert(&path, -4, "2026-11-21T22:00:01Z", "note", r#"{"text":"x"}"#);
    insert(&path, 60, "2026-11-21T22:00:01Z", "note", r#"{"text":"y"}"#);
    let s = Session::open_at(Arc::clone(&rb), &path, opts("bob"), t(10)).unwrap();
    let damage: Vec<String> = s.state().damage.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        damage[0],
        "journal damaged at seq -4: a row with seq below 1"
    );
    assert!(damage[1].contains("are missing"), "{damage:?}");
}

#[test]
fn a_journal_with_the_largest_accepted_values_replays_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("big.toml");
    std::fs::write(
        &runbook,
        r#"
[cutover]
id = "big"
title = "Big"
strategy = "phased"
rollback_deadline = "720h"

[roles]
ic = "IC"

[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:9"
timeout = "24h"

[[panels]]
id = "errors"
title = "Errors"
source = "prom"
query = "up"
fail = "> 0.02"
every = "720h"

[[stages]]
name = "all"
exposure = 100
bake = "720h"

[actions.rollback]
run = "true"
timeout = "24h"
"#,
    )
    .unwrap();
    let rb = Arc::new(warroom::runbook::load(&runbook).unwrap().runbook);
    let path = dir.path().join("j.db");
    let late = Utc.with_ymd_and_hms(9999, 12, 1, 0, 0, 0).unwrap();
    let panels = all_ok(&rb, late);
    let mut s = Session::open_at(Arc::clone(&rb), &path, opts("alice"), late).unwrap();
    s.submit(&Command::Begin, &panels, late).unwrap();
    s.submit(
        &Command::Expand {
            override_reason: Some("x".into()),
        },
        &panels,
        late,
    )
    .unwrap();
    drop(s);
    let s = Session::open_at(Arc::clone(&rb), &path, opts("bob"), late).unwrap();
    assert!(s.state().started_at.is_some());
    // The header draws the bake and the deadline a month out.
    let app = warroom::tui::App::new(
        Arc::clone(&rb),
        s.state().clone(),
        common::options("bob", warroom::tui::Theme::no_color()),
        late + chrono::Duration::days(29),
    );
    let screen = common::render(&app, 120, 40);
    assert!(screen.contains("stage 1/1 all 100%"), "{screen}");
}

fn check(toml: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.toml");
    std::fs::write(&p, toml).unwrap();
    let o = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["check", p.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), all)
}

/// Two local servers: `home` answers every request with a 307 to the same
/// path on `other`, which counts what reaches it.
async fn two_origins(path: &str) -> (SocketAddr, SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    let other = axum::Router::new().fallback(move || {
        h.fetch_add(1, Ordering::SeqCst);
        async { r#"{"errors": 0}"# }
    });
    let other_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_addr = other_l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(other_l, other).await });
    let to = format!("http://{other_addr}{path}");
    let home = axum::Router::new().fallback(move || {
        let to = to.clone();
        async move { axum::response::Redirect::temporary(&to) }
    });
    let home_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let home_addr = home_l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(home_l, home).await });
    (home_addr, other_addr, hits)
}

const MINIMAL: &str = include_str!("fixtures/minimal.toml");

#[test]
fn check_refuses_a_million_years_anywhere_and_control_characters_with_their_place() {
    // `y` is no unit of the duration grammar, so a million years is
    // refused as invalid; a million hours reaches the 30-day cap.
    for (amount, says) in [("1000000y", "invalid"), ("1000000h", "longer than 30 days")] {
        for (key_line, key) in [
            ("[cutover]", "rollback_deadline"),
            ("[sources.prom]", "timeout"),
            ("[actions.rollback]", "timeout"),
        ] {
            let place = format!("{key} = \"{amount}\"");
            let text = MINIMAL.replacen(key_line, &format!("{key_line}\n{place}"), 1);
            let (code, out) = check(&text);
            assert_eq!(code, 2, "{place}: {out}");
            assert!(out.contains(says), "{place}: {out}");
            assert!(out.contains("r.toml:"), "{out}");
        }
    }
    let text = MINIMAL.replace(
        "title = \"Fixture\"",
        "title = \"Fix\\u001b]0;PWNED\\u0007\"",
    );
    let (code, out) = check(&text);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("r.toml:4:"), "{out}");
    assert!(out.contains("control character \\x1b"), "{out}");
    no_attack_in(&out);
}

#[test]
fn as_with_a_control_character_is_refused_with_exit_2() {
    let o = Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args([
            "rehearse",
            "tests/fixtures/minimal.toml",
            "--as",
            "eve\u{1b}]0;PWNED\u{7}",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("control character \\x1b"), "{err}");
    no_attack_in(&err);
}

/// A source that redirects to another origin: ERROR naming both, and the
/// other server never hears from us.
#[tokio::test]
async fn a_cross_origin_redirect_is_an_error_and_the_other_host_gets_nothing() {
    let (home_addr, other_addr, hits) = two_origins("/metrics").await;
    let client = warroom::untrusted::redirect::client().unwrap();
    let err = client
        .get(format!("http://{home_addr}/metrics"))
        .header("x-api-key", "s3cr3t")
        .send()
        .await
        .unwrap_err();
    let c = warroom::untrusted::redirect::cross_origin(&err).expect("a cross-origin refusal");
    let text = c.to_string();
    assert!(text.contains(&format!("http://{home_addr}")), "{text}");
    assert!(text.contains(&format!("http://{other_addr}")), "{text}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the other host was contacted"
    );
}

fn ctx() -> warroom::actions::ActionContext {
    warroom::actions::ActionContext {
        cutover: "c".into(),
        action: "pause".into(),
        stage: None,
        exposure: 0.0,
        previous_exposure: 0.0,
        operator: "alice".into(),
        reason: "drill".into(),
        mode: "rehearsal".into(),
        fence: None,
        run_token: None,
    }
}

/// A webhook whose URL path holds a secret with a space and `<>`: the
/// receiver answers 500 quoting it back in every encoding it can; the
/// error text (status line, journal, report) holds none of them.
#[tokio::test]
async fn a_secret_in_a_webhook_path_leaks_in_no_encoding() {
    use axum::http::Uri;
    use axum::routing::post;
    const SECRET: &str = "ab cd<ef>SECRET42";
    let echo = axum::Router::new().fallback(post(|uri: Uri| async move {
        let json = serde_json::Value::from(SECRET).to_string();
        let form = "ab+cd%3Cef%3ESECRET42";
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("no route {uri} (json {json}, form {form}, raw {SECRET})"),
        )
    }));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, echo).await });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    let toml = MINIMAL.replace(
        "run = \"echo rollback\"",
        &format!("run = \"true\"\nwebhook = {{ url = \"http://{addr}/hooks/${{TOKEN}}\" }}"),
    );
    std::fs::write(&path, toml).unwrap();
    let env = |n: &str| (n == "TOKEN").then(|| SECRET.to_string());
    let rb = warroom::runbook::load_str(&std::fs::read_to_string(&path).unwrap(), &path, &env)
        .unwrap()
        .runbook;
    let hook = rb.actions.rollback.webhook.clone().unwrap();
    let client = warroom::untrusted::redirect::client().unwrap();
    let err = warroom::actions::webhook::send(
        &client,
        &hook,
        &ctx(),
        std::time::Duration::from_secs(5),
        &rb.secrets,
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("HTTP 500 from POST"), "{err}");
    for form in ["SECRET42", "ab cd", "ab%20cd", "ab+cd", "%3Cef"] {
        assert!(!err.contains(form), "{form} in {err}");
    }
}

/// Sources: `check --probe` on a source that redirects to another origin
/// shows ERROR naming both, and the other server is never contacted.
#[tokio::test]
async fn a_source_redirected_to_another_origin_is_an_error_in_probe() {
    let (home_addr, other_addr, hits) = two_origins("/state").await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.toml");
    let toml = MINIMAL
        .replace("type = \"prometheus\"", "type = \"json\"")
        .replace(
            "url = \"http://127.0.0.1:9090\"",
            &format!("url = \"http://{home_addr}/state\"\nheaders = {{ x-api-key = \"k3y\" }}"),
        )
        .replace("query = \"up\"", "pointer = \"/errors\"");
    std::fs::write(&p, toml).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Proc::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["check", "--probe", p.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("ERROR"), "{text}");
    assert!(
        text.contains(&format!(
            "redirect from http://{home_addr} to another origin http://{other_addr} refused"
        )),
        "{text}"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the other host was contacted"
    );
}

/// The banner: header and journal pane name the damage until it is
/// acknowledged; then the header is the header again.
#[test]
fn the_header_and_the_journal_pane_name_the_damage() {
    use warroom::session::event::EventBody;
    let rb = common::runbook();
    let mut state = common::running_state(&rb);
    let damaged = common::event(
        7,
        common::t0(),
        "?",
        EventBody::Damaged {
            seq: 7,
            what: "bad timestamp \"yesterday\"".into(),
        },
    );
    warroom::session::reduce(&mut state, &rb, &damaged);
    let app = common::app(state.clone(), vec![], vec![damaged.clone()], common::t0());
    for (w, h) in [(80, 24), (160, 50)] {
        let screen = common::render(&app, w, h);
        let header: String = screen.lines().take(2).collect::<Vec<_>>().join("\n");
        assert!(header.contains("journal damaged at seq 7"), "{screen}");
        assert!(
            screen
                .lines()
                .skip(2)
                .any(|l| l.contains("journal damaged at seq 7")),
            "journal pane: {screen}"
        );
    }
    let ack = common::event(
        8,
        common::t0(),
        "alice",
        EventBody::DamageAcknowledged {
            through_seq: 7,
            reason: "checked".into(),
        },
    );
    warroom::session::reduce(&mut state, &rb, &ack);
    let app = common::app(state, vec![], vec![damaged, ack], common::t0());
    let screen = common::render(&app, 160, 50);
    let header: String = screen.lines().take(2).collect::<Vec<_>>().join("\n");
    assert!(!header.contains("journal damaged"), "{screen}");
    assert!(header.contains("ops:"), "{screen}");
}

/// Webhooks share the client: a cross-origin redirect is an error naming
/// both origins, and the other host gets nothing (not even our headers).
#[tokio::test]
async fn a_webhook_redirected_to_another_origin_is_refused() {
    let (home_addr, other_addr, hits) = two_origins("/hook").await;
    let hook = warroom::runbook::model::Webhook {
        url: format!("http://{home_addr}/hook"),
        method: "POST".into(),
        headers: vec![("authorization".into(), "Bearer k3y".into())],
    };
    let client = warroom::untrusted::redirect::client().unwrap();
    let err = warroom::actions::webhook::send(
        &client,
        &hook,
        &ctx(),
        std::time::Duration::from_secs(5),
        &[],
    )
    .await
    .unwrap_err();
    assert!(
        err.contains(&format!(
            "redirect from http://{home_addr} to another origin http://{other_addr} refused"
        )),
        "{err}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

/// `check`'s own error output quotes the runbook's line under the message:
/// a raw bidi override or ESC in that line is shown as `?`, never raw.
#[test]
fn check_quotes_a_hostile_line_without_its_controls() {
    let text = MINIMAL.replace(
        "title = \"Fixture\"",
        "title = \"Fixture\" # \u{202e}evil \u{1b}[2J",
    );
    let (code, out) = check(&text);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("control character \\u{202e}"), "{out}");
    assert!(out.contains("\\x1b"), "{out}");
    no_attack_in(&out);
}
