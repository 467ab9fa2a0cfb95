//! End-to-end tests of what `cargo xtask sbom` writes for the current specifications:
//! CycloneDX 1.7 by default with 1.6 and 1.5 on request, GitHub Actions from workflows,
//! LicenseRefs declared in SPDX, licence files as LicenseRefs with their text, one root
//! project listed once, `authors` and development edges. Every document is checked by the
//! official validators; fixtures are written by hand, no network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{json, ok_stdout as ok, validate};
use serde_json::Value;
use testkit::GitRepo;

fn xtask(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("sbom")
        .args(args)
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", "1714564800")
        .env_remove("VIRTUAL_ENV")
        .output()
        .expect("run xtask")
}

/// A CycloneDX component by bom-ref, wherever it is.
fn component<'a>(doc: &'a Value, id: &str) -> &'a Value {
    let meta = &doc["metadata"]["component"];
    std::iter::once(meta)
        .chain(meta["components"].as_array().into_iter().flatten())
        .chain(doc["components"].as_array().into_iter().flatten())
        .find(|c| c["bom-ref"] == id)
        .unwrap_or_else(|| panic!("no component {id}"))
}

fn properties(c: &Value) -> Vec<(String, String)> {
    c["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const PYPROJECT: &str = r#"[project]
name = "shop"
version = "1.0.0"
requires-python = ">=3.9"
dependencies = ["six==1.16.0"]
license = "LicenseRef-Proprietary"
"#;

const UV_LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.9"

[[package]]
name = "shop"
version = "1.0.0"
source = { editable = "." }
dependencies = [
    { name = "six" },
]

[package.metadata]
requires-dist = [{ name = "six", specifier = "==1.16.0" }]

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/71/39/171f1c67cd00715f190ba0b100d606d440a28c93c7714febeca8b79af85e/six-1.16.0.tar.gz", hash = "sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4dbaec85ad5c0df4fbdf9d926", size = 34041 }
"#;

const CI_YML: &str = r#"name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
      - uses: actions/setup-python@v5
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
      - run: 'echo "uses: not/an-action@v1"'
  call:
    uses: Octo-Org/shared/.github/workflows/build.yaml@main
"#;

const CODEQL_YAML: &str = "on: push\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n";

/// A uv project at the root, its environment's metadata written by hand (the project's own
/// licence is `LicenseRef-Proprietary`), and two workflows.
fn python_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("pyproject.toml", PYPROJECT);
    repo.write("uv.lock", UV_LOCK);
    let site = ".venv/lib/python3.12/site-packages";
    repo.write(
        format!("{site}/shop-1.0.0.dist-info/METADATA"),
        "Metadata-Version: 2.4\nName: shop\nVersion: 1.0.0\nLicense-Expression: LicenseRef-Proprietary\n",
    );
    repo.write(
        format!("{site}/six-1.16.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n",
    );
    repo.write(".github/workflows/ci.yml", CI_YML);
    repo.write(".github/workflows/codeql.yaml", CODEQL_YAML);
    repo
}

#[test]
fn every_spec_version_validates_with_the_actions_of_the_workflows() {
    let repo = python_repo();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (version, args) in [
        ("1.7", vec![]),
        ("1.6", vec!["--spec-version", "1.6"]),
        ("1.5", vec!["--spec-version", "1.5"]),
    ] {
        let out = dir.path().join(format!("{version}.cdx.json"));
        let mut all = args.clone();
        all.extend(["--output", out.to_str().unwrap()]);
        ok(xtask(repo.root(), &all));
        assert_eq!(json(&out)["specVersion"], version);
        files.push(out);
    }
    let doc = json(&files[0]);
    let ids: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "pkg:github/actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
            "pkg:github/actions/checkout@v4",
            "pkg:github/actions/setup-python@v5",
            "pkg:github/github/codeql-action@v3#init",
            "pkg:github/octo-org/shared@main#.github/workflows/build.yaml",
            "pkg:pypi/six@1.16.0",
        ]
    );
    let pinned = component(
        &doc,
        "pkg:github/actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    );
    assert_eq!(
        pinned["version"],
        "08c6903cd8c0fde910a37f88322edcfb5dd907a8"
    );
    assert_eq!(
        properties(pinned),
        [
            ("cargo-xtask-sbom:github:sha-pinned".into(), "true".into()),
            (
                "cargo-xtask-sbom:github:workflow".into(),
                ".github/workflows/ci.yml".into()
            ),
        ]
    );
    let tagged = component(&doc, "pkg:github/actions/setup-python@v5");
    assert_eq!(tagged["version"], "v5");
    assert_eq!(
        properties(tagged)[0],
        ("cargo-xtask-sbom:github:sha-pinned".into(), "false".into())
    );

    // The same through SPDX; none with --ci off.
    let spdx = dir.path().join("doc.spdx.json");
    ok(xtask(
        repo.root(),
        &["--format", "spdx", "--output", spdx.to_str().unwrap()],
    ));
    files.push(spdx);
    let off = dir.path().join("off.cdx.json");
    ok(xtask(
        repo.root(),
        &["--ci", "off", "--output", off.to_str().unwrap()],
    ));
    let text = std::fs::read_to_string(&off).unwrap();
    assert!(!text.contains("pkg:github"), "{text}");
    files.push(off);
    validate(&files);
}

#[test]
fn a_broken_workflow_is_named_with_its_line() {
    let repo = python_repo();
    repo.write(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: echo \"uses: x\"\n",
    );
    let out = xtask(repo.root(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".github/workflows/ci.yml:4:") && stderr.contains("--ci off"),
        "{stderr}"
    );
    ok(xtask(repo.root(), &["--ci", "off"]));
}

#[test]
fn spdx_with_the_environment_declares_every_licenceref_and_lists_the_root_once() {
    let repo = python_repo();
    let spdx = repo.path("out.spdx.json");
    let cdx = repo.path("out.cdx.json");
    let env = repo.path(".venv");
    for (format, out) in [("spdx", &spdx), ("cyclonedx", &cdx)] {
        ok(xtask(
            repo.root(),
            &[
                "--format",
                format,
                "--python-env",
                env.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
            ],
        ));
    }
    let doc = json(&spdx);
    let shops: Vec<&Value> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "shop")
        .collect();
    assert_eq!(shops.len(), 1, "{shops:?}");
    assert_eq!(shops[0]["licenseDeclared"], "LicenseRef-Proprietary");
    assert_eq!(
        shops[0]["externalRefs"][0]["referenceLocator"],
        "pkg:pypi/shop@1.0.0"
    );
    assert_eq!(
        doc["hasExtractedLicensingInfos"][0]["licenseId"],
        "LicenseRef-Proprietary"
    );
    let root = &json(&cdx)["metadata"]["component"];
    assert_eq!(root["purl"], "pkg:pypi/shop@1.0.0");
    assert!(root["components"].is_null(), "{root}");
    validate(&[spdx, cdx]);
}

/// A Cargo workspace: `app` (authors, a licence file, a dev-dependency on `testutil`) and
/// `testutil`; no registry dependencies, so it locks offline.
fn cargo_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"testutil\"]\nresolver = \"2\"\n",
    );
    repo.write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nauthors = [\"Ada <ada@example.com>\", \"Bob\"]\nlicense-file = \"LICENCE.txt\"\n\n[dev-dependencies]\ntestutil = { path = \"../testutil\" }\n",
    );
    repo.write("app/LICENCE.txt", "Use it kindly.\n");
    repo.write("app/src/lib.rs", "");
    repo.write(
        "testutil/Cargo.toml",
        "[package]\nname = \"testutil\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    );
    repo.write("testutil/src/lib.rs", "");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["generate-lockfile", "--offline", "--manifest-path"])
        .arg(repo.path("Cargo.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    repo
}

#[test]
fn licence_files_authors_and_development_edges() {
    let repo = cargo_repo();
    let app = "pkg:cargo/app@0.1.0?download_url=file:app";
    let testutil = "pkg:cargo/testutil@0.1.0?download_url=file:testutil";
    let mut files: Vec<PathBuf> = Vec::new();
    for version in ["1.7", "1.5"] {
        let out = repo.path(format!("{version}.cdx.json"));
        ok(xtask(
            repo.root(),
            &["--spec-version", version, "--output", out.to_str().unwrap()],
        ));
        let doc = json(&out);
        let c = component(&doc, app);
        if version == "1.5" {
            assert_eq!(c["author"], "Ada <ada@example.com>, Bob");
            assert!(c["authors"].is_null());
        } else {
            assert_eq!(
                c["authors"],
                serde_json::json!([{"name": "Ada <ada@example.com>"}, {"name": "Bob"}])
            );
            assert!(c["author"].is_null());
        }
        let licence = &c["licenses"][0]["license"];
        assert_eq!(licence["name"], "LicenseRef-file: LICENCE.txt");
        assert_eq!(licence["text"]["content"], "Use it kindly.\n");
        assert_eq!(
            properties(c),
            [(
                "cargo-xtask-sbom:dev-dependency".to_string(),
                testutil.to_string()
            )]
        );
        files.push(out);
    }
    let spdx = repo.path("doc.spdx.json");
    ok(xtask(
        repo.root(),
        &["--format", "spdx", "--output", spdx.to_str().unwrap()],
    ));
    let doc = json(&spdx);
    let app_package = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "app")
        .unwrap();
    let id = app_package["licenseDeclared"].as_str().unwrap();
    assert!(
        id.starts_with("LicenseRef-")
            && id["LicenseRef-".len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
        "{id}"
    );
    let extracted = doc["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["licenseId"] == id)
        .unwrap();
    assert_eq!(extracted["extractedText"], "Use it kindly.\n");
    files.push(spdx);
    validate(&files);
}
