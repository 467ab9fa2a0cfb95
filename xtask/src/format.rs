//! `cargo xtask format`: the staged-formatting planner.
//!
//! ```text
//! cargo xtask format check [--lines] [--json]    which files each formatter would change
//! cargo xtask format plan [--max-files N] [--max-lines N] [--by-owner] [--update]
//! cargo xtask format --batch ID[,ID...] | --next N [--allow-dirty] [--commit]
//! cargo xtask format status [--json]             rollout progress and drift
//! cargo xtask format enforce                     CI: done batches and new files formatted
//! ```
//!
//! Writes `.xtask/format-plan.toml` (plan, apply) and, with `--commit`, commits and
//! `.git-blame-ignore-revs`. The work is done by the `stagefmt` crate.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use stagefmt::{Annotations, ApplyOptions, FormatError, Selection};

use crate::exit::Exit;

#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
        cargo xtask format check                    what each formatter would change\n  \
        cargo xtask format plan --max-files 25      split it into batches\n  \
        cargo xtask format --next 2 --commit        apply the next two batches, one commit each\n  \
        cargo xtask format status                   rollout progress and drift\n  \
        cargo xtask format enforce                  CI: done batches and new files formatted"
)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    apply: ApplyArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the files each formatter would change (exit 1 when any).
    #[command(
        after_help = "Examples:\n  cargo xtask format check\n  cargo xtask format check --lines\n  cargo xtask format check --formatter ruff --json"
    )]
    Check {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also count each file's changed lines (asks the formatters for diffs: slower when
        /// many files are pending).
        #[arg(long)]
        lines: bool,
        /// Only this formatter (repeatable).
        #[arg(long, value_name = "NAME")]
        formatter: Vec<String>,
    },
    /// Split the pending files into module batches and write .xtask/format-plan.toml.
    #[command(
        after_help = "Examples:\n  cargo xtask format plan --max-files 25 --max-lines 1500\n  cargo xtask format plan --by-owner\n  cargo xtask format plan --update"
    )]
    Plan {
        /// Most files in one batch (default: [format] max_files, else 25).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        max_files: Option<u64>,
        /// Most changed lines in one batch (default: [format] max_lines, else 2000).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        max_lines: Option<u64>,
        /// Never mix CODEOWNERS owners in a batch.
        #[arg(long)]
        by_owner: bool,
        /// Re-plan after the tree moved, keeping done batches frozen.
        #[arg(long)]
        update: bool,
    },
    /// Apply batches of the plan (the same as `format --batch ...`).
    #[command(
        after_help = "Examples:\n  cargo xtask format apply --batch apps-core,apps-io\n  cargo xtask format apply --next 1 --commit"
    )]
    Apply(ApplyArgs),
    /// Show rollout progress and drift from the plan.
    #[command(
        after_help = "Examples:\n  cargo xtask format status\n  cargo xtask format status --json"
    )]
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Fail when a file of a done batch, or a file not in the plan, is not formatted.
    #[command(
        after_help = "Examples:\n  cargo xtask format enforce\n  cargo xtask format enforce --annotations always"
    )]
    Enforce {
        /// GitHub Actions `::error` annotations: auto (when GITHUB_ACTIONS=true), always, never.
        #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
        annotations: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
struct ApplyArgs {
    /// Apply these batches (comma-separated or repeated), in parallel.
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        conflicts_with = "next"
    )]
    batch: Vec<String>,
    /// Apply the next N pending batches.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    next: Option<u64>,
    /// Format files that have uncommitted changes too.
    #[arg(long)]
    allow_dirty: bool,
    /// Make one commit per batch and list it in .git-blame-ignore-revs.
    #[arg(long)]
    commit: bool,
}

pub(crate) fn run(root: Option<&Path>, args: Args) -> anyhow::Result<Exit> {
    let repo = repo::Repo::discover(root)?;
    // What goes to stdout, printed at the end through `out::print` (a closed pipe or a full
    // disk never panics).
    let mut text: Vec<u8> = Vec::new();
    let result = match args.command {
        Some(Command::Check {
            json,
            lines,
            formatter,
        }) => check(&repo, json, lines, formatter, &mut text),
        Some(Command::Plan {
            max_files,
            max_lines,
            by_owner,
            update,
        }) => {
            let options = stagefmt::PlanOptions {
                max_files: max_files.map(|n| n as usize),
                max_lines: max_lines.map(|n| n as usize),
                by_owner: by_owner.then_some(true),
                update,
            };
            stagefmt::plan(&repo, &options).and_then(|outcome| {
                stagefmt::render_plan(&outcome, &mut text).map_err(io)?;
                Ok(Exit::Success)
            })
        }
        Some(Command::Apply(apply_args)) => apply(&repo, apply_args, &mut text),
        Some(Command::Status { json }) => {
            stagefmt::status(&repo, &stagefmt::StatusOptions::default()).and_then(|report| {
                if json {
                    writeln!(text, "{:#}", report.to_json()).map_err(io)?;
                } else {
                    report.render(&mut text).map_err(io)?;
                }
                Ok(Exit::Success)
            })
        }
        Some(Command::Enforce { annotations }) => {
            let annotations = match annotations.as_str() {
                "always" => Annotations::Always,
                "never" => Annotations::Never,
                _ => Annotations::Auto,
            };
            let options = stagefmt::EnforceOptions { annotations };
            stagefmt::enforce(&repo, &options, &mut text).map(|o| {
                if o.passed {
                    Exit::Success
                } else {
                    Exit::Failure
                }
            })
        }
        None if args.apply.batch.is_empty() && args.apply.next.is_none() => {
            anyhow::bail!(
                "nothing to do: pass --batch ID or --next N, or a command (check, plan, apply, status, enforce); see `{}`",
                repo::invocation::current().command("format --help")
            )
        }
        None => apply(&repo, args.apply, &mut text),
    };
    crate::out::print(&text)?;
    match result {
        Ok(exit) => Ok(exit),
        Err(e) if e.is_interrupted() => {
            eprintln!("interrupted: {e}");
            Ok(Exit::Interrupted)
        }
        Err(e) => Err(e).context("format"),
    }
}

fn check(
    repo: &repo::Repo,
    json: bool,
    lines: bool,
    formatters: Vec<String>,
    out: &mut Vec<u8>,
) -> Result<Exit, FormatError> {
    let config = stagefmt::FormatConfig::load(repo)?;
    if config.formatters.is_empty() {
        return Err(FormatError::Other(
            "no formatter: configure [[format.formatter]] in xtask.toml (defaults: rustfmt in a Cargo workspace, ruff when pyproject.toml has [tool.ruff])".to_string(),
        ));
    }
    let report = stagefmt::check(
        repo,
        &config,
        &stagefmt::CheckOptions {
            formatters,
            versions: false,
            lines,
        },
    )?;
    if json {
        writeln!(out, "{:#}", stagefmt::check_json(&report)).map_err(io)?;
    } else {
        stagefmt::render_check(&report, out).map_err(io)?;
    }
    Ok(if report.clean() {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn apply(repo: &repo::Repo, args: ApplyArgs, out: &mut Vec<u8>) -> Result<Exit, FormatError> {
    let selection = match args.next {
        Some(n) => Selection::Next(n as usize),
        None if args.batch.is_empty() => {
            return Err(FormatError::Other(
                "pass --batch ID[,ID...] or --next N".to_string(),
            ));
        }
        None => Selection::Ids(args.batch),
    };
    let options = ApplyOptions {
        selection,
        allow_dirty: args.allow_dirty,
        commit: args.commit,
    };
    let outcome = stagefmt::apply(repo, &options)?;
    for r in &outcome.results {
        match &r.error {
            None => writeln!(
                out,
                "done    {}: {} of {} file(s) reformatted{}",
                r.id,
                r.changed.len(),
                r.files,
                r.commit
                    .as_deref()
                    .map(|c| format!(", commit {}", &c[..c.len().min(12)]))
                    .unwrap_or_default()
            ),
            Some(e) => writeln!(
                out,
                "FAILED  {}: {e} (no file of the batch was changed)",
                r.id
            ),
        }
        .map_err(io)?;
    }
    Ok(if outcome.interrupted {
        Exit::Interrupted
    } else if outcome.success() {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn io(e: std::io::Error) -> FormatError {
    FormatError::Other(format!("writing the output: {e}"))
}
