//! The runbook two paired consoles share in the end-to-end tests: one
//! HTTP health panel polled every second at `health_url`, and a stage
//! behind a two-person gate with one item for the DB owner and one for
//! the IC.
#![allow(dead_code)]

pub fn pair_runbook(title: &str, health_url: &str) -> String {
    format!(
        r#"
[cutover]
id = "pairing"
title = "{title}"
strategy = "phased"

[roles]
ic = "Incident commander"
db = "Database owner"

[sources.svc]
type = "http"
url = "{health_url}"

[[panels]]
id = "up"
title = "Service up"
source = "svc"
every = "1s"

[[stages]]
name = "all"
exposure = 100
gate = "go"

[[gates]]
id = "go"
title = "Two-person go"
two_person = true
[[gates.items]]
text = "DB ready"
role = "db"
[[gates.items]]
text = "IC go"
role = "ic"

[actions.rollback]
run = "echo rolling back"
"#
    )
}
