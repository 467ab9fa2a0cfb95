//! `qa` baselines end to end: a count baseline passes at or below the stored debt, fails when
//! it grows and ratchets down; a diagnostics baseline over real `ruff check --output-format
//! json` hides known diagnostics, names new ones, and ignores moved lines; a baseline file that
//! cannot be read ends the gate in `error` naming the file.

use crate::qa_support;

use qa_support::*;

#[test]
fn a_count_baseline_holds_fails_on_growth_and_ratchets() {
    let repo = repo_with(
        "[gates.types]\nrun = ['sh', '-c', 'echo \"Found $(cat n) errors in 12 files\"; exit 1']\n\
         baseline = { count = 'Found (\\d+) errors?' }\n",
    );
    repo.write("n", "90");
    let update = xtask(&repo, &["qa", "baseline", "update"]);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    assert!(update.stdout.contains("types"), "{}", update.stdout);
    assert!(
        repo.read(".xtask/baselines/types.txt")
            .contains("\ncount = 90\n")
    );

    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let md = dir.path().join("qa.md");
    let run_qa = |extra: &[&str]| {
        let mut args = vec![
            "qa",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let run = xtask(&repo, &args);
        (run, json_report(&json))
    };

    let (run, report) = run_qa(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "pass");
    assert_eq!(types["exit_code"], 1);
    assert_eq!(types["baseline"]["baseline"], 90);
    assert_eq!(types["baseline"]["current"], 90);
    // Cached, the report still shows the debt.
    let (run, report) = run_qa(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["cached"], true);
    assert_eq!(types["baseline"]["current"], 90);

    repo.write("n", "91");
    let (run, report) = run_qa(&[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "fail");
    assert_eq!(
        types["reason"],
        "exited 1; debt grew by +1 (91 > baseline 90)"
    );
    let notes = std::fs::read_to_string(&md).unwrap();
    assert!(
        notes.contains("  - baseline 90, current 91, new 1, fixed 0"),
        "{notes}"
    );

    repo.write("n", "89");
    let (run, report) = run_qa(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        gate(&report, "types")["reason"],
        "exited 1; debt shrank by 1 (89 < baseline 90); run with --ratchet to lower the baseline"
    );
    assert!(
        repo.read(".xtask/baselines/types.txt")
            .contains("count = 90")
    );
    let (run, report) = run_qa(&["--ratchet"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "types")["baseline"]["stored"], true);
    assert!(
        repo.read(".xtask/baselines/types.txt")
            .contains("count = 89")
    );

    let status = xtask(&repo, &["qa", "baseline", "status"]);
    assert_eq!(status.code, Some(0), "{}", status.stderr);
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("types") && l.ends_with("unchanged")),
        "{}",
        status.stdout
    );
}

#[test]
fn a_ruff_diagnostics_baseline_names_only_new_diagnostics() {
    let venv = testkit::Venv::test();
    let path = venv.path_env();
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\n",
    );
    repo.write(
        "xtask.toml",
        "[gates.lint]\nrun = 'ruff check --no-cache --output-format json .'\ntool = 'ruff'\n\
         baseline = { diagnostics = 'ruff-json' }\n",
    );
    repo.write(
        "app/a.py",
        "import os\nimport sys\n\n\ndef f():\n    return 1\n",
    );
    repo.write("app/b.py", "def g():\n    return 2\n");
    repo.commit("init");
    let env = [("PATH", path.as_os_str())];
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let qa = |extra: &[(&str, &std::ffi::OsStr)]| {
        let mut env = env.to_vec();
        env.extend_from_slice(extra);
        let run = xtask_env(&repo, &["qa", "--json", json.to_str().unwrap()], &env);
        (run, json_report(&json))
    };

    // No baseline yet: ruff's exit code decides.
    let (run, report) = qa(&[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(gate(&report, "lint")["baseline"]["current"], 2);

    let update = xtask_env(&repo, &["qa", "baseline", "update", "lint"], &env);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    let stored = repo.read(".xtask/baselines/lint.txt");
    assert!(
        stored.contains("app/a.py\tF401\t`os` imported but unused\timport os\n"),
        "{stored}"
    );
    assert!(
        !stored.contains("\t1\t"),
        "line numbers are not stored: {stored}"
    );

    let (run, report) = qa(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "lint")["baseline"]["new"], 0);

    // Moving the flagged lines creates nothing new.
    repo.write(
        "app/a.py",
        "\"\"\"A module.\"\"\"\n\n# moved\nimport os\nimport sys\n\n\ndef f():\n    return 1\n",
    );
    let (run, report) = qa(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "lint")["baseline"]["new"], 0);

    // A new diagnostic fails the gate and is named, in the report and as an annotation.
    repo.write("app/b.py", "import json\n\n\ndef g():\n    return 2\n");
    let summary = dir.path().join("summary.md");
    let (run, report) = qa(&[
        ("GITHUB_ACTIONS", "true".as_ref()),
        ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lint = gate(&report, "lint");
    assert_eq!(lint["status"], "fail");
    assert_eq!(
        lint["baseline"]["new_diagnostics"],
        serde_json::json!([{
            "file": "app/b.py", "line": 1, "code": "F401",
            "message": "`json` imported but unused"
        }])
    );
    assert!(
        lint["reason"].as_str().unwrap().ends_with(
            "1 new diagnostic(s) not in the baseline: app/b.py:1: F401 `json` imported but unused"
        ),
        "{lint}"
    );
    assert!(
        run.stdout.contains(
            "::error file=app/b.py,line=1,title=qa%3A lint new F401::`json` imported but unused\n"
        ),
        "{}",
        run.stdout
    );
    let notes = std::fs::read_to_string(&summary).unwrap();
    assert!(
        notes.contains("  - new: `app/b.py:1: F401 `json` imported but unused`"),
        "{notes}"
    );

    // Fixing a known one is counted.
    repo.write("app/b.py", "def g():\n    return 2\n");
    repo.write(
        "app/a.py",
        "import os\nimport sys\n\n\ndef f():\n    return os.sep\n",
    );
    let (run, report) = qa(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "lint")["baseline"]["fixed"], 1);
}

#[test]
fn baseline_commands_need_a_gate_with_a_baseline() {
    let repo = repo_with("[gates.a]\nrun = 'true'\n");
    let run = xtask(&repo, &["qa", "baseline", "update"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("no gate has a `baseline`"),
        "{}",
        run.stderr
    );
    let run = xtask(&repo, &["qa", "baseline", "status", "a"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("gate `a` has no `baseline` in xtask.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreadable_baseline_is_an_error_naming_the_file() {
    let repo = repo_with(
        "[gates.types]\nrun = ['sh', '-c', 'echo \"Found 3 errors in 1 file\"']\n\
         baseline = { count = 'Found (\\d+) errors?' }\n",
    );
    let update = xtask(&repo, &["qa", "baseline", "update"]);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let qa = || {
        let run = xtask(&repo, &["qa", "--json", json.to_str().unwrap()]);
        (run, json_report(&json))
    };
    let (run, report) = qa();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "types")["baseline"]["baseline"], 3);

    // A directory where the file should be: not "no baseline", and not the pass cached above.
    let file = repo.root().join(".xtask/baselines/types.txt");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let (run, report) = qa();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "error");
    assert_eq!(types["cached"], false);
    assert!(
        types["reason"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the baseline .xtask/baselines/types.txt: "),
        "{types}"
    );
    let update = xtask(&repo, &["qa", "baseline", "update"]);
    assert_eq!(update.code, Some(1), "{}", update.stderr);
    assert!(
        update.stderr.contains(
            "`types` was not measured, nothing stored: cannot read the baseline \
             .xtask/baselines/types.txt: "
        ),
        "{}",
        update.stderr
    );

    // Not UTF-8.
    std::fs::remove_dir(&file).unwrap();
    std::fs::write(&file, b"count = 3\xff\n").unwrap();
    let (run, report) = qa();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "error");
    assert!(
        types["reason"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the baseline .xtask/baselines/types.txt: "),
        "{types}"
    );

    // A count that is not a number, with its line.
    std::fs::write(&file, "# Baseline\ncount = lots\n").unwrap();
    let (run, report) = qa();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        gate(&report, "types")["reason"],
        ".xtask/baselines/types.txt:2: `count = lots` is not a number"
    );
}
