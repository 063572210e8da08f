//! The embedded simulated service behind `warroom demo`: metrics whose
//! error rate and latency respond to exposure and injected faults, a
//! reconciliation counter, a health check, and the flag endpoint the demo
//! runbook's actions call. Loopback only; nothing leaves the host.
//!
//! | endpoint | what |
//! | --- | --- |
//! | `GET /metrics` | Prometheus text; 503 under `dead` |
//! | `GET /reconcile` | `{"mismatches": N, "checked": M}` |
//! | `GET /healthz` | 200, 503 under `dead` |
//! | `POST /hook` | warroom's webhook body: `expand` sets exposure, `pause`, `resume`, `rollback` (exposure 0) |
//! | `GET /flags` | exposure, paused, active faults, hooks received |
//! | `POST /faults/{error-spike,latency,dead,mismatch,clear}` | inject a fault |

pub mod faults;
pub mod model;
pub mod service;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, Faults};
pub use model::{Flags, Sim};

/// The bundled demo runbook (`assets/demo.toml`), built into the binary so
/// `warroom demo` needs no file. Load it with the loader's `load_str` and an
/// env lookup that answers [`DEMO_URL_VAR`] with [`SimHandle::url`].
pub const DEMO_RUNBOOK: &str = include_str!("../../assets/demo.toml");

/// The variable the demo runbook reads the service's address from
/// (`${WARROOM_DEMO_URL:-http://127.0.0.1:9999}`).
pub const DEMO_URL_VAR: &str = "WARROOM_DEMO_URL";

/// Simulation steps per second.
const TICK: Duration = Duration::from_millis(250);
/// How long `shutdown` lets open connections finish before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// A running simulated service. Dropping it stops the server and the
/// ticker; `shutdown().await` also waits until the port is free.
pub struct SimHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    sim: service::Shared,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    ticker: JoinHandle<()>,
}

/// Start the service on 127.0.0.1 and a free port, with noise seeded from
/// the clock.
pub async fn start() -> std::io::Result<SimHandle> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x5EED);
    start_seeded(seed).await
}

/// As [`start`], with a fixed noise seed.
pub async fn start_seeded(seed: u64) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let sim: service::Shared = Arc::new(Mutex::new(Sim::new(seed)));

    let (stop, stopped) = oneshot::channel::<()>();
    let app = service::router(sim.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });

    let ticking = sim.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = tokio::time::Instant::now();
        loop {
            every.tick().await;
            let now = tokio::time::Instant::now();
            // Simulated time follows the clock, whatever the tick jitter.
            let dt = (now - last).as_secs_f64();
            last = now;
            service::lock(&ticking).tick(dt);
        }
    });

    Ok(SimHandle {
        url,
        sim,
        stop: Some(stop),
        server: Some(server),
        ticker,
    })
}

impl SimHandle {
    /// Inject a fault directly (the demo's keys); same as `POST /faults/NAME`.
    pub fn inject(&self, f: Fault) {
        service::lock(&self.sim).inject(f);
    }

    /// The flag service's view: exposure, paused, faults, hooks received.
    pub fn flags(&self) -> Flags {
        service::lock(&self.sim).flags()
    }

    /// Stop serving and wait until the listening socket is closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.ticker.abort();
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
            let _ = server.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.ticker.abort();
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
