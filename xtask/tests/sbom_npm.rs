//! End-to-end tests of `cargo xtask sbom` on JavaScript lockfiles: a package-lock.json written
//! by the real npm from the registry (a scoped package, a dev dependency, two versions of one
//! package nested), validated by the official validators, its components, hashes, licences,
//! scopes and edges compared with the lockfile; old and unknown lockfile versions refused.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{components, depends_on, json, node_hex, ok_stderr as ok, validate};
use serde_json::Value;

fn xtask(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("sbom")
        .args(args)
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", "1714564800")
        .output()
        .expect("run xtask")
}

/// Runs the machine's npm in `dir`, failing loudly when it is missing or fails.
fn npm(dir: &Path, args: &[&str]) {
    let out = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run npm (Node 20 and npm are needed by this test)");
    assert!(
        out.status.success(),
        "npm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const PACKAGE_JSON: &str = r#"{
  "name": "web-ui",
  "version": "1.2.0",
  "license": "MIT",
  "dependencies": { "@types/node": "20.11.30", "debug": "4.3.4", "ms": "2.0.0" },
  "devDependencies": { "left-pad": "1.3.0" }
}
"#;

#[test]
fn a_package_lock_written_by_npm() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("package.json"), PACKAGE_JSON).unwrap();
    npm(
        root,
        &[
            "install",
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ],
    );
    let lock: Value = json(&root.join("package-lock.json"));
    assert_eq!(lock["lockfileVersion"], 3);
    let out = root.join("out");
    ok(xtask(
        root,
        &["--format", "all", "--output", out.to_str().unwrap()],
    ));
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    validate(&files);
    let cdx = files
        .iter()
        .find(|f| f.to_string_lossy().ends_with(".cdx.json"))
        .unwrap();
    let doc = json(cdx);
    let all = components(&doc);

    // Every installed location is a component with the lockfile's hash, licence and scope.
    let packages = lock["packages"].as_object().unwrap();
    let mut expected = BTreeSet::new();
    for (key, p) in packages.iter().filter(|(k, _)| !k.is_empty()) {
        let name = key.rsplit_once("node_modules/").unwrap().1;
        let id = format!(
            "pkg:npm/{}@{}",
            name.replace('@', "%40"),
            p["version"].as_str().unwrap()
        );
        let c = all
            .get(&id)
            .unwrap_or_else(|| panic!("{id} missing: {all:#?}"));
        let sri = p["integrity"].as_str().unwrap();
        let b64 = sri.strip_prefix("sha512-").unwrap();
        assert_eq!(c["hashes"][0]["alg"], "SHA-512", "{id}");
        assert_eq!(
            c["hashes"][0]["content"].as_str().unwrap(),
            node_hex(b64),
            "{id}"
        );
        let dev = p["dev"].as_bool().unwrap_or(false);
        assert_eq!(
            c["scope"] == "excluded",
            dev,
            "{id}: scope against npm's `dev`"
        );
        if let Some(l) = p["license"].as_str() {
            assert_eq!(c["licenses"][0]["expression"], l, "{id}");
        }
        expected.insert(id);
    }
    assert!(expected.contains("pkg:npm/%40types/node@20.11.30"));
    assert!(expected.contains("pkg:npm/ms@2.0.0") && expected.contains("pkg:npm/ms@2.1.2"));
    assert_eq!(all["pkg:npm/left-pad@1.3.0"]["scope"], "excluded");

    // The edges follow Node's resolution: debug's own ms is the nested one.
    assert_eq!(
        depends_on(&doc, "pkg:npm/debug@4.3.4"),
        BTreeSet::from(["pkg:npm/ms@2.1.2".to_string()])
    );
    assert_eq!(
        depends_on(&doc, "pkg:npm/web-ui@1.2.0"),
        [
            "pkg:npm/%40types/node@20.11.30",
            "pkg:npm/debug@4.3.4",
            "pkg:npm/left-pad@1.3.0",
            "pkg:npm/ms@2.0.0"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        depends_on(&doc, "pkg:npm/%40types/node@20.11.30"),
        BTreeSet::from(["pkg:npm/undici-types@5.26.5".to_string()])
    );

    // --no-dev drops the dev-only package; --npm off drops them all.
    let bom = root.join("bom.json");
    ok(xtask(
        root,
        &["--no-dev", "--output", bom.to_str().unwrap()],
    ));
    let lean = components(&json(&bom));
    assert!(!lean.contains_key("pkg:npm/left-pad@1.3.0"));
    assert!(lean.contains_key("pkg:npm/ms@2.1.2"));
    validate(std::slice::from_ref(&bom));
}

#[test]
fn old_and_unknown_lockfile_versions_are_refused() {
    for (version, says) in [(1, "lockfileVersion 1"), (99, "lockfileVersion 99")] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), r#"{"name":"x"}"#).unwrap();
        std::fs::write(
            dir.path().join("package-lock.json"),
            format!(
                r#"{{"name":"x","lockfileVersion":{version},"requires":true,"dependencies":{{}}}}"#
            ),
        )
        .unwrap();
        let out = xtask(dir.path(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("package-lock.json") && stderr.contains(says),
            "{stderr}"
        );
    }
}
