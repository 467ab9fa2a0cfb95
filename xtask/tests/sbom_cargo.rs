//! End-to-end tests of `cargo xtask sbom` on Cargo workspaces: this repository's own and
//! generated ones (git, path, build, dev, optional, target-specific and renamed dependencies, a
//! package without a licence), validated by the official validators (`tools/sbom/validate.py`
//! in the pinned test venv), reproducible across runs and clones, and clear about bad input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{json, ok_stdout as ok, validate};
use serde_json::Value;
use testkit::GitRepo;

/// Runs the built binary on `root`, with `SOURCE_DATE_EPOCH` unset unless `env` sets it.
fn xtask(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("sbom").args(args).arg("--root").arg(root);
    cmd.env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run xtask")
}

/// A git repository holding the crates the fixture takes from git.
fn git_crates() -> GitRepo {
    let git = GitRepo::new();
    git.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"gitdep\", \"devonly\", \"winonly\", \"optdep\"]\nresolver = \"2\"\n",
    );
    for name in ["gitdep", "devonly", "winonly", "optdep"] {
        git.write(
            format!("{name}/Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.3.1\"\nedition = \"2021\"\nlicense = \"MIT\"\n"
            ),
        );
        git.write(format!("{name}/src/lib.rs"), "");
    }
    git.commit("crates");
    git
}

/// A workspace with every kind of dependency, its lockfile generated and committed.
fn fixture(git: &GitRepo) -> GitRepo {
    let url = format!("file://{}", git.root().display());
    let ws = GitRepo::new();
    ws.write(
        "Cargo.toml",
        format!(
            r#"[package]
name = "app"
version = "0.2.0"
edition = "2021"
license = "MIT/Apache-2.0"
description = """The   application,
  on two lines"""
repository = "https://example.com/app"
homepage = "https://example.com"
documentation = "https://docs.example.com/app"
authors = ["A. Author <a@example.com>"]

[workspace]
members = ["crates/*"]
exclude = ["vendor"]

[features]
extra = ["dep:optdep"]

[dependencies]
util = {{ path = "crates/util" }}
gitdep = {{ git = "{url}" }}
optdep = {{ git = "{url}", optional = true }}
localdep = {{ path = "vendor/localdep" }}

[build-dependencies]
buildhelper = {{ path = "crates/buildhelper" }}

[dev-dependencies]
devonly = {{ git = "{url}" }}

[target.'cfg(windows)'.dependencies]
winonly = {{ git = "{url}" }}
"#
        ),
    );
    ws.write("src/main.rs", "fn main() {}\n");
    ws.write("build.rs", "fn main() {}\n");
    ws.write(
        "crates/util/Cargo.toml",
        "[package]\nname = \"util\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense-file = \"LICENSE.txt\"\n",
    );
    ws.write("crates/util/LICENSE.txt", "Use it well.\n");
    ws.write("crates/util/src/lib.rs", "");
    ws.write(
        "crates/buildhelper/Cargo.toml",
        "[package]\nname = \"buildhelper\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    );
    ws.write("crates/buildhelper/src/lib.rs", "");
    ws.write(
        "crates/nolicence/Cargo.toml",
        "[package]\nname = \"nolicence\"\nversion = \"0.0.1\"\nedition = \"2021\"\n\n[dependencies]\nhelper = { package = \"util\", path = \"../util\" }\n",
    );
    ws.write("crates/nolicence/src/lib.rs", "");
    ws.write(
        "vendor/localdep/Cargo.toml",
        "[package]\nname = \"localdep\"\nversion = \"2.0.0\"\nedition = \"2021\"\nlicense = \"Apache-2.0 WITH LLVM-exception\"\n",
    );
    ws.write("vendor/localdep/src/lib.rs", "");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["generate-lockfile", "--manifest-path"])
        .arg(ws.path("Cargo.toml"))
        .output()
        .expect("run cargo generate-lockfile");
    assert!(
        out.status.success(),
        "cargo generate-lockfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    ws.write(".gitignore", "/target\n/dist\n");
    ws.commit("app");
    ws
}

/// One line per component (`bom-ref`, scope, licence, hash count) and per dependency entry,
/// with the git repository's path and revision replaced by `<git>` and `<rev>`.
fn summary(doc: &Value, git: &GitRepo) -> String {
    let rev = git.git(&["rev-parse", "HEAD"]).trim().to_string();
    let mut out = String::new();
    let meta = &doc["metadata"]["component"];
    let mut rows = vec![("subject", meta)];
    rows.extend(
        meta["components"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| ("member", c)),
    );
    rows.extend(
        doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| ("component", c)),
    );
    for (role, c) in rows {
        let licence = match &c["licenses"][0] {
            Value::Null => "-".to_string(),
            l if l["expression"].is_string() => l["expression"].as_str().unwrap().to_string(),
            l => format!("named({})", l["license"]["name"].as_str().unwrap()),
        };
        writeln!(
            out,
            "{role} {} type={} scope={} licence={licence} hashes={}",
            c["bom-ref"].as_str().unwrap(),
            c["type"].as_str().unwrap(),
            c["scope"].as_str().unwrap_or("-"),
            c["hashes"].as_array().map_or(0, Vec::len),
        )
        .unwrap();
    }
    for d in doc["dependencies"].as_array().unwrap() {
        let on: Vec<&str> = d["dependsOn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        writeln!(out, "{} -> [{}]", d["ref"].as_str().unwrap(), on.join(", ")).unwrap();
    }
    out.replace(&git.root().display().to_string(), "<git>")
        .replace(&rev, "<rev>")
}

fn check(actual: &str, expected: &str) {
    if actual.trim() != expected.trim() {
        panic!("summary differs.\n--- expected\n{expected}\n--- actual\n{actual}");
    }
}

#[test]
fn a_generated_workspace_with_every_kind_of_dependency() {
    let git = git_crates();
    let ws = fixture(&git);
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path();
    let epoch = [("SOURCE_DATE_EPOCH", "1714564800")];

    // Default: the host platform, default features, dev-only dependencies marked excluded.
    let stdout = ok(xtask(ws.root(), &["--format", "all"], &epoch));
    assert_eq!(
        stdout,
        "wrote dist/sbom/app.cdx.json (app: 8 components)\nwrote dist/sbom/app.spdx.json (app: 8 components)\n"
    );
    let cdx = ws.path("dist/sbom/app.cdx.json");
    let spdx = ws.path("dist/sbom/app.spdx.json");
    check(
        &summary(&json(&cdx), &git),
        r#"
subject workspace:app type=application scope=- licence=- hashes=0
member pkg:cargo/app@0.2.0?download_url=file:. type=application scope=- licence=MIT OR Apache-2.0 hashes=0
member pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper type=library scope=- licence=MIT hashes=0
member pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence type=library scope=- licence=- hashes=0
member pkg:cargo/util@1.0.0?download_url=file:crates/util type=library scope=- licence=named(LicenseRef-file: LICENSE.txt) hashes=0
component pkg:cargo/devonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> type=library scope=excluded licence=MIT hashes=0
component pkg:cargo/gitdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> type=library scope=- licence=MIT hashes=0
component pkg:cargo/localdep@2.0.0?download_url=file:vendor/localdep type=library scope=- licence=Apache-2.0 WITH LLVM-exception hashes=0
pkg:cargo/app@0.2.0?download_url=file:. -> [pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper, pkg:cargo/devonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev>, pkg:cargo/gitdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev>, pkg:cargo/localdep@2.0.0?download_url=file:vendor/localdep, pkg:cargo/util@1.0.0?download_url=file:crates/util]
pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper -> []
pkg:cargo/devonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> -> []
pkg:cargo/gitdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> -> []
pkg:cargo/localdep@2.0.0?download_url=file:vendor/localdep -> []
pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence -> [pkg:cargo/util@1.0.0?download_url=file:crates/util]
pkg:cargo/util@1.0.0?download_url=file:crates/util -> []
workspace:app -> [pkg:cargo/app@0.2.0?download_url=file:., pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper, pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence, pkg:cargo/util@1.0.0?download_url=file:crates/util]
"#,
    );
    let doc = json(&cdx);
    assert_eq!(doc["metadata"]["timestamp"], "2024-05-01T12:00:00Z");
    assert_eq!(doc["specVersion"], "1.7");

    // Every platform and feature, CycloneDX 1.5, to a chosen file.
    let all = dir.join("all.cdx.json");
    ok(xtask(
        ws.root(),
        &[
            "--target",
            "all",
            "--all-features",
            "--spec-version",
            "1.5",
            "--output",
        ]
        .into_iter()
        .chain([all.to_str().unwrap()])
        .collect::<Vec<_>>(),
        &epoch,
    ));
    check(
        &summary(&json(&all), &git),
        r#"
subject workspace:app type=application scope=- licence=- hashes=0
member pkg:cargo/app@0.2.0?download_url=file:. type=application scope=- licence=MIT OR Apache-2.0 hashes=0
member pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper type=library scope=- licence=MIT hashes=0
member pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence type=library scope=- licence=- hashes=0
member pkg:cargo/util@1.0.0?download_url=file:crates/util type=library scope=- licence=named(LicenseRef-file: LICENSE.txt) hashes=0
component pkg:cargo/devonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> type=library scope=excluded licence=MIT hashes=0
component pkg:cargo/gitdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> type=library scope=- licence=MIT hashes=0
component pkg:cargo/localdep@2.0.0?download_url=file:vendor/localdep type=library scope=- licence=Apache-2.0 WITH LLVM-exception hashes=0
component pkg:cargo/optdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> type=library scope=- licence=MIT hashes=0
component pkg:cargo/winonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> type=library scope=- licence=MIT hashes=0
pkg:cargo/app@0.2.0?download_url=file:. -> [pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper, pkg:cargo/devonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev>, pkg:cargo/gitdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev>, pkg:cargo/localdep@2.0.0?download_url=file:vendor/localdep, pkg:cargo/optdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev>, pkg:cargo/util@1.0.0?download_url=file:crates/util, pkg:cargo/winonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev>]
pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper -> []
pkg:cargo/devonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> -> []
pkg:cargo/gitdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> -> []
pkg:cargo/localdep@2.0.0?download_url=file:vendor/localdep -> []
pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence -> [pkg:cargo/util@1.0.0?download_url=file:crates/util]
pkg:cargo/optdep@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> -> []
pkg:cargo/util@1.0.0?download_url=file:crates/util -> []
pkg:cargo/winonly@0.3.1?vcs_url=git%2Bfile://<git>%40<rev> -> []
workspace:app -> [pkg:cargo/app@0.2.0?download_url=file:., pkg:cargo/buildhelper@0.1.0?download_url=file:crates/buildhelper, pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence, pkg:cargo/util@1.0.0?download_url=file:crates/util]
"#,
    );

    // Without dev-dependencies, for Windows, SPDX only.
    let nodev = dir.join("nodev.spdx.json");
    ok(xtask(
        ws.root(),
        &[
            "--no-dev",
            "--target",
            "x86_64-pc-windows-msvc",
            "--format",
            "spdx",
            "--output",
        ]
        .into_iter()
        .chain([nodev.to_str().unwrap()])
        .collect::<Vec<_>>(),
        &epoch,
    ));
    let names: Vec<String> = json(&nodev)["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["SPDXID"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "SPDXRef-app",
            "SPDXRef-app-0.2.0",
            "SPDXRef-buildhelper-0.1.0",
            "SPDXRef-gitdep-0.3.1",
            "SPDXRef-localdep-2.0.0",
            "SPDXRef-nolicence-0.0.1",
            "SPDXRef-util-1.0.0",
            "SPDXRef-winonly-0.3.1",
        ]
    );
    let relationships: Vec<String> = json(&nodev)["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["spdxElementId"].as_str().unwrap(),
                r["relationshipType"].as_str().unwrap(),
                r["relatedSpdxElement"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        relationships,
        [
            "SPDXRef-DOCUMENT DESCRIBES SPDXRef-app",
            "SPDXRef-app CONTAINS SPDXRef-app-0.2.0",
            "SPDXRef-app CONTAINS SPDXRef-buildhelper-0.1.0",
            "SPDXRef-app CONTAINS SPDXRef-nolicence-0.0.1",
            "SPDXRef-app CONTAINS SPDXRef-util-1.0.0",
            "SPDXRef-app-0.2.0 DEPENDS_ON SPDXRef-buildhelper-0.1.0",
            "SPDXRef-app-0.2.0 DEPENDS_ON SPDXRef-gitdep-0.3.1",
            "SPDXRef-app-0.2.0 DEPENDS_ON SPDXRef-localdep-2.0.0",
            "SPDXRef-app-0.2.0 DEPENDS_ON SPDXRef-util-1.0.0",
            "SPDXRef-app-0.2.0 DEPENDS_ON SPDXRef-winonly-0.3.1",
            "SPDXRef-nolicence-0.0.1 DEPENDS_ON SPDXRef-util-1.0.0",
        ]
    );
    let nolicence = &json(&nodev)["packages"][5];
    assert_eq!(nolicence["licenseDeclared"], "NOASSERTION");

    validate(&[cdx, spdx, all, nodev]);
}

#[test]
fn identical_bytes_across_runs_and_clones_with_no_machine_path() {
    let git = git_crates();
    let ws = fixture(&git);
    let parent = tempfile::tempdir().unwrap();
    let clone = parent.path().join("elsewhere");
    ws.clone_to(&clone);

    // No SOURCE_DATE_EPOCH: the time is HEAD's commit time, the same in both clones.
    let mut outputs = Vec::new();
    for root in [ws.root(), ws.root(), clone.as_path()] {
        ok(xtask(root, &["--format", "all"], &[]));
        outputs.push((
            std::fs::read(root.join("dist/sbom/app.cdx.json")).unwrap(),
            std::fs::read(root.join("dist/sbom/app.spdx.json")).unwrap(),
        ));
    }
    assert!(outputs[0] == outputs[1], "two runs differ");
    assert!(outputs[0] == outputs[2], "two clones differ");
    let head_time: i64 = ws
        .git(&["log", "-1", "--format=%ct"])
        .trim()
        .parse()
        .unwrap();
    let doc: Value = serde_json::from_slice(&outputs[0].0).unwrap();
    assert_eq!(
        doc["metadata"]["timestamp"].as_str().unwrap(),
        repo::time::rfc3339(head_time)
    );
    for bytes in [&outputs[0].0, &outputs[0].1] {
        let text = String::from_utf8_lossy(bytes);
        for machine in [ws.root(), clone.as_path(), Path::new(env!("HOME"))] {
            let machine = machine.display().to_string();
            assert!(!text.contains(&machine), "the output names {machine}");
        }
    }

    // SOURCE_DATE_EPOCH wins, and changes the serial number with the content.
    ok(xtask(ws.root(), &[], &[("SOURCE_DATE_EPOCH", "0")]));
    let doc = json(&ws.path("dist/sbom/app.cdx.json"));
    assert_eq!(doc["metadata"]["timestamp"], "1970-01-01T00:00:00Z");
    let first: Value = serde_json::from_slice(&outputs[0].0).unwrap();
    assert_ne!(doc["serialNumber"], first["serialNumber"]);
}

#[test]
fn one_document_per_member() {
    let git = git_crates();
    let ws = fixture(&git);
    let out = tempfile::tempdir().unwrap();
    let stdout = ok(xtask(
        ws.root(),
        &[
            "--per-member",
            "--no-dev",
            "--output",
            out.path().to_str().unwrap(),
        ],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let shown = stdout.replace(&out.path().display().to_string(), "<out>");
    assert_eq!(
        shown,
        "wrote <out>/app.cdx.json (app: 5 components)\n\
         wrote <out>/buildhelper.cdx.json (buildhelper: 1 components)\n\
         wrote <out>/nolicence.cdx.json (nolicence: 2 components)\n\
         wrote <out>/util.cdx.json (util: 1 components)\n"
    );
    let doc = json(&out.path().join("nolicence.cdx.json"));
    assert_eq!(
        doc["metadata"]["component"]["bom-ref"],
        "pkg:cargo/nolicence@0.0.1?download_url=file:crates/nolicence"
    );
    let files: Vec<PathBuf> = ["app", "buildhelper", "nolicence", "util"]
        .iter()
        .map(|m| out.path().join(format!("{m}.cdx.json")))
        .collect();
    validate(&files);
}

#[test]
fn this_repository_validates_and_carries_the_lockfile_checksums() {
    let root = testkit::workspace_root().canonicalize().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    ok(xtask(&root, &["--format", "all", "--output", dir], &[]));
    let v15 = out.path().join("v15.cdx.json");
    ok(xtask(
        &root,
        &["--spec-version", "1.5", "--output", v15.to_str().unwrap()],
        &[],
    ));
    // A virtual workspace: named by its git remote, else `workspace`, never by its folder.
    let name = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| {
            let file = e.unwrap().file_name().into_string().unwrap();
            file.strip_suffix(".spdx.json").map(str::to_string)
        })
        .next()
        .expect("an SPDX document");
    let cdx = out.path().join(format!("{name}.cdx.json"));
    let spdx = out.path().join(format!("{name}.spdx.json"));

    // Every crates.io package of Cargo.lock that the host build uses carries its checksum.
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let mut checksums = BTreeMap::new();
    for entry in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            entry.lines().find_map(|l| {
                l.strip_prefix(&format!("{key} = \""))
                    .map(|v| v.trim_end_matches('"').to_string())
            })
        };
        if let (Some(name), Some(version), Some(sum)) =
            (field("name"), field("version"), field("checksum"))
        {
            checksums.insert(
                format!("pkg:cargo/{name}@{}", version.replace('+', "%2B")),
                sum,
            );
        }
    }
    let doc = json(&cdx);
    let components = doc["components"].as_array().unwrap();
    assert!(
        components.len() > 50,
        "only {} components",
        components.len()
    );
    for c in components {
        let purl = c["purl"].as_str().unwrap();
        let expected = checksums
            .get(purl)
            .unwrap_or_else(|| panic!("{purl} not in Cargo.lock"));
        assert_eq!(
            c["hashes"][0]["content"].as_str(),
            Some(expected.as_str()),
            "{purl}"
        );
        assert_eq!(c["hashes"][0]["alg"], "SHA-256");
    }
    let members: Vec<&str> = doc["metadata"]["component"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        members.contains(&"sbom") && members.contains(&"xtask"),
        "{members:?}"
    );
    validate(&[cdx, spdx, v15]);
}

#[test]
fn a_member_directory_reads_the_lockfile_of_the_workspace_above() {
    // `--root` at a member: cargo resolves the whole workspace, whose Cargo.lock is above.
    let root = testkit::workspace_root().canonicalize().unwrap();
    let member = root.join("crates/repo");
    assert!(!member.join("Cargo.lock").exists());
    let out = tempfile::tempdir().unwrap();
    let cdx = out.path().join("member.cdx.json");
    ok(xtask(&member, &["--output", cdx.to_str().unwrap()], &[]));
    let doc = json(&cdx);
    let hashed = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:cargo/serde@"))
        })
        .filter(|c| {
            c["hashes"][0]["content"]
                .as_str()
                .is_some_and(|h| h.len() == 64)
        })
        .count();
    assert_eq!(hashed, 1, "serde without its Cargo.lock checksum");
    assert_eq!(doc["metadata"]["component"]["name"], "repo");
}

/// Runs the binary expecting exit 2 with `message` on stderr, and nothing written.
fn refused(root: &Path, args: &[&str], message: &str) {
    let out = xtask(root, args, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(message),
        "expected {message:?} in:\n{stderr}"
    );
    assert!(!root.join("dist").exists(), "something was written");
}

#[test]
fn bad_input_is_a_clear_error_and_writes_nothing() {
    let empty = tempfile::tempdir().unwrap();
    refused(empty.path(), &[], "no Cargo.toml here");

    let git = git_crates();
    let ws = fixture(&git);
    refused(
        ws.root(),
        &["--target", "no-such-triple"],
        "--target no-such-triple: rustc does not know this target",
    );

    std::fs::remove_file(ws.path("Cargo.lock")).unwrap();
    refused(ws.root(), &[], "Cargo.lock: missing");
    assert!(!ws.path("Cargo.lock").exists(), "the lockfile was created");

    let broken = GitRepo::new();
    broken.write("Cargo.toml", "[package]\nname = \"x\"\nversion = \n");
    broken.write("Cargo.lock", "version = 4\n");
    refused(broken.root(), &[], "Cargo.toml:3");

    let bad_config = GitRepo::new();
    bad_config.write("xtask.toml", "[sbom]\nformt = \"spdx\"\n");
    bad_config.write(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    );
    refused(bad_config.root(), &[], "xtask.toml:2:1");
}

#[test]
fn xtask_toml_sets_the_defaults_and_flags_win() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"engine\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write("src/lib.rs", "");
    repo.write(
        "xtask.toml",
        "[sbom]\nname = \"platform\"\nformat = \"spdx\"\noutput = \"out/bom.spdx.json\"\n",
    );
    repo.write(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"engine\"\nversion = \"0.1.0\"\n",
    );
    let stdout = ok(xtask(repo.root(), &[], &[("SOURCE_DATE_EPOCH", "0")]));
    assert_eq!(stdout, "wrote out/bom.spdx.json (platform: 2 components)\n");
    let doc = json(&repo.path("out/bom.spdx.json"));
    assert_eq!(doc["name"], "platform");
    assert!(
        doc["documentNamespace"]
            .as_str()
            .unwrap()
            .starts_with("https://spdx.org/spdxdocs/platform-"),
        "{}",
        doc["documentNamespace"]
    );
    // Flags win over the file.
    let out = tempfile::tempdir().unwrap();
    let cdx = out.path().join("x.cdx.json");
    ok(xtask(
        repo.root(),
        &["--format", "cyclonedx", "--output", cdx.to_str().unwrap()],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    assert_eq!(json(&cdx)["metadata"]["component"]["name"], "platform");
    validate(&[repo.path("out/bom.spdx.json"), cdx]);
}

/// The whole documents for a small workspace, so a reviewer sees exactly what is written.
#[test]
fn whole_documents_of_a_small_workspace() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"cli\", \"core\"]\nresolver = \"2\"\n",
    );
    repo.write(
        "cli/Cargo.toml",
        "[package]\nname = \"cli\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense = \"MIT/Apache-2.0\"\nrepository = \"https://example.com/cli\"\n\n[dependencies]\ncore = { path = \"../core\" }\n",
    );
    repo.write("cli/src/main.rs", "fn main() {}\n");
    repo.write(
        "core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"0.3.0\"\nedition = \"2021\"\ndescription = \"The core.\"\n",
    );
    repo.write("core/src/lib.rs", "");
    repo.write(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"cli\"\nversion = \"1.0.0\"\ndependencies = [\n \"core\",\n]\n\n[[package]]\nname = \"core\"\nversion = \"0.3.0\"\n",
    );
    repo.write("xtask.toml", "[sbom]\nname = \"tools\"\n");
    ok(xtask(
        repo.root(),
        &["--format", "all"],
        &[("SOURCE_DATE_EPOCH", "1714564800")],
    ));
    check(
        &repo.read("dist/sbom/tools.cdx.json"),
        r#"
{
  "bomFormat": "CycloneDX",
  "specVersion": "1.7",
  "serialNumber": "urn:uuid:9a92791a-6fa6-56b9-81cd-2ec050dc2fcf",
  "version": 1,
  "metadata": {
    "timestamp": "2024-05-01T12:00:00Z",
    "tools": {
      "components": [
        {
          "type": "application",
          "name": "cargo-xtask-sbom",
          "version": "0.1.0"
        }
      ]
    },
    "component": {
      "type": "application",
      "bom-ref": "workspace:tools",
      "name": "tools",
      "components": [
        {
          "type": "application",
          "bom-ref": "pkg:cargo/cli@1.0.0?download_url=file:cli",
          "name": "cli",
          "version": "1.0.0",
          "licenses": [
            {
              "expression": "MIT OR Apache-2.0"
            }
          ],
          "purl": "pkg:cargo/cli@1.0.0?download_url=file:cli",
          "externalReferences": [
            {
              "type": "vcs",
              "url": "https://example.com/cli"
            }
          ]
        },
        {
          "type": "library",
          "bom-ref": "pkg:cargo/core@0.3.0?download_url=file:core",
          "name": "core",
          "version": "0.3.0",
          "description": "The core.",
          "purl": "pkg:cargo/core@0.3.0?download_url=file:core"
        }
      ]
    }
  },
  "components": [],
  "dependencies": [
    {
      "ref": "pkg:cargo/cli@1.0.0?download_url=file:cli",
      "dependsOn": [
        "pkg:cargo/core@0.3.0?download_url=file:core"
      ]
    },
    {
      "ref": "pkg:cargo/core@0.3.0?download_url=file:core",
      "dependsOn": []
    },
    {
      "ref": "workspace:tools",
      "dependsOn": [
        "pkg:cargo/cli@1.0.0?download_url=file:cli",
        "pkg:cargo/core@0.3.0?download_url=file:core"
      ]
    }
  ]
}
"#,
    );
    check(
        &repo.read("dist/sbom/tools.spdx.json"),
        r#"
{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "tools",
  "documentNamespace": "https://spdx.org/spdxdocs/tools-1913ade1-3eea-5678-8c04-924fd677d6a8",
  "creationInfo": {
    "created": "2024-05-01T12:00:00Z",
    "creators": [
      "Tool: cargo-xtask-sbom-0.1.0"
    ]
  },
  "packages": [
    {
      "SPDXID": "SPDXRef-cli-1.0.0",
      "name": "cli",
      "versionInfo": "1.0.0",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "primaryPackagePurpose": "APPLICATION",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "MIT OR Apache-2.0",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:cargo/cli@1.0.0?download_url=file:cli"
        }
      ]
    },
    {
      "SPDXID": "SPDXRef-core-0.3.0",
      "name": "core",
      "versionInfo": "0.3.0",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "primaryPackagePurpose": "LIBRARY",
      "description": "The core.",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:cargo/core@0.3.0?download_url=file:core"
        }
      ]
    },
    {
      "SPDXID": "SPDXRef-tools",
      "name": "tools",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "primaryPackagePurpose": "APPLICATION",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION"
    }
  ],
  "relationships": [
    {
      "spdxElementId": "SPDXRef-DOCUMENT",
      "relationshipType": "DESCRIBES",
      "relatedSpdxElement": "SPDXRef-tools"
    },
    {
      "spdxElementId": "SPDXRef-cli-1.0.0",
      "relationshipType": "DEPENDS_ON",
      "relatedSpdxElement": "SPDXRef-core-0.3.0"
    },
    {
      "spdxElementId": "SPDXRef-tools",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-cli-1.0.0"
    },
    {
      "spdxElementId": "SPDXRef-tools",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-core-0.3.0"
    }
  ]
}
"#,
    );
    validate(&[
        repo.path("dist/sbom/tools.cdx.json"),
        repo.path("dist/sbom/tools.spdx.json"),
    ]);
}
