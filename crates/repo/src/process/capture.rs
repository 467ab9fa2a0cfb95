//! Reading a command's captured stdout and stderr until its process group has ended, not until
//! end of file: a process the command left behind outside its group (`setsid cmd &`) inherits
//! the pipes and may hold them open for ever. One thread polls both pipes; once told the group
//! is gone, it takes what is already in them (all the group wrote) and stops.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::process::{ChildStderr, ChildStdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// The reading thread of one command.
#[derive(Debug)]
pub(crate) struct Reader {
    ended: Arc<AtomicBool>,
    thread: JoinHandle<(Vec<u8>, Vec<u8>)>,
}

/// Starts reading both pipes.
pub(crate) fn start(stdout: ChildStdout, stderr: ChildStderr) -> Reader {
    let ended = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ended);
    let thread = thread::spawn(move || read(OwnedFd::from(stdout), OwnedFd::from(stderr), &flag));
    Reader { ended, thread }
}

impl Reader {
    /// Called once the command's process group has ended: returns what the group wrote.
    pub(crate) fn finish(self) -> (Vec<u8>, Vec<u8>) {
        self.ended.store(true, Ordering::SeqCst);
        self.thread.join().unwrap_or_default()
    }
}

/// How long one poll waits before looking at the `ended` flag again (milliseconds).
const POLL_MS: u16 = 20;
/// Reads of a final drain: the pipes hold at most their capacity (64 KiB by default, 1 MiB at
/// most) of what the group wrote; a process outside the group that keeps writing must not keep
/// us here.
const FINAL_READS: usize = 64;

fn read(stdout: OwnedFd, stderr: OwnedFd, ended: &AtomicBool) -> (Vec<u8>, Vec<u8>) {
    let mut streams = [Some(File::from(stdout)), Some(File::from(stderr))];
    let mut bufs = [Vec::new(), Vec::new()];
    let mut chunk = vec![0u8; 64 * 1024];
    let mut final_reads = 0;
    loop {
        // Look at the flag before polling: whatever the group wrote before it ended is in the
        // pipes by then, and this round or the next takes it.
        let last = ended.load(Ordering::SeqCst);
        let ready: Vec<usize> = {
            let (open, mut fds): (Vec<usize>, Vec<PollFd<'_>>) = streams
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((i, PollFd::new(s.as_ref()?.as_fd(), PollFlags::POLLIN))))
                .unzip();
            if open.is_empty() {
                break;
            }
            let timeout = if last { 0 } else { POLL_MS };
            if poll(&mut fds, PollTimeout::from(timeout)).is_err() {
                // EINTR: poll again.
                continue;
            }
            open.into_iter()
                .zip(&fds)
                .filter(|(_, fd)| fd.revents().is_some_and(|r| !r.is_empty()))
                .map(|(i, _)| i)
                .collect()
        };
        if last && ready.is_empty() {
            break;
        }
        for i in ready {
            let Some(stream) = streams[i].as_mut() else {
                continue;
            };
            // Ready: this read does not block.
            match stream.read(&mut chunk) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Ok(0) | Err(_) => streams[i] = None,
                Ok(n) => bufs[i].extend_from_slice(&chunk[..n]),
            }
        }
        if last {
            final_reads += 1;
            if final_reads >= FINAL_READS {
                break;
            }
        }
    }
    let [out, err] = bufs;
    (out, err)
}
