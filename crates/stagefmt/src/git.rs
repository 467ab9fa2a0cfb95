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

/// `git ARGS` in `root`: its standard output, or its failure with its stderr.
pub(crate) fn output(root: &Path, args: &[&str]) -> Result<Vec<u8>, FormatError> {
    run(&git(root).args(args))
}

/// The git directory of the work tree holding `root` (absolute), `None` outside one.
pub(crate) fn git_dir(root: &Path) -> Option<PathBuf> {
    let done = process::run(
        &git(root).args(["rev-parse", "--absolute-git-dir"]),
        RunOptions::capture(),
    )
    .ok()?;
    let out = done.stdout.strip_suffix(b"\n")?;
    if !done.end.success() || out.is_empty() {
        return None;
    }
    Some(PathBuf::from(OsString::from_vec(out.to_vec())))
}

/// Which of `files` (relative to `root`) have uncommitted changes, staged, unstaged or
/// untracked; `None` when `root` is not in a git work tree.
pub(crate) fn dirty(
    root: &Path,
    files: &[PathBuf],
) -> Result<Option<BTreeSet<PathBuf>>, FormatError> {
    let prefix = process::run(
        &git(root).args(["rev-parse", "--show-prefix"]),
        RunOptions::capture(),
    )
    .map_err(|e| FormatError::Git(e.to_string()))?;
    if !prefix.end.success() {
        return Ok(None);
    }
    // `status` prints paths from the top level; the root may be a subdirectory of it.
    let prefix = prefix
        .stdout
        .strip_suffix(b"\n")
        .unwrap_or(&prefix.stdout)
        .to_vec();
    let mut found = BTreeSet::new();
    for chunk in files.chunks(2000) {
        let out = run(&git(root)
            .args([
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--no-renames",
                "--",
            ])
            .args(chunk.iter().map(|p| p.as_os_str().to_owned())))?;
        for entry in out.split(|&b| b == 0) {
            if entry.len() > 3
                && let Some(rel) = entry[3..].strip_prefix(prefix.as_slice())
            {
                found.insert(PathBuf::from(OsString::from_vec(rel.to_vec())));
            }
        }
    }
    Ok(Some(found))
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
/// The file lives at the top of the work tree (where git and GitHub look for it), which may be
/// above `root`; returns its path relative to `root`.
pub(crate) fn ignore_revs(
    root: &Path,
    commits: &[(String, String)],
) -> Result<PathBuf, FormatError> {
    let cdup = run(&git(root).args(["rev-parse", "--show-cdup"]))?;
    let cdup = String::from_utf8_lossy(&cdup).trim().to_string();
    let rel = Path::new(&cdup).join(BLAME_IGNORE);
    let path = root.join(&rel);
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
    repo::beneath::RootDir::open(&root.join(&cdup))?
        .write_atomic(Path::new(BLAME_IGNORE), text.as_bytes())?;
    Ok(rel)
}
