//! The console: a pure model (`app`), a keymap per mode, the `:` line, the
//! views (one file per pane), and the loop that wires them to a session.

pub mod app;
pub mod command_line;
pub mod completion;
pub mod console;
pub mod format;
pub mod frame_pacer;
pub mod frame_stats;
pub mod input;
pub mod keymap;
pub mod launch;
pub mod mode;
pub mod preview;
pub mod terminal;
pub mod theme;
pub mod view;

pub use app::{App, AppOptions, Effect, Msg};
pub use console::Exit;
pub use keymap::ExtraKey;
pub use launch::{ConsoleOptions, demo_keys, run_console, run_console_async};
pub use theme::Theme;
pub use view::draw;
