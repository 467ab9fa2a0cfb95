//! `cargo xtask`: the command line. It parses flags, opens the repository, calls one library
//! function per command and turns the outcome into an exit code: 0 success, 1 a gate or check
//! failed, 2 a usage or configuration error, 130 interrupted.

#![allow(clippy::print_stdout, clippy::print_stderr)]
// Doc comments here are clap's help text, where `<workspace>` is a placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod complete;
mod config_schema;
mod exit;
mod format;
mod generated;
mod out;
mod qa;
mod reference;
mod run_lock;
mod sbom;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Quality gates, staged formatting and SBOMs for a repository.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    propagate_version = true,
    after_help = "Examples:\n  \
        cargo xtask qa                       run the repository's quality gates\n  \
        cargo xtask format plan              plan a formatter rollout in batches\n  \
        cargo xtask sbom --format all        write CycloneDX and SPDX documents\n  \
        xtask qa --root ../other-repo        the installed binary, on another repository"
)]
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
    /// Print shell completions for the `xtask` binary.
    #[command(
        after_help = "Example:\n  xtask completions bash > ~/.local/share/bash-completion/completions/xtask\n\n\
            These are static. Completions that also offer the gates of the repository you are in\n\
            (`xtask qa li<TAB>`): `source <(COMPLETE=bash xtask)` in ~/.bashrc (or zsh, fish, elvish,\n\
            powershell)."
    )]
    Completions(reference::CompletionsArgs),
    /// Write man pages, one per command.
    #[command(
        after_help = "Example:\n  cargo xtask man --out target/man && man target/man/xtask-qa.1"
    )]
    Man(reference::ManArgs),
    /// Regenerate docs/reference/cli.md from the command-line definitions.
    #[command(hide = true)]
    CliReference(reference::CliReferenceArgs),
    /// Regenerate docs/reference/xtask-toml.schema.json from the config types.
    #[command(hide = true)]
    ConfigSchema(config_schema::Args),
}

fn main() -> ExitCode {
    // `COMPLETE=SHELL xtask ...`: answer a shell's completion request and exit.
    complete::answer_if_asked(Cli::command);
    // Usage lines and every printed command name what the user ran (`repo::invocation`).
    let invocation = repo::invocation::Invocation::detect();
    let matches = Cli::command().bin_name(invocation.program()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    repo::invocation::set(invocation.with_root(cli.root.as_deref()));
    if let Err(e) = repo::process::install_interrupt_handler() {
        eprintln!("warning: cannot handle Ctrl-C: {e}");
    }
    let root = cli.root.as_deref();
    let result = match cli.task {
        Task::Qa(args) => qa::run(root, args),
        Task::Format(args) => format::run(root, args),
        Task::Sbom(args) => sbom::run(root, args),
        Task::Completions(args) => reference::completions(Cli::command(), &args),
        Task::Man(args) => reference::man(Cli::command(), &args),
        Task::CliReference(args) => repo::Repo::discover(root)
            .map_err(anyhow::Error::from)
            .and_then(|repo| reference::cli_reference(Cli::command(), &repo, &args)),
        Task::ConfigSchema(args) => repo::Repo::discover(root)
            .map_err(anyhow::Error::from)
            .and_then(|repo| config_schema::run(&repo, &args)),
    };
    exit::report(result)
}
