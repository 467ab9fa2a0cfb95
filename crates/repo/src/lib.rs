//! The repository under work, shared by every task: where its root is, its `xtask.toml`,
//! how files are written (atomically) and how commands run (argv, process groups, timeouts),
//! and how the user ran the binary (for the commands its messages print).
//!
//! Nothing here knows about gates, formatters or SBOMs; the task crates build on these pieces.

pub mod beneath;
pub mod config;
mod discover;
pub mod fs;
pub mod git_files;
pub mod host;
pub mod invocation;
pub mod lock;
pub mod process;
pub mod text;
pub mod time;
pub mod walk;
mod watchdog;

pub use config::{ConfigError, ConfigFile};
pub use discover::{Repo, RepoError};
