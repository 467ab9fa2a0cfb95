//! Scratch copies for formatters, kept outside the work tree: each formatter run gets its own
//! mirror, `target/xtask/format-scratch/PID-N/`, holding copies of its files at their paths
//! relative to the root and, in every directory on the way to them, a symlink to each other
//! entry of the real directory. The formatter runs there (working directory the mirror), so
//! it finds the same configuration files (`pyproject.toml`, `rustfmt.toml`, `.prettierrc`,
//! `.editorconfig`, ignore files) at the same relative places and formats exactly as in the
//! tree, while no byte of the tree is written. A mirror is removed when dropped; a killed run's
//! mirrors (named after a process that no longer exists) are removed by the next run.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use repo::fs::FsError;

use crate::FormatError;

/// The folder under the tasks' directory (`target/xtask`) that holds the mirrors.
pub const DIR: &str = "format-scratch";

/// Each repository's scratch folder, registered by [`prepare`].
static BASES: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

/// Creates the repository's scratch folder (never through a symlink below the target
/// directory), removes the mirrors that killed runs left there, and registers it for the
/// adapters. Every format command calls it first.
pub fn prepare(repo: &repo::Repo) -> Result<(), FormatError> {
    let base = repo.xtask_dir().join(DIR);
    repo::fs::create_dir_nofollow(&base, repo.target_dir())?;
    remove_dead(&base);
    let mut bases = BASES.lock().unwrap_or_else(|e| e.into_inner());
    bases.retain(|(root, _)| root != repo.root());
    bases.push((repo.root().to_path_buf(), base));
    Ok(())
}

/// The scratch folder of `root`: the registered one, else `root/target/xtask/format-scratch`.
pub(crate) fn base(root: &Path) -> PathBuf {
    let bases = BASES.lock().unwrap_or_else(|e| e.into_inner());
    bases
        .iter()
        .find(|(r, _)| r == root)
        .map(|(_, b)| b.clone())
        .unwrap_or_else(|| root.join("target/xtask").join(DIR))
}

/// A mirror of the root holding copies of some files; removed when dropped.
#[derive(Debug)]
pub(crate) struct Mirror {
    dir: PathBuf,
}

impl Mirror {
    /// A new mirror of `root` with `files` (relative paths and the contents to give them).
    pub(crate) fn new(root: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<Mirror, FormatError> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = base(root);
        if !base.is_dir() {
            let trusted = base.parent().and_then(Path::parent).unwrap_or(root);
            repo::fs::create_dir_nofollow(&base, trusted)?;
        }
        let pid = std::process::id();
        let mirror = loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("{pid}-{n}"));
            match std::fs::create_dir(&dir) {
                Ok(()) => break Mirror { dir },
                // A dead run of the same process id left it: take the next number.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(FsError::new("create scratch directory", &dir, e).into()),
            }
        };
        let names: BTreeSet<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
        // Every directory on the way to a file, parents first.
        let dirs: BTreeSet<&Path> = files
            .iter()
            .flat_map(|(p, _)| p.ancestors().skip(1))
            .collect();
        for d in dirs.iter().filter(|d| !d.as_os_str().is_empty()) {
            let at = mirror.dir.join(d);
            std::fs::create_dir(&at)
                .map_err(|e| FsError::new("create scratch directory", &at, e))?;
        }
        files.par_iter().try_for_each(|(rel, contents)| {
            let copy = mirror.dir.join(rel);
            // A file of our own: created fresh (never over an existing one), not synced.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&copy)
                .and_then(|mut f| f.write_all(contents))
                .map_err(|e| FsError::new("create scratch copy", &copy, e))
        })?;
        // The other entries of those directories, as links to the real ones (but never the
        // directory that holds the mirror itself).
        dirs.par_iter().try_for_each(|d| -> Result<(), FsError> {
            let real_dir = root.join(d);
            let entries = std::fs::read_dir(&real_dir)
                .map_err(|e| FsError::new("read directory", &real_dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| FsError::new("read directory", &real_dir, e))?;
                let rel = d.join(entry.file_name());
                if names.contains(rel.as_path()) || dirs.contains(rel.as_path()) {
                    continue;
                }
                let real = entry.path();
                if base.starts_with(&real) {
                    continue;
                }
                let link = mirror.dir.join(&rel);
                std::os::unix::fs::symlink(&real, &link)
                    .map_err(|e| FsError::new("create scratch link", &link, e))?;
            }
            Ok(())
        })?;
        Ok(mirror)
    }

    /// The mirror's root: the formatter's working directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The contents of the copy of `rel`.
    pub(crate) fn read(&self, rel: &Path) -> Result<Vec<u8>, FormatError> {
        Ok(repo::fs::read(&self.dir.join(rel))?)
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        // Removes the links, never what they point at.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes the mirrors under `base` whose process no longer exists: only directories named
/// `PID-N` (a symlink or any other name is left alone).
fn remove_dead(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(mirror_pid) else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && !alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The process id in a mirror's name `PID-N`.
fn mirror_pid(name: &str) -> Option<i32> {
    let (pid, n) = name.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether process `pid` exists (when in doubt, yes).
pub(crate) fn alive(pid: i32) -> bool {
    if pid <= 0 {
        return true;
    }
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mirror_holds_copies_and_links_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("pyproject.toml"), "x").unwrap();
        std::fs::write(root.join("a/b/f.py"), "real").unwrap();
        std::fs::write(root.join("a/b/g.py"), "other").unwrap();
        std::fs::write(root.join("a/ruff.toml"), "y").unwrap();
        let m = Mirror::new(root, &[(PathBuf::from("a/b/f.py"), b"copy".to_vec())]).unwrap();
        let at = m.dir().to_path_buf();
        assert!(at.starts_with(root.join("target/xtask/format-scratch")));
        assert_eq!(m.read(Path::new("a/b/f.py")).unwrap(), b"copy");
        for link in ["pyproject.toml", "a/ruff.toml", "a/b/g.py"] {
            let meta = std::fs::symlink_metadata(at.join(link)).unwrap();
            assert!(meta.file_type().is_symlink(), "{link}");
        }
        assert!(!at.join("target").exists(), "the mirror links to itself");
        drop(m);
        assert!(!at.exists());
        assert_eq!(std::fs::read(root.join("a/b/g.py")).unwrap(), b"other");
        assert_eq!(std::fs::read(root.join("a/b/f.py")).unwrap(), b"real");
    }

    #[test]
    fn only_dead_mirrors_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mine = format!("{}-0", std::process::id());
        for name in [mine.as_str(), "999999999-3", "notes", "12-x"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        remove_dead(dir.path());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut want = vec!["12-x".to_string(), mine, "notes".to_string()];
        want.sort();
        assert_eq!(left, want);
    }
}
