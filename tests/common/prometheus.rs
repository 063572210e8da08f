//! A real Prometheus for the tests that need one (`.ci/run` installs
//! Debian's package): where it is, a free port for it, and a handle that
//! stops it when the test ends, panicking or not.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::Child;

pub const PROMETHEUS: &str = "/usr/bin/prometheus";

/// Kills Prometheus when the test ends, panicking or not.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
