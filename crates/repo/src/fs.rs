//! File IO that never loses work: every write goes to a temp file beside the target and is
//! renamed over it, keeping the target's permissions; every error names the path.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// An IO error with the path and the operation that failed.
#[derive(Debug, thiserror::Error)]
#[error("failed to {op} {}: {source}", path.display())]
pub struct FsError {
    pub op: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl FsError {
    pub fn new(op: &'static str, path: &Path, source: io::Error) -> FsError {
        FsError {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Reads a whole file as bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    fs::read(path).map_err(|e| FsError::new("read", path, e))
}

/// Reads a whole file as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    fs::read_to_string(path).map_err(|e| FsError::new("read", path, e))
}

/// Creates a directory and its parents.
pub fn create_dir_all(path: &Path) -> Result<(), FsError> {
    fs::create_dir_all(path).map_err(|e| FsError::new("create directory", path, e))
}

/// Writes `contents` to `path` atomically: a temp file in the same directory is written,
/// synced, given the old file's permissions (when it existed) and renamed over `path`.
/// A crash or a kill at any moment leaves either the old file or the new one, never half.
/// Missing parent directories are created.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    write_atomic_impl(path, contents, true)
}

/// [`write_atomic`] without the `fsync` of the temp file: the rename still replaces the file
/// whole (a reader or a kill never sees half of it), but a power loss right after may leave
/// the old contents or, on some filesystems, an empty file. For rewriting many files whose previous contents are safe elsewhere (a
/// formatter's output over committed files), where one sync per file would dominate the run.
pub fn write_atomic_unsynced(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    write_atomic_impl(path, contents, false)
}

fn write_atomic_impl(path: &Path, contents: &[u8], sync: bool) -> Result<(), FsError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    create_dir_all(parent)?;
    // 0o666 masked by the umask, as for any new file (tempfile's own default is 0o600); an
    // existing file's permissions are copied below.
    let mut tmp = tempfile::Builder::new()
        .prefix(".xtask-tmp-")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(parent)
        .map_err(|e| FsError::new("create a temp file in", parent, e))?;
    tmp.write_all(contents)
        .map_err(|e| FsError::new("write", tmp.path(), e))?;
    if sync {
        tmp.as_file()
            .sync_all()
            .map_err(|e| FsError::new("sync", tmp.path(), e))?;
    }
    if let Ok(meta) = fs::metadata(path) {
        fs::set_permissions(tmp.path(), meta.permissions())
            .map_err(|e| FsError::new("set permissions of", tmp.path(), e))?;
    }
    tmp.persist(path)
        .map_err(|e| FsError::new("replace", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_keeps_permissions_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run.sh");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o751)).unwrap();
        write_atomic(&file, b"new").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o751
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_atomic_unsynced_replaces_whole_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o700)).unwrap();
        write_atomic_unsynced(&file, b"new contents").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new contents");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_new_file_gets_the_umask_default_not_0600() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        fs::write(&plain, "x").unwrap();
        let atomic = dir.path().join("atomic");
        write_atomic(&atomic, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&atomic), mode(&plain));
    }

    #[test]
    fn write_atomic_creates_parents() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/c.txt");
        write_atomic(&file, b"x").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"x");
    }

    #[test]
    fn errors_name_the_path() {
        let err = read(Path::new("/no/such/file")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("failed to read /no/such/file: "),
            "{err}"
        );
    }
}
