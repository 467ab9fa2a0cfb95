//! No green run that checked nothing: under `CI`, with `--require-tools` or `[qa]
//! require_tools = true`, a required gate skipped for a missing tool fails the run, and so does a
//! run where no gate ran; on a developer machine the summary says loudly what did not run.
//! `qa baseline update` that measured nothing (real ruff and mypy stopping on a syntax error)
//! exits 1 and stores nothing.

use crate::qa_support;

use std::ffi::OsStr;
use std::os::unix::fs::symlink;
use std::path::Path;

use qa_support::*;

const MISSING: &str = "[gates.lint]\nrun = ['no-such-tool-xyz', 'check']\ntool = 'no-such-tool-xyz'\n\
                       install = 'pip install no-such-tool-xyz'\n\n[gates.fine]\nrun = 'true'\n";

/// Runs `qa --json --markdown ARGS` with `env`: the run, its JSON report and its Markdown.
fn qa(repo: &GitRepo, args: &[&str], env: &[(&str, &OsStr)]) -> (Run, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let md = dir.path().join("qa.md");
    let mut all = vec![
        "qa",
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let run = xtask_env(repo, &all, env);
    let report = json_report(&json);
    let md = std::fs::read_to_string(&md).unwrap();
    (run, report, md)
}

fn ci(value: &str) -> [(&'static str, &OsStr); 1] {
    [("CI", OsStr::new(value))]
}

#[test]
fn under_ci_a_required_gate_without_its_tool_fails_the_run() {
    let repo = repo_with(MISSING);
    let (run, report, md) = qa(&repo, &[], &ci("true"));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(report["outcome"], "fail");
    assert_eq!(report["require_tools"], "CI=true");
    assert_eq!(gate(&report, "lint")["status"], "skipped");
    assert_eq!(gate(&report, "lint")["missing_tool"], "no-such-tool-xyz");
    assert_eq!(gate(&report, "fine")["status"], "pass");
    let why = "1 gate did not run (tool missing): lint (needs `no-such-tool-xyz`); under CI=true \
               a missing tool fails the run (install it, or pass --no-require-tools)";
    assert_eq!(report["outcome_reason"], why);
    assert!(
        run.stderr.contains(&format!("qa: FAIL: {why}")),
        "{}",
        run.stderr
    );
    assert!(md.starts_with("## Quality gates: fail"), "{md}");
    assert!(md.contains(&format!("**qa: FAIL: {why}**")), "{md}");

    // Any CI value but `false`/`0`/empty is CI; `--no-require-tools` allows the skip.
    assert_eq!(qa(&repo, &[], &ci("1")).0.code, Some(1));
    for off in ["false", "0", ""] {
        let (run, report, _) = qa(&repo, &[], &ci(off));
        assert_eq!(run.code, Some(0), "CI={off}: {}", run.stderr);
        assert_eq!(report["require_tools"], serde_json::Value::Null);
    }
    let (run, report, _) = qa(&repo, &["--no-require-tools"], &ci("true"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(report["outcome"], "pass");
    assert!(
        run.stderr.contains("qa: PASS, but 1 gate did not run"),
        "{}",
        run.stderr
    );

    // An optional gate may miss its tool, under CI too.
    let repo = repo_with(&MISSING.replace("[gates.fine]", "allow_failure = true\n\n[gates.fine]"));
    let (run, report, _) = qa(&repo, &[], &ci("true"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(report["outcome"], "pass");
}

#[test]
fn require_tools_from_the_flag_or_xtask_toml_fails_a_developer_run() {
    let repo = repo_with(MISSING);
    let (run, report, _) = qa(&repo, &["--require-tools"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(report["require_tools"], "--require-tools");
    // The last of the two flags wins, as a wrapper script adding one expects.
    let (run, _, _) = qa(&repo, &["--require-tools", "--no-require-tools"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    let repo = repo_with(&format!("[qa]\nrequire_tools = true\n\n{MISSING}"));
    let (run, report, _) = qa(&repo, &[], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(report["require_tools"], "`[qa] require_tools = true`");
    let (run, _, _) = qa(&repo, &["--no-require-tools"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // `require_tools = false` is an explicit choice that CI does not override.
    let repo = repo_with(&format!("[qa]\nrequire_tools = false\n\n{MISSING}"));
    let (run, _, _) = qa(&repo, &[], &ci("true"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

/// A Python repository configuring ruff, mypy and pytest, with none of them on PATH: the
/// CI job that forgot to activate its venv.
#[test]
fn a_python_repository_without_its_tools_passes_loudly_and_fails_under_ci() {
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\n\n[tool.ruff]\n\n[tool.mypy]\n\n\
         [tool.pytest.ini_options]\n",
    );
    repo.write("app/__init__.py", "");
    repo.commit("init");
    let bin = tempfile::tempdir().unwrap();
    for tool in ["sh", "git"] {
        let path = repo::process::which(tool).unwrap_or_else(|| panic!("{tool} on PATH"));
        symlink(path, bin.path().join(tool)).unwrap();
    }
    let path = [("PATH", bin.path().as_os_str())];
    let (run, report, md) = qa(&repo, &[], &path);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let loud = "qa: PASS, but 4 gates did not run (tool missing): format (needs `ruff`), \
                lint (needs `ruff`), types (needs `mypy`), tests (needs `pytest`); install them, \
                or pass --require-tools to fail on this (CI does)";
    assert!(run.stderr.contains(loud), "{}", run.stderr);
    assert!(md.contains(&format!("**{loud}**")), "{md}");
    assert_eq!(report["counts"]["skipped"], 4);

    let env = [path[0], ci("true")[0]];
    let (run, report, _) = qa(&repo, &[], &env);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(report["outcome"], "fail");
    assert!(
        run.stderr
            .contains("qa: FAIL: 4 gates did not run (tool missing)"),
        "{}",
        run.stderr
    );
}

#[test]
fn under_ci_a_run_that_checked_nothing_fails_but_a_cached_pass_checked() {
    let repo = repo_with(
        "[gates.a]\nrun = 'true'\npaths = ['src/**']\n\n[gates.b]\nrun = 'true'\npaths = ['src/**']\n",
    );
    let args = ["--changed-since", "HEAD"];
    // Nothing changed: both gates are unaffected.
    let (run, report, _) = qa(&repo, &args, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(report["counts"]["skipped"], 2);
    assert!(
        run.stderr
            .contains("qa: PASS, but no gate ran: all 2 were skipped or unaffected"),
        "{}",
        run.stderr
    );
    let (run, report, _) = qa(&repo, &args, &ci("true"));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        report["outcome_reason"],
        "no gate ran (2 skipped or unaffected); under CI=true a run that checked nothing fails"
    );
    // Every gate optional and without its tool: nothing checked either.
    let repo = repo_with(
        "[gates.a]\nrun = ['no-such-tool-xyz']\ntool = 'no-such-tool-xyz'\nallow_failure = true\n",
    );
    assert_eq!(qa(&repo, &[], &ci("true")).0.code, Some(1));

    // A pass answered from the cache checked: the same inputs earned it.
    let repo = repo_with("[gates.a]\nrun = 'true'\n");
    assert_eq!(qa(&repo, &[], &ci("true")).0.code, Some(0));
    let (run, report, _) = qa(&repo, &[], &ci("true"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "a")["cached"], true);
}

fn venv_path() -> std::ffi::OsString {
    let venv = testkit::Venv::test();
    venv.bin("ruff"); // installed from tools/python/test.txt, or the test fails here
    venv.bin("mypy");
    venv.path_env()
}

fn baseline_update(repo: &GitRepo, path: &OsStr) -> Run {
    xtask_env(repo, &["qa", "baseline", "update"], &[("PATH", path)])
}

fn stored(repo: &GitRepo, name: &str) -> bool {
    repo.path(Path::new(".xtask/baselines").join(format!("{name}.txt")))
        .exists()
}

const BROKEN: &str = "def f(:\n    pass\n";

#[test]
fn baseline_update_on_a_ruff_syntax_error_stores_nothing_and_exits_1() {
    let path = venv_path();
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.lint]\nrun = 'ruff check --no-cache --output-format json .'\ntool = 'ruff'\n\
         baseline = { diagnostics = 'ruff-json' }\n\n\
         [gates.lint-count]\nrun = 'ruff check --no-cache --output-format concise .'\ntool = 'ruff'\n\
         baseline = { count = 'Found (\\d+) errors?' }\n",
    );
    repo.write("app/ok.py", "import os\n");
    repo.write("app/broken.py", BROKEN);
    repo.commit("init");
    let run = baseline_update(&repo, &path);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    for name in ["lint", "lint-count"] {
        assert!(
            run.stderr.contains(&format!(
                "qa baseline update: `{name}` was not measured, nothing stored:"
            )),
            "{}",
            run.stderr
        );
        assert!(!stored(&repo, name), "{name} stored a baseline");
    }
    assert!(
        run.stderr
            .contains("ruff could not parse a file (invalid-syntax)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("broken.py:1:"), "{}", run.stderr);

    // Fixed, the same gates measure and store the real debt (F401), then pass against it.
    repo.write("app/broken.py", "def f() -> None:\n    pass\n");
    let run = baseline_update(&repo, &path);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(repo.read(".xtask/baselines/lint.txt").contains("F401"));
    assert!(
        repo.read(".xtask/baselines/lint-count.txt")
            .contains("count = 1")
    );

    // Broken again: `qa` does not read the parse error as debt, new or paid.
    repo.write("app/broken.py", BROKEN);
    let (run, report, _) = qa(&repo, &[], &[("PATH", &path)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    for name in ["lint", "lint-count"] {
        let g = gate(&report, name);
        assert_eq!(g["status"], "fail");
        assert!(
            g["reason"]
                .as_str()
                .unwrap()
                .contains("baseline not measured: ruff could not parse"),
            "{g}"
        );
    }
}

#[test]
fn baseline_update_on_a_mypy_syntax_error_stores_nothing_and_exits_1() {
    let path = venv_path();
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.types]\nrun = 'mypy app'\ntool = 'mypy'\nbaseline = { diagnostics = 'mypy' }\n\n\
         [gates.types-count]\nrun = 'mypy app'\ntool = 'mypy'\n\
         baseline = { count = 'Found (\\d+) errors? in' }\n",
    );
    repo.write("app/__init__.py", "");
    repo.write("app/ok.py", "x: int = \"no\"\n");
    repo.write("app/broken.py", BROKEN);
    repo.commit("init");
    let run = baseline_update(&repo, &path);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    for name in ["types", "types-count"] {
        assert!(
            run.stderr.contains(&format!(
                "qa baseline update: `{name}` was not measured, nothing stored:"
            )),
            "{}",
            run.stderr
        );
        assert!(!stored(&repo, name), "{name} stored a baseline");
    }
    assert!(
        run.stderr.contains("mypy could not check the code"),
        "{}",
        run.stderr
    );

    repo.write("app/broken.py", "y = 1\n");
    let run = baseline_update(&repo, &path);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        repo.read(".xtask/baselines/types-count.txt")
            .contains("count = 1")
    );
}

#[test]
fn baseline_update_of_a_gate_whose_tool_is_missing_exits_1() {
    let repo = repo_with(
        "[gates.types]\nrun = ['no-such-tool-xyz']\ntool = 'no-such-tool-xyz'\n\
         baseline = { count = '(\\d+) errors' }\n",
    );
    let run = xtask(&repo, &["qa", "baseline", "update"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "qa baseline update: `types` was not measured, nothing stored: `no-such-tool-xyz` is not on PATH"
        ),
        "{}",
        run.stderr
    );
}
