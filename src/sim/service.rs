//! The HTTP face of the simulated service (axum). Every handler only reads
//! or flips the shared `Sim` under a short lock; the ticker advances it.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::faults::Fault;
use super::model::Sim;

pub type Shared = Arc<Mutex<Sim>>;

/// The lock, even if a panicking holder poisoned it: the simulation's data
/// stays usable (it is only numbers).
pub fn lock(sim: &Shared) -> MutexGuard<'_, Sim> {
    sim.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn router(sim: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/reconcile", get(reconcile))
        .route("/healthz", get(healthz))
        .route("/hook", post(hook))
        .route("/flags", get(flags))
        .route("/faults/{name}", post(fault))
        .with_state(sim)
}

fn dead() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "service unavailable (simulated fault: dead)\n",
    )
        .into_response()
}

async fn metrics(State(sim): State<Shared>) -> Response {
    let sim = lock(&sim);
    if sim.faults.dead {
        return dead();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        sim.render_metrics(),
    )
        .into_response()
}

async fn reconcile(State(sim): State<Shared>) -> Response {
    Json(lock(&sim).reconcile_json()).into_response()
}

async fn healthz(State(sim): State<Shared>) -> Response {
    if lock(&sim).faults.dead {
        return dead();
    }
    "ok\n".into_response()
}

/// The subset of warroom's webhook body the flag service reads.
#[derive(Debug, Deserialize)]
struct HookBody {
    action: String,
    #[serde(default)]
    exposure: Option<f64>,
}

async fn hook(State(sim): State<Shared>, Json(body): Json<HookBody>) -> Response {
    let mut sim = lock(&sim);
    sim.apply_hook(&body.action, body.exposure);
    Json(sim.flags()).into_response()
}

async fn flags(State(sim): State<Shared>) -> Response {
    Json(lock(&sim).flags()).into_response()
}

async fn fault(State(sim): State<Shared>, Path(name): Path<String>) -> Response {
    let Some(f) = Fault::parse(&name) else {
        let known = Fault::NAMES.join(", ");
        return (
            StatusCode::NOT_FOUND,
            format!("unknown fault {name:?}; known: {known}\n"),
        )
            .into_response();
    };
    let mut sim = lock(&sim);
    sim.inject(f);
    Json(sim.flags()).into_response()
}
