//! `qa` under GitHub Actions, end to end: a huge log is echoed as a bounded tail (xtask's
//! output and memory stay small), workflow commands in a gate's output are fenced with the
//! runner's `::stop-commands::TOKEN` while our own annotations stay outside, `outcome` and
//! `failed` are appended to `$GITHUB_OUTPUT`, and `qa report merge --github` does the same.

use crate::qa_support;

use qa_support::*;

/// The workflow commands GitHub Actions would run from `output`, simulating the runner: a line
/// is a command when it starts with `::` after leading whitespace, or holds `##[` anywhere;
/// after `::stop-commands::TOKEN` none is run until a line `::TOKEN::` (or `##[TOKEN]`).
/// Returns the commands run and the lines that were read while commands were stopped.
fn commands_run(output: &str) -> (Vec<String>, Vec<String>) {
    let mut run = Vec::new();
    let mut fenced = Vec::new();
    let mut stopped: Option<String> = None;
    for line in output.split(['\n', '\r']) {
        let trimmed = line.trim_start();
        let is_command = trimmed.starts_with("::") || line.contains("##[");
        match &stopped {
            Some(token) => {
                let lower = line.to_ascii_lowercase();
                if trimmed.to_ascii_lowercase() == format!("::{token}::")
                    || lower.contains(&format!("##[{token}]"))
                {
                    stopped = None;
                } else {
                    fenced.push(line.to_string());
                }
            }
            None if is_command => {
                if let Some(token) = trimmed.strip_prefix("::stop-commands::") {
                    stopped = Some(token.to_ascii_lowercase());
                }
                run.push(trimmed.to_string());
            }
            None => {}
        }
    }
    assert!(
        stopped.is_none(),
        "commands stay stopped at the end:\n{output}"
    );
    (run, fenced)
}

/// Only our own commands run: groups, fences, and annotations titled `qa: ...`.
fn assert_only_ours(output: &str) -> Vec<String> {
    let (run, fenced) = commands_run(output);
    for c in &run {
        assert!(
            c.starts_with("::group::")
                || c == "::endgroup::"
                || c.starts_with("::stop-commands::qa")
                || c.starts_with("::error title=qa%3A ")
                || c.starts_with("::error file="),
            "a workflow command that is not ours would run: {c:?}\n{output}"
        );
    }
    fenced
}

const EVIL: &str = "printf '::error::evil one\\n  ::warning::evil two\\nx ##[error]evil three\\n'";

#[test]
fn workflow_commands_in_logs_are_fenced_and_outputs_are_appended() {
    let repo = repo_with(&format!(
        "[gates.evil]\nrun = \"{EVIL}; exit 3\"\nshell = true\n\
         [gates.lint]\nrun = ['true']\n\
         [gates.after]\nrun = ['true']\nneeds = ['evil']\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    std::fs::write(&output, "earlier=1\n").unwrap();
    let run = xtask_env(
        &repo,
        &["qa"],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_OUTPUT", output.as_os_str()),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);

    let fenced = assert_only_ours(&run.stdout);
    for evil in [
        "::error::evil one",
        "  ::warning::evil two",
        "x ##[error]evil three",
    ] {
        assert!(
            fenced.iter().any(|l| l == evil),
            "{evil:?} is not echoed between a stop-commands line and its resume line:\n{}",
            run.stdout
        );
    }
    let (ours, _) = commands_run(&run.stdout);
    assert!(
        ours.iter()
            .any(|c| c.starts_with("::error title=qa%3A evil fail::exited 3")),
        "our annotation runs:\n{}",
        run.stdout
    );
    assert!(ours.contains(&"::group::evil (fail)".to_string()));
    // A gate that passed has no group; a blocked one has no log.
    assert!(!run.stdout.contains("::group::lint"), "{}", run.stdout);
    assert!(!run.stdout.contains("::group::after"), "{}", run.stdout);
    // The terminal view on stderr shows the tail too: fenced as well.
    let fenced = assert_only_ours(&run.stderr);
    assert!(
        fenced.iter().any(|l| l.trim() == "::error::evil one"),
        "{}",
        run.stderr
    );

    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "earlier=1\noutcome=fail\nfailed=[\"evil\",\"after\"]\n"
    );

    // A passing run says so, with no failed gate.
    let repo = repo_with("[gates.lint]\nrun = ['true']\n");
    std::fs::write(&output, "").unwrap();
    let run = xtask_env(
        &repo,
        &["qa"],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_OUTPUT", output.as_os_str()),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "outcome=pass\nfailed=[]\n"
    );
    // Outside GitHub Actions, nothing is written there.
    let run = xtask_env(&repo, &["qa"], &[("GITHUB_OUTPUT", output.as_os_str())]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "outcome=pass\nfailed=[]\n"
    );
}

/// The largest resident set of any child this test process has waited for, in bytes.
fn children_max_rss() -> u64 {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    // Linux reports ru_maxrss in KiB.
    u64::try_from(usage.max_rss()).unwrap_or(0) * 1024
}

#[test]
fn a_huge_log_is_echoed_as_a_bounded_tail_without_reading_it_whole() {
    // 100 MB of output, then a failure.
    let repo = repo_with(
        "[gates.big]\nrun = 'yes | head -c 100000000; echo; echo the last line; exit 1'\nshell = true\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask_env(
        &repo,
        &["qa", "--json", json.to_str().unwrap()],
        &[("GITHUB_ACTIONS", "true".as_ref())],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let peak = children_max_rss();
    assert!(
        peak < 100 * 1024 * 1024,
        "xtask (or a gate) held {} MB",
        peak / 1024 / 1024
    );
    assert!(
        run.stdout.len() < 1024 * 1024,
        "xtask echoed {} bytes",
        run.stdout.len()
    );
    let report = json_report(&json);
    let log = gate(&report, "big")["log"].as_str().unwrap().to_string();
    assert_eq!(
        std::fs::metadata(repo.path(&log)).unwrap().len(),
        100_000_015,
        "the whole log stays on disk"
    );
    let fenced = assert_only_ours(&run.stdout);
    assert!(
        fenced.iter().any(|l| l == "the last line"),
        "{}",
        run.stdout
    );
    assert_eq!(fenced.iter().filter(|l| *l == "y").count(), 198);
    let note = fenced.last().unwrap();
    assert!(
        note.contains("bytes of this log are left out")
            && note.ends_with(&format!("the whole log is {log}")),
        "{note}"
    );
}

#[test]
fn merge_github_is_fenced_bounded_and_writes_outputs() {
    let repo = repo_with(&format!(
        "[gates.evil]\nrun = \"{EVIL}; exit 3\"\nshell = true\n\
         [gates.lint]\nrun = ['true']\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n);
    for k in ["1", "2"] {
        let json = path(&format!("shard{k}.json"));
        let run = xtask(
            &repo,
            &[
                "qa",
                "--shard",
                &format!("{k}/2"),
                "--json",
                json.to_str().unwrap(),
            ],
        );
        assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    }
    // A report whose tail is huge (crafted) is echoed bounded all the same.
    let shard1 = path("shard1.json");
    let mut report = json_report(&shard1);
    assert_eq!(gate(&report, "evil")["status"], "fail");
    let huge = format!("{}\n{}", "z\n".repeat(3_000_000), "::error::evil four");
    for g in report["gates"].as_array_mut().unwrap() {
        if g["name"] == "evil" {
            let tail = g["log_tail"].as_str().unwrap().to_string();
            g["log_tail"] = format!("{huge}\n{tail}").into();
        }
    }
    std::fs::write(&shard1, serde_json::to_string(&report).unwrap()).unwrap();

    let output = path("output");
    std::fs::write(&output, "earlier=1\n").unwrap();
    let run = xtask_env(
        &repo,
        &[
            "qa",
            "report",
            "merge",
            shard1.to_str().unwrap(),
            path("shard2.json").to_str().unwrap(),
            "--github",
        ],
        &[("GITHUB_OUTPUT", output.as_os_str())],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.len() < 512 * 1024, "{} bytes", run.stdout.len());
    let fenced = assert_only_ours(&run.stdout);
    for evil in [
        "::error::evil one",
        "  ::warning::evil two",
        "::error::evil four",
    ] {
        assert!(
            fenced.iter().any(|l| l == evil),
            "{evil:?}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("::error title=qa%3A evil fail::"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "earlier=1\noutcome=fail\nfailed=[\"evil\"]\n"
    );
}
