//! `format rebase [UPSTREAM]`: `git rebase UPSTREAM` with the merge driver installed for its
//! duration, so each commit of the branch is replayed across the batches done upstream with
//! formatting conflicts resolved by formatting (see `merge_driver`). The driver's config and
//! attributes are saved first and put back afterwards, whatever the end (a conflict, an
//! error, Ctrl-C). On a real conflict git stops as usual; `git rebase --continue` and
//! `--abort` then work as usual (`format rebase --continue` continues with the driver).
//!
//! `git rebase` runs with this process's terminal and output, not through the project's
//! runner: it is the user's rebase, whose messages and prompts the user must see, and Ctrl-C
//! reaches it as it would without us.

use std::path::Path;

use crate::FormatError;
use crate::merge_driver::{self, InstallOptions};

/// What to rebase.
#[derive(Debug, Clone)]
pub struct RebaseOptions {
    /// `git rebase`'s arguments after `rebase`: `[UPSTREAM]`, or `--continue`, `--abort`...
    pub git_args: Vec<String>,
    /// The shell words that run this binary on this repository (see [`InstallOptions`]).
    pub program: String,
    /// The revision whose plan adds attribute patterns (the upstream), when known.
    pub upstream: Option<String>,
}

/// How the rebase ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebaseEnd {
    /// `git rebase` succeeded.
    Done,
    /// It stopped (a conflict) or failed with this exit code; git said why.
    Stopped(i32),
    /// Ctrl-C.
    Interrupted,
}

/// Runs `git rebase` with the merge driver installed, then puts the previous setup back.
pub fn rebase(repo: &repo::Repo, options: &RebaseOptions) -> Result<RebaseEnd, FormatError> {
    let saved = merge_driver::save(repo)?;
    let installed = merge_driver::install(
        repo,
        &InstallOptions {
            program: options.program.clone(),
            revisions: options.upstream.iter().cloned().collect(),
        },
    );
    let ran = installed.and_then(|_| run_git(repo.root(), &options.git_args));
    let restored = merge_driver::restore(repo, &saved);
    let end = ran?;
    restored?;
    Ok(end)
}

fn run_git(root: &Path, args: &[String]) -> Result<RebaseEnd, FormatError> {
    let status = std::process::Command::new("git")
        .arg("rebase")
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| FormatError::Git(format!("cannot run `git rebase`: {e}")))?;
    Ok(if repo::process::interrupted() {
        RebaseEnd::Interrupted
    } else if status.success() {
        RebaseEnd::Done
    } else {
        RebaseEnd::Stopped(status.code().unwrap_or(1))
    })
}
