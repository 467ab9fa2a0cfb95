//! `qa --shard K/N` cut by time, end to end: durations from an earlier run's JSON report
//! (`--timings`) or, without one, from the result cache put the slow gates on different
//! shards while `needs`-connected gates stay together; a gate without a duration weighs the
//! median; the same inputs give the same cut; shards cut by different durations are refused by
//! `qa report merge`.

use crate::qa_support;

use std::path::{Path, PathBuf};

use qa_support::*;

/// Two slow gates, four quick ones, `late` needing `early`.
const GATES: &str = "\
[qa]
jobs = 1

[gates.slow]
run = ['sleep', '0.8']

[gates.mid]
run = ['sleep', '0.5']

[gates.a]
run = ['true']

[gates.b]
run = ['true']

[gates.early]
run = ['true']

[gates.late]
run = ['true']
needs = ['early']
";

/// The gate names of shard `k_n` (`qa --list --json --shard K/N [ARGS]`), and its stderr.
fn shard_gates(repo: &GitRepo, k_n: &str, args: &[&str]) -> (Vec<String>, String) {
    let mut all = vec!["qa", "--list", "--json", "--shard", k_n];
    all.extend(args);
    let run = xtask(repo, &all);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let gates: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names = gates
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    (names, run.stderr)
}

/// A full run's JSON report, in `dir`.
fn timings(repo: &GitRepo, dir: &Path, args: &[&str]) -> PathBuf {
    let path = dir.join("timings.json");
    let mut all = vec!["qa", "--no-cache", "--json", path.to_str().unwrap()];
    all.extend(args);
    let run = xtask(repo, &all);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    path
}

#[test]
fn shards_are_cut_by_the_durations_of_an_earlier_run() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    // Before any run nothing is timed: the cut is by gate count, and says so.
    let (_, note) = shard_gates(&repo, "1/2", &[]);
    assert!(note.contains("cut by gate count"), "{note}");

    let report = timings(&repo, dir.path(), &[]);
    let arg = ["--timings", report.to_str().unwrap()];
    let (one, note) = shard_gates(&repo, "1/2", &arg);
    let (two, _) = shard_gates(&repo, "2/2", &arg);
    assert!(
        note.contains(&format!(
            "cut by durations from {} (6 of 6 gates timed)",
            report.display()
        )),
        "{note}"
    );
    // In tenths, rounded up: slow 9 against mid 6 and the quick ones (1 each; `early` and
    // `late` one group of 2): slow, mid, early+late, a, then b on the lighter first shard.
    assert_eq!(one, ["slow", "b"]);
    assert_eq!(two, ["mid", "a", "early", "late"]);
    // The same report gives the same cut; so do the cache's durations of the same run.
    assert_eq!(shard_gates(&repo, "1/2", &arg).0, one);
    let (cached_one, note) = shard_gates(&repo, "1/2", &[]);
    assert!(
        note.contains("cut by durations from the result cache (6 of 6 gates timed)"),
        "{note}"
    );
    assert_eq!(cached_one, one);
}

#[test]
fn gates_without_a_duration_weigh_the_median() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    // Only slow, mid and a ran: the others weigh the median of their durations (mid's).
    let report = timings(&repo, dir.path(), &["slow", "mid", "a"]);
    let arg = ["--timings", report.to_str().unwrap()];
    let (one, note) = shard_gates(&repo, "1/2", &arg);
    let (two, _) = shard_gates(&repo, "2/2", &arg);
    assert!(
        note.contains("(3 of 6 gates timed; the others weigh the median)"),
        "{note}"
    );
    // In tenths, rounded up: slow 9, mid 6, a 1, and the median 6 for b, early and late.
    // Groups: early+late 12 to shard 1, slow 9 to shard 2, then b (6, before `mid` by name)
    // to shard 2 (15), mid to shard 1 (18), a to shard 2.
    assert_eq!(one, ["mid", "early", "late"]);
    assert_eq!(two, ["slow", "a", "b"]);
}

#[test]
fn merge_refuses_shards_cut_by_different_durations() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    let report = timings(&repo, dir.path(), &[]);
    // Another run's durations, where `mid` was the slow one.
    let mut other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for g in other["gates"].as_array_mut().unwrap() {
        if g["name"] == "mid" {
            g["duration_s"] = serde_json::json!(3.0);
        }
    }
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, other.to_string()).unwrap();
    let shard = |k_n: &str, timings: &Path, out: &str| {
        let out = dir.path().join(out);
        let run = xtask(
            &repo,
            &[
                "qa",
                "--shard",
                k_n,
                "--timings",
                timings.to_str().unwrap(),
                "--json",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        out
    };
    let s1 = shard("1/2", &report, "s1.json");
    let s2 = shard("2/2", &report, "s2.json");
    let s2_other = shard("2/2", &other_path, "s2-other.json");
    let merge = |files: &[&Path]| {
        let mut args = vec!["qa", "report", "merge"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        xtask(&repo, &args)
    };
    let good = merge(&[&s1, &s2]);
    assert_eq!(good.code, Some(0), "{}", good.stderr);
    let bad = merge(&[&s1, &s2_other]);
    assert_eq!(bad.code, Some(1), "{}", bad.stderr);
    assert!(
        bad.stderr.contains(&format!(
            "{} was cut into shards differently from {}",
            s2_other.display(),
            s1.display()
        )) && bad
            .stderr
            .contains("give every shard the same `--timings REPORT.json`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn timings_need_a_shard_and_a_readable_report() {
    let repo = repo_with(GATES);
    let alone = xtask(&repo, &["qa", "--timings", "t.json"]);
    assert_eq!(alone.code, Some(2), "{}", alone.stderr);
    assert!(alone.stderr.contains("--shard"), "{}", alone.stderr);
    let missing = xtask(
        &repo,
        &[
            "qa",
            "--list",
            "--shard",
            "1/2",
            "--timings",
            "/nonexistent/t.json",
        ],
    );
    assert_eq!(missing.code, Some(2), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("/nonexistent/t.json"),
        "{}",
        missing.stderr
    );
}
