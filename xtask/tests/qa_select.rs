//! `qa` for CI and repeat runs, end to end: the result cache (a second unchanged run is
//! cached; touching an input, changing the argv or the env reruns; a corrupt entry is
//! ignored), `--changed-since` on a real git history, `--list --json`, and `--shard` with
//! `qa report merge` giving the same statuses as one unsharded run.

use crate::qa_support;

use qa_support::*;

fn cached(report: &serde_json::Value, name: &str) -> bool {
    gate(report, name)["cached"].as_bool().unwrap()
}

#[test]
fn an_unchanged_gate_is_cached_and_any_change_reruns_it() {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.count]\nrun = ['sh', '-c', 'cat src/*.txt; echo ran >> runs']\ninputs = ['src/**']\n\n\
         [gates.all]\nrun = ['true']\n\n[gates.failing]\nrun = ['false']\nallow_failure = true\n",
    );
    repo.write(".gitignore", "runs\n");
    repo.write("src/a.txt", "a\n");
    repo.commit("init");
    let runs = || {
        std::fs::read_to_string(repo.path("runs"))
            .unwrap_or_default()
            .lines()
            .count()
    };

    let (first, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(!cached(&report, "count"));
    assert_eq!(runs(), 1);

    let (second, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(cached(&report, "count") && cached(&report, "all"));
    assert!(!cached(&report, "failing"), "failures are never cached");
    assert_eq!(gate(&report, "count")["status"], "pass");
    assert!(gate(&report, "count")["duration_s"].as_f64().unwrap() < 0.5);
    assert_eq!(runs(), 1, "a cached gate does not run");
    assert!(second.stderr.contains("[pass] count"), "{}", second.stderr);

    // A file outside `inputs` changes nothing for `count`, but does for `all`.
    repo.write("README", "hello\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(cached(&report, "count"));
    assert!(!cached(&report, "all"));

    // Touching an input reruns it.
    repo.write("src/a.txt", "b\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(!cached(&report, "count"));
    assert_eq!(runs(), 2);

    // --no-cache reruns everything.
    let (_, report) = run_json(&repo, &["qa", "--no-cache"], &[]);
    assert!(!cached(&report, "count"));
    assert_eq!(runs(), 3);

    // Changing the argv reruns it.
    let config = repo.read("xtask.toml").replace("echo ran", "echo  ran");
    repo.write("xtask.toml", &config);
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(!cached(&report, "count"));
    assert_eq!(runs(), 4);
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(cached(&report, "count"));

    // A corrupt entry is a miss, not an error.
    for entry in std::fs::read_dir(repo.path("target/xtask/qa-cache")).unwrap() {
        let entry = entry.unwrap();
        // Entries, and `last.json` (each gate's latest key parts, for `--dry-run`).
        if entry.file_type().unwrap().is_file() {
            std::fs::write(entry.path(), "{not json").unwrap();
        }
    }
    let (run, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!cached(&report, "count"));
    assert_eq!(runs(), 5);
}

#[test]
fn changed_since_runs_only_gates_whose_paths_changed() {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.py]\nrun = 'true'\npaths = ['**/*.py']\n\n[gates.rs]\nrun = 'true'\npaths = ['src/**/*.rs']\n\n\
         [gates.after-rs]\nrun = 'true'\nneeds = ['rs']\n\n[gates.always]\nrun = 'true'\n",
    );
    repo.write("app/a.py", "x = 1\n");
    repo.write("src/lib.rs", "\n");
    repo.commit("init");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.write("app/a.py", "x = 2\n");
    repo.commit("python change");

    let (run, report) = run_json(&repo, &["qa", "--changed-since", "main", "--no-cache"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        statuses(&report),
        [
            ("py", "pass"),
            ("rs", "skipped"),
            ("after-rs", "pass"),
            ("always", "pass")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        gate(&report, "rs")["reason"],
        "unaffected: no file changed since `main` matches its `paths`"
    );

    // An uncommitted (untracked) Rust file counts as changed.
    repo.write("src/new.rs", "\n");
    let (_, report) = run_json(&repo, &["qa", "--changed-since", "main", "--no-cache"], &[]);
    assert_eq!(gate(&report, "rs")["status"], "pass");

    let bad = xtask(&repo, &["qa", "--changed-since", "no-such-ref"]);
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr
            .contains("`git merge-base no-such-ref HEAD` failed"),
        "{}",
        bad.stderr
    );
}

const GRAPH: &str = "[qa]\njobs = 2\n\
    [gates.fmt]\nrun = 'true'\n\
    [gates.lint]\nrun = 'false'\nneeds = ['fmt']\n\
    [gates.types]\nrun = 'true'\nneeds = ['lint']\n\
    [gates.tests]\nrun = 'true'\n\
    [gates.cover]\nrun = 'true'\nneeds = ['tests']\n\
    [gates.audit]\nrun = 'missing-tool-xyz'\ntool = 'missing-tool-xyz'\n\
    [gates.docs]\nrun = 'true'\n";

#[test]
fn list_json_prints_the_gates_for_a_ci_matrix() {
    let repo = repo_with(GRAPH);
    let run = xtask(&repo, &["qa", "--list", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.ends_with("]\n"),
        "no final newline: {:?}",
        run.stdout
    );
    let gates: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = gates
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["fmt", "lint", "types", "tests", "cover", "audit", "docs"]
    );
    assert_eq!(gates[2]["needs"], serde_json::json!(["lint"]));
    let shard = xtask(&repo, &["qa", "--list", "--json", "--shard", "2/2"]);
    let shard: serde_json::Value = serde_json::from_str(&shard.stdout).unwrap();
    let names: Vec<&str> = shard
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tests", "cover", "audit"]);
}

#[test]
fn two_shards_merged_equal_one_unsharded_run() {
    let repo = repo_with(GRAPH);
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (whole, whole_report) = run_json(&repo, &["qa", "--no-cache"], &[]);
    assert_eq!(whole.code, Some(1));
    for k in ["1", "2"] {
        let run = xtask(
            &repo,
            &[
                "qa",
                "--no-cache",
                "--shard",
                &format!("{k}/2"),
                "--json",
                &path(&format!("shard{k}.json")),
            ],
        );
        assert!(run.code == Some(0) || run.code == Some(1), "{}", run.stderr);
    }
    let shard1 = json_report(std::path::Path::new(&path("shard1.json")));
    let shard2 = json_report(std::path::Path::new(&path("shard2.json")));
    let n1 = shard1["gates"].as_array().unwrap().len();
    let n2 = shard2["gates"].as_array().unwrap().len();
    assert_eq!(n1 + n2, 7, "every gate runs in exactly one shard");

    let summary = dir.path().join("summary.md");
    let merged = xtask_env(
        &repo,
        &[
            "qa",
            "report",
            "merge",
            &path("shard1.json"),
            &path("shard2.json"),
            "--json",
            &path("merged.json"),
            "--markdown",
            &path("merged.md"),
            "--junit",
            &path("merged.xml"),
            "--github",
        ],
        &[("GITHUB_STEP_SUMMARY", summary.as_os_str())],
    );
    assert_eq!(merged.code, Some(1), "{}", merged.stderr);
    let merged_report = json_report(std::path::Path::new(&path("merged.json")));
    let mut a = statuses(&whole_report);
    let mut b = statuses(&merged_report);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(merged_report["counts"], whole_report["counts"]);
    assert_eq!(merged_report["outcome"], "fail");
    assert!(
        merged.stdout.contains("::error title=qa%3A lint fail::"),
        "{}",
        merged.stdout
    );
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("- lint: **fail** — ")
    );
    roxmltree::Document::parse(&std::fs::read_to_string(path("merged.xml")).unwrap()).unwrap();

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    let run = xtask(&repo, &["qa", "report", "merge", bad.to_str().unwrap()]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("not a qa report"), "{}", run.stderr);
}
