//! Parse a 10,000-line /metrics page (target: under 5 ms) and evaluate
//! thresholds: the two things the poller does on every scrape.

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use warroom::health::evaluate::{Evaluator, Poll};
use warroom::health::exposition::{Selector, parse};
use warroom::runbook::model::{Op, Panel, Query, Threshold, Unit};

/// 10,000 lines like a busy exporter: HELP/TYPE, labelled series, escapes,
/// histograms.
fn page() -> String {
    let mut s = String::new();
    let mut lines = 0;
    let mut m = 0;
    while lines < 10_000 {
        s.push_str(&format!(
            "# HELP app_metric_{m} Some metric with \\\\ help.\n# TYPE app_metric_{m} counter\n"
        ));
        lines += 2;
        for i in 0..48 {
            s.push_str(&format!(
                "app_metric_{m}{{instance=\"10.0.{m}.{i}:9100\",job=\"billing\",path=\"/api/v1/x\\\"y\\\"\",code=\"{}\"}} {}.5 1700000000000\n",
                200 + i % 5,
                i * 1000 + m
            ));
            lines += 1;
        }
        m += 1;
    }
    s
}

fn panel() -> Panel {
    Panel {
        id: "p".into(),
        title: "P".into(),
        source: "s".into(),
        query: Query::Scrape("x".into()),
        baseline: None,
        fail_ratio: None,
        unit: Unit::Ratio,
        every: Duration::from_secs(1),
        warn: Some(Threshold {
            op: Op::Gt,
            value: 0.5,
        }),
        fail: Some(Threshold {
            op: Op::Gt,
            value: 0.8,
        }),
        stale_after: 3,
        rate: false,
        compare: None,
    }
}

fn benches(c: &mut Criterion) {
    let text = page();
    assert!(text.lines().count() >= 10_000);
    c.bench_function("parse 10k-line page", |b| {
        b.iter(|| parse(black_box(&text)).map(|s| s.len()))
    });
    let samples = parse(&text).unwrap_or_default();
    let sel = Selector::parse(r#"app_metric_100{instance="10.0.100.7:9100",code="202"}"#);
    if let Ok(sel) = sel {
        c.bench_function("select one series of 10k", |b| {
            b.iter(|| sel.pick(black_box(&samples)))
        });
    }
    let mut ev = Evaluator::new(&panel(), Utc::now());
    let now = Utc::now();
    let mut i = 0u32;
    c.bench_function("evaluate thresholds", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let value = f64::from(i % 100) / 100.0;
            ev.observe(
                black_box(Poll::Value {
                    value,
                    baseline: None,
                }),
                now,
            )
            .state
        })
    });
}

criterion_group!(health, benches);
criterion_main!(health);
