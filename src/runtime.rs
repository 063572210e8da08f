//! The async runtime every command starts: two worker threads carry the
//! loop, the polls and the actions with room to spare, and on a shared
//! host where each operator runs a console, a thread per core per console
//! would only compete.

/// A multi-threaded tokio runtime with two workers, timers and I/O.
pub fn start() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
