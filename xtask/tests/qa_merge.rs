//! `qa report merge` refuses shards that do not make one whole run, end to end: a missing
//! shard, a shard given twice, a shard of another plan, a different `N`, sharded and unsharded
//! reports mixed (exit 1, naming the files); unsharded reports merge as before.

use crate::qa_support;

use std::path::{Path, PathBuf};

use qa_support::*;

const GATES: &str = "[gates.a]\nrun = 'true'\n[gates.b]\nrun = 'true'\n[gates.c]\nrun = 'true'\n";

/// Runs `qa --shard K/N` (or unsharded with `None`) and returns the JSON report's path.
fn shard(repo: &GitRepo, dir: &Path, name: &str, k_n: Option<&str>) -> PathBuf {
    let json = dir.join(name);
    let mut args = vec!["qa", "--no-cache", "--json", json.to_str().unwrap()];
    if let Some(k_n) = k_n {
        args.extend(["--shard", k_n]);
    }
    let run = xtask(repo, &args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    json
}

fn merge(repo: &GitRepo, reports: &[&Path]) -> Run {
    let mut args = vec!["qa", "report", "merge"];
    args.extend(reports.iter().map(|p| p.to_str().unwrap()));
    xtask(repo, &args)
}

#[test]
fn shard_reports_record_their_shard_and_plan() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    let one = json_report(&shard(&repo, dir.path(), "1.json", Some("1/3")));
    let three = json_report(&shard(&repo, dir.path(), "3.json", Some("3/3")));
    assert_eq!(one["shard"]["index"], 1);
    assert_eq!(one["shard"]["count"], 3);
    assert_eq!(three["shard"]["index"], 3);
    let digest = one["shard"]["plan_digest"].as_str().unwrap();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    assert_eq!(three["shard"]["plan_digest"], digest);
    // The same plan in another checkout (another path) has the same digest.
    let elsewhere = repo_with(GATES);
    let other = json_report(&shard(&elsewhere, dir.path(), "o.json", Some("2/3")));
    assert_eq!(other["shard"]["plan_digest"], digest);
    // An unsharded run records no shard.
    let whole = json_report(&shard(&repo, dir.path(), "w.json", None));
    assert!(whole.get("shard").is_none(), "{whole}");
}

#[test]
fn merge_fails_on_a_missing_repeated_or_foreign_shard() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s1 = shard(&repo, d, "s1.json", Some("1/3"));
    let s2 = shard(&repo, d, "s2.json", Some("2/3"));
    let s3 = shard(&repo, d, "s3.json", Some("3/3"));
    let again = d.join("again.json");
    std::fs::copy(&s1, &again).unwrap();
    let whole = shard(&repo, d, "whole.json", None);
    let half = shard(&repo, d, "half.json", Some("1/2"));
    let name = |p: &Path| p.display().to_string();

    // All three: fine.
    let run = merge(&repo, &[&s1, &s2, &s3]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // 1/3 with 3/3: shard 2 is missing (this said `pass` before).
    let run = merge(&repo, &[&s1, &s3]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("shard 2/3 is missing"),
        "{}",
        run.stderr
    );

    // A shard given twice.
    let run = merge(&repo, &[&s1, &again, &s2, &s3]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "shard 1/3 given twice: {}, {}",
            name(&s1),
            name(&again)
        )),
        "{}",
        run.stderr
    );

    // A shard of another plan: the same shard after xtask.toml changed.
    repo.write("xtask.toml", format!("{GATES}[gates.d]\nrun = 'true'\n"));
    let foreign = shard(&repo, d, "foreign.json", Some("2/3"));
    let run = merge(&repo, &[&s1, &s3, &foreign]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{} is from another plan (digest sha256:",
            name(&foreign)
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("shard 2/3 is missing"),
        "{}",
        run.stderr
    );

    // Sharded and unsharded reports mixed.
    let run = merge(&repo, &[&s1, &s2, &s3, &whole]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{} is not from a sharded run", name(&whole))),
        "{}",
        run.stderr
    );

    // Shards of different N.
    let run = merge(&repo, &[&s1, &s2, &s3, &half]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{} is shard 1/2 but {} is shard 1/3",
            name(&half),
            name(&s1)
        )),
        "{}",
        run.stderr
    );
    // Nothing is written when the merge is refused.
    let out = d.join("merged.json");
    let run = xtask(
        &repo,
        &[
            "qa",
            "report",
            "merge",
            s1.to_str().unwrap(),
            "--json",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!out.exists());
}

#[test]
fn unsharded_reports_merge_as_before() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    let first = shard(&repo, dir.path(), "first.json", None);
    repo.write("xtask.toml", "[gates.e]\nrun = 'false'\n");
    let second = dir.path().join("second.json");
    let run = xtask(&repo, &["qa", "--json", second.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let merged = dir.path().join("merged.json");
    let run = xtask(
        &repo,
        &[
            "qa",
            "report",
            "merge",
            first.to_str().unwrap(),
            second.to_str().unwrap(),
            "--json",
            merged.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&merged);
    assert_eq!(
        statuses(&report),
        [("a", "pass"), ("b", "pass"), ("c", "pass"), ("e", "fail")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert!(report.get("shard").is_none());
}
