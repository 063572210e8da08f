//! The commands and flags.
