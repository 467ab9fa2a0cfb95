//! The plan lock: the commands that rewrite `.xtask/format-plan.toml` (`plan`, apply) hold an
//! exclusive lock from reading the plan to writing it, so two runs at once never lose each
//! other's marks; the second waits, then reads the plan afresh. The plan file itself is
//! replaced by rename, so the lock is a separate file, kept out of the work tree.

use std::path::PathBuf;

/// Where the plan lock lives: `<git dir>/xtask/format.lock` in a git work tree (so it is never
/// a file `git status` shows), else `<target>/xtask/format.lock`.
pub fn plan_lock_path(repo: &repo::Repo) -> PathBuf {
    crate::git::git_dir(repo.root())
        .unwrap_or_else(|| repo.xtask_dir())
        .join("xtask")
        .join("format.lock")
}
