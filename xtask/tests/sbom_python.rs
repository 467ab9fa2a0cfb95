//! End-to-end tests of `cargo xtask sbom` on Python lockfiles: a generated uv project locked
//! from the registry by the pinned uv (a dependency group and an extra, licences from an
//! installed `.venv`), poetry.lock and hashed requirements.txt fixtures, and a repository with
//! Cargo and uv side by side; every output validated, edges and hashes compared with the
//! lockfile, reproducible across directories, and clear about bad input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{json, ok_outputs as ok, validate};
use serde_json::Value;
use testkit::{GitRepo, Venv};

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

/// Runs the pinned uv in `dir`.
fn uv(dir: &Path, args: &[&str]) {
    let out = Command::new(Venv::test().bin("uv"))
        .args(args)
        .current_dir(dir)
        .env_remove("VIRTUAL_ENV")
        .output()
        .expect("run uv");
    assert!(
        out.status.success(),
        "uv {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const PYPROJECT: &str = r#"[project]
name = "Data_Platform"
version = "0.4.0"
requires-python = ">=3.9"
dependencies = ["requests==2.32.3"]

[project.optional-dependencies]
cli = ["click==8.1.7"]

[dependency-groups]
dev = ["iniconfig==2.0.0"]
"#;

/// Every component of a CycloneDX document by bom-ref.
fn components(doc: &Value) -> BTreeMap<String, Value> {
    let meta = &doc["metadata"]["component"];
    std::iter::once(meta)
        .chain(meta["components"].as_array().into_iter().flatten())
        .chain(doc["components"].as_array().unwrap())
        .map(|c| (c["bom-ref"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

fn depends_on(doc: &Value, id: &str) -> BTreeSet<String> {
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

/// The `[[package]]` blocks of a uv.lock as (name, version) -> (sha256 set, dependency names),
/// read as text so the test does not share the reader's parser.
fn uv_blocks(lock: &str) -> BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> {
    let mut out = BTreeMap::new();
    for block in lock.split("\n[[package]]\n").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                l.strip_prefix(&format!("{key} = \""))
                    .map(|v| v.trim_end_matches('"').to_string())
            })
        };
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            continue;
        };
        let hashes = block
            .split("hash = \"sha256:")
            .skip(1)
            .map(|h| h[..64].to_string())
            .collect();
        let deps = block
            .split("\n[package.metadata]")
            .next()
            .unwrap()
            .split("{ name = \"")
            .skip(1)
            .map(|d| d.split('"').next().unwrap().to_string())
            .collect();
        out.insert((name, version), (hashes, deps));
    }
    out
}

#[test]
fn a_uv_project_with_a_group_an_extra_and_an_environment() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("pyproject.toml"), PYPROJECT).unwrap();
    uv(root, &["lock", "--quiet"]);
    let lock = std::fs::read_to_string(root.join("uv.lock")).unwrap();

    let (stdout, _) = ok(xtask(root, &["--format", "all"]));
    assert!(
        stdout.contains("dist/sbom/data-platform.cdx.json"),
        "{stdout}"
    );
    let cdx = root.join("dist/sbom/data-platform.cdx.json");
    let doc = json(&cdx);
    let all = components(&doc);
    let project = "pkg:pypi/data-platform@0.4.0?download_url=file:.";
    assert_eq!(all[project]["type"], "application");
    assert_eq!(
        depends_on(&doc, project),
        [
            "pkg:pypi/click@8.1.7",
            "pkg:pypi/iniconfig@2.0.0",
            "pkg:pypi/requests@2.32.3"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(all["pkg:pypi/iniconfig@2.0.0"]["scope"], "excluded");
    assert_eq!(all["pkg:pypi/requests@2.32.3"]["scope"], Value::Null);

    // Every locked package is there once, with exactly the lockfile's hashes and edges.
    let blocks = uv_blocks(&lock);
    // The project is the document's subject, listed once.
    assert_eq!(all.len(), blocks.len(), "{:?}", all.keys());
    assert_eq!(doc["metadata"]["component"]["bom-ref"], project);
    for ((name, version), (hashes, deps)) in &blocks {
        let id = all
            .keys()
            .find(|k| k.starts_with(&format!("pkg:pypi/{name}@{version}")))
            .unwrap_or_else(|| panic!("{name} {version} missing"));
        let got: BTreeSet<String> = all[id]["hashes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h["content"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(&got, hashes, "hashes of {name}");
        let got_deps: BTreeSet<String> = depends_on(&doc, id)
            .iter()
            .map(|d| {
                d["pkg:pypi/".len()..]
                    .split('@')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert!(
            got_deps.is_subset(&deps.iter().cloned().collect())
                && deps.iter().all(|d| got_deps.contains(d)),
            "edges of {name}: {got_deps:?} vs {deps:?}"
        );
    }

    // --no-dev drops the group; licences come from the environment once there is one.
    let nodev = root.join("nodev.cdx.json");
    ok(xtask(
        root,
        &["--no-dev", "--output", nodev.to_str().unwrap()],
    ));
    assert!(!components(&json(&nodev)).contains_key("pkg:pypi/iniconfig@2.0.0"));
    assert!(
        all.values().all(|c| c["licenses"].is_null()),
        "no environment, no licence"
    );
    uv(root, &["sync", "--quiet", "--all-extras"]);
    let licensed = root.join("licensed.cdx.json");
    ok(xtask(
        root,
        &[
            "--spec-version",
            "1.5",
            "--output",
            licensed.to_str().unwrap(),
        ],
    ));
    let with = components(&json(&licensed));
    assert_eq!(
        with["pkg:pypi/requests@2.32.3"]["licenses"][0]["expression"],
        "Apache-2.0"
    );
    validate(&[
        cdx,
        root.join("dist/sbom/data-platform.spdx.json"),
        nodev,
        licensed,
    ]);
}

const POETRY_LOCK: &str = r#"# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.

[[package]]
name = "certifi"
version = "2024.8.30"
description = "Python package for providing Mozilla's CA Bundle."
optional = false
python-versions = ">=3.6"
files = [
    {file = "certifi-2024.8.30-py3-none-any.whl", hash = "sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8"},
    {file = "certifi-2024.8.30.tar.gz", hash = "sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9"},
]

[[package]]
name = "pytest-mock"
version = "3.14.0"
description = "Thin-wrapper around the mock package for easier use with pytest"
optional = false
python-versions = ">=3.8"
files = [
    {file = "pytest_mock-3.14.0-py3-none-any.whl", hash = "sha256:0b72c38033392a5f4621342fe11e9219ac11ec9d375f8e2a0c164539e0d70f6f"},
]

[[package]]
name = "Requests"
version = "2.32.3"
description = "Python HTTP for Humans."
optional = false
python-versions = ">=3.8"
files = [
    {file = "requests-2.32.3-py3-none-any.whl", hash = "sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"},
]

[package.dependencies]
certifi = ">=2017.4.17"

[package.extras]
socks = ["PySocks (>=1.5.6,!=1.5.7)"]

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "0000"
"#;

const POETRY_PYPROJECT: &str = r#"[tool.poetry]
name = "ingest"
version = "1.2.0"
description = "Ingestion jobs"

[tool.poetry.dependencies]
python = "^3.11"
requests = "^2.32"

[tool.poetry.group.dev.dependencies]
pytest-mock = "^3.14"
"#;

const REQUIREMENTS: &str = "# pinned by pip-compile\n\
certifi==2024.8.30 \\\n    --hash=sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8 \\\n    --hash=sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9\n\
urllib3==2.2.3 ; python_version >= \"3.8\" \\\n    --hash=sha256:ca899ca043dcb1bafa3e262d73aa25c465bfb49e0bd9dd5d59f1d0acba2f8fac\n\
six>=1.16\n";

#[test]
fn poetry_and_requirements_fixtures_merge_one_component_per_identity() {
    let repo = GitRepo::new();
    repo.write("ingest/poetry.lock", POETRY_LOCK);
    repo.write("ingest/pyproject.toml", POETRY_PYPROJECT);
    repo.write("tools/requirements.txt", REQUIREMENTS);
    repo.commit("python");

    let out = xtask(repo.root(), &["--format", "all"]);
    let (stdout, stderr) = ok(out);
    assert_eq!(
        stderr,
        "warning: tools/requirements.txt: 1 line is not pinned to one version (`name==version` or `name @ URL`), left out: `six` (line 7)\n\
         warning: no Python environment (.venv at the root or beside a lockfile, or VIRTUAL_ENV): Python licences are left out; create one (`uv sync`, `poetry install`, `pip install -r ...`) or pass --python-env PATH\n"
    );
    // No project at the root, no remote: the fixed name, never the folder's.
    let name = "workspace";
    assert!(stdout.contains(&format!("{name}.cdx.json")), "{stdout}");
    let cdx = repo.path(format!("dist/sbom/{name}.cdx.json"));
    let doc = json(&cdx);
    let all = components(&doc);
    let ids: Vec<&str> = all.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "pkg:pypi/certifi@2024.8.30",
            "pkg:pypi/ingest@1.2.0?download_url=file:ingest",
            "pkg:pypi/pytest-mock@3.14.0",
            "pkg:pypi/requests@2.32.3",
            "pkg:pypi/urllib3@2.2.3",
            &format!("workspace:{name}"),
        ]
    );
    // certifi is in both files: one component, the hashes of both.
    assert_eq!(
        all["pkg:pypi/certifi@2024.8.30"]["hashes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(all["pkg:pypi/pytest-mock@3.14.0"]["scope"], "excluded");
    // The environment marker is kept as a property.
    assert_eq!(
        all["pkg:pypi/urllib3@2.2.3"]["properties"],
        serde_json::json!([{"name": "xtask:python:marker", "value": "python_full_version >= '3.8'"}])
    );
    assert_eq!(
        depends_on(&doc, "pkg:pypi/requests@2.32.3"),
        ["pkg:pypi/certifi@2024.8.30".to_string()].into()
    );
    assert_eq!(
        depends_on(&doc, "pkg:pypi/ingest@1.2.0?download_url=file:ingest"),
        ["pkg:pypi/pytest-mock@3.14.0", "pkg:pypi/requests@2.32.3"]
            .map(String::from)
            .into()
    );

    validate(&[cdx, repo.path(format!("dist/sbom/{name}.spdx.json"))]);

    // --strict refuses the unpinned line, naming it; nothing is written.
    std::fs::remove_dir_all(repo.path("dist")).unwrap();
    let out = xtask(repo.root(), &["--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("tools/requirements.txt: 1 line is not pinned to one version (`name==version` or `name @ URL`), left out: `six` (line 7)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!repo.path("dist").exists());

    // Only the files asked for.
    let only = repo.path("only.cdx.json");
    ok(xtask(
        repo.root(),
        &[
            "--python",
            repo.path("ingest/poetry.lock").to_str().unwrap(),
            "--output",
            only.to_str().unwrap(),
        ],
    ));
    assert!(!components(&json(&only)).contains_key("pkg:pypi/urllib3@2.2.3"));
    // With Python off there is nothing left to describe.
    let out = xtask(repo.root(), &["--python", "off"]);
    assert_eq!(out.status.code(), Some(2));

    // `[sbom] python` sets the default; the flag still wins.
    repo.write("xtask.toml", "[sbom]\npython = \"off\"\n");
    assert_eq!(xtask(repo.root(), &[]).status.code(), Some(2));
    ok(xtask(
        repo.root(),
        &["--python", "auto", "--output", only.to_str().unwrap()],
    ));
    assert!(components(&json(&only)).contains_key("pkg:pypi/urllib3@2.2.3"));
}

#[test]
fn cargo_and_uv_in_one_repository_reproducibly() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"engine\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    );
    repo.write("src/lib.rs", "");
    repo.write("python/pyproject.toml", PYPROJECT);
    uv(&repo.path("python"), &["lock", "--quiet"]);
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["generate-lockfile", "--manifest-path"])
        .arg(repo.path("Cargo.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    repo.write(".gitignore", "/target\n/dist\n");
    repo.commit("mixed");
    let parent = tempfile::tempdir().unwrap();
    let clone = parent.path().join("clone");
    repo.clone_to(&clone);

    let mut bytes = Vec::new();
    for root in [repo.root(), clone.as_path()] {
        ok(xtask(root, &["--format", "all"]));
        bytes.push((
            std::fs::read(root.join("dist/sbom/engine.cdx.json")).unwrap(),
            std::fs::read(root.join("dist/sbom/engine.spdx.json")).unwrap(),
        ));
    }
    assert!(bytes[0] == bytes[1], "two directories gave different bytes");
    let doc = json(&repo.path("dist/sbom/engine.cdx.json"));
    let parts: Vec<&str> = doc["metadata"]["component"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        parts,
        [
            "pkg:cargo/engine@0.1.0?download_url=file:.",
            "pkg:pypi/data-platform@0.4.0?download_url=file:python",
        ]
    );
    let text = String::from_utf8_lossy(&bytes[0].0);
    assert!(!text.contains(&repo.root().display().to_string()));

    // A `.venv` beside the lockfile gives the licences.
    uv(&repo.path("python"), &["sync", "--quiet"]);
    ok(xtask(repo.root(), &["--format", "all"]));
    let doc = json(&repo.path("dist/sbom/engine.cdx.json"));
    let requests = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["bom-ref"] == "pkg:pypi/requests@2.32.3")
        .unwrap();
    assert_eq!(requests["licenses"][0]["expression"], "Apache-2.0");
    validate(&[
        repo.path("dist/sbom/engine.cdx.json"),
        repo.path("dist/sbom/engine.spdx.json"),
    ]);
}

#[test]
fn a_malformed_uv_lock_is_named_with_its_line() {
    let repo = GitRepo::new();
    repo.write(
        "uv.lock",
        "version = 1\n\n[[package]]\nname = \"x\"\nversion = 1.0.0\n",
    );
    let out = xtask(repo.root(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("uv.lock:5:"), "{stderr}");
    assert!(!repo.path("dist").exists());
}

#[test]
fn per_member_refuses_two_parts_with_one_file_name() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"engine\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write("src/lib.rs", "");
    repo.write(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"engine\"\nversion = \"0.1.0\"\n",
    );
    repo.write(
        "py/pyproject.toml",
        "[project]\nname = \"engine\"\nversion = \"2.0\"\n",
    );
    repo.write("py/requirements.txt", "idna==3.10\n");
    let (stdout, _) = ok(xtask(repo.root(), &[]));
    assert_eq!(
        stdout,
        "wrote dist/sbom/engine.cdx.json (engine: 4 components)\n"
    );
    let out = xtask(repo.root(), &["--per-member"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("two documents would be written to"),
        "{stderr}"
    );
}

#[test]
fn requirements_files_follow_their_includes() {
    // A dev file including the main one and a shared file outside the `requirements*` names,
    // which includes the dev file back (a cycle, read once). `-c` constraints add nothing.
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"platform\"\nversion = \"1.0.0\"\n",
    );
    repo.write("requirements.txt", "requests==2.32.3\n");
    repo.write(
        "requirements-dev.txt",
        "-r requirements.txt\n--requirement=shared/common.in\n-c constraints.txt\npytest==8.3.3\n",
    );
    repo.write(
        "shared/common.in",
        "-r ../requirements-dev.txt\ncertifi==2024.8.30\n",
    );
    repo.write("constraints.txt", "urllib3==2.2.3\n");
    let out = repo.path("dev.cdx.json");
    let dev = repo.path("requirements-dev.txt");
    let only_dev = [
        "--python",
        dev.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    let (_, stderr) = ok(xtask(repo.root(), &only_dev));
    // No warning but the one about the missing licence environment.
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("warning: no Python environment")),
        "{stderr}"
    );
    let doc = json(&out);
    let all = components(&doc);
    let ids: BTreeSet<&str> = all
        .keys()
        .map(String::as_str)
        .filter(|id| id.starts_with("pkg:pypi/") && !id.contains("platform"))
        .collect();
    assert_eq!(
        ids,
        [
            "pkg:pypi/certifi@2024.8.30",
            "pkg:pypi/pytest@8.3.3",
            "pkg:pypi/requests@2.32.3"
        ]
        .into()
    );
    // Each file keeps its own standing: the main file's pins are required, the dev file's not.
    assert_eq!(all["pkg:pypi/requests@2.32.3"].get("scope"), None);
    assert_eq!(all["pkg:pypi/pytest@8.3.3"]["scope"], "excluded");
    validate(std::slice::from_ref(&out));

    // A missing include is named with its line; nothing is written.
    std::fs::remove_file(&out).unwrap();
    repo.write("requirements-dev.txt", "pytest==8.3.3\n-r missing.txt\n");
    let out = xtask(repo.root(), &only_dev);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements-dev.txt:2: `-r missing.txt`: no such file"),
        "{stderr}"
    );
    assert!(!repo.path("dev.cdx.json").exists());
}
