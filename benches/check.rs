//! How long `check` (load + validate) takes on a large runbook: 500 steps,
//! 200 panels. Target: well under 50 ms, so opening a session or a
//! pre-flight check never waits on the runbook.

use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn generated(steps: usize, panels: usize) -> String {
    let mut s = String::from(
        "[cutover]\nid = \"bench\"\ntitle = \"Generated\"\nstrategy = \"phased\"\nrollback_deadline = \"4h\"\n\n\
         [roles]\nic = \"IC\"\ndb = \"DB\"\napi = \"API\"\n\n\
         [sources.prom]\ntype = \"prometheus\"\nurl = \"${PROM_URL:-http://127.0.0.1:9090}\"\n\
         headers = { Authorization = \"Bearer ${PROM_TOKEN:-none}\" }\n\n\
         [sources.recon]\ntype = \"json\"\nurl = \"http://127.0.0.1:9100/reconcile\"\n\n",
    );
    for i in 0..panels {
        if i % 4 == 0 {
            let _ = write!(
                s,
                "[[panels]]\nid = \"p{i}\"\ntitle = \"Mismatches {i}\"\nsource = \"recon\"\npointer = \"/shards/{i}/mismatches\"\nfail = \"> 0\"\n\n"
            );
        } else {
            let _ = write!(
                s,
                "[[panels]]\nid = \"p{i}\"\ntitle = \"Errors {i}\"\nsource = \"prom\"\n\
                 query = 'sum(rate(http_requests_total{{job=\"svc-{i}\",code=~\"5..\"}}[1m])) / sum(rate(http_requests_total{{job=\"svc-{i}\"}}[1m]))'\n\
                 baseline = 'sum(rate(http_requests_total{{job=\"stable-{i}\",code=~\"5..\"}}[1m]))'\nfail_ratio = 1.5\n\
                 unit = \"percent\"\nevery = \"5s\"\nwarn = \"> 0.005\"\nfail = \"> 0.02\"\n\n"
            );
        }
    }
    for (i, exposure) in [1, 5, 25, 50, 100].iter().enumerate() {
        let _ = write!(
            s,
            "[[stages]]\nname = \"s{i}\"\nexposure = {exposure}\nbake = \"10m\"\ngate = \"g{i}\"\n\n"
        );
        let _ = write!(
            s,
            "[[gates]]\nid = \"g{i}\"\ntitle = \"Gate {i}\"\ntwo_person = true\n\
             [[gates.items]]\ntext = \"IC go\"\nrole = \"ic\"\n\
             [[gates.items]]\ntext = \"Healthy\"\npanel = \"p{i}\"\nfor = \"10m\"\n\n"
        );
    }
    for i in 0..steps {
        let after = if i == 0 {
            String::new()
        } else {
            format!("after = [\"st{}\"]\n", i - 1)
        };
        let owner = ["ic", "db", "api"][i % 3];
        let _ = write!(
            s,
            "[[steps]]\nid = \"st{i}\"\ntitle = \"Step {i}\"\nowner = \"{owner}\"\nexpect = \"5m\"\n{after}\
             notes = \"Generated step.\"\n\n"
        );
    }
    s.push_str("[actions.rollback]\nrun = \"echo rollback\"\ntimeout = \"2m\"\n\n");
    for i in (0..panels).step_by(4) {
        let _ = write!(
            s,
            "[[guards]]\npanel = \"p{i}\"\nwhen = \"fail\"\nfor = \"30s\"\nthen = \"pause\"\n\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generated(500, 200);
    let path = Path::new("bench.toml");
    let env = |_: &str| None;
    // Fail loudly (outside the timed loop) if the generated runbook is invalid.
    if let Err(e) = warroom::runbook::load_str(&text, path, &env) {
        panic!("generated runbook invalid:\n{}", e.render(false));
    }
    c.bench_function("check 500 steps 200 panels", |b| {
        b.iter(|| warroom::runbook::load_str(black_box(&text), path, &env).is_ok())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
