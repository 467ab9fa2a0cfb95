//! `qa` configuration end to end: each bad `xtask.toml` gives its file:line error and exit 2
//! before any gate runs; detection without `xtask.toml` (Cargo, Python with real ruff);
//! `qa init`, and the help its xtask.toml points to; `qa --list`; the committed report schema is
//! fresh.

use crate::qa_support;

use qa_support::*;

#[test]
fn each_bad_config_names_file_line_and_key_and_exits_2() {
    let cases = [
        (
            "[gates.lint]\nrun = 'true'\n[gates.types]\nrun = 'true'\nneeds = ['lnit']\n",
            "xtask.toml:5:10: gate `types` needs `lnit`, which is not defined (did you mean `lint`?)",
        ),
        (
            "[gates.a]\nrun = 'true'\nneeds = ['b']\n\n[gates.b]\nrun = 'true'\nneeds = ['a']\n",
            "xtask.toml:1:1: gates form a cycle: a -> b -> a",
        ),
        (
            "[gates.a]\nrun = 'true'\nallow_failures = true\n",
            "xtask.toml:3:1: unknown key `allow_failures` (did you mean `allow_failure`?)",
        ),
        (
            "[gates.a]\nrun = 'true'\n\n[gates.a]\nrun = 'false'\n",
            "xtask.toml:4:8: duplicate key",
        ),
        (
            "[gates.fmt]\nrun = 'builtin:nope'\n",
            "xtask.toml:2:7: gate `fmt`: unknown built-in `builtin:nope`; known: `builtin:format-check` or `builtin:sbom`",
        ),
        (
            "[gatess.a]\nrun = 'true'\n",
            "xtask.toml:1:1: unknown section `gatess` (did you mean `gates`?)",
        ),
    ];
    for (config, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let repo = repo_with(&format!(
            "{config}\n[gates.marker]\nrun = ['touch', '{}']\n",
            marker.display()
        ));
        let run = xtask(&repo, &["qa"]);
        assert_eq!(run.code, Some(2), "{config}\n{}", run.stderr);
        let path = repo.root().canonicalize().unwrap().join("xtask.toml");
        let expected = expected.replacen("xtask.toml", &format!("error: {}", path.display()), 1);
        assert!(
            run.stderr.starts_with(&expected),
            "for\n{config}\n got: {}\nwant: {expected}",
            run.stderr
        );
        assert!(!marker.exists(), "a gate ran despite the bad config");
    }
}

#[test]
fn a_cargo_workspace_without_xtask_toml_gets_the_four_gates() {
    let repo = GitRepo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = []\n");
    repo.commit("init");
    let run = xtask(&repo, &["qa", "--list"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "4 gates, jobs = N\n\
         fmt     cargo fmt --all --check\n          lock cargo\n\
         clippy  cargo clippy --workspace --all-targets -- -D warnings\n          lock cargo\n\
         test    cargo test --workspace\n          lock cargo\n\
         doc     RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps\n          lock cargo\n"
            .replace(
                "jobs = N",
                &format!("jobs = {}", std::thread::available_parallelism().unwrap())
            ),
    );
    assert!(
        run.stderr.contains(
            "qa: no xtask.toml; detected a Cargo workspace (Cargo.toml): gates fmt, clippy, test, doc"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_python_project_gets_the_gates_it_configures_and_they_run_with_real_ruff() {
    let venv = testkit::Venv::test();
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\n\n[tool.ruff]\nline-length = 100\n",
    );
    repo.write("app/__init__.py", "import os\n\n\ndef f():\n    return 1\n");
    repo.commit("init");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap()],
        &[("PATH", venv.path_env().as_os_str())],
    );
    assert!(
        run.stderr.contains(
            "detected a Python project (pyproject.toml) configuring ruff: gates format, lint"
        ),
        "{}",
        run.stderr
    );
    let report = json_report(&json);
    assert_eq!(
        statuses(&report),
        [("format", "pass"), ("lint", "fail")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert!(
        gate(&report, "lint")["log_tail"]
            .as_str()
            .unwrap()
            .contains("F401"),
        "{report}"
    );
    assert_eq!(run.code, Some(1));

    // Without ruff on PATH: skipped, with the hint.
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap()],
        &[("PATH", "/usr/bin:/bin".as_ref())],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        gate(&json_report(&json), "lint")["reason"],
        "`ruff` is not on PATH; install it: pip install ruff"
    );
}

#[test]
fn init_writes_the_detected_gates_and_refuses_to_overwrite() {
    let repo = GitRepo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = []\n");
    repo.commit("init");
    let run = xtask(&repo, &["qa", "init"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let written = repo.read("xtask.toml");
    assert!(
        written.contains("[gates.clippy]\nrun = [\"cargo\", \"clippy\""),
        "{written}"
    );
    assert!(
        written.contains("env = { RUSTDOCFLAGS = \"-D warnings\" }"),
        "{written}"
    );
    // The written file lists the same graph detection ran.
    let listed = xtask(&repo, &["qa", "--list"]);
    assert_eq!(listed.code, Some(0));
    assert!(!listed.stderr.contains("no xtask.toml"));
    assert!(
        listed
            .stdout
            .contains("doc     RUSTDOCFLAGS='-D warnings' cargo doc")
    );

    repo.write("xtask.toml", "[gates.mine]\nrun = 'true'\n");
    let again = xtask(&repo, &["qa", "init"]);
    assert_eq!(again.code, Some(2));
    assert!(
        again
            .stderr
            .contains("xtask.toml already exists; pass --force to overwrite it")
    );
    assert_eq!(repo.read("xtask.toml"), "[gates.mine]\nrun = 'true'\n");
    let forced = xtask(&repo, &["qa", "init", "--force"]);
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    assert!(repo.read("xtask.toml").contains("[gates.fmt]"));
}

/// `qa init` writes xtask.toml into someone else's repository: it points to help its reader has,
/// `qa init --help`, and that help describes every key the loader accepts (the keys are read from
/// the loader's own error for an unknown key).
#[test]
fn init_points_to_help_that_describes_every_key() {
    let repo = GitRepo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = []\n");
    repo.commit("init");
    let run = xtask(&repo, &["qa", "init"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let written = repo.read("xtask.toml");
    assert!(
        written.starts_with(
            "# Quality gates for `cargo xtask qa`. Every key: `cargo xtask qa init --help`.\n"
        ),
        "{written}"
    );
    assert!(!written.contains("docs/"), "{written}");

    let help = xtask(&repo, &["qa", "init", "--help"]);
    assert_eq!(help.code, Some(0), "{}", help.stderr);
    for (table, config) in [
        ("[qa]", "[qa]\nbogus = 1\n"),
        ("[gates.NAME]", "[gates.a]\nrun = 'true'\nbogus = 1\n"),
        (
            "baseline",
            "[gates.a]\nrun = 'true'\nbaseline = { bogus = 1 }\n",
        ),
    ] {
        repo.write("xtask.toml", config);
        let run = xtask(&repo, &["qa", "--list"]);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        let (_, expected) = run
            .stderr
            .split_once("expected one of ")
            .unwrap_or_else(|| panic!("{}", run.stderr));
        let keys: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        assert!(keys.len() >= 2, "{}", run.stderr);
        for key in keys {
            assert!(
                help.stdout.contains(&format!("{key} = ")),
                "`qa init --help` does not describe `{key}` of {table}:\n{}",
                help.stdout
            );
        }
    }
}

#[test]
fn list_prints_the_graph() {
    let repo = repo_with(
        "[qa]\njobs = 2\n[gates.lint]\nrun = 'ruff check'\nowner = 'QA'\n\
         [gates.tests]\nrun = ['cargo', 'test']\nneeds = ['lint']\ntimeout = 600\n\
         [gates.docs]\nrun = 'mkdocs build'\nallow_failure = true\nlock = 'site'\n",
    );
    let run = xtask(&repo, &["qa", "--list"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "3 gates, jobs = 2\n\
         lint   ruff check\n         owner QA\n\
         tests  cargo test\n         needs lint; lock cargo; timeout 600s\n\
         docs   mkdocs build\n         lock site; allowed to fail\n"
    );
}

#[test]
fn the_committed_report_schema_is_fresh() {
    let root = testkit::workspace_root().to_str().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["qa", "schema", "--check", "--root", root])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\ndocs/reference/qa-report.schema.json is stale: run `cargo xtask qa schema` and commit it",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Zero-config calls mypy as its own config intends: plain `mypy` when `files` names what to
/// check (`mypy .` would also check `scripts/`, which has errors), `mypy .` when nothing does.
#[test]
fn detected_mypy_follows_its_files_setting_with_real_mypy() {
    let venv = testkit::Venv::test();
    venv.bin("mypy"); // installed from tools/python/test.txt, or the test fails here
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\n\n[tool.mypy]\nfiles = [\"app\"]\n",
    );
    repo.write("app/__init__.py", "def f() -> int:\n    return 1\n");
    repo.write("scripts/tool.py", "x: int = \"not an int\"\n");
    repo.commit("init");
    let path = venv.path_env();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap()],
        &[("PATH", path.as_os_str())],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report = json_report(&json);
    assert_eq!(gate(&report, "types")["command"], "mypy");
    assert_eq!(gate(&report, "types")["status"], "pass");

    // The same in mypy.ini, which mypy reads before pyproject.toml.
    repo.write("mypy.ini", "[mypy]\nfiles = app\n");
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\n\n[tool.mypy]\n",
    );
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap(), "--no-cache"],
        &[("PATH", path.as_os_str())],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&json_report(&json), "types")["command"], "mypy");

    // Without `files`, mypy needs a target: `.`, which finds the error in scripts/.
    std::fs::remove_file(repo.path("mypy.ini")).unwrap();
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap(), "--no-cache"],
        &[("PATH", path.as_os_str())],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&json);
    assert_eq!(gate(&report, "types")["command"], "mypy .");
    assert!(
        gate(&report, "types")["log_tail"]
            .as_str()
            .unwrap()
            .contains("scripts/tool.py"),
        "{report}"
    );
}
