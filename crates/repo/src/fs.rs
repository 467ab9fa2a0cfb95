//! File IO that never loses work and never replaces what a path points at: a regular file (or
//! a new path) is written to a temp file beside it and renamed over it, keeping its
//! permissions; a symlink is written through to its target; a FIFO or a character device
//! (`/dev/null`, `/dev/stdout`, a tty) is written straight into. Inside the tool's own
//! directories (`target/xtask`) nothing follows a symlink. Every error names the path.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// An IO error with the path and the operation that failed. Its message already ends with
/// the cause, so it reports no separate `source` (an error chain would print the cause twice).
#[derive(Debug)]
pub struct FsError {
    pub op: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "failed to {} {}: {}",
            self.op,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for FsError {}

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

/// Writes `contents` to `path` without ever replacing what the path points at:
///
/// - a regular file or a new path: a temp file in the same directory is written, synced, given
///   the old file's permissions (when it existed) and renamed over it; a crash or a kill at any
///   moment leaves either the old file or the new one, never half. Missing parent directories
///   are created.
/// - a symbolic link: followed to its final target, which is then written as above (the link
///   stays a link). A dangling link creates its target when the target's directory exists, and
///   is refused when it does not.
/// - a FIFO or a character device (`/dev/null`, `/dev/stdout`, a tty): opened for writing and
///   written straight through, never replaced.
/// - a directory, a block device or a socket: refused, naming the path.
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

/// Appends `contents` to `path` (created when missing), following a symlink and never
/// replacing the file: for logs that others write too, such as `$GITHUB_STEP_SUMMARY`.
pub fn append(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(refused("append to", path, "it is a directory; name a file"));
    }
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| FsError::new("open for appending", path, e))?;
    file.write_all(contents)
        .map_err(|e| FsError::new("append to", path, e))
}

/// Creates (or truncates) the regular file `path` for writing without following a symlink
/// there (`O_NOFOLLOW`): for the tool's own files under `target/xtask`, where a planted link
/// must not send output into a file elsewhere. A FIFO or device there is refused too.
pub fn create_file_nofollow(path: &Path) -> Result<File, FsError> {
    use nix::fcntl::OFlag;
    let file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        // O_NONBLOCK: opening a FIFO planted there fails at once instead of waiting for a
        // reader; it changes nothing for a regular file.
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(path)
        .map_err(|e| {
            if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                refused("create", path, NO_FOLLOW)
            } else {
                FsError::new("create", path, e)
            }
        })?;
    let meta = file
        .metadata()
        .map_err(|e| FsError::new("inspect", path, e))?;
    if !meta.is_file() {
        return Err(refused(
            "create",
            path,
            "it is not a regular file; remove it and run again",
        ));
    }
    Ok(file)
}

/// Writes `contents` into the regular file `path` in place (created, or truncated first),
/// through [`create_file_nofollow`]: never through a symlink, never into a FIFO or device. For
/// the tool's own small files under `target/xtask` whose writers take turns under a run lock
/// and whose readers take a torn file (a kill mid-write) as no file: no temp file, rename or
/// sync, which would cost more than the write.
pub fn write_nofollow(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    create_file_nofollow(path)?
        .write_all(contents)
        .map_err(|e| FsError::new("write", path, e))
}

/// A directory made by [`create_dir_nofollow`] on first use, by whichever of a run's threads
/// needs it first; every later use shares that outcome (the directory, or why it could not be
/// made) without touching the file system again.
#[derive(Debug)]
pub struct DirOnce {
    dir: PathBuf,
    trusted: PathBuf,
    made: std::sync::OnceLock<Result<(), String>>,
}

impl DirOnce {
    /// `dir`, to be made inside `trusted` without following a symlink below it.
    pub fn new(dir: &Path, trusted: &Path) -> DirOnce {
        DirOnce {
            dir: dir.to_path_buf(),
            trusted: trusted.to_path_buf(),
            made: std::sync::OnceLock::new(),
        }
    }

    /// Makes the directory on first use; why it cannot be made, on every use after.
    pub fn ready(&self) -> Result<(), &str> {
        self.made
            .get_or_init(|| {
                create_dir_nofollow(&self.dir, &self.trusted).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
            .copied()
    }
}

/// Creates the directory `dir` and its missing parents like `create_dir_all`, except that no
/// component below `trusted` may be a symbolic link (or anything but a directory): such a
/// path is refused, naming it. `trusted` itself (e.g. a `target/` symlinked to a fast disk)
/// and its ancestors are followed as usual. For `target/xtask/...`, where a planted link
/// could send the tool's writes, or its deletions, into a directory elsewhere.
pub fn create_dir_nofollow(dir: &Path, trusted: &Path) -> Result<(), FsError> {
    create_dir_all(trusted)?;
    let rel = dir.strip_prefix(trusted).map_err(|_| {
        refused(
            "create directory",
            dir,
            &format!("it is not inside {}", trusted.display()),
        )
    })?;
    let mut cur = trusted.to_path_buf();
    for part in rel.components() {
        cur.push(part);
        let mut created = false;
        loop {
            match fs::symlink_metadata(&cur) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(refused("create directory", &cur, NO_FOLLOW));
                }
                Ok(m) if m.is_dir() => break,
                Ok(_) => {
                    return Err(refused(
                        "create directory",
                        &cur,
                        "it exists and is not a directory; remove it and run again",
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound && !created => {
                    match fs::create_dir(&cur) {
                        // Created here or by a concurrent run: look again either way.
                        Ok(()) => created = true,
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => created = true,
                        Err(e) => return Err(FsError::new("create directory", &cur, e)),
                    }
                }
                Err(e) => return Err(FsError::new("create directory", &cur, e)),
            }
        }
    }
    Ok(())
}

const NO_FOLLOW: &str = "it is a symbolic link, and xtask never follows links inside its own \
                         directory (target/xtask): remove the link and run again";

fn refused(op: &'static str, path: &Path, why: &str) -> FsError {
    FsError::new(op, path, io::Error::other(why.to_string()))
}

/// Where the bytes for `path` go.
enum Dest {
    /// A regular file or a new path: temp file and rename.
    Replace(PathBuf),
    /// A FIFO or a character device: open and write.
    Through(PathBuf),
}

/// Follows `path` through symlinks to what is at the end and decides how to write it.
fn destination(path: &Path) -> Result<Dest, FsError> {
    let mut cur = path.to_path_buf();
    let mut hops = 0;
    loop {
        let meta = match fs::symlink_metadata(&cur) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if hops > 0 {
                    let dir = parent_of(&cur);
                    if !dir.is_dir() {
                        return Err(refused(
                            "write",
                            path,
                            &format!(
                                "it is a symbolic link to {}, whose directory does not exist; \
                                 create {} or point the link elsewhere",
                                cur.display(),
                                dir.display()
                            ),
                        ));
                    }
                }
                return Ok(Dest::Replace(cur));
            }
            Err(e) => return Err(FsError::new("inspect", &cur, e)),
        };
        let kind = meta.file_type();
        if !kind.is_symlink() {
            return classify(kind, cur, path);
        }
        match fs::metadata(&cur) {
            // The link resolves: the kernel follows it, even /proc's links to pipes, which have
            // no path (`/dev/stdout` in a pipeline).
            Ok(m) if m.is_file() => {
                let target =
                    fs::canonicalize(&cur).map_err(|e| FsError::new("resolve", &cur, e))?;
                return Ok(Dest::Replace(target));
            }
            Ok(m) => return classify(m.file_type(), cur, path),
            // Dangling: followed by hand, to create its target.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(FsError::new("inspect", &cur, e)),
        }
        hops += 1;
        if hops > 40 {
            return Err(refused("write", path, "too many levels of symbolic links"));
        }
        let target = fs::read_link(&cur).map_err(|e| FsError::new("read the link", &cur, e))?;
        cur = parent_of(&cur).join(target);
    }
}

/// How to write `cur`, a path that is not a symlink (or a link that resolves), for `path`.
fn classify(kind: fs::FileType, cur: PathBuf, path: &Path) -> Result<Dest, FsError> {
    if kind.is_file() {
        Ok(Dest::Replace(cur))
    } else if kind.is_fifo() || kind.is_char_device() {
        Ok(Dest::Through(cur))
    } else if kind.is_dir() {
        Err(refused("write", path, "it is a directory; name a file"))
    } else {
        Err(refused(
            "write",
            path,
            "it is a block device or a socket, not a file; name a file",
        ))
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn write_atomic_impl(path: &Path, contents: &[u8], sync: bool) -> Result<(), FsError> {
    let path = match destination(path)? {
        Dest::Replace(target) => target,
        Dest::Through(target) => {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| FsError::new("open for writing", path, e))?;
            return file
                .write_all(contents)
                .and_then(|()| file.flush())
                .map_err(|e| FsError::new("write", path, e));
        }
    };
    let path = path.as_path();
    let parent = parent_of(path);
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
    fn a_symlink_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("out/link.json");
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("../real.json", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn a_dangling_symlink_creates_its_target_only_when_its_directory_exists() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("new.txt"), &link).unwrap();
        write_atomic(&link, b"x").unwrap();
        assert_eq!(fs::read(dir.path().join("new.txt")).unwrap(), b"x");
        let bad = dir.path().join("bad");
        std::os::unix::fs::symlink(dir.path().join("no/such/dir/f"), &bad).unwrap();
        let err = write_atomic(&bad, b"x").unwrap_err().to_string();
        assert!(err.contains("whose directory does not exist"), "{err}");
        assert!(!dir.path().join("no").exists());
    }

    #[test]
    fn a_fifo_is_written_into_and_a_directory_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"through").unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        let err = write_atomic(dir.path(), b"x").unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn nofollow_helpers_refuse_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let trusted = dir.path().join("target");
        create_dir_nofollow(&trusted.join("xtask/qa"), &trusted).unwrap();
        assert!(trusted.join("xtask/qa").is_dir());
        std::os::unix::fs::symlink(outside.path(), trusted.join("xtask/cache")).unwrap();
        let err = create_dir_nofollow(&trusted.join("xtask/cache/x"), &trusted)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("xtask/cache") && err.contains("symbolic link"),
            "{err}"
        );
        let victim = outside.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let log = trusted.join("xtask/qa/a.log");
        std::os::unix::fs::symlink(&victim, &log).unwrap();
        let err = create_file_nofollow(&log).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        let mut f = create_file_nofollow(&trusted.join("xtask/qa/b.log")).unwrap();
        f.write_all(b"ok").unwrap();
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
