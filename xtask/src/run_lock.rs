//! Taking a run lock from the command line (`qa`'s `target/xtask/qa.lock`, `format`'s plan
//! lock): a second run says once what it waits for, and Ctrl-C while waiting is no error.

use std::path::Path;

use repo::Repo;
use repo::lock::{LockError, RunLock};

/// Takes the lock at `path`, waiting while another process holds it; before the wait it prints
/// `{waiting_for} (PATH, pid N)...`. `None`: Ctrl-C while waiting (the caller exits 130).
pub(crate) fn take(repo: &Repo, path: &Path, waiting_for: &str) -> anyhow::Result<Option<RunLock>> {
    let shown = path.strip_prefix(repo.root()).unwrap_or(path).display();
    let waiting = |pid: Option<u32>| {
        let pid = pid.map_or_else(|| "unknown".to_string(), |p| p.to_string());
        eprintln!("{waiting_for} ({shown}, pid {pid})...");
    };
    match RunLock::acquire(path, waiting) {
        Ok(lock) => Ok(Some(lock)),
        Err(LockError::Interrupted) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
