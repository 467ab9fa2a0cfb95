//! Shared helpers of the `sbom` end-to-end tests: the official validators, JSON reading, and a
//! CycloneDX document's components and edges.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testkit::Venv;

/// Validates every file with the official validators (`tools/sbom/validate.py` in the pinned
/// test venv: cyclonedx-python-lib's strict validator, spdx-tools, and our reference checks);
/// panics with their report unless each file is reported `ok`. One validator process per test
/// binary (`validate.py --serve`) answers every call: their imports take two seconds, paid
/// once instead of per call.
pub fn validate(files: &[PathBuf]) {
    use std::io::{BufRead, Write};
    let mut server = validator().lock().unwrap_or_else(|e| e.into_inner());
    let Validator { stdin, stdout, .. } = &mut *server;
    let request = serde_json::to_string(
        &files
            .iter()
            .map(|f| f.to_str().expect("a UTF-8 path"))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut answer = String::new();
    let sent = writeln!(stdin, "{request}").and_then(|()| stdin.flush());
    if sent.is_err() || stdout.read_line(&mut answer).unwrap_or(0) == 0 {
        panic!("the SBOM validators (tools/sbom/validate.py --serve) stopped; see stderr above");
    }
    let answer: Value = serde_json::from_str(&answer).expect("the validators answer JSON");
    let report = answer["report"].as_str().unwrap_or_default();
    assert!(answer["ok"] == true, "validation failed:\n{report}");
    assert_eq!(
        report.lines().filter(|l| l.starts_with("ok: ")).count(),
        files.len(),
        "{report}"
    );
}

struct Validator {
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    /// Ends when the test binary does: its stdin closes and `--serve` returns.
    _child: std::process::Child,
}

/// The validators' process, started on first use; it ends with the test binary (its stdin
/// closes).
fn validator() -> &'static std::sync::Mutex<Validator> {
    static SERVER: std::sync::OnceLock<std::sync::Mutex<Validator>> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let script = testkit::workspace_root().join("tools/sbom/validate.py");
        let mut child = Command::new(Venv::test().bin("python"))
            .arg(script)
            .arg("--serve")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the validators");
        std::sync::Mutex::new(Validator {
            stdin: child.stdin.take().expect("piped"),
            stdout: std::io::BufReader::new(child.stdout.take().expect("piped")),
            _child: child,
        })
    })
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

/// Every component of a CycloneDX document by bom-ref: the subject, its parts, the rest.
pub fn components(doc: &Value) -> BTreeMap<String, Value> {
    let meta = &doc["metadata"]["component"];
    std::iter::once(meta)
        .chain(meta["components"].as_array().into_iter().flatten())
        .chain(doc["components"].as_array().unwrap())
        .map(|c| (c["bom-ref"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

/// What a CycloneDX document says `id` depends on; panics when it has no entry.
pub fn depends_on(doc: &Value, id: &str) -> BTreeSet<String> {
    doc["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == id)
        .unwrap_or_else(|| panic!("no dependencies entry for {id}"))["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// An SRI value's (`sha512-BASE64`) digest as lowercase hex, decoded by Node itself.
pub fn node_hex(sri: &str) -> String {
    let b64 = sri.split_once('-').map_or(sri, |(_, b)| b);
    let out = Command::new("node")
        .args([
            "-e",
            "process.stdout.write(Buffer.from(process.argv[1], 'base64').toString('hex'))",
            b64,
        ])
        .output()
        .expect("run node (Node is needed by the npm tests)");
    assert!(out.status.success(), "node failed decoding {sri}");
    String::from_utf8(out.stdout).unwrap()
}
