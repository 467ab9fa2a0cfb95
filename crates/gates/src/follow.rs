//! Following running gates' logs for `qa -v`: the lines each log gained since the last look,
//! complete lines only until the gate ends (then the rest). The runner asks between waits for
//! gates to end; the observer prints what it is given.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How much of a log one look reads at most, so a chatty gate cannot stall the run loop.
const MAX_READ: u64 = 256 * 1024;

/// Where each gate's log was read up to.
#[derive(Debug)]
pub(crate) struct Follow {
    offsets: Vec<u64>,
    /// A partial last line kept for the next look, per gate.
    pending: Vec<Vec<u8>>,
}

impl Follow {
    pub(crate) fn new(gates: usize) -> Follow {
        Follow {
            offsets: vec![0; gates],
            pending: vec![Vec::new(); gates],
        }
    }

    /// The complete lines gate `i`'s log at `log` gained; with `ended`, also its last partial
    /// line. Lossily decoded, without their line endings.
    pub(crate) fn lines(&mut self, i: usize, log: &Path, ended: bool) -> Vec<String> {
        if let Ok(mut file) = File::open(log)
            && file.seek(SeekFrom::Start(self.offsets[i])).is_ok()
        {
            let mut bytes = Vec::new();
            if let Ok(n) = file.take(MAX_READ).read_to_end(&mut bytes) {
                self.offsets[i] += n as u64;
                self.pending[i].extend_from_slice(&bytes);
            }
        }
        let pending = &mut self.pending[i];
        let cut = if ended {
            pending.len()
        } else {
            pending
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
        };
        let done: Vec<u8> = pending.drain(..cut).collect();
        String::from_utf8_lossy(&done)
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_lines_first_then_the_rest_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("g.log");
        let mut f = Follow::new(1);
        assert!(f.lines(0, &log, false).is_empty(), "no log yet");
        std::fs::write(&log, "one\ntw").unwrap();
        assert_eq!(f.lines(0, &log, false), ["one"]);
        std::fs::write(&log, "one\ntwo\r\nthr").unwrap();
        assert_eq!(f.lines(0, &log, false), ["two"]);
        assert_eq!(f.lines(0, &log, true), ["thr"]);
        assert!(f.lines(0, &log, true).is_empty());
    }
}
