//! `qa GATE -- ARGS` (extra arguments for one gate), `--skip GATE`, and a gate's
//! `description` in `--list` and the reports.

use crate::qa_support;
use qa_support::*;

const GATES: &str = "\
[gates.first]
run = ['python3', '-c', 'import os, sys; os.makedirs(\"target\", exist_ok=True); open(\"target/argv.txt\", \"w\").write(repr(sys.argv[1:]))']
description = 'records its arguments'

[gates.line]
run = \"mkdir -p target; printf '%s|' > target/line.txt\"
shell = true

[gates.after]
run = 'true'
needs = ['first']
";

/// `xtask ARGS --root REPO -- EXTRA` (`--root` must come before the separator).
fn with_extra(repo: &testkit::GitRepo, args: &[&str], extra: &[&str]) -> Run {
    let out = command(repo, args)
        .arg("--")
        .args(extra)
        .output()
        .expect("run xtask");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn arguments_after_the_separator_go_to_the_one_gate_named_and_into_its_key() {
    let repo = repo_with(GATES);
    let r = with_extra(&repo, &["qa", "first"], &["a b", "$HOME", "-k"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(repo.read("target/argv.txt"), "['a b', '$HOME', '-k']");
    // Shell-quoted onto a shell line: no word splitting, no expansion.
    let r = with_extra(&repo, &["qa", "line"], &["a b", "$HOME", "it's"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(repo.read("target/line.txt"), "a b|$HOME|it's|");
    // Other arguments are another key: not answered from the first run's pass.
    let r = with_extra(&repo, &["qa", "first"], &["other"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("(cached)"), "{}", r.stderr);
    assert_eq!(repo.read("target/argv.txt"), "['other']");
    let r = with_extra(&repo, &["qa", "first"], &["other"]);
    assert!(r.stderr.contains("[pass] first (cached)"), "{}", r.stderr);

    for (args, wanted) in [
        (&["qa", "--", "x"][..], "name exactly one before `--`"),
        (
            &["qa", "first", "line", "--", "x"][..],
            "name exactly one before `--`",
        ),
        (&["qa", "nope", "--", "x"][..], "no gate is called `nope`"),
    ] {
        let r = xtask(&repo, args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(wanted), "{args:?}: {}", r.stderr);
    }
    let repo = repo_with("[gates.fmt]\nrun = 'builtin:format-check'\n");
    let r = with_extra(&repo, &["qa", "fmt"], &["--lines"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("takes no extra arguments"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_skipped_gate_ends_skipped_and_what_needs_it_still_runs() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let r = xtask(
        &repo,
        &[
            "qa",
            "--skip",
            "first",
            "--skip",
            "line",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let report = json_report(&json);
    assert_eq!(
        statuses(&report),
        [("first", "skipped"), ("line", "skipped"), ("after", "pass")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(report["gates"][0]["reason"], "skipped: --skip first");
    assert!(!repo.path("target/argv.txt").exists(), "a skipped gate ran");

    let r = xtask(&repo, &["qa", "--dry-run", "--skip", "first"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("skipped: --skip first"), "{}", r.stdout);

    let r = xtask(&repo, &["qa", "--skip", "frist"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no gate is called `frist` (did you mean `first`?)"),
        "{}",
        r.stderr
    );
    // Under CI, skipping every gate is a run that checked nothing.
    let r = xtask_env(
        &repo,
        &["qa", "--skip", "first", "--skip", "line", "--skip", "after"],
        &[("CI", "true".as_ref())],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
}

#[test]
fn a_description_is_in_the_list_and_the_reports() {
    let repo = repo_with(GATES);
    let r = xtask(&repo, &["qa", "--list"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("first ")).unwrap();
    assert_eq!(
        lines[at + 1].trim(),
        "records its arguments",
        "{}",
        r.stdout
    );
    let r = xtask(&repo, &["qa", "--list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(list[0]["description"], "records its arguments");
    assert_eq!(list[1]["description"], serde_json::Value::Null);
    let dir = tempfile::tempdir().unwrap();
    let (json, md) = (dir.path().join("qa.json"), dir.path().join("qa.md"));
    let r = xtask(
        &repo,
        &[
            "qa",
            "first",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        json_report(&json)["gates"][0]["description"],
        "records its arguments"
    );
    let md = std::fs::read_to_string(md).unwrap();
    assert!(
        md.contains("- first (records its arguments): **pass**"),
        "{md}"
    );
    assert!(
        md.contains("\n\n1 gate in "),
        "one gate, not `1 gates`: {md}"
    );
}
