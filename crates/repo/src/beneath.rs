//! File IO confined beneath a root directory, following no symbolic link: the root is opened
//! once, and every relative path is walked from it component by component with `openat` and
//! `O_NOFOLLOW`, so a directory swapped for a link to elsewhere (while a formatter runs, say)
//! can never send a read or a write outside the root. Writes are atomic like
//! [`crate::fs::write_atomic`]: a temp file in the final directory, renamed over the target
//! (only ever over a regular file), keeping its permissions. Every error names the path.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::fs::FsError;

/// Prefix of the temp files written beside a target (the same as [`crate::fs::write_atomic`]'s).
pub const TEMP_PREFIX: &str = ".xtask-tmp-";

/// An open root directory; paths given to its methods are relative to it and resolved beneath
/// it without following any symbolic link.
#[derive(Debug)]
pub struct RootDir {
    fd: OwnedFd,
    path: PathBuf,
}

impl RootDir {
    /// Opens `root` (the root itself may be reached through symlinks: it is trusted).
    pub fn open(root: &Path) -> Result<RootDir, FsError> {
        let fd = rustix::fs::open(
            root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| FsError::new("open directory", root, e.into()))?;
        Ok(RootDir {
            fd,
            path: root.to_path_buf(),
        })
    }

    /// The root's path, as given to [`RootDir::open`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the regular file `rel` whole. A symbolic link anywhere on the way (the file
    /// itself included), a `..`, an absolute path, or a target that is not a regular file (a
    /// FIFO is never waited on) is refused.
    pub fn read(&self, rel: &Path) -> Result<Vec<u8>, FsError> {
        let (dir, name) = self.parent(rel, "read", false)?;
        let full = self.path.join(rel);
        let fd = rustix::fs::openat(
            &dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| self.explain("read", rel, &dir, name, e))?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| FsError::new("inspect", &full, e.into()))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(refused("read", &full, NOT_A_FILE));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(stat.st_size).unwrap_or(0));
        File::from(fd)
            .read_to_end(&mut bytes)
            .map_err(|e| FsError::new("read", &full, e))?;
        Ok(bytes)
    }

    /// Writes `contents` to `rel`: a temp file in its directory is written, synced, given the
    /// old file's permissions and renamed over it, so a kill at any moment leaves the old file
    /// or the new one. Missing directories are created. Refused, before anything is written:
    /// a symbolic link anywhere on the way (the file itself included), a `..`, an absolute
    /// path, a target that exists and is not a regular file (a FIFO, a device, a directory).
    pub fn write_atomic(&self, rel: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.write(rel, contents, true)
    }

    /// [`RootDir::write_atomic`] without the `fsync` of the temp file (see
    /// [`crate::fs::write_atomic_unsynced`]): for rewriting many committed files.
    pub fn write_atomic_unsynced(&self, rel: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.write(rel, contents, false)
    }

    fn write(&self, rel: &Path, contents: &[u8], sync: bool) -> Result<(), FsError> {
        let full = self.path.join(rel);
        let (dir, name) = self.parent(rel, "write", true)?;
        let mode = match rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => match FileType::from_raw_mode(stat.st_mode) {
                FileType::RegularFile => Some(Mode::from_raw_mode(stat.st_mode & 0o7777)),
                FileType::Symlink => return Err(refused("write", &full, LINK_FILE)),
                _ => return Err(refused("write", &full, NOT_A_FILE)),
            },
            Err(Errno::NOENT) => None,
            Err(e) => return Err(FsError::new("inspect", &full, e.into())),
        };
        let (tmp, file) =
            temp_file(&dir).map_err(|e| FsError::new("create a temp file for", &full, e))?;
        let guard = TempGuard {
            dir: &dir,
            name: Some(tmp),
        };
        let mut file = File::from(file);
        file.write_all(contents)
            .map_err(|e| FsError::new("write", &full, e))?;
        if sync {
            file.sync_all()
                .map_err(|e| FsError::new("sync", &full, e))?;
        }
        if let Some(mode) = mode {
            rustix::fs::fchmod(&file, mode)
                .map_err(|e| FsError::new("set permissions of", &full, e.into()))?;
        }
        drop(file);
        let tmp = guard.name.as_deref().expect("set above");
        rustix::fs::renameat(&dir, tmp, &dir, name)
            .map_err(|e| FsError::new("replace", &full, e.into()))?;
        guard.disarm();
        Ok(())
    }

    /// The open directory holding `rel`'s last component, and that component. With `create`,
    /// missing directories are made (never through a link).
    fn parent<'a>(
        &self,
        rel: &'a Path,
        op: &'static str,
        create: bool,
    ) -> Result<(OwnedFd, &'a OsStr), FsError> {
        let full = self.path.join(rel);
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(part) => parts.push(part),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(refused(op, &full, OUTSIDE));
                }
            }
        }
        let Some(name) = parts.pop() else {
            return Err(refused(op, &full, "it names no file"));
        };
        let mut dir = self.dup(&full)?;
        let mut walked = PathBuf::new();
        for part in parts {
            walked.push(part);
            let open = |dir: &OwnedFd| {
                rustix::fs::openat(
                    dir,
                    part,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )
            };
            let next = match open(&dir) {
                Err(Errno::NOENT) if create => {
                    match rustix::fs::mkdirat(&dir, part, Mode::from_raw_mode(0o777)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => {
                            return Err(FsError::new(
                                "create directory",
                                &self.path.join(&walked),
                                e.into(),
                            ));
                        }
                    }
                    open(&dir)
                }
                other => other,
            };
            dir = next.map_err(|e| self.explain_dir(op, &full, &walked, &dir, part, e))?;
        }
        Ok((dir, name))
    }

    fn dup(&self, full: &Path) -> Result<OwnedFd, FsError> {
        self.fd
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| FsError::new("open directory", full, e))
    }

    /// The error for a failed open of `rel`'s last component `name` in `dir`.
    fn explain(
        &self,
        op: &'static str,
        rel: &Path,
        dir: &OwnedFd,
        name: &OsStr,
        e: Errno,
    ) -> FsError {
        let full = self.path.join(rel);
        match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink => {
                refused(op, &full, LINK_FILE)
            }
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile => {
                refused(op, &full, NOT_A_FILE)
            }
            _ => FsError::new(op, &full, e.into()),
        }
    }

    /// The error for a failed open of the directory `walked` (last component `part`, in `dir`).
    fn explain_dir(
        &self,
        op: &'static str,
        full: &Path,
        walked: &Path,
        dir: &OwnedFd,
        part: &OsStr,
        e: Errno,
    ) -> FsError {
        let shown = walked.display();
        match rustix::fs::statat(dir, part, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink => refused(
                op,
                full,
                &format!(
                    "{shown} is a symbolic link, and xtask never follows one inside the \
                     repository for the files it rewrites (was the directory replaced \
                     meanwhile?); put the real directory back at {shown}"
                ),
            ),
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) != FileType::Directory => {
                refused(op, full, &format!("{shown} is not a directory"))
            }
            _ => FsError::new(op, full, e.into()),
        }
    }
}

const OUTSIDE: &str = "it is not a path inside the repository (absolute, or with `..`)";
const LINK_FILE: &str = "it is a symbolic link, and xtask never follows one inside the \
                         repository for the files it rewrites; replace the link by the file";
const NOT_A_FILE: &str = "it is not a regular file (a FIFO, a device or a directory)";

fn refused(op: &'static str, path: &Path, why: &str) -> FsError {
    FsError::new(op, path, io::Error::other(why.to_string()))
}

/// Creates a new temp file in `dir` (mode 0o666 less the umask, as for any new file).
fn temp_file(dir: &OwnedFd) -> io::Result<(OsString, OwnedFd)> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let pid = std::process::id();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = OsString::from(format!("{TEMP_PREFIX}{pid}-{n}-{nanos:08x}"));
        match rustix::fs::openat(
            dir,
            &name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o666),
        ) {
            Ok(fd) => return Ok((name, fd)),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::other("no free temp file name"))
}

/// Removes the temp file unless the rename consumed it.
struct TempGuard<'a> {
    dir: &'a OwnedFd,
    name: Option<OsString>,
}

impl TempGuard<'_> {
    fn disarm(mut self) {
        self.name = None;
    }
}

impl Drop for TempGuard<'_> {
    fn drop(&mut self) {
        if let Some(name) = &self.name {
            let _ = rustix::fs::unlinkat(self.dir, name, AtFlags::empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn setup() -> (tempfile::TempDir, tempfile::TempDir, RootDir) {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("pkg/sub")).unwrap();
        fs::write(root.path().join("pkg/sub/a.py"), "old").unwrap();
        fs::write(outside.path().join("a.py"), "outside").unwrap();
        let dir = RootDir::open(root.path()).unwrap();
        (root, outside, dir)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_atomically_keeping_permissions_and_creating_directories() {
        let (root, _outside, dir) = setup();
        let file = root.path().join("pkg/sub/a.py");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o751)).unwrap();
        assert_eq!(dir.read(Path::new("./pkg/sub/a.py")).unwrap(), b"old");
        dir.write_atomic_unsynced(Path::new("pkg/sub/a.py"), b"new")
            .unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o751
        );
        assert_eq!(names(&root.path().join("pkg/sub")), ["a.py"]);
        dir.write_atomic(Path::new("new/dir/b.txt"), b"b").unwrap();
        assert_eq!(fs::read(root.path().join("new/dir/b.txt")).unwrap(), b"b");
        // A new file gets the umask default, like any file.
        fs::write(root.path().join("plain"), "").unwrap();
        let mode = |p: &str| {
            fs::metadata(root.path().join(p))
                .unwrap()
                .permissions()
                .mode()
        };
        assert_eq!(mode("new/dir/b.txt"), mode("plain"));
    }

    #[test]
    fn a_symlinked_directory_in_the_middle_is_refused_and_nothing_leaves_the_root() {
        let (root, outside, dir) = setup();
        fs::rename(
            root.path().join("pkg/sub"),
            root.path().join("pkg/sub.real"),
        )
        .unwrap();
        symlink(outside.path(), root.path().join("pkg/sub")).unwrap();
        let rel = Path::new("pkg/sub/a.py");
        let err = dir.write_atomic(rel, b"new").unwrap_err().to_string();
        assert!(err.contains("pkg/sub is a symbolic link"), "{err}");
        assert!(err.contains("pkg/sub/a.py"), "{err}");
        let err = dir.read(rel).unwrap_err().to_string();
        assert!(err.contains("pkg/sub is a symbolic link"), "{err}");
        // Nor does creating directories go through it.
        let err = dir
            .write_atomic(Path::new("pkg/sub/x/y.py"), b"new")
            .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(names(outside.path()), ["a.py"]);
        assert_eq!(fs::read(outside.path().join("a.py")).unwrap(), b"outside");
        // A link to a directory inside the root is no better.
        fs::remove_file(root.path().join("pkg/sub")).unwrap();
        symlink("sub.real", root.path().join("pkg/sub")).unwrap();
        assert!(dir.write_atomic(rel, b"new").is_err());
        assert_eq!(
            fs::read(root.path().join("pkg/sub.real/a.py")).unwrap(),
            b"old"
        );
    }

    #[test]
    fn dotdot_and_absolute_paths_are_refused() {
        let (root, outside, dir) = setup();
        let escape = Path::new("..")
            .join(outside.path().file_name().unwrap())
            .join("a.py");
        for rel in [
            escape.as_path(),
            Path::new("pkg/../../x"),
            &outside.path().join("a.py"),
            Path::new(""),
        ] {
            let err = dir.write_atomic(rel, b"new").unwrap_err().to_string();
            assert!(
                err.contains("not a path inside") || err.contains("names no file"),
                "{err}"
            );
            assert!(dir.read(rel).is_err());
        }
        assert_eq!(fs::read(outside.path().join("a.py")).unwrap(), b"outside");
        assert_eq!(names(root.path()), ["pkg"]);
    }

    #[test]
    fn a_final_symlink_is_refused_not_replaced_nor_followed() {
        let (root, outside, dir) = setup();
        let link = root.path().join("pkg/link.py");
        symlink(outside.path().join("a.py"), &link).unwrap();
        let err = dir
            .write_atomic(Path::new("pkg/link.py"), b"new")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pkg/link.py") && err.contains("symbolic link"),
            "{err}"
        );
        let err = dir.read(Path::new("pkg/link.py")).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(outside.path().join("a.py")).unwrap(), b"outside");
        assert_eq!(names(&root.path().join("pkg")), ["link.py", "sub"]);
    }

    #[test]
    fn a_fifo_or_a_directory_as_target_is_refused_without_waiting() {
        let (root, _outside, dir) = setup();
        let fifo = root.path().join("pkg/fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        for rel in ["pkg/fifo", "pkg/sub"] {
            let err = dir
                .write_atomic(Path::new(rel), b"x")
                .unwrap_err()
                .to_string();
            assert!(err.contains("not a regular file"), "{err}");
            let err = dir.read(Path::new(rel)).unwrap_err().to_string();
            assert!(
                err.contains("not a regular file") || err.contains("directory"),
                "{err}"
            );
        }
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(names(&root.path().join("pkg")), ["fifo", "sub"]);
    }
}
