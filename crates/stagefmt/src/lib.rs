//! Staged formatting: find the files a formatter would change, split them into reviewable
//! module batches, apply batches (in parallel, atomically, touching exactly their files),
//! and track the rollout so CI enforces formatting on the batches already done.
//!
//! Entry points, one per `cargo xtask format` command: [`check`], [`write_plan`], [`apply`],
//! [`status`] and [`enforce`] (also the `builtin:format-check` gate of `qa`). The planner
//! ([`planner`]) is pure; walking, spawning and writing happen in the other modules.

pub mod adapter;
mod adhoc;
mod apply;
mod avoid;
mod check;
pub mod config;
mod considered;
pub mod diff;
mod enforce;
pub mod files;
#[cfg(test)]
mod fixtures;
mod git;
mod leftovers;
mod lock;
mod merge_driver;
pub mod patch;
pub mod paths;
pub mod plan;
pub mod planner;
mod rebase;
mod ruff_check;
pub mod rustfmt_check;
pub mod scratch;
mod status;
pub mod unparseable;
mod verify;
mod write_plan;

pub use adapter::RunFailure;
pub use apply::{ApplyOptions, ApplyOutcome, BatchResult, Selection, apply};
pub use check::{
    CheckOptions, CheckReport, FormatterCheck, PendingFile, check, check_json, render_check,
};
pub use config::{FormatConfig, FormatterConfig, Kind};
pub use enforce::{Annotations, EnforceOptions, EnforceOutcome, Offender, Place, enforce};
pub use lock::plan_lock_path;
pub use merge_driver::{
    DRIVER_NAME, InstallOptions, Installed, Labels, MergeDriverOptions, MergeDriverOutcome,
    MergeKind, Saved, install as install_merge_driver, merge_driver,
    restore as restore_merge_driver, save as save_merge_driver,
    uninstall as uninstall_merge_driver,
};
pub use plan::{Batch, PLAN_PATH, Plan, PlanError, Status};
pub use planner::{Limits, Pending};
pub use rebase::{RebaseEnd, RebaseOptions, rebase};
pub use status::{StatusReport, status};
pub use write_plan::{WritePlanOptions, WritePlanOutcome, render_written_plan, write_plan};

use std::path::PathBuf;

/// Everything that can stop a format command.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error(transparent)]
    Config(#[from] repo::ConfigError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Fs(#[from] repo::fs::FsError),
    /// A formatter process failed where that is not a per-batch result (checking).
    #[error(transparent)]
    Run(#[from] RunFailure),
    /// A formatter could not be started.
    #[error("formatter `{formatter}`: {message}")]
    Tool { formatter: String, message: String },
    #[error(
        "no plan: {} does not exist; run `{}` first",
        PLAN_PATH,
        repo::invocation::current().command("format plan")
    )]
    NoPlan,
    #[error("unknown batch `{id}`{hint}")]
    UnknownBatch { id: String, hint: String },
    #[error("{} refused: {reason}", paths::show(.path))]
    Refused { path: PathBuf, reason: String },
    #[error("git: {0}")]
    Git(String),
    #[error("{0}")]
    Other(String),
}

impl FormatError {
    /// Whether Ctrl-C ended the work.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, FormatError::Run(f) if f.interrupted)
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`, or the date of `SOURCE_DATE_EPOCH` when set, so
/// plans written in tests and reproducible builds are stable.
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| repo::time::unix_seconds(std::time::SystemTime::now()));
    repo::time::date(secs)
}
