//! Waiting for a child's exit with a time limit, so that a wait can look at the interrupt flag
//! and the deadline between steps: through a pidfd polled on the waiting thread (Linux 5.3 and
//! later), else through a thread blocked in `waitpid` that reports over a channel.

use std::io;
use std::process::{Child, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A child whose exit is being waited for.
pub(super) enum Watch {
    /// The child and a pidfd that becomes readable when it exits: no thread of its own.
    #[cfg(target_os = "linux")]
    Pidfd {
        child: Child,
        fd: std::os::fd::OwnedFd,
    },
    /// A thread blocked in `waitpid`, for kernels without pidfds (or where one cannot be
    /// opened, such as under some sandboxes).
    Thread {
        rx: Receiver<io::Result<ExitStatus>>,
        waiter: Option<JoinHandle<()>>,
    },
}

impl Watch {
    pub(super) fn new(child: Child) -> Watch {
        #[cfg(target_os = "linux")]
        let child = match pidfd(&child) {
            Some(fd) => return Watch::Pidfd { child, fd },
            None => child,
        };
        let (tx, rx) = mpsc::channel();
        let waiter = thread::spawn(move || {
            let mut child = child;
            let _ = tx.send(child.wait());
        });
        Watch::Thread {
            rx,
            waiter: Some(waiter),
        }
    }

    /// Waits up to `step` for the child's exit: `Some` once it exited (with its status, or
    /// `None` when it could not be had), `None` while it still runs.
    pub(super) fn wait(&mut self, step: Duration) -> Option<Option<ExitStatus>> {
        match self {
            #[cfg(target_os = "linux")]
            Watch::Pidfd { child, fd } => {
                use rustix::event::{PollFd, PollFlags, Timespec, poll};
                let timeout = Timespec::try_from(step).unwrap_or(Timespec {
                    tv_sec: 0,
                    tv_nsec: 20_000_000,
                });
                let mut fds = [PollFd::new(fd, PollFlags::IN)];
                // Readable, timed out or interrupted by a signal: the status says which.
                let _ = poll(&mut fds, Some(&timeout));
                match child.try_wait() {
                    Ok(Some(status)) => Some(Some(status)),
                    Ok(None) => None,
                    Err(_) => Some(None),
                }
            }
            Watch::Thread { rx, waiter } => {
                let status = match rx.recv_timeout(step) {
                    Ok(status) => status.ok(),
                    Err(RecvTimeoutError::Disconnected) => None,
                    Err(RecvTimeoutError::Timeout) => return None,
                };
                if let Some(waiter) = waiter.take() {
                    let _ = waiter.join();
                }
                Some(status)
            }
        }
    }
}

/// A pidfd for `child`; `None` where the kernel has none.
#[cfg(target_os = "linux")]
fn pidfd(child: &Child) -> Option<std::os::fd::OwnedFd> {
    use rustix::process::{Pid, PidfdFlags, pidfd_open};
    let pid = Pid::from_raw(i32::try_from(child.id()).ok()?)?;
    pidfd_open(pid, PidfdFlags::empty()).ok()
}
