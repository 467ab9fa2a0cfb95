//! Git chores for `format`: which files have uncommitted changes, one commit per batch, and
//! `.git-blame-ignore-revs`. Plain `git` through the project's runner; pathspecs are literal.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use repo::process::{self, Cmd, RunOptions};

use crate::FormatError;

/// The blame-ignore file git (and GitHub) read.
pub(crate) const BLAME_IGNORE: &str = ".git-blame-ignore-revs";

fn git(root: &Path) -> Cmd {
    Cmd::new("git").cwd(root).env("GIT_LITERAL_PATHSPECS", "1")
}

fn run(cmd: &Cmd) -> Result<Vec<u8>, FormatError> {
    let done =
        process::run(cmd, RunOptions::capture()).map_err(|e| FormatError::Git(e.to_string()))?;
    if !done.end.success() {
        return Err(FormatError::Git(format!(
            "`{}` failed: {}",
            cmd.display(),
            String::from_utf8_lossy(&done.stderr).trim()
        )));
    }
    Ok(done.stdout)
}

/// Files with uncommitted changes (staged, unstaged or untracked), relative to `root`;
/// `None` when `root` is not in a git work tree.
pub(crate) fn dirty(root: &Path) -> Result<Option<BTreeSet<PathBuf>>, FormatError> {
    let inside = process::run(
        &git(root).args(["rev-parse", "--is-inside-work-tree"]),
        RunOptions::capture(),
    )
    .map_err(|e| FormatError::Git(e.to_string()))?;
    if !inside.end.success() {
        return Ok(None);
    }
    // Paths relative to the root, not the top level, even when the root is a subdirectory.
    let out = run(&git(root).args([
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--relative",
        "--",
        ".",
    ]));
    let out = match out {
        Ok(out) => out,
        // Older git has no `status --relative`: fall back to top-level paths made relative.
        Err(_) => run(&git(root).args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ]))?,
    };
    let mut files = BTreeSet::new();
    for entry in out.split(|&b| b == 0) {
        if entry.len() > 3 {
            files.insert(PathBuf::from(OsString::from_vec(entry[3..].to_vec())));
        }
    }
    Ok(Some(files))
}

/// Commits exactly `paths` with `message`; returns the new commit's hash.
pub(crate) fn commit(root: &Path, paths: &[PathBuf], message: &str) -> Result<String, FormatError> {
    run(&git(root)
        .args(["add", "--"])
        .args(paths.iter().map(|p| p.as_os_str().to_owned())))?;
    run(&git(root)
        .args(["commit", "--quiet", "-m", message, "--"])
        .args(paths.iter().map(|p| p.as_os_str().to_owned())))?;
    let head = run(&git(root).args(["rev-parse", "HEAD"]))?;
    Ok(String::from_utf8_lossy(&head).trim().to_string())
}

/// Appends `commits` (with a comment naming each batch) to `.git-blame-ignore-revs`,
/// creating it when missing.
pub(crate) fn ignore_revs(root: &Path, commits: &[(String, String)]) -> Result<(), FormatError> {
    let path = root.join(BLAME_IGNORE);
    let mut text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::from(
            "# Formatting-only commits, skipped by `git blame` (git config blame.ignoreRevsFile\n\
             # .git-blame-ignore-revs; GitHub reads this file by itself).\n",
        ),
        Err(e) => return Err(repo::fs::FsError::new("read", &path, e).into()),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for (batch, hash) in commits {
        if !text.lines().any(|l| l.trim() == hash) {
            text.push_str(&format!("# cargo xtask format: batch {batch}\n{hash}\n"));
        }
    }
    repo::fs::write_atomic(&path, text.as_bytes())?;
    Ok(())
}
