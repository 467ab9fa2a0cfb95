//! What each tool found, through the built binary on real tools: the pinned Python tools of
//! `tools/python/test.txt` (ruff, mypy, pytest, coverage, bandit, detect-secrets) and cargo
//! (test, clippy, fmt) on a tiny crate. Each gate's summary is checked in the JSON report (its
//! counts), the terminal, the Markdown, the GitHub step summary and the JUnit report; a tool no
//! reader knows keeps its exit line; a gate's own `summary` pattern gives its counts; and a
//! pytest gate's JUnit file is folded into qa's JUnit under the gate's suite.

use crate::qa_support;

use std::ffi::OsStr;
use std::path::Path;

use qa_support::*;

/// Runs `qa` with every report on, returning the run, the JSON report, the Markdown, the JUnit
/// XML and the GitHub step summary.
fn qa_all(
    repo: &GitRepo,
    env: &[(&str, &OsStr)],
) -> (Run, serde_json::Value, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let step = path("step.md");
    std::fs::write(&step, "").unwrap();
    let mut env = env.to_vec();
    env.push(("GITHUB_STEP_SUMMARY", step.as_os_str()));
    env.push(("GITHUB_ACTIONS", OsStr::new("true")));
    let (json, md, xml) = (path("qa.json"), path("qa.md"), path("qa.xml"));
    let run = xtask_env(
        repo,
        &[
            "qa",
            "--no-cache",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--junit",
            xml.to_str().unwrap(),
        ],
        &env,
    );
    let report = json_report(&json);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    (run, report, read(&md), read(&xml), read(&step))
}

/// A gate's summary counts as `name=value` pairs, and its text.
fn summary(report: &serde_json::Value, name: &str) -> (Vec<String>, String) {
    let s = &gate(report, name)["summary"];
    assert!(s.is_object(), "gate {name} has no summary: {report:#}");
    let counts = s["counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    (counts, s["text"].as_str().unwrap().to_string())
}

const PY_GATES: &str = r#"
[gates.fmt]
run = "ruff format --check ."

[gates.lint]
run = "ruff check app tests"

[gates.lintjson]
run = "ruff check --output-format json app tests"

[gates.types]
run = "mypy app"

[gates.tests]
run = "python -m pytest -p no:cacheprovider tests --junitxml build/junit.xml"

[gates.covrun]
run = "coverage run --source app -m pytest -q -p no:cacheprovider ok_tests"

[gates.cover]
run = "coverage report -i --fail-under 99"
needs = ["covrun"]

[gates.security]
run = "bandit -r app"

[gates.secrets]
run = "detect-secrets scan app"

[gates.own]
run = "printf '%s\n' 'widgets: 3 built, 4 broken'"
summary = 'widgets: (?P<built>\d+) built, (?P<broken>\d+) broken'

[gates.other]
run = "sh -c 'echo nothing to read; exit 3'"

[gates.explicit]
run = "python -m pytest -q -p no:cacheprovider -c cfg/ok.ini --rootdir . ok_tests"
junit = "build/ok.xml"
"#;

const APP: &str = "import subprocess\n\n\ndef add(x, y):\n    return x+y\n\n\n\
                   def label(n: int) -> str:\n    return n\n\n\n\
                   PASSWORD = \"hunter2hunter2\"\nsubprocess.call(\"ls\", shell=True)\n";

const TESTS: &str = "import os\n\nimport pytest\n\nfrom app.a import add\n\n\n\
                     def test_ok():\n    assert add(1, 1) == 2\n\n\n\
                     def test_bad():\n    assert add(1, 1) == 3\n\n\n\
                     @pytest.mark.skip\ndef test_skip():\n    pass\n\n\n\
                     def test_err(nofixture):\n    pass\n";

const OK_TESTS: &str = "from app.a import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n";

#[test]
fn python_tools_are_summarised_in_every_report() {
    let venv = testkit::Venv::test();
    for tool in [
        "ruff",
        "mypy",
        "pytest",
        "coverage",
        "bandit",
        "detect-secrets",
    ] {
        venv.bin(tool); // installed from tools/python/test.txt, or the test fails here
    }
    let path = venv.path_env();
    let repo = GitRepo::new();
    repo.write("xtask.toml", PY_GATES);
    repo.write("app/__init__.py", "");
    repo.write("app/a.py", APP);
    repo.write("app/bad.py", "def broken(:\n");
    repo.write("tests/test_a.py", TESTS);
    repo.write("ok_tests/test_ok.py", OK_TESTS);
    // The JUnit path hides in an ini file, where qa cannot see it: `junit` names it.
    repo.write(
        "cfg/ok.ini",
        "[pytest]\naddopts = --junitxml=build/ok.xml\n",
    );
    repo.commit("init");
    let (run, report, md, xml, step) = qa_all(&repo, &[("PATH", path.as_os_str())]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);

    // ruff format: a.py would be reformatted (`x+y`), bad.py does not parse.
    let (counts, text) = summary(&report, "fmt");
    assert!(counts.contains(&"would reformat=1".into()), "{counts:?}");
    assert!(counts.contains(&"do not parse=1".into()), "{counts:?}");
    assert!(counts.contains(&"already formatted=3".into()), "{counts:?}");
    assert_eq!(text, "1 file would be reformatted, 1 file does not parse");

    // ruff check: the unused import `os` (fixable) and bad.py's two syntax errors.
    let (counts, text) = summary(&report, "lint");
    assert!(counts.contains(&"errors=3".into()), "{counts:?} {text}");
    assert!(counts.contains(&"fixable=1".into()), "{counts:?}");
    assert_eq!(text, "3 errors (1 fixable), 1 file that does not parse");

    // The same from ruff's JSON output (which has no parse-failure line to count files by).
    let (counts, text) = summary(&report, "lintjson");
    assert_eq!(counts, ["errors=3", "fixable=1"]);
    assert_eq!(text, "3 errors (1 fixable)");

    // mypy: bad.py's two syntax errors stop it ("errors prevented further checking").
    let (counts, text) = summary(&report, "types");
    assert!(counts.contains(&"errors=2".into()), "{counts:?} {text}");
    assert!(counts.contains(&"files=1".into()), "{counts:?} {text}");

    let (counts, text) = summary(&report, "tests");
    assert_eq!(text, "1 failed, 1 error, 1 passed, 1 skipped");
    assert!(counts.contains(&"passed=1".into()), "{counts:?}");
    let failed = &gate(&report, "tests")["summary"]["failed"];
    assert_eq!(
        failed,
        &serde_json::json!(["tests/test_a.py::test_bad", "tests/test_a.py::test_err"]),
        "pytest's node ids, as its short summary names them"
    );
    let tests = &gate(&report, "tests")["tests"];
    assert_eq!(tests["file"], "build/junit.xml");
    assert_eq!(tests["cases"].as_array().unwrap().len(), 4);

    let (counts, text) = summary(&report, "cover");
    assert!(counts.contains(&"fail_under=99.0".into()), "{counts:?}");
    assert!(text.ends_with("% covered (below fail-under 99)"), "{text}");
    assert_eq!(gate(&report, "cover")["status"], "fail");

    // bandit: the subprocess import, the hard-coded password, and the call's two issues.
    let (counts, text) = summary(&report, "security");
    assert!(counts.contains(&"issues=4".into()), "{counts:?} {text}");
    assert!(counts.contains(&"low=4".into()), "{counts:?} {text}");
    assert_eq!(text, "4 issues (high 0, medium 0, low 4)");

    // detect-secrets exits 0: the summary is what says it found something.
    assert_eq!(gate(&report, "secrets")["status"], "pass");
    let (_, text) = summary(&report, "secrets");
    assert_eq!(text, "1 possible secret in 1 file");

    let (counts, text) = summary(&report, "own");
    assert_eq!(counts, ["broken=4", "built=3"]);
    assert_eq!(text, "3 built, 4 broken");
    assert_eq!(gate(&report, "own")["summary"]["reader"], "regex");

    // A tool no reader knows keeps its exit line.
    assert!(gate(&report, "other")["summary"].is_null());
    assert!(
        md.contains("- other: **fail** — `sh -c 'echo nothing to read; exit 3'` exited 3 after ")
    );

    // Terminal, Markdown and the step summary carry the text; the Markdown names failures.
    assert!(
        run.stderr.contains("[fail] tests ")
            && run
                .stderr
                .contains(" — 1 failed, 1 error, 1 passed, 1 skipped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("— 1 possible secret in 1 file"),
        "{}",
        run.stderr
    );
    assert!(
        md.contains(": 1 failed, 1 error, 1 passed, 1 skipped"),
        "{md}"
    );
    assert!(
        md.contains("\n  - failed: `tests/test_a.py::test_bad`\n"),
        "{md}"
    );
    assert!(
        md.contains("\n  - failed: `tests/test_a.py::test_err`\n"),
        "{md}"
    );
    assert!(
        md.contains("passed in") && md.contains(": 1 possible secret in 1 file"),
        "{md}"
    );
    assert!(step.contains(&md), "the step summary holds the Markdown");

    // JUnit: the gate's case has the summary; the pytest gates' cases are folded in.
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suite = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("no suite {name}:\n{xml}"))
    };
    let qa_case = suite("qa")
        .children()
        .find(|n| n.attribute("name") == Some("tests"))
        .unwrap();
    let property = |case: roxmltree::Node<'_, '_>, name: &str| {
        case.descendants()
            .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
            .and_then(|n| n.attribute("value"))
            .map(str::to_string)
    };
    assert_eq!(
        property(qa_case, "summary").as_deref(),
        Some("1 failed, 1 error, 1 passed, 1 skipped")
    );
    assert_eq!(property(qa_case, "summary.failed").as_deref(), Some("1"));
    let out = qa_case
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        out.contains("1 failed, 1 error, 1 passed, 1 skipped"),
        "{out}"
    );
    let tests = suite("tests");
    assert_eq!(tests.attribute("tests"), Some("4"));
    assert_eq!(tests.attribute("failures"), Some("1"));
    assert_eq!(tests.attribute("errors"), Some("1"));
    assert_eq!(tests.attribute("skipped"), Some("1"));
    let bad = tests
        .children()
        .find(|n| n.attribute("name") == Some("test_bad"))
        .unwrap();
    assert_eq!(bad.attribute("classname"), Some("tests.test_a"));
    let failure = bad.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(
        failure
            .attribute("message")
            .unwrap_or("")
            .contains("assert 2 == 3"),
        "{xml}"
    );
    // `junit = "PATH"` set by hand: its passing case is folded in too.
    let explicit = suite("explicit");
    assert_eq!(explicit.attribute("tests"), Some("1"));
    assert_eq!(explicit.attribute("failures"), Some("0"));
    assert_eq!(gate(&report, "explicit")["summary"]["text"], "1 passed");
}

#[test]
fn a_junit_file_the_run_did_not_write_is_not_folded_in() {
    let venv = testkit::Venv::test();
    venv.bin("pytest");
    let path = venv.path_env();
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.tests]\nrun = 'python -m pytest -q -p no:cacheprovider ok_tests'\n\
         junit = 'build/old.xml'\n",
    );
    repo.write("app/__init__.py", "");
    repo.write("app/a.py", APP);
    repo.write("ok_tests/test_ok.py", OK_TESTS);
    // A JUnit file from long ago, naming a failure this run never had.
    repo.write(
        "build/old.xml",
        "<testsuite><testcase classname=\"t\" name=\"stale\"><failure message=\"old\"/></testcase></testsuite>",
    );
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(repo.root().join("build/old.xml"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    repo.commit("init");
    let (run, report, md, xml, _) = qa_all(&repo, &[("PATH", path.as_os_str())]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let g = gate(&report, "tests");
    assert!(g["tests"].is_null(), "{g:#}");
    assert_eq!(g["summary"]["text"], "1 passed");
    assert!(
        g["reason"]
            .as_str()
            .unwrap_or("")
            .contains("the JUnit file build/old.xml was not written by this run"),
        "{g:#}"
    );
    assert!(
        !md.contains("stale") && !xml.contains("stale"),
        "{md}\n{xml}"
    );
}

const CRATE_LIB: &str = "pub fn add(a: u32, b: u32) -> u32 { a + b }\n\
                         pub fn unused() { let x = 1; }\n\
                         #[cfg(test)]\nmod tests {\n\
                         #[test] fn ok() { assert_eq!(super::add(1, 1), 2); }\n\
                         #[test] fn bad() { assert_eq!(super::add(1, 1), 3); }\n\
                         #[test] #[ignore] fn ign() {}\n}\n";

#[test]
fn cargo_test_clippy_and_fmt_are_summarised() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    repo.write("src/lib.rs", CRATE_LIB);
    repo.write(
        "tests/it.rs",
        "#[test] fn int_fail() { panic!(\"boom\") }\n",
    );
    repo.write(
        "xtask.toml",
        "[gates.fmt]\nrun = 'cargo fmt --check'\n\n\
         [gates.clippy]\nrun = 'cargo clippy --all-targets'\n\n\
         [gates.json]\nrun = 'cargo clippy --message-format json'\nneeds = ['clippy']\n\n\
         [gates.deny]\nrun = 'cargo clippy -- -D warnings'\nneeds = ['json']\n\n\
         [gates.tests]\nrun = 'cargo test --no-fail-fast'\nneeds = ['deny']\nallow_failure = true\n",
    );
    repo.write(".gitignore", "target/\n");
    repo.commit("init");
    let (run, report, md, _, _) = qa_all(&repo, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);

    let (counts, text) = summary(&report, "fmt");
    assert_eq!(counts, ["files=2"]);
    assert_eq!(text, "2 files would be reformatted");

    let (counts, text) = summary(&report, "clippy");
    assert_eq!(gate(&report, "clippy")["status"], "pass");
    assert_eq!(counts, ["errors=0", "warnings=1"]);
    assert_eq!(text, "1 warning");
    let (counts, _) = summary(&report, "json");
    assert_eq!(
        counts,
        ["errors=0", "warnings=1"],
        "from --message-format json"
    );
    let (counts, _) = summary(&report, "deny");
    assert_eq!(counts, ["errors=1", "warnings=0"]);

    // `deny` failed, so `tests` is blocked; run it alone.
    assert_eq!(gate(&report, "tests")["status"], "blocked");
    assert!(gate(&report, "tests")["summary"].is_null());
    repo.write(
        "xtask.toml",
        "[gates.tests]\nrun = 'cargo test --no-fail-fast'\n",
    );
    let (run, report, md2, _, _) = qa_all(&repo, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let (counts, text) = summary(&report, "tests");
    assert_eq!(counts, ["failed=2", "ignored=1", "passed=1"]);
    assert_eq!(text, "2 failed, 1 passed, 1 ignored");
    assert_eq!(
        gate(&report, "tests")["summary"]["failed"],
        serde_json::json!(["tests::bad", "int_fail"])
    );
    assert!(
        md2.contains("\n  - failed: `tests::bad`\n  - failed: `int_fail`"),
        "{md2}"
    );
    assert!(
        md.contains("- fmt: **fail** — `cargo fmt --check` exited 1 after "),
        "{md}"
    );
    assert!(md.contains(": 2 files would be reformatted"), "{md}");
}

#[test]
fn ruff_is_read_in_its_current_and_older_output() {
    for venv in ["test", "ruff-old"] {
        let venv = testkit::Venv::get(venv);
        venv.bin("ruff");
        let path = venv.path_env();
        let repo = GitRepo::new();
        repo.write(
            "xtask.toml",
            "[gates.fmt]\nrun = 'ruff format --check app'\n\n[gates.lint]\nrun = 'ruff check app'\n",
        );
        repo.write("app/a.py", "import os\n\nx=1\n");
        repo.write("app/ok.py", "y = 2\n");
        repo.write("app/bad.py", "def broken(:\n");
        repo.commit("init");
        let (run, report, _, _, _) = qa_all(&repo, &[("PATH", path.as_os_str())]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        let (counts, text) = summary(&report, "fmt");
        assert_eq!(
            counts,
            ["already formatted=1", "do not parse=1", "would reformat=1"],
            "{}",
            venv.dir().display()
        );
        assert_eq!(text, "1 file would be reformatted, 1 file does not parse");
        // F401 on a.py (fixable), and bad.py's two syntax errors.
        let (counts, text) = summary(&report, "lint");
        assert_eq!(
            counts,
            ["do not parse=1", "errors=3", "fixable=1"],
            "{text}"
        );
    }
}

#[test]
fn a_cached_pass_keeps_its_summary() {
    let venv = testkit::Venv::test();
    venv.bin("detect-secrets");
    let path = venv.path_env();
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.secrets]\nrun = 'detect-secrets scan app'\n",
    );
    repo.write("app/a.py", "PASSWORD = \"hunter2hunter2\"\n");
    repo.commit("init");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let args = ["qa", "--json", json.to_str().unwrap()];
    let env = [("PATH", path.as_os_str())];
    for cached in [false, true] {
        let run = xtask_env(&repo, &args, &env);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let report = json_report(&json);
        let g = gate(&report, "secrets");
        assert_eq!(g["cached"], cached, "{g:#}");
        assert_eq!(g["summary"]["text"], "1 possible secret in 1 file", "{g:#}");
    }
}

/// The cargo-nextest the tests build (`cargo install --locked`, once, into target/test-tools).
const NEXTEST: &str = "0.9.143";

#[test]
fn nextest_is_summarised_and_its_junit_folded_in() {
    let nextest = testkit::CargoTool::get("cargo-nextest", NEXTEST);
    nextest.bin("cargo-nextest");
    let path = nextest.path_env();
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    repo.write("src/lib.rs", CRATE_LIB);
    repo.write(
        "tests/it.rs",
        "#[test] fn int_fail() { panic!(\"boom\") }\n",
    );
    // JUnit for the `ci` profile: qa finds target/nextest/ci/junit.xml from this file.
    repo.write(
        ".config/nextest.toml",
        "[profile.ci.junit]\npath = \"junit.xml\"\n",
    );
    repo.write(
        "xtask.toml",
        "[gates.tests]\nrun = 'cargo nextest run --no-fail-fast -P ci'\n",
    );
    repo.write(".gitignore", "target/\n");
    repo.commit("init");
    let (run, report, md, xml, _) = qa_all(&repo, &[("PATH", path.as_os_str())]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let (counts, text) = summary(&report, "tests");
    assert_eq!(counts, ["failed=2", "passed=1", "skipped=1"]);
    assert_eq!(text, "2 failed, 1 passed, 1 skipped");
    let g = gate(&report, "tests");
    assert_eq!(g["summary"]["reader"], "nextest");
    assert_eq!(
        g["summary"]["failed"],
        serde_json::json!(["tiny tests::bad", "tiny::it int_fail"])
    );
    assert_eq!(g["tests"]["file"], "target/nextest/ci/junit.xml");
    assert!(
        md.contains("\n  - failed: `tiny tests::bad`\n  - failed: `tiny::it int_fail`"),
        "{md}"
    );
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("tests"))
        .unwrap_or_else(|| panic!("no suite for the gate:\n{xml}"));
    assert_eq!(suite.attribute("tests"), Some("3"), "{xml}");
    assert_eq!(suite.attribute("failures"), Some("2"), "{xml}");
    let bad = suite
        .children()
        .find(|n| n.attribute("name") == Some("tests::bad"))
        .unwrap();
    assert_eq!(bad.attribute("classname"), Some("tiny"));
}
