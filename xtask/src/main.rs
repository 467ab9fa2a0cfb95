//! `cargo xtask`: the command line. It parses flags, opens the repository, calls one library
//! function per command and turns the outcome into an exit code: 0 success, 1 a gate or check
//! failed, 2 a usage or configuration error, 130 interrupted.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod exit;
mod format;
mod qa;
mod sbom;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Quality gates, staged formatting and SBOMs for a repository.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, propagate_version = true)]
struct Cli {
    /// Work on the repository at DIR instead of the one around the current directory.
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,

    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the repository's quality gates as a dependency graph.
    Qa(qa::Args),
    /// Plan and apply a formatter rollout in reviewable batches.
    Format(format::Args),
    /// Write a CycloneDX or SPDX bill of materials for the workspace.
    Sbom(sbom::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = repo::process::install_interrupt_handler() {
        eprintln!("warning: cannot handle Ctrl-C: {e}");
    }
    let root = cli.root.as_deref();
    let result = match cli.task {
        Task::Qa(args) => qa::run(root, args),
        Task::Format(args) => format::run(root, args),
        Task::Sbom(args) => sbom::run(root, args),
    };
    exit::report(result)
}
