//! The peak memory of one command and the processes it waited for, measured in a process of its
//! own: `getrusage(RUSAGE_CHILDREN)` in the test binary would also count every other test's
//! children (the tests share one binary and run side by side).

use std::process::{Command, Output};

/// Runs `cmd` to its end, as [`Command::output`] does, under a Python parent that reports the
/// largest resident set (`ru_maxrss`) among it and the descendants it waited for, in bytes.
pub fn output_with_peak_rss(cmd: &Command) -> (Output, u64) {
    const SCRIPT: &str = r#"
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code if code >= 0 else 128 - code)
"#;
    let report = tempfile::NamedTempFile::new().expect("a temp file for the measurement");
    let mut wrapped = Command::new(crate::Venv::test().bin("python"));
    wrapped
        .args(["-c", SCRIPT])
        .arg(report.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let output = wrapped.output().expect("run the measured command");
    let kib: u64 = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or_else(|| panic!("no measurement: {output:?}"));
    // Linux reports ru_maxrss in KiB.
    (output, kib * 1024)
}
