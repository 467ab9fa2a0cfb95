//! Run locks: an exclusive advisory lock (`flock`) on a file, held for as long as the returned
//! guard lives, like cargo's lock on its build directory. A second process asking for the same
//! lock is told who holds it (the holder's pid is written in the file) and waits.
//!
//! The kernel drops the lock when its holder exits, however it exits, so a killed run never
//! leaves a stale lock behind. The lock file is never followed through a symlink: one that is a
//! symlink or not a regular file is refused.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg, OFlag};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: Flock<File>,
}

/// A lock that could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{} is a symlink; remove it (xtask keeps a lock file there and never follows a link)",
        .0.display()
    )]
    Symlink(PathBuf),
    #[error("{} is not a regular file; remove it (xtask keeps a lock file there)", .0.display())]
    NotAFile(PathBuf),
    #[error("interrupted while waiting for the lock")]
    Interrupted,
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl RunLock {
    /// Takes the lock at `path` (creating the file and its directory), waiting for it when
    /// another process holds it. `waiting` is called once before the wait, with the holder's
    /// pid when the file names one.
    pub fn acquire(path: &Path, waiting: impl FnOnce(Option<u32>)) -> Result<RunLock, LockError> {
        let io_err = |source: io::Error| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            // No symlink followed; a FIFO does not block the open.
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
            .open(path)
            .map_err(|e| match e.raw_os_error() {
                Some(code) if code == Errno::ELOOP as i32 => LockError::Symlink(path.into()),
                Some(code) if code == Errno::EISDIR as i32 || code == Errno::ENXIO as i32 => {
                    LockError::NotAFile(path.into())
                }
                _ => io_err(e),
            })?;
        if !file.metadata().map_err(io_err)?.is_file() {
            return Err(LockError::NotAFile(path.into()));
        }
        // Poll rather than block: a blocking flock is restarted after our signal handlers
        // run, and Ctrl-C must end the wait.
        let mut waiting = Some(waiting);
        let mut file = file;
        let mut file = loop {
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(locked) => break locked,
                Err((back, Errno::EWOULDBLOCK | Errno::EINTR)) => {
                    if let Some(waiting) = waiting.take() {
                        waiting(holder(&back));
                    }
                    if crate::process::interrupted() {
                        return Err(LockError::Interrupted);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    file = back;
                }
                Err((_, errno)) => return Err(io_err(io::Error::from(errno))),
            }
        };
        // Say who holds it, for the next one to wait.
        let pid = format!("{}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(pid.as_bytes()))
            .map_err(io_err)?;
        Ok(RunLock { _file: file })
    }
}

/// The pid written in a lock file by its holder.
fn holder(file: &File) -> Option<u32> {
    let mut text = String::new();
    let mut reader = file;
    reader.rewind().ok()?;
    reader.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "").unwrap();
        let link = dir.path().join("qa.lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = RunLock::acquire(&link, |_| {}).unwrap_err();
        assert!(matches!(err, LockError::Symlink(_)), "{err}");
        std::fs::remove_file(&link).unwrap();
        std::fs::create_dir(&link).unwrap();
        let err = RunLock::acquire(&link, |_| {}).unwrap_err();
        assert!(matches!(err, LockError::NotAFile(_)), "{err}");
    }

    #[test]
    fn the_holder_is_named_and_the_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/qa.lock");
        let held = RunLock::acquire(&path, |_| panic!("nobody holds it")).unwrap();
        let file = File::open(&path).unwrap();
        assert_eq!(holder(&file), Some(std::process::id()));
        // flock locks belong to the open file: a second open in this process conflicts too.
        let second = Flock::lock(file, FlockArg::LockExclusiveNonblock);
        assert!(second.is_err());
        drop(held);
    }
}
