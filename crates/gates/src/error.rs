//! Why `qa` could not run: [`QaError`], exit 2 in the binary.

use std::path::PathBuf;

use repo::config::ConfigError;

/// Why `qa` could not run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum QaError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Fs(#[from] repo::fs::FsError),
    #[error("no gate is called `{name}`{hint}; the gates are {known}")]
    UnknownGate {
        name: String,
        hint: String,
        known: String,
    },
    #[error("{} already exists; pass --force to overwrite it", .0.display())]
    ConfigExists(PathBuf),
    #[error("no gates: {0}")]
    NoGates(String),
    #[error("`{command}` failed: {message}")]
    Git { command: String, message: String },
    /// Arguments that do not fit the gates they name.
    #[error("{0}")]
    Args(String),
    #[error("{}: not a qa report: {message}", path.display())]
    BadReport { path: PathBuf, message: String },
}
