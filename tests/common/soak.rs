// How many rounds a soak loop runs (kill -9 loops, the crash loop, the
// SIGSTOP soak): 3 by default, so `cargo test` stays quick and still
// exercises every path; `WARROOM_SOAK_ROUNDS=N` for a real soak (`.ci/run`
// sets it when its time budget allows). Included with `include!`.

/// The soak rounds asked for.
#[allow(dead_code)]
pub fn soak_rounds() -> usize {
    std::env::var("WARROOM_SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}
