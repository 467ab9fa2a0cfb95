//! End-to-end tests of `cargo xtask sbom` on `yarn.lock`: lockfiles written by the real Yarn 1
//! (1.22, `# yarn lockfile v1`) and Yarn 4 (berry, `@yarnpkg/cli-dist`), pinned and installed from
//! npm, for a workspace with a scoped package, dev-only packages, an npm alias, a local folder and
//! a local tarball. The SBOMs pass the official validators; components, hashes (Yarn 1's SRI; never
//! berry's own checksum), scopes and edges are compared with the lockfile as Yarn's own parser
//! (`@yarnpkg/lockfile`) or YAML reads it; unknown versions and broken files are refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{components, depends_on, json, node_hex, ok_stderr as ok, validate};
use serde_json::Value;
use testkit::NodeTool;
use yaml_rust2::YamlLoader;

const YARN_1: &str = "1.22.22";
const YARN_BERRY: &str = "4.9.2";
const YARN_LOCKFILE_PARSER: &str = "1.1.0";

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

fn run(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The project: a root with runtime and dev dependencies and a workspace package; `lib` is how
/// the root asks for the workspace package (Yarn 1 knows no `workspace:` protocol).
fn write_project(root: &Path, lib: &str) {
    let manifest = format!(
        r#"{{
  "name": "web-ui",
  "version": "1.2.0",
  "license": "MIT",
  "private": true,
  "workspaces": ["packages/*"],
  "dependencies": {{
    "@types/node": "20.11.30",
    "debug": "4.3.4",
    "ms": "2.0.0",
    "lib": "{lib}",
    "react": "18.2.0",
    "use-sync-external-store": "1.2.0",
    "str": "npm:string-width@1.0.2",
    "local-thing": "file:./vendor/local-thing",
    "packed-thing": "file:./vendor/packed-thing-3.1.4.tgz"
  }},
  "devDependencies": {{ "left-pad": "1.3.0" }}
}}
"#
    );
    let files = [
        ("package.json", manifest.as_str()),
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

fn purl(name: &str, version: &str) -> String {
    format!("pkg:npm/{}@{version}", name.replace('@', "%40"))
}

/// `name@range` split at the name's end.
fn split(spec: &str) -> (&str, &str) {
    let at = spec[1..].find('@').unwrap() + 1;
    (&spec[..at], &spec[at + 1..])
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

/// What both Yarns' SBOMs say alike: the projects, their edges, the dev-only packages, and
/// `--no-dev`.
fn check_projects(root: &Path, doc: &Value) {
    let all = components(doc);
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
        depends_on(doc, "pkg:npm/lib@0.1.0"),
        ["pkg:npm/is-odd@3.0.1", "pkg:npm/ms@2.1.3"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        depends_on(doc, "pkg:npm/web-ui@1.2.0"),
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
}

#[test]
fn a_yarn_1_lockfile() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root, "0.1.0");
    let yarn = NodeTool::get("yarn", YARN_1).bin("yarn");
    run(Command::new(yarn)
        .args([
            "install",
            "--ignore-scripts",
            "--non-interactive",
            "--no-progress",
            "--registry",
            "https://registry.npmjs.org",
            "--cache-folder",
        ])
        .arg(root.join(".yarn-cache"))
        .current_dir(root));
    let text = std::fs::read_to_string(root.join("yarn.lock")).unwrap();
    assert!(text.contains("# yarn lockfile v1"));

    // Yarn's own parser reads the lockfile for the expectations.
    let parser = NodeTool::get("@yarnpkg/lockfile", YARN_LOCKFILE_PARSER);
    let parsed = run(Command::new("node")
        .arg("-e")
        .arg(
            "const l = require(process.argv[1]); const fs = require('fs');\
             const r = l.parse(fs.readFileSync(process.argv[2], 'utf8'));\
             if (r.type !== 'success') process.exit(1);\
             process.stdout.write(JSON.stringify(r.object));",
        )
        .arg(parser.dir().join("node_modules/@yarnpkg/lockfile"))
        .arg(root.join("yarn.lock")));
    let lock: BTreeMap<String, Value> = serde_json::from_str(&parsed).unwrap();

    let doc = sbom(root);
    let all = components(&doc);
    let id_of = |key: &str| -> String {
        let (alias, range) = split(key);
        let name = range
            .strip_prefix("npm:")
            .map_or(alias, |real| split(real).0);
        purl(name, lock[key]["version"].as_str().unwrap())
    };
    for (key, entry) in &lock {
        let id = id_of(key);
        let c = all
            .get(&id)
            .unwrap_or_else(|| panic!("{key}: {id} missing"));
        let resolved = entry["resolved"].as_str().unwrap_or_default();
        match entry["integrity"].as_str() {
            Some(sri) => {
                assert_eq!(c["hashes"][0]["alg"], "SHA-512", "{id}");
                assert_eq!(c["hashes"][0]["content"], node_hex(sri), "{id}");
            }
            // A local tarball: the SHA-1 Yarn put after its `#`.
            None if resolved.contains(".tgz#") => {
                assert_eq!(c["hashes"][0]["alg"], "SHA-1", "{id}");
                assert_eq!(
                    c["hashes"][0]["content"],
                    resolved.rsplit_once('#').unwrap().1,
                    "{id}"
                );
            }
            None => assert!(c.get("hashes").is_none(), "{id}: {c}"),
        }
        for table in ["dependencies", "optionalDependencies"] {
            for (dep, range) in entry[table].as_object().into_iter().flatten() {
                let to = id_of(&format!("{dep}@{}", range.as_str().unwrap()));
                assert!(depends_on(&doc, &id).contains(&to), "{id} -> {to}");
            }
        }
    }
    assert!(lock.contains_key("str@npm:string-width@1.0.2"));
    check_projects(root, &doc);
}

#[test]
fn a_yarn_berry_lockfile() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root, "workspace:*");
    std::fs::write(
        root.join(".yarnrc.yml"),
        "npmRegistryServer: \"https://registry.npmjs.org\"\nenableGlobalCache: false\nenableTelemetry: false\nnodeLinker: node-modules\n",
    )
    .unwrap();
    std::fs::write(root.join("yarn.lock"), "").unwrap();
    let yarn = NodeTool::get("@yarnpkg/cli-dist", YARN_BERRY).bin("yarn");
    run(Command::new(yarn)
        .args(["install", "--mode=update-lockfile"])
        .env("YARN_ENABLE_IMMUTABLE_INSTALLS", "false")
        .current_dir(root));
    let text = std::fs::read_to_string(root.join("yarn.lock")).unwrap();
    let lock = YamlLoader::load_from_str(&text).unwrap().remove(0);
    assert_eq!(lock["__metadata"]["version"].as_i64(), Some(8));

    let doc = sbom(root);
    let all = components(&doc);
    // Every descriptor, and its form without `::` parameters, names its resolution.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (key, entry) in lock.as_hash().unwrap() {
        let key = key.as_str().unwrap();
        if key == "__metadata" {
            continue;
        }
        let (name, reference) = split(entry["resolution"].as_str().unwrap());
        let id = if reference.starts_with("workspace:") {
            let dir = reference.trim_start_matches("workspace:");
            let manifest = json(&root.join(dir).join("package.json"));
            purl(name, manifest["version"].as_str().unwrap())
        } else {
            purl(name, entry["version"].as_str().unwrap())
        };
        for d in key.split(", ") {
            ids.insert(d.split("::").next().unwrap().to_string(), id.clone());
        }
        if reference.starts_with("workspace:") {
            continue;
        }
        let c = all
            .get(&id)
            .unwrap_or_else(|| panic!("{key}: {id} missing"));
        // Berry's checksum is its own digest: a property, never a hash.
        assert!(c.get("hashes").is_none(), "{id}: {c}");
        let property = c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "xtask:yarn:checksum")
            .unwrap_or_else(|| panic!("{id}: no checksum property"));
        assert_eq!(property["value"], entry["checksum"].as_str().unwrap());
    }
    for (key, entry) in lock.as_hash().unwrap() {
        let key = key.as_str().unwrap();
        if key == "__metadata" {
            continue;
        }
        let from = &ids[key.split(", ").next().unwrap().split("::").next().unwrap()];
        for (dep, range) in entry["dependencies"].as_hash().into_iter().flatten() {
            let descriptor = format!("{}@{}", dep.as_str().unwrap(), range.as_str().unwrap());
            assert!(
                depends_on(&doc, from).contains(&ids[&descriptor]),
                "{from} -> {descriptor}"
            );
        }
    }
    check_projects(root, &doc);
}

/// A `yarn.lock` of `text` in a project; the failed run's stderr.
fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"name":"x"}"#).unwrap();
    std::fs::write(dir.path().join("yarn.lock"), text).unwrap();
    let out = xtask(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn unknown_versions_and_broken_lockfiles_are_refused() {
    for (text, says) in [
        (
            "__metadata:\n  version: 99\n",
            "yarn.lock: __metadata.version 99",
        ),
        (
            "# yarn lockfile v1\n\nms@2.1.3:\n  version \"2.1.3\n",
            "yarn.lock:4:11: unterminated string",
        ),
        (
            "# yarn lockfile v1\n\nms@2.1.3:\n  resolved \"https://x\"\n",
            "yarn.lock:3:1: `ms@2.1.3` has no `version`",
        ),
        (
            "# yarn lockfile v1\n\nms@2.1.3:\n      version 1\n",
            "yarn.lock:4:7: unexpected indentation",
        ),
        ("just text\n", "yarn.lock: not a yarn lockfile"),
        (
            "__metadata:\n  version: 8\n\"ms@npm:2.1.3\":\n  version: 2.1.3\n",
            "yarn.lock: `ms@npm:2.1.3` has no `resolution`",
        ),
        ("__metadata:\n  version: [8\n", "yarn.lock:3:"),
    ] {
        let stderr = refused(text);
        assert!(stderr.contains(says), "{text:?}: {stderr}");
    }
}
