//! The `xtask-qa` wheel (xtask/pyproject.toml, built by the pinned maturin from the test
//! build's own target directory and profile) installs the `xtask` command into a fresh venv,
//! which runs `qa`, `format check` and `sbom` on a Python repository with no cargo or rustc
//! on the `PATH`.

use std::path::Path;

use crate::wheel_support;

use testkit::{GitRepo, Venv};
use wheel_support::{installed, without_rust};

#[test]
fn the_wheel_runs_qa_format_and_sbom_on_a_python_repository_without_rust() {
    let wheel = installed();
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"data-platform\"\nversion = \"0.4.0\"\n",
    );
    repo.write("requirements.txt", "requests==2.32.3\n");
    repo.write("apps/core.py", "def answer() -> int:\n    return 42\n");
    repo.write(".gitignore", "/target\n/dist\n");
    repo.write(
        "xtask.toml",
        "[gates.format]\nrun = \"builtin:format-check\"\n\n\
         [gates.lint]\nrun = [\"ruff\", \"check\", \"apps\"]\ntool = \"ruff\"\n\n\
         [gates.sbom]\nrun = \"builtin:sbom\"\nneeds = [\"lint\"]\n\n\
         [[format.formatter]]\nname = \"ruff\"\ninclude = [\"**/*.py\"]\n",
    );
    repo.commit("init");
    // ruff comes from the test venv, alone in a folder of its own: the venv's `bin` would
    // bring the test tools along.
    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(Venv::test().bin("ruff"), tools.path().join("ruff")).unwrap();
    // `xtask` by name, from the venv's `bin` on the PATH, as `uv tool install` leaves it.
    let venv_bin = wheel.venv.join("bin");
    let xtask = |args: &[&str]| {
        without_rust(Path::new("xtask"), &[tools.path(), &venv_bin])
            .args(args)
            .current_dir(repo.root())
            .output()
            .unwrap()
    };

    let qa = xtask(&["qa", "--no-cache", "--json", "target/qa.json"]);
    let stderr = String::from_utf8_lossy(&qa.stderr);
    assert_eq!(qa.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&repo.read("target/qa.json")).unwrap();
    let statuses: Vec<(String, String)> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().into(),
                g["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = ["format", "lint", "sbom"]
        .iter()
        .map(|g| (g.to_string(), "pass".to_string()))
        .collect();
    assert_eq!(statuses, expected);
    // The built-in gates run the installed binary itself, and say so as the user ran it.
    assert_eq!(report["gates"][0]["command"], "xtask format enforce");

    let check = xtask(&["format", "check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    repo.write("apps/core.py", "def answer( )->int:\n    return 42\n");
    let check = xtask(&["format", "check"]);
    let out = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{out}");
    assert!(out.contains("apps/core.py"), "{out}");

    let sbom = xtask(&["sbom", "--output", "target/bom.cdx.json"]);
    assert_eq!(
        sbom.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&sbom.stderr)
    );
    let bom = repo.read("target/bom.cdx.json");
    assert!(bom.contains("pkg:pypi/requests@2.32.3"), "{bom}");
}
