//! Shared helpers of the `sbom` end-to-end tests: the official validators and JSON reading.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testkit::Venv;

/// Validates every file in one run of the official validators (`tools/sbom/validate.py` in the
/// pinned test venv: cyclonedx-python-lib's strict validator, spdx-tools, and our reference
/// checks); panics with their report unless each file is reported `ok`.
pub fn validate(files: &[PathBuf]) {
    let script = testkit::workspace_root().join("tools/sbom/validate.py");
    let out = Command::new(Venv::test().bin("python"))
        .arg(script)
        .args(files)
        .output()
        .expect("run the validators");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "validation failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.starts_with("ok: ")).count(),
        files.len(),
        "{report}"
    );
}

/// Reads a JSON document.
pub fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Asserts that an `xtask sbom` run succeeded (its output in the message otherwise) and returns
/// its stdout and stderr, lossily decoded.
pub fn ok_outputs(out: Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "xtask sbom failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// [`ok_outputs`], its stdout.
pub fn ok_stdout(out: Output) -> String {
    ok_outputs(out).0
}

/// [`ok_outputs`], its stderr.
pub fn ok_stderr(out: Output) -> String {
    ok_outputs(out).1
}
