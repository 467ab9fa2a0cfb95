//! End-to-end tests of the Python rules of `cargo xtask sbom`: requirements lines through a
//! PEP 508 parser (spaced pins, `name @ URL`, markers kept), one summary per file of unpinned
//! lines, dev files by whole words, includes kept inside the root, unknown lockfile versions
//! refused, licences from installed metadata (classifiers, no guessed versions), and the
//! licence environment (`VIRTUAL_ENV`, a missing default, a missing `--python-env`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use crate::sbom_support;

use sbom_support::{json, ok_stderr as ok, validate};
use serde_json::Value;
use testkit::{GitRepo, Venv};

fn xtask(root: &Path, args: &[&str], virtual_env: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("sbom")
        .args(args)
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", "1714564800")
        .env_remove("VIRTUAL_ENV");
    if let Some(env) = virtual_env {
        cmd.env("VIRTUAL_ENV", env);
    }
    cmd.output().expect("run xtask")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn components(doc: &Value) -> BTreeMap<String, Value> {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["bom-ref"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

/// Writes the whole output in both formats under `dist/`, validates it, and returns the
/// CycloneDX document.
fn generate_valid(repo: &GitRepo, virtual_env: Option<&Path>) -> (Value, String) {
    let cdx = repo.path("dist/out.cdx.json");
    let spdx = repo.path("dist/out.spdx.json");
    let mut warnings = ok(xtask(
        repo.root(),
        &["--format", "cyclonedx", "--output", cdx.to_str().unwrap()],
        virtual_env,
    ));
    warnings += &ok(xtask(
        repo.root(),
        &["--format", "spdx", "--output", spdx.to_str().unwrap()],
        virtual_env,
    ));
    validate(&[cdx.clone(), spdx]);
    (json(&cdx), warnings)
}

#[test]
fn requirements_lines_are_read_as_pep_508() {
    let repo = GitRepo::new();
    repo.write(
        "requirements.txt",
        "six == 1.16.0\n\
         idna==3.10 ; python_version >= \"3.9\" and sys_platform != \"win32\"\n\
         wheelpkg @ https://files.example.org/wheelpkg-1.0-py3-none-any.whl\n\
         a>=1\n\
         b\n\
         c~=2.0\n\
         d==1.*\n\
         e!=3\n\
         ./local/dir\n\
         f<2\n\
         g>1,<3\n\
         h\n\
         i\n\
         j\n\
         k\n",
    );
    // `latest` is not `test`: required; `-test` is a dev file: excluded.
    repo.write("requirements-latest.txt", "certifi==2024.8.30\n");
    repo.write("requirements-test.txt", "iniconfig==2.0.0\n");
    repo.write("dev-requirements.txt", "pluggy==1.5.0\n");
    repo.commit("requirements");

    let (doc, warnings) = generate_valid(&repo, None);
    let all = components(&doc);
    assert_eq!(all["pkg:pypi/six@1.16.0"]["name"], "six");
    assert!(all["pkg:pypi/six@1.16.0"].get("properties").is_none());
    assert_eq!(
        all["pkg:pypi/idna@3.10"]["properties"],
        serde_json::json!([{
            "name": "xtask:python:marker",
            "value": "python_full_version >= '3.9' and sys_platform != 'win32'"
        }])
    );
    assert!(all.contains_key(
        "pkg:pypi/wheelpkg?download_url=https://files.example.org/wheelpkg-1.0-py3-none-any.whl"
    ));
    assert!(all["pkg:pypi/certifi@2024.8.30"].get("scope").is_none());
    assert_eq!(all["pkg:pypi/iniconfig@2.0.0"]["scope"], "excluded");
    assert_eq!(all["pkg:pypi/pluggy@1.5.0"]["scope"], "excluded");

    // One line for the file's twelve unpinned lines (twice: one run per format).
    let summary = "warning: requirements.txt: 12 lines are not pinned to one version (`name==version` or `name @ URL`), left out: `a` (line 4), `b` (line 5), `c` (line 6), `d` (line 7), `e` (line 8), `./local/dir` (line 9), `f` (line 10), `g` (line 11), `h` (line 12), `i` (line 13), and 2 more\n";
    assert_eq!(
        warnings.matches("requirements.txt").count(),
        2,
        "{warnings}"
    );
    assert_eq!(warnings.matches(summary).count(), 2, "{warnings}");
}

#[test]
fn an_include_that_leaves_the_root_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let parent = outside.path().join("repo");
    std::fs::create_dir(&parent).unwrap();
    let repo = GitRepo::new();
    repo.write("requirements.txt", "six==1.16.0\n-r ../outside.txt\n");
    repo.commit("include");
    // A root inside the folder that holds outside.txt, so `../outside.txt` exists.
    let root = parent.join("clone");
    repo.clone_to(&root);
    std::fs::write(parent.join("outside.txt"), "six==1.16.0\n").unwrap();
    let out = xtask(&root, &[], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "requirements.txt:2: `-r ../outside.txt`: the included file is outside the repository"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("dist").exists());
}

#[test]
fn unknown_lockfile_versions_are_refused() {
    let repo = GitRepo::new();
    repo.write(
        "uv.lock",
        "version = 99\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
    );
    repo.commit("uv");
    let out = xtask(repo.root(), &[], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "uv.lock: lockfile format version 99 is not one this build reads (`version = 1`)"
        ),
        "{}",
        stderr(&out)
    );

    let repo = GitRepo::new();
    repo.write(
        "poetry.lock",
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n[metadata]\nlock-version = \"3.0\"\npython-versions = \"^3.9\"\ncontent-hash = \"0\"\n",
    );
    repo.commit("poetry");
    let out = xtask(repo.root(), &[], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("poetry.lock: lockfile format version \"3.0\" is not one this build reads (`lock-version` 1.x or 2.x under [metadata])"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.path("dist").exists());
}

/// A hand-written distribution in an environment's site-packages.
fn dist_info(env: &Path, name: &str, version: &str, headers: &str) {
    let dir = env.join(format!(
        "lib/python3.12/site-packages/{name}-{version}.dist-info"
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{headers}\n\nbody\n"),
    )
    .unwrap();
}

#[test]
fn licences_come_from_expression_field_then_classifiers_never_guessed() {
    let repo = GitRepo::new();
    repo.write(
        "requirements.txt",
        "bare-mit==1.0\nlegacy-pkg==2.0\nlgpl-later==1.0\npg==1.0\nplain-lgpl==1.0\nfield-lgpl==1.0\nexpr==1.0\nbsd==1.0\n",
    );
    repo.write(".gitignore", ".venv/\ndist/\n");
    repo.commit("requirements");
    let env = repo.path(".venv");
    std::fs::create_dir_all(&env).unwrap();
    std::fs::write(env.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let osi = "Classifier: License :: OSI Approved";
    dist_info(
        &env,
        "bare_mit",
        "1.0",
        &format!("{osi}\n{osi} :: MIT License"),
    );
    dist_info(
        &env,
        "lgpl_later",
        "1.0",
        &format!("{osi} :: GNU Lesser General Public License v2 or later (LGPLv2+)"),
    );
    dist_info(&env, "pg", "1.0", &format!("{osi} :: PostgreSQL License"));
    dist_info(
        &env,
        "plain_lgpl",
        "1.0",
        &format!("{osi} :: GNU Library or Lesser General Public License (LGPL)"),
    );
    dist_info(&env, "field_lgpl", "1.0", "License: LGPL");
    dist_info(
        &env,
        "expr",
        "1.0",
        &format!("License-Expression: Apache-2.0 OR MIT\nLicense: GPL\n{osi} :: BSD License"),
    );
    dist_info(
        &env,
        "bsd",
        "1.0",
        &format!("License: BSD\n{osi} :: BSD License"),
    );
    // A legacy install: `*.egg-info/PKG-INFO`.
    let egg = env.join("lib/python3.12/site-packages/legacy_pkg-2.0-py3.12.egg-info");
    std::fs::create_dir_all(&egg).unwrap();
    std::fs::write(
        egg.join("PKG-INFO"),
        format!("Metadata-Version: 1.2\nName: legacy-pkg\nVersion: 2.0\nLicense: UNKNOWN\n{osi} :: ISC License (ISCL)\n"),
    )
    .unwrap();

    let (doc, warnings) = generate_valid(&repo, None);
    assert_eq!(warnings, "");
    let all = components(&doc);
    let licence = |id: &str| all[id]["licenses"][0]["expression"].clone();
    assert_eq!(licence("pkg:pypi/bare-mit@1.0"), "MIT");
    assert_eq!(licence("pkg:pypi/lgpl-later@1.0"), "LGPL-2.0-or-later");
    assert_eq!(licence("pkg:pypi/pg@1.0"), "PostgreSQL");
    assert_eq!(licence("pkg:pypi/legacy-pkg@2.0"), "ISC");
    assert_eq!(licence("pkg:pypi/expr@1.0"), "Apache-2.0 OR MIT");
    // A name without a version is not given one.
    for none in [
        "pkg:pypi/plain-lgpl@1.0",
        "pkg:pypi/field-lgpl@1.0",
        "pkg:pypi/bsd@1.0",
    ] {
        assert!(all[none].get("licenses").is_none(), "{none}: {}", all[none]);
    }
}

#[test]
fn the_licence_environment_is_found_or_refused() {
    let repo = GitRepo::new();
    repo.write("requirements.txt", "six==1.16.0\n");
    repo.commit("requirements");

    // No environment anywhere: one warning saying how to point at one.
    let (doc, warnings) = generate_valid(&repo, None);
    assert!(
        components(&doc)["pkg:pypi/six@1.16.0"]
            .get("licenses")
            .is_none()
    );
    assert_eq!(
        warnings.matches("warning: no Python environment (.venv at the root or beside a lockfile, or VIRTUAL_ENV): Python licences are left out").count(),
        2,
        "{warnings}"
    );

    // An explicit environment that does not exist is an error.
    let out = xtask(repo.root(), &["--python-env", "/nonexistent"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--python-env /nonexistent: no such directory"),
        "{}",
        stderr(&out)
    );

    // A real environment outside the repository, installed by pip, found through VIRTUAL_ENV.
    let outside = tempfile::tempdir().unwrap();
    let env = outside.path().join("env");
    let made = Command::new(Venv::test().bin("python"))
        .args(["-m", "venv"])
        .arg(&env)
        .status()
        .unwrap();
    assert!(made.success());
    let pip = Command::new(env.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "six==1.16.0",
        ])
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install six: {}",
        String::from_utf8_lossy(&pip.stderr)
    );
    let (doc, warnings) = generate_valid(&repo, Some(&env));
    assert_eq!(warnings, "");
    assert_eq!(
        components(&doc)["pkg:pypi/six@1.16.0"]["licenses"][0]["expression"],
        "MIT"
    );
}
