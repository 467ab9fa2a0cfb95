//! `qa --dry-run` explains what a run would do with each gate and runs nothing, end to end:
//! a gate with no stored pass would run; after a pass it would be cached; then each part of its
//! cache key that changes is named (an input file by path, an environment variable by name, the
//! command, the baseline); a missing tool skips it and blocks its dependants; `--changed-since`
//! names the changed paths that make it run. Nothing is written: no log, no cache entry.

use crate::qa_support;

use qa_support::*;

fn dry(repo: &GitRepo, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut all = vec!["qa", "--dry-run", "--json"];
    all.extend(args);
    let env: Vec<(&str, &std::ffi::OsStr)> = env
        .iter()
        .map(|(k, v)| (*k, std::ffi::OsStr::new(*v)))
        .collect();
    let run = xtask_env(repo, &all, &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// `(action, reason)` of gate `name`.
fn explained(dry: &serde_json::Value, name: &str) -> (String, String) {
    let g = dry["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {dry}"));
    (
        g["action"].as_str().unwrap().to_string(),
        g["reason"].as_str().unwrap().to_string(),
    )
}

const CONFIG: &str = "\
[gates.lint]
run = ['sh', '-c', 'cat src/*.py']
inputs = ['src/**']
pass_env = ['LINT_*']

[gates.audit]
run = ['no-such-auditor-xyz']
tool = 'no-such-auditor-xyz'
install = 'pip install no-such-auditor-xyz'

[gates.report]
run = ['true']
needs = ['audit']

[gates.docs]
run = ['true']
paths = ['docs/**']
";

#[test]
fn a_dry_run_says_why_each_gate_would_run_and_writes_nothing() {
    let repo = repo_with(CONFIG);
    repo.write("src/a.py", "a = 1\n")
        .write("src/b.py", "b = 1\n")
        .write("docs/guide.md", "# guide\n")
        .commit("sources");

    let first = dry(&repo, &[], &[]);
    assert_eq!(
        explained(&first, "lint"),
        ("run".into(), "no pass of it is stored in the cache".into())
    );
    let (action, reason) = explained(&first, "audit");
    assert_eq!(action, "skip");
    assert!(
        reason.contains("`no-such-auditor-xyz` is not on PATH")
            && reason.contains("pip install no-such-auditor-xyz"),
        "{reason}"
    );
    assert_eq!(
        explained(&first, "report"),
        (
            "blocked".into(),
            "needs `audit`, which would be skipped".into()
        )
    );
    assert!(
        !repo.path("target").exists(),
        "a dry run wrote under target/"
    );

    // The plain text form says the same, one line per gate.
    let text = xtask(&repo, &["qa", "--dry-run"]);
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert!(
        text.stdout
            .contains("[blocked] report  needs `audit`, which would be skipped"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("nothing was run or written"),
        "{}",
        text.stdout
    );

    // After a real run (which fails: `report` is blocked), the passing gates would come from
    // the cache.
    let run = xtask(&repo, &["qa"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let log = repo.path("target/xtask/qa/lint.log");
    let log_before = std::fs::metadata(&log).unwrap().modified().unwrap();
    let entries = || {
        std::fs::read_dir(repo.path("target/xtask/qa-cache"))
            .unwrap()
            .count()
    };
    let entries_before = entries();
    let cached = dry(&repo, &[], &[]);
    for name in ["lint", "docs"] {
        let (action, reason) = explained(&cached, name);
        assert_eq!(action, "cached", "{name}: {reason}");
        assert!(reason.contains("with the same key"), "{reason}");
    }

    // Each changed part of the key is named.
    repo.write("src/a.py", "a = 2\n")
        .write("src/c.py", "c = 1\n");
    let files = dry(&repo, &[], &[]);
    let (action, reason) = explained(&files, "lint");
    assert_eq!(action, "run");
    assert!(
        reason.contains("input files: 1 changed (src/a.py), 1 added (src/c.py)"),
        "{reason}"
    );
    let env = dry(&repo, &[], &[("LINT_LEVEL", "strict")]);
    let (_, reason) = explained(&env, "lint");
    assert!(reason.contains("env LINT_LEVEL (added)"), "{reason}");
    assert!(
        !reason.contains("strict"),
        "a value is never shown: {reason}"
    );
    repo.write("xtask.toml", CONFIG.replace("cat src/*.py", "cat src/a.py"));
    let argv = dry(&repo, &[], &[]);
    let (_, reason) = explained(&argv, "lint");
    assert!(
        reason.contains("argv (the command or its working directory)"),
        "{reason}"
    );

    // Under --changed-since, the changed paths that match are named, or the gate is skipped.
    repo.write("xtask.toml", CONFIG).commit("more");
    let unaffected = dry(&repo, &["--changed-since", "HEAD"], &[]);
    let (action, reason) = explained(&unaffected, "docs");
    assert_eq!(action, "skip");
    assert!(reason.starts_with("unaffected: none of the"), "{reason}");
    repo.write("docs/new.md", "# new\n");
    let affected = dry(&repo, &["--changed-since", "HEAD"], &[]);
    let (action, reason) = explained(&affected, "docs");
    assert_eq!(action, "run");
    assert!(
        reason.ends_with("its `paths` match 1 changed file (docs/new.md)"),
        "{reason}"
    );
    let docs = affected["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "docs")
        .unwrap();
    assert_eq!(docs["changed_paths"], serde_json::json!(["docs/new.md"]));

    // None of the dry runs wrote a log or a cache entry.
    assert_eq!(
        std::fs::metadata(&log).unwrap().modified().unwrap(),
        log_before
    );
    assert_eq!(entries(), entries_before);
}

#[test]
fn a_dry_run_says_when_the_cache_is_not_read() {
    let repo = repo_with(
        "[gates.once]\nrun = ['true']\n\n[gates.always]\nrun = ['true']\ncache = false\n",
    );
    assert_eq!(xtask(&repo, &["qa"]).code, Some(0));
    let no_cache = dry(&repo, &["--no-cache"], &[]);
    assert_eq!(
        explained(&no_cache, "once"),
        ("run".into(), "the cache is not read (`--no-cache`)".into())
    );
    let ratchet = dry(&repo, &["--ratchet"], &[]);
    assert_eq!(
        explained(&ratchet, "once").1,
        "the cache is not read: `--ratchet` runs every gate to measure its baseline"
    );
    assert_eq!(
        explained(&no_cache, "always"),
        ("run".into(), "`cache = false`: never cached".into())
    );
}
