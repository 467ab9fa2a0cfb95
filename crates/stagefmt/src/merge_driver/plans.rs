//! Which plan says a file is in a done batch, for the merge driver. A merge sees two plans,
//! and the one that marks a batch done may be either side's, so the driver reads them all: the
//! work tree's, HEAD's (during a rebase: the upstream with the commits replayed so far), the
//! commit being merged (`GITHEAD_<hash>`, which `git merge` sets for the driver) and the
//! MERGE_HEAD, REBASE_HEAD and CHERRY_PICK_HEAD there are. A plan that cannot be read is
//! skipped: the file then gets the plain merge, which is never worse than no driver.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use repo::process::{self, Cmd, RunOptions};

use crate::FormatError;
use crate::plan::{PLAN_PATH, Plan};

/// A done batch holding a file.
#[derive(Debug, Clone)]
pub(super) struct DoneBatch {
    pub(super) batch: String,
    pub(super) formatter: String,
}

/// `path` (relative to the top of the work tree, as git gives it) relative to the
/// repository's root, which may be a folder of the work tree; `None` outside the root.
pub(super) fn relative_to_root(root: &Path, path: &Path) -> Result<Option<PathBuf>, FormatError> {
    let done = process::run(
        &Cmd::new("git")
            .args(["rev-parse", "--show-prefix"])
            .cwd(root),
        RunOptions::capture(),
    )
    .map_err(|e| FormatError::Git(e.to_string()))?;
    if !done.end.success() {
        return Err(FormatError::Git(format!(
            "{} is not in a git work tree: {}",
            root.display(),
            String::from_utf8_lossy(&done.stderr).trim()
        )));
    }
    let prefix = done.stdout.strip_suffix(b"\n").unwrap_or(&done.stdout);
    let prefix = PathBuf::from(OsString::from_vec(prefix.to_vec()));
    Ok(path.strip_prefix(&prefix).ok().map(Path::to_path_buf))
}

/// The first plan, among the work tree's and those of the commits in the merge, that has
/// `rel` in a done batch.
pub(super) fn done_batch(root: &Path, rel: &Path) -> Result<Option<DoneBatch>, FormatError> {
    let find = |plan: &Plan| {
        plan.batches
            .iter()
            .find(|b| b.status.is_done() && b.files.iter().any(|f| f == rel))
            .map(|b| DoneBatch {
                batch: b.id.clone(),
                formatter: b.formatter.clone(),
            })
    };
    if let Ok(Some(plan)) = Plan::load(root)
        && let Some(found) = find(&plan)
    {
        return Ok(Some(found));
    }
    for rev in revisions() {
        if let Some(plan) = plan_at(root, &rev)
            && let Some(found) = find(&plan)
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The revisions whose plans count, most likely first.
pub(crate) fn revisions() -> Vec<String> {
    let mut revs = vec!["HEAD".to_string()];
    let mut merged: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| {
            let k = k.to_str()?;
            let hash = k.strip_prefix("GITHEAD_")?;
            hash.chars()
                .all(|c| c.is_ascii_hexdigit())
                .then(|| hash.to_string())
        })
        .collect();
    merged.sort();
    revs.extend(merged);
    revs.extend(
        ["MERGE_HEAD", "REBASE_HEAD", "CHERRY_PICK_HEAD"]
            .iter()
            .map(|s| s.to_string()),
    );
    revs
}

/// The plan committed at `rev` (the repository root's plan, whatever folder of the work tree
/// the root is), when there is one that reads.
pub(crate) fn plan_at(root: &Path, rev: &str) -> Option<Plan> {
    // `REV:./path` is relative to the current directory, the root.
    let spec = format!("{rev}:./{PLAN_PATH}");
    let done = process::run(
        &Cmd::new("git").args(["cat-file", "blob", &spec]).cwd(root),
        RunOptions::capture(),
    )
    .ok()?;
    if !done.end.success() {
        return None;
    }
    let text = String::from_utf8(done.stdout).ok()?;
    Plan::parse(Path::new(&spec), &text).ok()
}
