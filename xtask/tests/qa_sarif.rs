//! `qa --sarif` and `qa report merge --sarif` over real tools (the pinned ruff and mypy of
//! `tools/python/test.txt`, cargo clippy): one run per tool, results with rule, level, message,
//! `%SRCROOT%`-relative location and `baselineState` against a stored baseline, valid for the
//! official SARIF Multitool (pinned, `testkit::sarif_multitool`, with its GitHub rules) and
//! the vendored SARIF 2.1.0 schema (`tools/sarif/`). Also the JUnit suite's `timestamp` and
//! `hostname`, no output shown for a gate that never ran, and `qa report merge --github`
//! leaving out the annotations a shard already printed.

use crate::qa_support;

use std::ffi::OsStr;
use std::path::Path;

use qa_support::*;
use serde_json::Value;

const APP: &str = "import os\nimport sys\n\n\ndef label(n: int) -> str:\n    return n\n";
const APP_WORSE: &str =
    "import os\nimport sys\n\n\ndef label(n: int) -> str:\n    return n\n\n\nimport json\n";
const LIB: &str = "//! A crate with clippy debt.\n\npub fn none(v: &[u8]) -> bool {\n    \
                   v.len() == 0\n}\n";

fn config(target: &Path) -> String {
    format!(
        "[gates.lint]\nrun = 'ruff check --output-format json app'\ntool = 'ruff'\n\
         baseline = {{ diagnostics = 'ruff-json' }}\n\n\
         [gates.types]\nrun = 'mypy --show-column-numbers app'\ntool = 'mypy'\n\
         baseline = {{ diagnostics = 'mypy' }}\n\n\
         [gates.clippy]\nrun = ['cargo', 'clippy', '--quiet', '--manifest-path', \
         'rust/Cargo.toml', '--message-format', 'json']\n\
         env = {{ CARGO_TARGET_DIR = '{}' }}\nbaseline = {{ diagnostics = 'clippy-json' }}\n\n\
         [gates.concise]\nrun = 'ruff check --output-format concise app'\ntool = 'ruff'\n\
         baseline = {{ diagnostics = 'regex', pattern = '(?m)^(?P<file>[^:\\n]+):(?P<line>\\d+):\
         (?P<column>\\d+): (?P<code>[A-Z]+\\d+) (?P<message>.*)$' }}\n",
        target.display()
    )
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// Validates `path` with the SARIF Multitool (its SARIF and GitHub rules) and the vendored
/// schema. The Multitool's only remarks allowed are SARIF2005's warnings that a tool states
/// no version (qa does not run tools to ask) and a regex gate's tool no `informationUri`.
fn validate(path: &Path) {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("validation.sarif");
    let run = std::process::Command::new(testkit::sarif_multitool())
        .args(["validate", "--rule-kind", "Sarif;Gh", "-o"])
        .arg(&out)
        .arg(path)
        .output()
        .expect("run the SARIF Multitool");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "Multitool validate failed:\n{stdout}");
    let remarks = read_json(&out);
    let results = remarks["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let unexpected: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] != "SARIF2005" || r["level"] == "error")
        .collect();
    assert!(unexpected.is_empty(), "Multitool remarks:\n{stdout}");

    let schema_path = testkit::workspace_root().join("tools/sarif/sarif-schema-2.1.0.json");
    let schema = read_json(&schema_path);
    let log = read_json(path);
    let errors = testkit::json_schema::validate(&schema, &log)
        .err()
        .unwrap_or_default();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

fn run_of<'a>(log: &'a Value, tool: &str) -> &'a Value {
    log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == tool)
        .unwrap_or_else(|| panic!("no run of {tool} in {log:#}"))
}

/// `(ruleId, uri, line, column, baselineState)` of each result of a run.
fn results(run: &Value) -> Vec<(String, String, u64, u64, String)> {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%", "{r}");
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
                loc["region"]["startColumn"].as_u64().unwrap_or(0),
                r["baselineState"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_of_real_tools_is_valid_and_says_what_the_baseline_knew() {
    let venv = testkit::Venv::test();
    venv.bin("ruff");
    venv.bin("mypy");
    let path = venv.path_env();
    let env = [("PATH", path.as_os_str())];
    let target = tempfile::tempdir().unwrap();
    let repo = GitRepo::new();
    repo.write("xtask.toml", config(target.path()));
    repo.write("app/__init__.py", "");
    repo.write("app/a.py", APP);
    repo.write(
        "rust/Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n",
    );
    repo.write("rust/src/lib.rs", LIB);
    repo.commit("init");
    let update = xtask_env(&repo, &["qa", "baseline", "update", "lint"], &env);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    // A new unused import, and one that moves nothing else.
    repo.write("app/a.py", APP_WORSE);

    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("qa.sarif");
    let run = xtask_env(
        &repo,
        &["qa", "--no-cache", "--sarif", sarif.to_str().unwrap()],
        &env,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    validate(&sarif);
    let log = read_json(&sarif);
    assert_eq!(log["version"], "2.1.0");
    let tools: Vec<&str> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tool"]["driver"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["ruff", "mypy", "clippy", "concise"]);

    // ruff, against the stored baseline: the two known imports unchanged, the new one new
    // (the import block's sort rule, I001, is new: its first line's text is the same, but
    // ruff flags the block where it now ends).
    let ruff = run_of(&log, "ruff");
    let r = results(ruff);
    assert!(
        r.contains(&("F401".into(), "app/a.py".into(), 1, 8, "unchanged".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&("F401".into(), "app/a.py".into(), 2, 8, "unchanged".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&("F401".into(), "app/a.py".into(), 9, 8, "new".into())),
        "{r:?}"
    );
    let first = &ruff["results"][0];
    assert_eq!(first["level"], "error");
    assert!(
        first["message"]["text"]
            .as_str()
            .unwrap()
            .contains("imported but unused")
    );
    assert!(first["partialFingerprints"]["qaDiagnostic/v1"].is_string());
    let rules: Vec<&str> = ruff["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"F401"), "{rules:?}");
    for result in ruff["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], result["ruleId"], "{result}");
    }

    // mypy and the regex gate have no baseline stored: no baselineState.
    assert_eq!(
        results(run_of(&log, "mypy")),
        [("return-value".into(), "app/a.py".into(), 6, 12, "-".into())]
    );
    assert_eq!(run_of(&log, "mypy")["results"][0]["level"], "error");
    let concise = results(run_of(&log, "concise"));
    assert!(
        concise.contains(&("F401".into(), "app/a.py".into(), 9, 8, "-".into())),
        "{concise:?}"
    );
    assert_eq!(run_of(&log, "concise")["results"][0]["level"], "warning");
    // clippy: its paths from the crate's workspace root made relative to the repository.
    let clippy = run_of(&log, "clippy");
    assert_eq!(
        results(clippy),
        [(
            "clippy::len_zero".into(),
            "rust/src/lib.rs".into(),
            4,
            5,
            "-".into()
        )]
    );
    assert_eq!(clippy["results"][0]["level"], "warning");
    assert_eq!(
        clippy["tool"]["driver"]["rules"][0]["helpUri"],
        "https://rust-lang.github.io/rust-clippy/master/index.html#len_zero"
    );

    // The same diagnostics from two shards' JSON reports, merged. Both shards are cut by the
    // same timings (a full run's report), as CI jobs restoring one timings file are: cut by the
    // durations the cache records, the second shard would see the first one's and cut anew,
    // which the merge refuses.
    let timings = dir.path().join("timings.json");
    let run = xtask_env(
        &repo,
        &["qa", "--no-cache", "--json", timings.to_str().unwrap()],
        &env,
    );
    assert!(run.code.is_some(), "{}", run.stderr);
    let mut shards = Vec::new();
    for k in ["1/2", "2/2"] {
        let json = dir.path().join(format!("shard-{}.json", &k[..1]));
        let run = xtask_env(
            &repo,
            &[
                "qa",
                "--no-cache",
                "--shard",
                k,
                "--timings",
                timings.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ],
            &env,
        );
        assert!(run.code.is_some(), "{}", run.stderr);
        shards.push(json);
    }
    let merged = dir.path().join("merged.sarif");
    let mut args = vec!["qa", "report", "merge"];
    args.extend(shards.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--sarif", merged.to_str().unwrap()]);
    let run = xtask_env(&repo, &args, &env);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    validate(&merged);
    let merged = read_json(&merged);
    for tool in ["ruff", "mypy", "clippy", "concise"] {
        assert_eq!(
            run_of(&merged, tool),
            run_of(&log, tool),
            "the merged run of {tool} differs"
        );
    }
}

#[test]
fn a_run_without_diagnostics_gates_writes_an_empty_valid_log_through_a_symlink() {
    let repo = repo_with("[gates.ok]\nrun = 'true'\n");
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.sarif");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.sarif");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let run = xtask(&repo, &["qa", "--sarif", link.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Written through the link, which stays a link.
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let log = read_json(&real);
    assert_eq!(log["runs"], serde_json::json!([]));
    validate(&real);
}

#[test]
fn junit_has_timestamp_and_hostname_and_no_output_for_a_gate_that_never_ran() {
    let repo = repo_with(
        "[gates.build]\nrun = ['sh', '-c', 'echo compiling; exit 3']\n\
         [gates.test]\nrun = ['echo', 'never']\nneeds = ['build']\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("qa.xml");
    let json_path = dir.path().join("qa.json");
    let run = xtask(
        &repo,
        &[
            "qa",
            "--junit",
            xml_path.to_str().unwrap(),
            "--json",
            json_path.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let report = json_report(&json_path);
    assert_eq!(
        suite.attribute("timestamp"),
        report["started_at"].as_str(),
        "{xml}"
    );
    let host = report["hostname"]
        .as_str()
        .expect("the report names its host");
    assert!(!host.is_empty());
    assert_eq!(suite.attribute("hostname"), Some(host), "{xml}");
    let case = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap()
    };
    let out = |name: &str| {
        case(name)
            .descendants()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert!(out("build").unwrap().contains("compiling"), "{xml}");
    // `test` was blocked: it never ran, so it shows no command output.
    assert!(
        case("test")
            .descendants()
            .any(|n| n.has_tag_name("failure")),
        "{xml}"
    );
    assert_eq!(out("test"), None, "{xml}");
}

#[test]
fn merge_under_github_does_not_repeat_the_annotations_shards_printed() {
    let repo = repo_with(
        "[gates.a]\nrun = ['sh', '-c', 'exit 1']\n[gates.b]\nrun = ['sh', '-c', 'exit 1']\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let github: [(&str, &OsStr); 1] = [("GITHUB_ACTIONS", OsStr::new("true"))];
    let shard = |k: &str, env: &[(&str, &OsStr)]| {
        let json = dir.path().join(format!("s{}.json", &k[..1]));
        let run = xtask_env(
            &repo,
            &["qa", "--shard", k, "--json", json.to_str().unwrap()],
            env,
        );
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        (json, run)
    };
    // Shard 1 ran under GitHub Actions and printed its annotation; shard 2 did not.
    let (one, run) = shard("1/2", &github);
    assert!(
        run.stdout.contains("::error title=qa%3A a fail::"),
        "{}",
        run.stdout
    );
    assert_eq!(json_report(&one)["annotated"], true);
    let (two, _) = shard("2/2", &[]);
    assert_eq!(json_report(&two)["annotated"], false);
    let merged = dir.path().join("merged.json");
    let run = xtask_env(
        &repo,
        &[
            "qa",
            "report",
            "merge",
            one.to_str().unwrap(),
            two.to_str().unwrap(),
            "--github",
            "--json",
            merged.to_str().unwrap(),
        ],
        &github,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        !run.stdout.contains("::error title=qa%3A a fail::"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("::error title=qa%3A b fail::"),
        "{}",
        run.stdout
    );
    // The merged report says its annotations are all printed now.
    assert_eq!(json_report(&merged)["annotated"], true);
}

#[test]
fn a_cached_pass_writes_the_diagnostics_of_the_run_it_repeats() {
    let venv = testkit::Venv::test();
    venv.bin("ruff");
    let path = venv.path_env();
    let env = [("PATH", path.as_os_str())];
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.lint]\nrun = 'ruff check --output-format json app'\ntool = 'ruff'\n\
         baseline = { diagnostics = 'ruff-json' }\n",
    );
    repo.write("app/a.py", APP);
    repo.commit("init");
    let update = xtask_env(&repo, &["qa", "baseline", "update", "lint"], &env);
    assert_eq!(update.code, Some(0), "{}", update.stderr);
    let dir = tempfile::tempdir().unwrap();
    let sarif = |name: &str| {
        let path = dir.path().join(name);
        let json = dir.path().join(format!("{name}.json"));
        let run = xtask_env(
            &repo,
            &[
                "qa",
                "--sarif",
                path.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ],
            &env,
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        (read_json(&path), json_report(&json))
    };
    let (first, report) = sarif("first.sarif");
    assert_eq!(gate(&report, "lint")["cached"], false);
    let (second, report) = sarif("second.sarif");
    assert_eq!(gate(&report, "lint")["cached"], true);
    assert_eq!(second, first);
    let states: Vec<(String, String, u64, u64, String)> = results(run_of(&second, "ruff"));
    assert_eq!(
        states,
        [
            ("F401".into(), "app/a.py".into(), 1, 8, "unchanged".into()),
            ("F401".into(), "app/a.py".into(), 2, 8, "unchanged".into()),
        ]
    );
}
