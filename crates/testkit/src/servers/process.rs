//! What every private server shares: a free loopback port (retried when another process takes
//! it between the pick and the server's bind), the wait until the server answers, and its child
//! process, killed with SIGKILL and reaped exactly once.

use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How many ports a server tries before giving up.
const ATTEMPTS: usize = 5;

/// How long a server has to answer after it was spawned (nginx alone retries a taken port for
/// 2.5 s before it gives up).
const READY_WITHIN: Duration = Duration::from_secs(10);

/// One try at starting a server on a port.
pub(super) enum Attempt<T> {
    /// It answers.
    Ready(T),
    /// The port was taken; the server's log says so.
    PortTaken(String),
}

/// Runs `attempt` on free ports until one gives a server, panicking (with the last log) when
/// every port was taken.
pub(super) fn on_free_port<T>(what: &str, mut attempt: impl FnMut(u16) -> Attempt<T>) -> T {
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        match attempt(free_port()) {
            Attempt::Ready(server) => return server,
            Attempt::PortTaken(log) => last = log,
        }
    }
    panic!(
        "testkit: {what} could not start: its port was taken {ATTEMPTS} times; last log:\n{last}"
    )
}

/// A port nobody listens on right now (the kernel's pick for port 0).
fn free_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("the bound address").port()
}

/// How a server's start ended when it did not answer.
pub(super) enum NotReady {
    Exited(ExitStatus),
    TimedOut,
}

/// A server's child process, killed with SIGKILL and reaped on drop.
#[derive(Debug)]
pub(super) struct Child {
    child: Option<std::process::Child>,
    pid: u32,
}

impl Child {
    /// Spawns `command` with its stdout and stderr in `log` (truncated). Panics when it cannot.
    pub(super) fn spawn(mut command: Command, log: &Path) -> Child {
        let out = File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("clone the log file handle");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("testkit: could not run {command:?}: {e}"));
        Child {
            pid: child.id(),
            child: Some(child),
        }
    }

    pub(super) fn pid(&self) -> u32 {
        self.pid
    }

    /// Polls `answers` until it is true, the process exits or the deadline passes.
    pub(super) fn wait_ready(&mut self, mut answers: impl FnMut() -> bool) -> Result<(), NotReady> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait().expect("poll the server process")
            {
                self.child = None;
                return Err(NotReady::Exited(status));
            }
            if answers() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(NotReady::TimedOut);
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, then wait for the process to be gone. Does nothing the second time.
    pub(super) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Fails only when the process has already exited; `wait` reaps it either way.
            let _ = child.kill();
            child.wait().expect("wait for the killed server");
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}
