//! End-to-end tests of `cargo xtask sbom` on `pnpm-lock.yaml`: lockfiles of version 9 and 6
//! written by the real pnpm (9 and 8, pinned, installed from npm) for a workspace with a scoped
//! package, dev-only packages, a package with a peer, an npm alias, a local folder and a local
//! tarball. Both SBOMs pass the official validators; components, hashes, scopes and edges are
//! compared with the lockfile itself; unknown versions and broken YAML are refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{components, depends_on, json, node_hex, ok_stderr as ok, validate};
use serde_json::Value;
use testkit::NodeTool;
use yaml_rust2::{Yaml, YamlLoader};

const PNPM_9: &str = "9.15.9";
const PNPM_8: &str = "8.15.9";

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

/// The project: a root with runtime and dev dependencies and a workspace package of its own.
fn write_project(root: &Path) {
    let files = [
        (
            "package.json",
            r#"{
  "name": "web-ui",
  "version": "1.2.0",
  "license": "MIT",
  "dependencies": {
    "@types/node": "20.11.30",
    "debug": "4.3.4",
    "ms": "2.0.0",
    "lib": "workspace:*",
    "react": "18.2.0",
    "use-sync-external-store": "1.2.0",
    "str": "npm:string-width@1.0.2",
    "local-thing": "file:./vendor/local-thing",
    "packed-thing": "file:./vendor/packed-thing-3.1.4.tgz"
  },
  "devDependencies": { "left-pad": "1.3.0" }
}
"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - \"packages/*\"\n"),
        (
            "packages/lib/package.json",
            r#"{"name":"lib","version":"0.1.0","license":"Apache-2.0","dependencies":{"ms":"2.1.3"},"devDependencies":{"is-odd":"3.0.1"}}"#,
        ),
        (
            "vendor/local-thing/package.json",
            r#"{"name":"local-thing","version":"0.0.1"}"#,
        ),
        (
            "vendor/packed/package.json",
            r#"{"name":"packed-thing","version":"3.1.4"}"#,
        ),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination", ".."])
        .current_dir(root.join("vendor/packed")));
}

/// Writes the project and its lockfile with pnpm `version`; returns the lockfile's YAML.
fn locked_project(root: &Path, version: &str) -> Yaml {
    write_project(root);
    let pnpm = NodeTool::get("pnpm", version).bin("pnpm");
    run(Command::new(pnpm)
        .args([
            "install",
            "--lockfile-only",
            "--ignore-scripts",
            "--no-frozen-lockfile",
            "--registry=https://registry.npmjs.org/",
            "--store-dir",
        ])
        .arg(root.join(".store"))
        .current_dir(root));
    let text = std::fs::read_to_string(root.join("pnpm-lock.yaml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn run(command: &mut Command) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `name@version` without the peer suffix, split at the name's end.
fn split(key: &str) -> (String, String) {
    let key = key.trim_start_matches('/');
    let key = key.split('(').next().unwrap();
    let at = key[1..].find('@').unwrap() + 1;
    (key[..at].to_string(), key[at + 1..].to_string())
}

fn purl(name: &str, version: &str) -> String {
    format!("pkg:npm/{}@{version}", name.replace('@', "%40"))
}

/// The SBOM of the project in `root` in both formats, validated; its CycloneDX document.
fn sbom(root: &Path) -> Value {
    let out = root.join("out");
    ok(xtask(
        root,
        &["--format", "all", "--output", out.to_str().unwrap()],
    ));
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    validate(&files);
    json(
        files
            .iter()
            .find(|f| f.to_string_lossy().ends_with(".cdx.json"))
            .unwrap(),
    )
}

/// The checks both lockfile versions pass: every package of the lockfile is a component with
/// its integrity as SHA-512; every snapshot's dependencies are its edges; the projects, their
/// edges and scopes; `--no-dev`. Returns the component ids.
fn check(root: &Path, lock: &Yaml, v6: bool) -> BTreeSet<String> {
    let doc = sbom(root);
    let all = components(&doc);

    // Packages: the lockfile's own name and version for local ones, else the key's.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (key, entry) in lock["packages"].as_hash().unwrap() {
        let key = key.as_str().unwrap();
        let (key_name, key_version) = if key.starts_with("file:") {
            (String::new(), String::new())
        } else {
            split(key)
        };
        let name = entry["name"].as_str().map_or(key_name, str::to_string);
        let version = entry["version"].as_str().map(str::to_string).unwrap_or(
            if key_version.starts_with("file:") || key_version.is_empty() {
                "0.0.1".into() // the local folder's package.json
            } else {
                key_version
            },
        );
        let id = purl(&name, &version);
        let c = all
            .get(&id)
            .unwrap_or_else(|| panic!("{key}: {id} missing"));
        match entry["resolution"]["integrity"].as_str() {
            Some(sri) => {
                assert_eq!(c["hashes"][0]["alg"], "SHA-512", "{id}");
                assert_eq!(c["hashes"][0]["content"], node_hex(sri), "{id}");
            }
            None => assert!(c.get("hashes").is_none(), "{id}: {c}"),
        }
        if v6 {
            let dev = entry["dev"].as_bool() == Some(true);
            assert_eq!(
                c["scope"] == "excluded",
                dev,
                "{id}: scope against pnpm's `dev`"
            );
        }
        ids.insert(key.split('(').next().unwrap().to_string(), id);
    }
    let snapshots = if v6 {
        &lock["packages"]
    } else {
        &lock["snapshots"]
    };
    for (key, entry) in snapshots.as_hash().unwrap() {
        let key = key.as_str().unwrap();
        let base = key.split('(').next().unwrap();
        let from = &ids[base];
        let wanted: BTreeSet<String> = entry["dependencies"]
            .as_hash()
            .into_iter()
            .flatten()
            .map(|(name, reference)| {
                let (name, reference) = (name.as_str().unwrap(), reference.as_str().unwrap());
                let reference = reference.split('(').next().unwrap();
                purl(name, reference)
            })
            .collect();
        assert!(
            depends_on(&doc, from).is_superset(&wanted),
            "{from}: {wanted:?}"
        );
    }

    // The peer-suffixed package is one component, its peer an edge.
    assert!(
        depends_on(&doc, "pkg:npm/use-sync-external-store@1.2.0").contains("pkg:npm/react@18.2.0")
    );
    // The workspace: both projects are parts, each with its own edges.
    let parts: BTreeSet<&str> = doc["metadata"]["component"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        parts,
        BTreeSet::from(["pkg:npm/lib@0.1.0", "pkg:npm/web-ui@1.2.0"])
    );
    assert_eq!(
        depends_on(&doc, "pkg:npm/lib@0.1.0"),
        ["pkg:npm/is-odd@3.0.1", "pkg:npm/ms@2.1.3"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        depends_on(&doc, "pkg:npm/web-ui@1.2.0"),
        [
            "pkg:npm/%40types/node@20.11.30",
            "pkg:npm/debug@4.3.4",
            "pkg:npm/left-pad@1.3.0",
            "pkg:npm/lib@0.1.0",
            "pkg:npm/local-thing@0.0.1",
            "pkg:npm/ms@2.0.0",
            "pkg:npm/packed-thing@3.1.4",
            "pkg:npm/react@18.2.0",
            "pkg:npm/string-width@1.0.2",
            "pkg:npm/use-sync-external-store@1.2.0",
        ]
        .map(String::from)
        .into()
    );
    // Dev-only: the root's dev dependency and the workspace package's, with what they alone use.
    let excluded: BTreeSet<&str> = all
        .iter()
        .filter(|(_, c)| c["scope"] == "excluded")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(
        excluded,
        BTreeSet::from([
            "pkg:npm/is-number@6.0.0",
            "pkg:npm/is-odd@3.0.1",
            "pkg:npm/left-pad@1.3.0"
        ])
    );

    let bom = root.join("lean.json");
    ok(xtask(
        root,
        &["--no-dev", "--output", bom.to_str().unwrap()],
    ));
    validate(std::slice::from_ref(&bom));
    let lean = components(&json(&bom));
    for id in &excluded {
        assert!(!lean.contains_key(*id), "{id} kept by --no-dev");
    }
    assert!(lean.contains_key("pkg:npm/ms@2.1.3"));
    all.keys().cloned().collect()
}

#[test]
fn lockfiles_of_pnpm_9_and_8() {
    let v9 = tempfile::tempdir().unwrap();
    let lock9 = locked_project(v9.path(), PNPM_9);
    assert_eq!(lock9["lockfileVersion"].as_str(), Some("9.0"));
    let ids9 = check(v9.path(), &lock9, false);

    let v6 = tempfile::tempdir().unwrap();
    let lock6 = locked_project(v6.path(), PNPM_8);
    assert_eq!(lock6["lockfileVersion"].as_str(), Some("6.0"));
    let ids6 = check(v6.path(), &lock6, true);
    assert_eq!(ids9, ids6, "both lockfiles describe the same packages");

    // --npm PATH reads exactly that file; --npm off reads none, which leaves nothing here.
    let bom = v9.path().join("one.json");
    let lockfile = v9.path().join("pnpm-lock.yaml");
    ok(xtask(
        v9.path(),
        &[
            "--npm",
            lockfile.to_str().unwrap(),
            "--output",
            bom.to_str().unwrap(),
        ],
    ));
    assert!(components(&json(&bom)).contains_key("pkg:npm/ms@2.1.3"));
    let off = xtask(
        v9.path(),
        &["--npm", "off", "--output", bom.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&off.stderr);
    assert_eq!(off.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pnpm-lock.yaml or yarn.lock"), "{stderr}");
}

/// A lockfile with `text` in a project; the failed run's stderr.
fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"name":"x"}"#).unwrap();
    std::fs::write(dir.path().join("pnpm-lock.yaml"), text).unwrap();
    let out = xtask(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stderr
}

#[test]
fn unknown_versions_and_broken_yaml_are_refused() {
    for (text, says) in [
        (
            "lockfileVersion: '99.0'\n",
            "pnpm-lock.yaml: lockfileVersion 99.0",
        ),
        (
            "lockfileVersion: 5.4\n",
            "pnpm-lock.yaml: lockfileVersion 5.4",
        ),
        ("importers: {}\n", "pnpm-lock.yaml: lockfileVersion missing"),
        (
            "lockfileVersion: '9.0'\npackages:\n  ms@2.1.3: {resolution: {integrity: x}\n",
            "pnpm-lock.yaml:4:",
        ),
        ("- a\n- b\n", "pnpm-lock.yaml: not a pnpm lockfile"),
        (
            "lockfileVersion: '9.0'\npackages: [1]\n",
            "pnpm-lock.yaml: `packages`: expected a mapping",
        ),
    ] {
        let stderr = refused(text);
        assert!(stderr.contains(says), "{text:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
