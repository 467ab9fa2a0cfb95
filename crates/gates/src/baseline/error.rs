//! Why a baseline could not be used: its stored file could not be read or written
//! ([`BaselineError`], the gate ends in `error`), or the gate's output measured nothing
//! ([`MeasureError`], the exit code decides and the reason says `baseline not measured`).

use std::path::PathBuf;

/// The stored baseline file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BaselineError {
    #[error("cannot read the baseline {}: {source}", path.display())]
    Read {
        /// Relative to the repository root.
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: `count = {value}` is not a number", path.display())]
    BadCount {
        /// Relative to the repository root.
        path: PathBuf,
        line: usize,
        value: String,
    },
    #[error(transparent)]
    Write(#[from] repo::fs::FsError),
}

/// Why a gate's output does not measure its debt.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MeasureError {
    #[error("no match of `{pattern}` in the output")]
    NoCount { pattern: String },
    #[error("the count `{text}` matched by `{pattern}` is not a number")]
    CountNotANumber { text: String, pattern: String },
    #[error("the command failed but no diagnostic was read from its output (see its log)")]
    NothingRead,
    #[error("no JSON array of diagnostics in the output")]
    NoJsonArray,
    #[error("ruff's JSON output does not parse: {0}")]
    RuffJson(serde_json::Error),
    /// ruff's `invalid-syntax`: `what` did not parse, so its other rules did not run on it.
    #[error(
        "ruff could not parse {what} (invalid-syntax), so its output does not measure the debt: \
         {errors}"
    )]
    RuffUnparsed { what: String, errors: String },
    /// mypy's "errors prevented further checking", or an error without a line.
    #[error("mypy could not check the code, so its output does not measure the debt: {errors}")]
    MypyUnchecked { errors: String },
}
