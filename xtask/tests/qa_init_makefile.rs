//! `qa init` on a Python repository whose checks live in a Makefile's `qa` target: each command
//! becomes a gate with a name, a tool and obvious `needs`, and `qa` then runs what it wrote.

use crate::qa_support;

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

const EXPECTED: &str = r#"# Quality gates for `cargo xtask qa`. Every key: `cargo xtask qa init --help`.

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
module = "detect_secrets"
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

/// What make would decide only when it runs is refused with its line, and nothing is written.
#[test]
fn init_refuses_a_recipe_under_a_conditional_naming_its_line() {
    let repo = GitRepo::new();
    repo.write(
        "Makefile",
        "qa:\n\truff check .\nifeq ($(CI),true)\n\tmypy .\nendif\n\tpytest\n",
    );
    let run = xtask(&repo, &["qa", "init"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "Makefile:3: the recipe of `qa` depends on `ifeq ($(CI),true)` (line 3), which decides \
             what target `qa` runs only when make runs"
        ),
        "{}",
        run.stderr
    );
    assert!(!repo.path("xtask.toml").exists());
    for (makefile, line) in [
        ("include common.mk\nqa:\n\tmypy $(SRC)\n", 1),
        ("qa:\n\tmypy $(shell git ls-files '*.py')\n", 2),
        ("define CHECKS\n\tmypy .\nendef\nqa:\n\t$(CHECKS)\n", 1),
    ] {
        repo.write("Makefile", makefile);
        let run = xtask(&repo, &["qa", "init"]);
        assert_eq!(run.code, Some(2), "{makefile}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("Makefile:{line}: ")),
            "{makefile}: {}",
            run.stderr
        );
        assert!(!repo.path("xtask.toml").exists());
    }
}

const SHELL_MAKEFILE: &str = "\
SRC := app
SRC += tools
qa:
\t@echo \"==> qa  # all checks\"
\tcd sub
\ttest \"$(SRC)\" = \"app tools\"
\tcd sub && test -f marker.txt
\tgrep -q \"a # b\" notes.txt # the notes keep their hash
\tFOO=1 sh -c 'test \"$$FOO\" = 1'
\tpython3 -m json.tool data.json
\tpython3 -m no_such_module_xyz --check
";

const SHELL_EXPECTED: &str = r#"# Quality gates for `cargo xtask qa`. Every key: `cargo xtask qa init --help`.

[qa]
# jobs = 2  # default: the number of cores
# Imported from the `qa` target of Makefile: one gate per command.
# Left out line 4: `echo "==> qa  # all checks"` (`echo` checks nothing).
# Left out line 5: `cd sub` (`cd` checks nothing).

[gates.test]
run = 'test "app tools" = "app tools"'

[gates.test-2]
run = "test -f marker.txt"
cwd = "sub"

[gates.grep]
run = 'grep -q "a # b" notes.txt'
tool = "grep"
install = "install grep with your system's package manager"

[gates.sh]
run = """sh -c 'test "$FOO" = 1'"""
env = { FOO = "1" }
tool = "sh"
install = "install sh with your system's package manager"

[gates."json.tool"]
run = "python3 -m json.tool data.json"
module = "json.tool"
install = "pip install json"

[gates.no_such_module_xyz]
run = "python3 -m no_such_module_xyz --check"
module = "no_such_module_xyz"
install = "pip install no-such-module-xyz"
"#;

/// `+=`, quoted `#`, builtins, `cd DIR &&`, env words and `python -m MODULE`, imported and run.
#[test]
fn init_imports_shell_idioms_as_make_runs_them_and_qa_runs_them() {
    let repo = GitRepo::new();
    repo.write("Makefile", SHELL_MAKEFILE);
    repo.write("sub/marker.txt", "");
    repo.write("notes.txt", "a # b\n");
    repo.write("data.json", "{\"a\": 1}\n");
    repo.commit("init");
    let run = xtask(&repo, &["qa", "init"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(repo.read("xtask.toml"), SHELL_EXPECTED);
    assert!(!repo.read("xtask.toml").contains("pip install cd"));

    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask(&repo, &["qa", "--json", json.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
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
    let expected: Vec<(String, String)> = [
        ("test", "pass"),
        ("test-2", "pass"),
        ("grep", "pass"),
        ("sh", "pass"),
        ("json.tool", "pass"),
        ("no_such_module_xyz", "skipped"),
    ]
    .iter()
    .map(|(n, s)| (n.to_string(), s.to_string()))
    .collect();
    assert_eq!(statuses, expected, "{}", run.stderr);
    let missing = report["gates"].as_array().unwrap()[5].clone();
    assert_eq!(
        missing["reason"],
        "`python3` cannot import `no_such_module_xyz`; install it: pip install no-such-module-xyz"
    );
    assert_eq!(missing["missing_tool"], "no_such_module_xyz");
    assert!(
        run.stderr
            .contains("qa: PASS, but 1 gate did not run (tool missing): no_such_module_xyz"),
        "{}",
        run.stderr
    );
    // Under CI the missing module fails the run (it stays `skipped`).
    let run = xtask_env(&repo, &["qa"], &[("CI", "true".as_ref())]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}
