//! End-to-end tests of what `cargo xtask sbom` finds in a repository and how it names the
//! document: Cargo workspaces below the root (two sharing a crate) beside Python lockfiles,
//! ignored and dependency folders left unread, a pyproject-only project, a name that does not
//! depend on the checkout folder, `SOURCE_DATE_EPOCH` out of range, a failed write, and a stale
//! lockfile in a nested workspace.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{json, ok_outputs as ok, validate};
use serde_json::Value;
use testkit::GitRepo;

fn xtask(root: &Path, args: &[&str], epoch: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("sbom")
        .args(args)
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("run xtask")
}

fn generate_lockfile(dir: &Path) {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["generate-lockfile", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .output()
        .expect("run cargo generate-lockfile");
    assert!(
        out.status.success(),
        "cargo generate-lockfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn package(name: &str, deps: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\n[dependencies]\n{deps}"
    )
}

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
        .map(|d| {
            d["dependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A Python project at the root with a Rust virtual workspace in `rustpart/` and a lone Rust
/// package in `tools/`, both using the path crate `shared/`; a workspace without a lockfile in
/// `experimental/`; requirements files in `node_modules/`, `vendor/` and a gitignored folder.
fn polyglot() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"data-platform\"\nversion = \"1.2.0\"\n",
    );
    repo.write("requirements.txt", "idna==3.10\n");
    repo.write(
        "rustpart/Cargo.toml",
        "[workspace]\nmembers = [\"core\", \"cli\"]\nresolver = \"2\"\n",
    );
    repo.write(
        "rustpart/core/Cargo.toml",
        package("core", "shared = { path = \"../../shared\" }\n"),
    );
    repo.write("rustpart/core/src/lib.rs", "");
    repo.write(
        "rustpart/cli/Cargo.toml",
        package("cli", "core = { path = \"../core\" }\n"),
    );
    repo.write("rustpart/cli/src/main.rs", "fn main() {}\n");
    repo.write(
        "tools/Cargo.toml",
        package("tools", "shared = { path = \"../shared\" }\n"),
    );
    repo.write("tools/src/main.rs", "fn main() {}\n");
    repo.write("shared/Cargo.toml", package("shared", ""));
    repo.write("shared/src/lib.rs", "");
    repo.write(
        "experimental/Cargo.toml",
        "[workspace]\nmembers = []\nresolver = \"2\"\n",
    );
    generate_lockfile(&repo.path("rustpart"));
    generate_lockfile(&repo.path("tools"));
    for dir in ["node_modules/left-pad", "vendor/lib", "cache"] {
        repo.write(format!("{dir}/requirements.txt"), "notread==6.6.6\n");
    }
    repo.write(".gitignore", "/cache\n/dist\ntarget/\n");
    repo.commit("polyglot");
    repo
}

#[test]
fn workspaces_below_the_root_are_listed_with_the_python_project() {
    let repo = polyglot();
    let (stdout, stderr) = ok(xtask(repo.root(), &["--format", "all"], "1714564800"));
    assert_eq!(
        stdout,
        "wrote dist/sbom/data-platform.cdx.json (data-platform: 7 components)\n\
         wrote dist/sbom/data-platform.spdx.json (data-platform: 7 components)\n"
    );
    // Two warnings: the unlocked workspace, and no Python environment for licences.
    assert_eq!(
        stderr.matches("warning: ").count(),
        2,
        "one warning per matter: {stderr}"
    );
    assert_eq!(
        stderr
            .matches("warning: experimental/Cargo.toml: a Cargo workspace without a Cargo.lock")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: no Python environment"),
        "{stderr}"
    );
    assert!(
        stderr.contains("experimental/Cargo.toml: a Cargo workspace without a Cargo.lock"),
        "{stderr}"
    );
    let cdx = repo.path("dist/sbom/data-platform.cdx.json");
    let spdx = repo.path("dist/sbom/data-platform.spdx.json");
    let doc = json(&cdx);
    let all = components(&doc);
    let shared = "pkg:cargo/shared@0.1.0?download_url=file:shared";
    let expected: BTreeSet<&str> = [
        "workspace:data-platform",
        "pkg:cargo/core@0.1.0?download_url=file:rustpart/core",
        "pkg:cargo/cli@0.1.0?download_url=file:rustpart/cli",
        "pkg:cargo/tools@0.1.0?download_url=file:tools",
        shared,
        "pkg:pypi/data-platform@1.2.0?download_url=file:.",
        "pkg:pypi/idna@3.10",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        all.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected
    );
    // The crate both workspaces use is one component with an edge from each.
    assert!(
        depends_on(&doc, "pkg:cargo/core@0.1.0?download_url=file:rustpart/core").contains(shared)
    );
    assert!(depends_on(&doc, "pkg:cargo/tools@0.1.0?download_url=file:tools").contains(shared));
    let text = std::fs::read_to_string(&cdx).unwrap();
    assert!(!text.contains("notread"), "a skipped folder was read");
    validate(&[cdx, spdx]);
}

#[test]
fn a_pyproject_without_a_lockfile_is_its_own_component_with_one_warning() {
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"Lonely_Tool\"\nversion = \"0.3.0\"\ndependencies = [\"requests>=2\"]\n",
    );
    repo.commit("python");
    let (stdout, stderr) = ok(xtask(repo.root(), &["--format", "all"], "1714564800"));
    assert_eq!(
        stdout,
        "wrote dist/sbom/lonely-tool.cdx.json (lonely-tool: 1 components)\n\
         wrote dist/sbom/lonely-tool.spdx.json (lonely-tool: 1 components)\n"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: pyproject.toml: no lockfile") && stderr.contains("uv lock"),
        "{stderr}"
    );
    // With no dependencies there is nothing to lock: listed, no warning.
    let bare = GitRepo::new();
    bare.write(
        "pyproject.toml",
        "[project]\nname = \"bare\"\nversion = \"1\"\n[tool.maturin]\nbindings = \"bin\"\n",
    );
    bare.commit("python");
    let (stdout, stderr) = ok(xtask(bare.root(), &[], "1714564800"));
    assert_eq!(stderr, "", "{stdout}");
    let cdx = repo.path("dist/sbom/lonely-tool.cdx.json");
    let doc = json(&cdx);
    // The one project is the document's subject itself (listed once, as its root).
    let root = &doc["metadata"]["component"];
    assert_eq!(root["purl"], "pkg:pypi/lonely-tool@0.3.0", "{root}");
    validate(&[cdx, repo.path("dist/sbom/lonely-tool.spdx.json")]);
}

#[test]
fn a_virtual_workspace_is_named_by_its_remote_not_its_folder() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\"]\nresolver = \"2\"\n",
    );
    repo.write("a/Cargo.toml", package("a", ""));
    repo.write("a/src/lib.rs", "");
    generate_lockfile(repo.root());
    repo.write(".gitignore", "/target\n/dist\n");
    repo.commit("ws");
    let parent = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for (folder, url) in [
        ("alpha", "https://example.com/org/engine.git"),
        ("beta-checkout", "git@example.com:org/engine"),
    ] {
        let clone = parent.path().join(folder);
        repo.clone_to(&clone);
        let out = Command::new("git")
            .args(["remote", "set-url", "origin", url])
            .current_dir(&clone)
            .output()
            .unwrap();
        assert!(out.status.success());
        let (stdout, _) = ok(xtask(&clone, &["--format", "all"], "1714564800"));
        assert!(
            stdout.starts_with("wrote dist/sbom/engine.cdx.json"),
            "{stdout}"
        );
        bytes.push((
            std::fs::read(clone.join("dist/sbom/engine.cdx.json")).unwrap(),
            std::fs::read(clone.join("dist/sbom/engine.spdx.json")).unwrap(),
        ));
    }
    assert!(bytes[0] == bytes[1], "two folders gave different bytes");
    // No remote: a fixed word, whatever the folder is called.
    let (stdout, _) = ok(xtask(repo.root(), &[], "1714564800"));
    assert!(
        stdout.starts_with("wrote dist/sbom/workspace.cdx.json"),
        "{stdout}"
    );
    validate(&[
        parent.path().join("alpha/dist/sbom/engine.cdx.json"),
        parent.path().join("alpha/dist/sbom/engine.spdx.json"),
    ]);
}

#[test]
fn source_date_epoch_out_of_range_is_refused() {
    let repo = GitRepo::new();
    repo.write("requirements.txt", "idna==3.10\n");
    for bad in ["253402300800", "-1", " 5", "5 ", "1e9", ""] {
        let out = xtask(repo.root(), &[], bad);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(
            stderr.contains(&format!("SOURCE_DATE_EPOCH={bad:?}")),
            "{bad:?}: {stderr}"
        );
        assert!(!repo.path("dist").exists(), "{bad:?} wrote a document");
    }
    // The last second of year 9999 is written, and valid.
    ok(xtask(repo.root(), &["--format", "all"], "253402300799"));
    let cdx = repo.path("dist/sbom/workspace.cdx.json");
    assert_eq!(json(&cdx)["metadata"]["timestamp"], "9999-12-31T23:59:59Z");
    validate(&[cdx, repo.path("dist/sbom/workspace.spdx.json")]);
}

#[test]
fn a_failed_write_names_its_path_once() {
    let repo = GitRepo::new();
    repo.write("requirements.txt", "idna==3.10\n");
    std::fs::create_dir(repo.path("out.json")).unwrap();
    let target = repo.path("out.json");
    let out = xtask(repo.root(), &["--output", target.to_str().unwrap()], "0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stderr.matches("out.json").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("directory").count(), 1, "{stderr}");
}

#[test]
fn a_stale_nested_lockfile_is_cargo_s_error_after_a_bad_argument() {
    // ripgrep's shape: a package at the root, a fuzz workspace below it depending on it by
    // path, whose Cargo.lock still records the root package's previous version.
    let repo = GitRepo::new();
    repo.write("Cargo.toml", package("app", ""));
    repo.write("src/main.rs", "fn main() {}\n");
    repo.write(
        "fuzz/Cargo.toml",
        format!(
            "{}\n[workspace]\n",
            package("fuzz", "app = { path = \"..\" }\n")
        ),
    );
    repo.write("fuzz/src/main.rs", "fn main() {}\n");
    generate_lockfile(repo.root());
    generate_lockfile(&repo.path("fuzz"));
    repo.write(
        "Cargo.toml",
        package("app", "").replace("version = \"0.1.0\"", "version = \"0.2.0\""),
    );
    generate_lockfile(repo.root());
    repo.commit("the fuzz lockfile is stale");

    // Both cargo runs start before the arguments are checked, yet a bad argument is the
    // error, as in a run that reads one thing after the other.
    let out = xtask(repo.root(), &["--python", "missing.txt"], "0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.txt: not a file"), "{stderr}");
    assert!(!stderr.contains("--locked"), "{stderr}");

    let out = xtask(repo.root(), &[], "0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fuzz/Cargo.toml"), "{stderr}");
    assert!(stderr.contains("--locked"), "{stderr}");
    assert!(!repo.path("dist").exists(), "nothing is written");
}
