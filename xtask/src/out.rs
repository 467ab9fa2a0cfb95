//! Everything the binary prints on stdout goes through [`print()`], so that no write can panic.
//!
//! A closed pipe (`xtask qa --list | head -1`) ends the output quietly, as ripgrep does: later
//! prints are dropped and the command keeps its own exit code (0 for a listing). Any other
//! write error (a full disk: `> /dev/full`) is an error, `error: cannot write to stdout: ...`,
//! and exit 1.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Stdout could not be written (other than a closed pipe).
#[derive(Debug)]
pub(crate) struct StdoutError(io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl std::error::Error for StdoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Writes `text` to stdout and flushes it.
pub(crate) fn print(text: impl AsRef<[u8]>) -> Result<(), StdoutError> {
    static CLOSED: AtomicBool = AtomicBool::new(false);
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(StdoutError(e)),
    }
}
