//! Files a killed run left in the work tree, removed by the next run: the temp files of
//! `repo::fs::write_atomic` (`.xtask-tmp-XXXXXX`, written beside a file and renamed over it)
//! and the scratch copies older versions made beside the files (`.xtask-fmt-PID-N-NAME`).
//!
//! Only what is certainly ours and certainly dead goes: a regular file (never a symlink) owned
//! by this user, named exactly as we name them, and for a temp file, held open by no process
//! (a write in flight keeps its temp file open until the rename); for an old scratch copy, its
//! process no longer exists. Without `/proc` nobody can tell, and nothing is removed.

use std::collections::{BTreeSet, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Prefix of `repo::fs::write_atomic`'s temp files (tempfile adds 6 random alphanumerics).
const TMP_PREFIX: &str = ".xtask-tmp-";
/// Prefix of the scratch copies that versions before the mirrors made beside the files.
const OLD_SCRATCH_PREFIX: &str = ".xtask-fmt-";

/// Removes the leftovers in the directories of `files` (relative to `root`) and in `.xtask`;
/// returns what it removed.
pub(crate) fn clean<'a>(root: &Path, files: impl Iterator<Item = &'a PathBuf>) -> Vec<PathBuf> {
    let mut dirs: BTreeSet<PathBuf> = files
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.insert(PathBuf::from(".xtask"));
    let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return Vec::new();
    };
    let mut temps = Vec::new();
    let mut old = Vec::new();
    for d in &dirs {
        let Ok(entries) = std::fs::read_dir(root.join(d)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let tmp = is_temp_name(name);
            let dead_copy = old_copy_pid(name).is_some_and(|pid| !crate::scratch::alive(pid));
            if !tmp && !dead_copy {
                continue;
            }
            // symlink_metadata: a link is never ours.
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if !meta.file_type().is_file() || meta.uid() != me {
                continue;
            }
            if tmp {
                temps.push((entry.path(), (meta.dev(), meta.ino())));
            } else {
                old.push(entry.path());
            }
        }
    }
    if !temps.is_empty()
        && let Some(open) = open_files()
    {
        old.extend(
            temps
                .into_iter()
                .filter(|(_, id)| !open.contains(id))
                .map(|(p, _)| p),
        );
    }
    old.retain(|p| std::fs::remove_file(p).is_ok());
    old
}

/// `.xtask-tmp-` and exactly six ASCII letters or digits, as tempfile names them.
fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(TMP_PREFIX)
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The process id in an old scratch copy's name `.xtask-fmt-PID-N-NAME`.
fn old_copy_pid(name: &str) -> Option<i32> {
    let rest = name.strip_prefix(OLD_SCRATCH_PREFIX)?;
    let mut parts = rest.splitn(3, '-');
    let pid = parts.next()?;
    let n = parts.next()?;
    parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Device and inode of every file a process of this user holds open, from `/proc/*/fd`;
/// `None` when `/proc` cannot be read.
fn open_files() -> Option<HashSet<(u64, u64)>> {
    let mut open = HashSet::new();
    for proc in std::fs::read_dir("/proc").ok()?.flatten() {
        if !proc
            .file_name()
            .as_encoded_bytes()
            .iter()
            .all(u8::is_ascii_digit)
        {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(proc.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(meta) = std::fs::metadata(fd.path()) {
                open.insert((meta.dev(), meta.ino()));
            }
        }
    }
    Some(open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_temp_name(".xtask-tmp-aB3xYz"));
        assert!(!is_temp_name(".xtask-tmp-aB3xY"));
        assert!(!is_temp_name(".xtask-tmp-aB3xYz.py"));
        assert!(!is_temp_name(".xtask-tmp-aB3-Yz"));
        assert_eq!(old_copy_pid(".xtask-fmt-123-4-a.py"), Some(123));
        assert_eq!(old_copy_pid(".xtask-fmt-123-4-"), Some(123));
        assert_eq!(old_copy_pid(".xtask-fmt-123-a.py"), None);
        assert_eq!(old_copy_pid(".xtask-fmt-x-4-a.py"), None);
    }
}
