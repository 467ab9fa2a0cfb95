//! `cargo xtask format`: the staged-formatting planner.
//!
//! ```text
//! cargo xtask format check [--lines] [--json]    which files each formatter would change
//! cargo xtask format plan [--max-files N] [--max-lines N] [--by-owner] [--update] [--avoid REFS]
//! cargo xtask format --batch ID[,ID...] | --next N [--allow-dirty] [--commit] [--reapply]
//! cargo xtask format --file PATH... [--allow-dirty]  format these files, plan unchanged
//! cargo xtask format status [--json]             rollout progress and drift
//! cargo xtask format enforce                     CI: done batches and new files formatted
//! cargo xtask format merge-driver --install | --uninstall    the git merge driver's setup
//! cargo xtask format merge-driver -- BASE OURS THEIRS PATH   the driver, as git calls it
//! cargo xtask format rebase [UPSTREAM] | --continue | --abort  git rebase with the driver
//! ```
//!
//! Writes `.xtask/format-plan.toml` (plan, apply) and, with `--commit`, commits and
//! `.git-blame-ignore-revs`. `plan` and apply hold the plan lock (`.git/xtask/format.lock`)
//! for the whole run (a second one waits, then reads the plan afresh), so no run loses
//! another's marks. The work is done by the `stagefmt` crate.

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
        cargo xtask format --batch lib --reapply    format a done batch's files again\n  \
        cargo xtask format --file app/new.py        format chosen files (plan unchanged)\n  \
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
        after_help = "Examples:\n  cargo xtask format plan --max-files 25 --max-lines 1500\n  cargo xtask format plan --by-owner\n  cargo xtask format plan --update\n  cargo xtask format plan --avoid 'refs/remotes/origin/*'"
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
        /// Order the batches around open branches: the refs matching this `git for-each-ref`
        /// pattern (quote it); batches no branch touches first, each batch listing the
        /// branches that changed its files since their merge base with HEAD. Kept in the
        /// plan for `--update`.
        #[arg(long, value_name = "REFS")]
        avoid: Option<String>,
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
        #[arg(long, value_name = "WHEN", value_enum, default_value_t = AnnotationsArg::Auto)]
        annotations: AnnotationsArg,
    },
    /// The git merge driver for files of done batches: formats base, ours and theirs with the
    /// batch's formatter, then merges them (`git merge-file`); exit 1 on a real conflict.
    #[command(
        after_help = "Git calls the driver as `format merge-driver -- %O %A %B %P` once it is installed.\n\nExamples:\n  cargo xtask format merge-driver --install     set it up in this clone (.git/config, .git/info/attributes)\n  git merge main                              merges across done batches without formatting conflicts\n  cargo xtask format merge-driver --uninstall   remove exactly what --install added"
    )]
    MergeDriver(MergeDriverArgs),
    /// `git rebase [UPSTREAM]` with the merge driver installed for its duration.
    #[command(
        after_help = "Examples:\n  cargo xtask format rebase main\n  cargo xtask format rebase --continue    after resolving a real conflict\n  cargo xtask format rebase --abort"
    )]
    Rebase {
        /// The branch to rebase onto (git's default: the upstream of the current branch).
        #[arg(value_name = "UPSTREAM", conflicts_with_all = ["continue_", "abort"])]
        upstream: Option<String>,
        /// Continue a stopped rebase, with the driver (`git rebase --continue`).
        #[arg(long = "continue", conflicts_with = "abort")]
        continue_: bool,
        /// Abort a stopped rebase (`git rebase --abort`).
        #[arg(long)]
        abort: bool,
    },
}

#[derive(Debug, clap::Args)]
struct MergeDriverArgs {
    /// Set up the driver in this clone: `merge.xtask-format.*` in .git/config and a marked block
    /// of `*.EXT merge=xtask-format` lines in .git/info/attributes.
    #[arg(long, conflicts_with_all = ["uninstall", "files"])]
    install: bool,
    /// Remove exactly what --install added.
    #[arg(long, conflicts_with = "files")]
    uninstall: bool,
    /// Conflict marker size (git's %L).
    #[arg(long, value_name = "N")]
    marker_size: Option<usize>,
    /// The base's label in conflict markers (git's %S).
    #[arg(long, value_name = "LABEL")]
    label_base: Option<String>,
    /// Our label in conflict markers (git's %X).
    #[arg(long, value_name = "LABEL")]
    label_ours: Option<String>,
    /// Their label in conflict markers (git's %Y).
    #[arg(long, value_name = "LABEL")]
    label_theirs: Option<String>,
    /// BASE OURS THEIRS PATH: git's %O %A %B %P (the result is written to OURS).
    #[arg(value_name = "FILE", num_args = 4, required_unless_present_any = ["install", "uninstall"])]
    files: Vec<std::path::PathBuf>,
}

/// `format enforce --annotations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AnnotationsArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, clap::Args)]
struct ApplyArgs {
    /// Apply these batches (comma-separated or repeated), in parallel.
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        conflicts_with_all = ["next", "file"]
    )]
    batch: Vec<String>,
    /// Apply the next N pending batches.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "file")]
    next: Option<u64>,
    /// Format these files (repeatable): a drifted file of a done batch, or new code. Each goes
    /// to its batch's formatter, or the one whose globs take it; the plan is not changed.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["commit", "reapply"])]
    file: Vec<std::path::PathBuf>,
    /// With --batch: accept done batches and format their files again (they stay done).
    #[arg(long, requires = "batch")]
    reapply: bool,
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
    // Commands that rewrite the plan hold the plan lock from reading it to writing it.
    let writes_plan = match &args.command {
        Some(Command::Plan { .. } | Command::Apply(_)) => true,
        Some(_) => false,
        None => !args.apply.batch.is_empty() || args.apply.next.is_some(),
    };
    let _lock = match writes_plan.then(|| plan_lock(&repo)).transpose()? {
        Some(None) => return Ok(Exit::Interrupted),
        lock => lock.flatten(),
    };
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
            avoid,
        }) => {
            let options = stagefmt::WritePlanOptions {
                max_files: max_files.map(|n| n as usize),
                max_lines: max_lines.map(|n| n as usize),
                by_owner: by_owner.then_some(true),
                update,
                avoid,
            };
            stagefmt::write_plan(&repo, &options).and_then(|outcome| {
                stagefmt::render_written_plan(&outcome, &mut text).map_err(io)?;
                Ok(Exit::Success)
            })
        }
        Some(Command::Apply(apply_args)) => apply(&repo, apply_args, &mut text),
        Some(Command::Status { json }) => stagefmt::status(&repo).and_then(|report| {
            if json {
                writeln!(text, "{:#}", report.to_json()).map_err(io)?;
            } else {
                report.render(&mut text).map_err(io)?;
            }
            Ok(Exit::Success)
        }),
        Some(Command::Enforce { annotations }) => {
            let annotations = match annotations {
                AnnotationsArg::Auto => Annotations::Auto,
                AnnotationsArg::Always => Annotations::Always,
                AnnotationsArg::Never => Annotations::Never,
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
        Some(Command::MergeDriver(driver)) => merge_driver(&repo, driver, &mut text),
        Some(Command::Rebase {
            upstream,
            continue_,
            abort,
        }) => rebase(&repo, upstream, continue_, abort),
        None if args.apply.batch.is_empty()
            && args.apply.next.is_none()
            && args.apply.file.is_empty() =>
        {
            anyhow::bail!(
                "nothing to do: pass --batch ID, --next N or --file PATH, or a command (check, plan, apply, status, enforce, merge-driver, rebase); see `{}`",
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
        None if !args.file.is_empty() => Selection::Files(args.file),
        None if args.batch.is_empty() => {
            return Err(FormatError::Other(
                "pass --batch ID[,ID...], --next N or --file PATH".to_string(),
            ));
        }
        None => Selection::Ids(args.batch),
    };
    let options = ApplyOptions {
        selection,
        allow_dirty: args.allow_dirty,
        commit: args.commit,
        reapply: args.reapply,
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

/// Takes the plan lock (`stagefmt::plan_lock_path`): a second run that would rewrite the plan
/// says so and waits, then reads the plan afresh. `None`: Ctrl-C while waiting.
fn plan_lock(repo: &repo::Repo) -> anyhow::Result<Option<repo::lock::RunLock>> {
    crate::run_lock::take(
        repo,
        &stagefmt::plan_lock_path(repo),
        "format: waiting for another format run that writes the plan in this repository",
    )
}

fn merge_driver(
    repo: &repo::Repo,
    args: MergeDriverArgs,
    out: &mut Vec<u8>,
) -> Result<Exit, FormatError> {
    if args.install {
        let installed = stagefmt::install_merge_driver(
            repo,
            &stagefmt::InstallOptions {
                program: program(repo)?,
                revisions: Vec::new(),
            },
        )?;
        writeln!(
            out,
            "installed merge driver `{}` for {} in {} and the repository's git config",
            stagefmt::DRIVER_NAME,
            installed.patterns.join(" "),
            installed.attributes.display()
        )
        .map_err(io)?;
        return Ok(Exit::Success);
    }
    if args.uninstall {
        let removed = stagefmt::uninstall_merge_driver(repo)?;
        let what = if removed {
            "removed"
        } else {
            "was not installed"
        };
        writeln!(out, "merge driver `{}` {what}", stagefmt::DRIVER_NAME).map_err(io)?;
        return Ok(Exit::Success);
    }
    let [base, ours, theirs, path]: [std::path::PathBuf; 4] = args
        .files
        .try_into()
        .map_err(|_| FormatError::Other("pass BASE OURS THEIRS PATH".to_string()))?;
    let options = stagefmt::MergeDriverOptions {
        base,
        ours,
        theirs,
        path,
        marker_size: args.marker_size,
        labels: stagefmt::Labels {
            base: args.label_base,
            ours: args.label_ours,
            theirs: args.label_theirs,
        },
    };
    let outcome = stagefmt::merge_driver(repo, &options)?;
    // Git shows the driver's stderr beside its own merge messages.
    if let stagefmt::MergeKind::Plain { reason } = &outcome.merge
        && !reason.starts_with("in no done batch")
    {
        eprintln!(
            "format merge-driver: {}: plain merge ({reason})",
            options.path.display()
        );
    }
    Ok(if outcome.conflict {
        Exit::Failure
    } else {
        Exit::Success
    })
}

fn rebase(
    repo: &repo::Repo,
    upstream: Option<String>,
    continue_: bool,
    abort: bool,
) -> Result<Exit, FormatError> {
    let git_args: Vec<String> = if continue_ {
        vec!["--continue".to_string()]
    } else if abort {
        vec!["--abort".to_string()]
    } else {
        upstream.iter().cloned().collect()
    };
    // The plan whose files give the attribute patterns: the upstream's (git's default one
    // when none is named); during a stopped rebase HEAD's, which the install reads anyway.
    let upstream = match (continue_ || abort, upstream) {
        (true, _) => None,
        (false, Some(u)) => Some(u),
        (false, None) => Some("@{upstream}".to_string()),
    };
    let options = stagefmt::RebaseOptions {
        git_args,
        program: program(repo)?,
        upstream,
    };
    Ok(match stagefmt::rebase(repo, &options)? {
        stagefmt::RebaseEnd::Done => Exit::Success,
        stagefmt::RebaseEnd::Stopped(_) => {
            eprintln!(
                "format rebase: git stopped (see above); resolve, then run `{}` (or `git rebase --continue`), or `git rebase --abort`",
                repo::invocation::current().command("format rebase --continue")
            );
            Exit::Failure
        }
        stagefmt::RebaseEnd::Interrupted => Exit::Interrupted,
    })
}

/// The shell words git runs for the driver: this binary, by its absolute path, on this
/// repository (`--root`, since git runs drivers at the top of the work tree).
fn program(repo: &repo::Repo) -> Result<String, FormatError> {
    let exe = std::env::current_exe()
        .map_err(|e| FormatError::Other(format!("cannot find this program's path: {e}")))?;
    let root = std::path::absolute(repo.root())
        .map_err(|e| FormatError::Other(format!("{}: {e}", repo.root().display())))?;
    Ok(format!(
        "{} --root {}",
        repo::process::quote(exe.as_os_str()),
        repo::process::quote(root.as_os_str())
    ))
}

fn io(e: std::io::Error) -> FormatError {
    FormatError::Other(format!("writing the output: {e}"))
}
