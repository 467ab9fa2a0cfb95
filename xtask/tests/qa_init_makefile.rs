//! `qa init` on a Python repository whose checks live in a Makefile's `qa` target: each command
//! becomes a gate with a name, a tool and obvious `needs`, and `qa` then runs what it wrote.

mod qa_support;

use std::os::unix::fs::symlink;

use qa_support::{GitRepo, json_report, xtask, xtask_env};

const MAKEFILE: &str = "\
PYTHON ?= python
SRC := apps tests ops

.PHONY: qa
qa:
\truff format --check .
\truff check .
\tpytest --cov=apps --cov-report=xml
\tcoverage report --fail-under=80
\tmypy $(SRC)
\tbandit -r apps -q
\t$(PYTHON) -m detect_secrets scan --baseline .secrets.baseline
\t@pre-commit run --all-files
";

const EXPECTED: &str = r#"# Quality gates for `cargo xtask qa`. Reference: docs/reference/xtask-toml.md

[qa]
# jobs = 2  # default: the number of cores
# Imported from the `qa` target of Makefile: one gate per command.

[gates.format]
run = "ruff format --check ."
tool = "ruff"
install = "pip install ruff"

[gates.lint]
run = "ruff check ."
tool = "ruff"
install = "pip install ruff"

[gates.tests]
run = "pytest --cov=apps --cov-report=xml"
tool = "pytest"
install = "pip install pytest"

[gates.coverage]
run = "coverage report --fail-under=80"
tool = "coverage"
install = "pip install coverage"
needs = ["tests"]

[gates.types]
run = "mypy apps tests ops"
tool = "mypy"
install = "pip install mypy"

[gates.security]
run = "bandit -r apps -q"
tool = "bandit"
install = "pip install bandit"

[gates.secrets]
run = "python -m detect_secrets scan --baseline .secrets.baseline"
tool = "python"
install = "pip install detect-secrets"

[gates.pre-commit]
run = "pre-commit run --all-files"
tool = "pre-commit"
install = "pip install pre-commit"
"#;

#[test]
fn init_imports_the_makefile_target_and_qa_runs_it() {
    let repo = GitRepo::new();
    repo.write("Makefile", MAKEFILE);
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"platform\"\nversion = \"1.0\"\n\n[tool.ruff]\n",
    );
    repo.write("apps/__init__.py", "");
    repo.write("apps/core.py", "def answer():\n    return 42\n");
    repo.write(".gitignore", "/target\n");
    repo.commit("init");

    let run = xtask(&repo, &["qa", "init"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("the `qa` target of Makefile"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read("xtask.toml"), EXPECTED);

    // Only ruff (and what qa itself needs) is on PATH: the other tools are skipped with their
    // install hint, and coverage is blocked by the tests it needs.
    let bin = tempfile::tempdir().unwrap();
    symlink(testkit::Venv::test().bin("ruff"), bin.path().join("ruff")).unwrap();
    for tool in ["sh", "git"] {
        let path = repo::process::which(tool).unwrap_or_else(|| panic!("{tool} on PATH"));
        symlink(path, bin.path().join(tool)).unwrap();
    }
    let json = repo.path("target/qa.json");
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap()],
        &[("PATH", bin.path().as_os_str())],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&json);
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
    let expected = [
        ("format", "pass"),
        ("lint", "pass"),
        ("tests", "skipped"),
        ("coverage", "blocked"),
        ("types", "skipped"),
        ("security", "skipped"),
        ("secrets", "skipped"),
        ("pre-commit", "skipped"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(statuses, expected);
    let reason = |name: &str| {
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        reason("secrets").contains("pip install detect-secrets"),
        "{}",
        reason("secrets")
    );
    assert!(
        reason("coverage").contains("tests"),
        "{}",
        reason("coverage")
    );
}

#[test]
fn init_with_an_unknown_make_target_names_the_known_ones() {
    let repo = GitRepo::new();
    repo.write("Makefile", MAKEFILE);
    let run = xtask(&repo, &["qa", "init", "--make-target", "check"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("Makefile: the Makefile has no target `check` (targets: qa); pass one of them with --make-target"),
        "{}",
        run.stderr
    );
    assert!(!repo.path("xtask.toml").exists());
}
