//! `qa` diagnostics baselines over the real tools whose output formats they read: `mypy` (the
//! pinned mypy of `tools/python/test.txt`) and `clippy-json` (`cargo clippy --message-format
//! json`). Each holds known debt, names a new diagnostic, ignores moved lines, refuses output
//! that measures nothing, and ratchets down when debt is paid.

use crate::qa_support;

use std::ffi::OsStr;
use std::path::Path;

use qa_support::*;

/// Runs `qa --json --markdown ARGS` with `env`, returning the run and its JSON report.
fn qa(
    repo: &GitRepo,
    reports: &Path,
    args: &[&str],
    env: &[(&str, &OsStr)],
) -> (Run, serde_json::Value) {
    let json = reports.join("qa.json");
    let md = reports.join("qa.md");
    let _ = std::fs::remove_file(&json);
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
    (run, report)
}

/// The stored fingerprints of gate `name`, without the comment lines.
fn fingerprints(repo: &GitRepo, name: &str) -> Vec<String> {
    repo.read(format!(".xtask/baselines/{name}.txt"))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

const TYPES_GATE: &str = "[gates.types]\nrun = 'mypy app tests'\ntool = 'mypy'\n\
                          baseline = { diagnostics = 'mypy' }\n";

const SHAPES: &str = "def area(width: int, height: int) -> int:\n    return width * height\n\n\n\
                      def label(n: int) -> str:\n    return n\n\n\n\
                      total: int = \"none\"\nprint(area(\"3\", 4))\n";

const UTIL: &str = "from typing import Optional\n\n\n\
                    def size(s: Optional[str]) -> int:\n    return len(s)\n";

#[test]
fn a_mypy_diagnostics_baseline_names_only_new_errors() {
    let venv = testkit::Venv::test();
    venv.bin("mypy"); // installed from tools/python/test.txt, or the test fails here
    let path = venv.path_env();
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\n",
    );
    repo.write("xtask.toml", TYPES_GATE);
    repo.write("app/__init__.py", "");
    repo.write("app/shapes.py", SHAPES);
    repo.write("app/util.py", UTIL);
    repo.write("tests/unit/conftest.py", "X = 1\n");
    repo.commit("init");
    let env = [("PATH", path.as_os_str())];
    let dir = tempfile::tempdir().unwrap();
    let qa = |args: &[&str], extra: &[(&str, &OsStr)]| {
        let mut env = env.to_vec();
        env.extend_from_slice(extra);
        qa(&repo, dir.path(), args, &env)
    };

    // No baseline yet: mypy's exit code decides.
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(gate(&report, "types")["baseline"]["current"], 4);

    let update = xtask_env(&repo, &["qa", "baseline", "update", "types"], &env);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    let stored = fingerprints(&repo, "types");
    assert_eq!(
        stored,
        [
            "app/shapes.py\targ-type\tArgument 1 to \"area\" has incompatible type \"str\"; \
             expected \"int\"\tprint(area(\"3\", 4))",
            "app/shapes.py\tassignment\tIncompatible types in assignment (expression has type \
             \"str\", variable has type \"int\")\ttotal: int = \"none\"",
            "app/shapes.py\treturn-value\tIncompatible return value type (got \"int\", expected \
             \"str\")\treturn n",
            "app/util.py\targ-type\tArgument 1 to \"len\" has incompatible type \"str | None\"; \
             expected \"Sized\"\treturn len(s)",
        ],
        "line numbers are not stored, the flagged lines' text is"
    );

    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "pass");
    assert_eq!(types["exit_code"], 1);
    assert_eq!(
        types["reason"],
        "exited 1; 4 known diagnostics, as in the baseline"
    );
    assert_eq!(types["baseline"]["new"], 0);

    // Other output flags read the same errors: columns and end positions, and `--pretty`
    // wrapping messages (and their codes) over lines at any terminal width.
    repo.write(
        "xtask.toml",
        TYPES_GATE.replace(
            "run = 'mypy app tests'",
            "run = 'mypy --show-column-numbers --show-error-end --pretty app tests'\n\
             env = { MYPY_FORCE_TERMINAL_WIDTH = '50' }",
        ),
    );
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let b = &gate(&report, "types")["baseline"];
    assert_eq!(
        (&b["current"], &b["new"], &b["fixed"]),
        (&4.into(), &0.into(), &0.into()),
        "{b}"
    );
    repo.write("xtask.toml", TYPES_GATE);

    // Moving the flagged lines creates nothing new.
    repo.write(
        "app/shapes.py",
        format!("\"\"\"Shapes.\"\"\"\n\nimport math\n\nPI = math.pi\n\n\n{SHAPES}"),
    );
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let b = &gate(&report, "types")["baseline"];
    assert_eq!((&b["new"], &b["fixed"]), (&0.into(), &0.into()), "{b}");

    // A new error fails the gate and is named, in the report and as an annotation.
    repo.write(
        "app/util.py",
        format!("{UTIL}\n\ndef twice(x: int) -> int:\n    return x + \"x\"\n"),
    );
    let summary = dir.path().join("summary.md");
    let (run, report) = qa(
        &[],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "fail");
    let message = "Unsupported operand types for + (\"int\" and \"str\")";
    assert_eq!(
        types["baseline"]["new_diagnostics"],
        serde_json::json!([{
            "file": "app/util.py", "line": 9, "code": "operator", "message": message
        }])
    );
    assert_eq!(
        types["reason"],
        format!(
            "exited 1; 1 new diagnostic(s) not in the baseline: app/util.py:9: operator {message}"
        )
    );
    assert!(
        run.stdout.contains(&format!(
            "::error file=app/util.py,line=9,title=qa%3A types new operator::{message}\n"
        )),
        "{}",
        run.stdout
    );
    let notes = std::fs::read_to_string(&summary).unwrap();
    assert!(
        notes.contains(&format!("  - new: `app/util.py:9: operator {message}`")),
        "{notes}"
    );
    repo.write("app/util.py", UTIL);

    // When mypy cannot check the code its output measures nothing: the gate fails, saying why,
    // and `--ratchet` does not take the missing errors for paid debt.
    repo.write("tests/integration/conftest.py", "X = 2\n");
    let (run, report) = qa(&["--ratchet"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(types["status"], "fail");
    assert_eq!(
        types["reason"],
        "exited 2; baseline not measured: mypy could not check the code, so its output does \
         not measure the debt: tests/unit/conftest.py: Duplicate module named \"conftest\" \
         (also at \"tests/integration/conftest.py\")"
    );
    assert_eq!(fingerprints(&repo, "types"), stored);
    std::fs::remove_file(repo.path("tests/integration/conftest.py")).unwrap();

    // Fixing a known error is counted, and `--ratchet` lowers the baseline.
    repo.write(
        "app/shapes.py",
        SHAPES.replace("    return n\n", "    return str(n)\n"),
    );
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let types = gate(&report, "types");
    assert_eq!(
        types["reason"],
        "exited 1; debt shrank by 1 (3 < baseline 4); run with --ratchet to lower the baseline"
    );
    assert_eq!(fingerprints(&repo, "types"), stored);
    let (run, report) = qa(&["--ratchet"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "types")["baseline"]["stored"], true);
    let lowered: Vec<String> = stored
        .iter()
        .filter(|f| !f.contains("\treturn-value\t"))
        .cloned()
        .collect();
    assert_eq!(lowered.len(), 3);
    assert_eq!(fingerprints(&repo, "types"), lowered);

    let status = xtask_env(&repo, &["qa", "baseline", "status"], &env);
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

const LIB: &str = "//! A crate with known clippy debt.\n\n\
                   pub fn none(v: &[u8]) -> bool {\n    v.len() == 0\n}\n\n\
                   pub fn greeting() -> String {\n    let unused = 1;\n    format!(\"hello\")\n}\n\n\
                   #[cfg(test)]\nmod tests {\n    #[test]\n    fn none() {\n        \
                   assert_eq!(super::none(&[]), true);\n    }\n}\n";

#[test]
fn a_clippy_diagnostics_baseline_names_only_new_warnings() {
    let target = tempfile::tempdir().unwrap();
    let repo = GitRepo::new();
    // The crate sits in `rust/` and the gate runs at the root: cargo reports paths from the
    // crate's workspace root, which is not where the gate runs. `--all-targets` checks the
    // library twice (lib, lib test), and cargo reports each warning once per check.
    let config = format!(
        "[gates.clippy]\nrun = ['cargo', 'clippy', '--quiet', '--manifest-path', \
         'rust/Cargo.toml', '--all-targets', '--message-format', 'json']\n\
         env = {{ CARGO_TARGET_DIR = '{}' }}\nbaseline = {{ diagnostics = 'clippy-json' }}\n",
        target.path().display()
    );
    repo.write("xtask.toml", &config);
    repo.write(
        "rust/Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n",
    );
    repo.write("rust/src/lib.rs", LIB);
    repo.commit("init");
    let dir = tempfile::tempdir().unwrap();
    let qa = |args: &[&str], extra: &[(&str, &OsStr)]| qa(&repo, dir.path(), args, extra);

    // No baseline yet: cargo's exit code decides, and warnings do not fail it.
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "clippy")["baseline"]["current"], 4);

    let update = xtask(&repo, &["qa", "baseline", "update", "clippy"]);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    let stored = fingerprints(&repo, "clippy");
    assert_eq!(
        stored,
        [
            "rust/src/lib.rs\tclippy::bool_assert_comparison\tused `assert_eq!` with a literal \
             bool\tassert_eq!(super::none(&[]), true);",
            "rust/src/lib.rs\tclippy::len_zero\tlength comparison to zero\tv.len() == 0",
            "rust/src/lib.rs\tclippy::useless_format\tuseless use of `format!`\t\
             format!(\"hello\")",
            "rust/src/lib.rs\tunused_variables\tunused variable: `unused`\tlet unused = 1;",
        ],
        "line numbers are not stored, the flagged lines' text is"
    );

    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let clippy = gate(&report, "clippy");
    assert_eq!(clippy["status"], "pass");
    assert_eq!(clippy["baseline"]["current"], 4);
    assert_eq!(clippy["baseline"]["new"], 0);

    // Moving the flagged lines creates nothing new.
    repo.write(
        "rust/src/lib.rs",
        LIB.replace(
            "//! A crate with known clippy debt.\n",
            "//! A crate with known clippy debt.\n\n/// The answer.\npub const ANSWER: u8 = 42;\n",
        ),
    );
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let b = &gate(&report, "clippy")["baseline"];
    assert_eq!(
        (&b["current"], &b["new"], &b["fixed"]),
        (&4.into(), &0.into(), &0.into()),
        "{b}"
    );

    // A new warning fails the gate and is named, in the report and as an annotation.
    repo.write(
        "rust/src/lib.rs",
        LIB.replace(
            "#[cfg(test)]",
            "pub fn twice(x: u32) -> u32 {\n    return x * 2;\n}\n\n#[cfg(test)]",
        ),
    );
    let summary = dir.path().join("summary.md");
    let (run, report) = qa(
        &[],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let clippy = gate(&report, "clippy");
    assert_eq!(clippy["status"], "fail");
    assert_eq!(
        clippy["baseline"]["new_diagnostics"],
        serde_json::json!([{
            "file": "rust/src/lib.rs", "line": 13, "code": "clippy::needless_return",
            "message": "unneeded `return` statement"
        }])
    );
    assert_eq!(
        clippy["reason"],
        "1 new diagnostic(s) not in the baseline: rust/src/lib.rs:13: clippy::needless_return \
         unneeded `return` statement"
    );
    assert!(
        run.stdout.contains(
            "::error file=rust/src/lib.rs,line=13,title=qa%3A clippy new \
             clippy%3A%3Aneedless_return::unneeded `return` statement\n"
        ),
        "{}",
        run.stdout
    );
    let notes = std::fs::read_to_string(&summary).unwrap();
    assert!(
        notes.contains(
            "  - new: `rust/src/lib.rs:13: clippy::needless_return unneeded `return` statement`"
        ),
        "{notes}"
    );
    repo.write("rust/src/lib.rs", LIB);

    // When cargo cannot even read the package its output measures nothing: the gate fails,
    // and `--ratchet` does not take the missing warnings for paid debt.
    let manifest = repo.read("rust/Cargo.toml");
    repo.write(
        "rust/Cargo.toml",
        manifest.replace("[workspace]", "[workspace"),
    );
    let (run, report) = qa(&["--ratchet"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let clippy = gate(&report, "clippy");
    assert_eq!(clippy["status"], "fail");
    assert_eq!(
        clippy["reason"],
        "exited 101; baseline not measured: the command failed but no diagnostic was read \
         from its output (see its log)"
    );
    assert_eq!(fingerprints(&repo, "clippy"), stored);
    repo.write("rust/Cargo.toml", manifest);

    // Fixing a known warning is counted, and `--ratchet` lowers the baseline.
    repo.write(
        "rust/src/lib.rs",
        LIB.replace("v.len() == 0", "v.is_empty()"),
    );
    let (run, report) = qa(&[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        gate(&report, "clippy")["reason"],
        "debt shrank by 1 (3 < baseline 4); run with --ratchet to lower the baseline"
    );
    assert_eq!(fingerprints(&repo, "clippy"), stored);
    let (run, report) = qa(&["--ratchet"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&report, "clippy")["baseline"]["stored"], true);
    let lowered: Vec<String> = stored
        .iter()
        .filter(|f| !f.contains("\tclippy::len_zero\t"))
        .cloned()
        .collect();
    assert_eq!(lowered.len(), 3);
    assert_eq!(fingerprints(&repo, "clippy"), lowered);

    let status = xtask(&repo, &["qa", "baseline", "status"]);
    assert_eq!(status.code, Some(0), "{}", status.stderr);
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("clippy") && l.ends_with("unchanged")),
        "{}",
        status.stdout
    );
}
