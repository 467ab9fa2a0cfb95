//! `cargo xtask qa` end to end: the built binary on temp git repositories. A failure blocks
//! exactly its dependants, timeouts kill whole process groups, missing tools skip with their
//! hint, Ctrl-C kills every child and still writes the reports, and every report parses.

use crate::qa_support;

use std::process::Stdio;

use qa_support::*;
use repo::process::has_ended;

#[test]
fn a_failure_blocks_exactly_its_dependants_and_every_report_parses() {
    let repo = repo_with(
        "[qa]\njobs = 2\n\n\
         [gates.lint]\nrun = ['sh', '-c', 'echo linted']\nowner = 'Engineering'\n\n\
         [gates.tests]\nrun = ['sh', '-c', 'printf \"\\033[31mboom\\033[0m ]]> <&>\\n\\377\\376\\n\"; exit 3']\n\
         owner = 'Engineering'\n\n\
         [gates.coverage]\nrun = 'true'\nneeds = ['tests']\nowner = 'QA'\n\n\
         [gates.build]\nrun = 'true'\nneeds = ['coverage', 'lint']\n\n\
         [gates.security]\nrun = 'sh -c \"echo scanned\"'\nowner = 'Security'\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let md = dir.path().join("qa.md");
    let junit = dir.path().join("qa.xml");
    let run = xtask(
        &repo,
        &[
            "qa",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&json);
    assert_eq!(
        statuses(&report),
        [
            ("lint", "pass"),
            ("tests", "fail"),
            ("coverage", "blocked"),
            ("build", "blocked"),
            ("security", "pass"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["outcome"], "fail");
    let tests = gate(&report, "tests");
    assert_eq!(tests["exit_code"], 3);
    assert_eq!(tests["log"], "target/xtask/qa/tests.log");
    assert_eq!(tests["reason"], "exited 3");
    assert_eq!(gate(&report, "coverage")["blocked_by"], "tests");
    // A gate that never ran has its times as null, written, as docs/reference/qa-report.md says.
    let coverage = gate(&report, "coverage").as_object().unwrap();
    for key in ["start_s", "duration_s", "exit_code", "baseline"] {
        assert_eq!(coverage.get(key), Some(&serde_json::Value::Null), "{key}");
    }
    assert_eq!(
        gate(&report, "build")["reason"],
        "needs `coverage`, which was blocked"
    );
    assert_eq!(repo.read("target/xtask/qa/lint.log"), "linted\n");

    // The terminal: plain lines as gates end, the failing gate's tail, a summary.
    assert!(run.stderr.contains("[fail] tests "), "{}", run.stderr);
    // Its colours are stripped off a TTY (qa_ansi.rs); the log keeps them.
    assert!(run.stderr.contains("    boom ]]> <&>"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("[blocked] coverage: needs `tests`, which failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("qa: FAIL in "), "{}", run.stderr);

    let md = std::fs::read_to_string(&md).unwrap();
    let lines: Vec<&str> = md.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(lines.len(), 5, "{md}");
    assert!(
        lines[1].starts_with(
            "- tests: **fail** — `sh -c 'printf \"\\033[31mboom\\033[0m ]]> <&>\\n\\377\\376\\n\"; exit 3'` exited 3 after "
        ) && lines[1].ends_with(" s (owner: Engineering)"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "- coverage: **blocked** — needs `tests`, which failed; `true` did not run (owner: QA)"
    );
    assert!(md.contains("| Gate | Status | Duration | Owner | Reason |"));

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 5);
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("tests has a failure");
    assert!(failure.text().unwrap_or("").contains("boom ]]> <&>"));
}

#[test]
fn the_reproduce_command_pastes_into_a_shell() {
    let repo = repo_with(
        r#"[gates.quoted]
run = ["sh", "-c", "test \"$1\" = \"it's here\" && test \"$GREETING\" = \"hello world\"", "sh", "it's here"]
env = { GREETING = "hello world" }
cwd = "sub"
"#,
    );
    std::fs::create_dir_all(repo.path("sub")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask(&repo, &["qa", "--json", json.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report = json_report(&json);
    let command = gate(&report, "quoted")["command"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        command.starts_with("cd sub && GREETING='hello world' sh -c "),
        "{command}"
    );
    let pasted = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(repo.root())
        .status()
        .unwrap();
    assert!(pasted.success(), "the reproduce command fails: {command}");
}

#[test]
fn a_timeout_kills_the_gate_and_its_grandchildren() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let repo = repo_with(&format!(
        "[gates.hang]\nrun = \"sh -c 'trap \\\"\\\" TERM; echo $$ > {}; exec sleep 60' & sleep 60\"\n\
         shell = true\ntimeout = 1\n\n[gates.after]\nrun = 'true'\nneeds = ['hang']\n\n\
         [gates.other]\nrun = 'true'\n",
        pidfile.display()
    ));
    let json = dir.path().join("qa.json");
    let started = std::time::Instant::now();
    let run = xtask(&repo, &["qa", "--json", json.to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // The limit (1 s) plus the SIGTERM-to-SIGKILL grace (2 s), plus start-up slack.
    assert!(took.as_secs_f64() < 5.5, "took {took:?}");
    let report = json_report(&json);
    assert_eq!(
        statuses(&report),
        [("hang", "timeout"), ("after", "blocked"), ("other", "pass")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let hang = gate(&report, "hang");
    assert!(hang["duration_s"].as_f64().unwrap() < 4.0, "{hang}");
    assert_eq!(
        hang["reason"],
        "timed out after 1.0 s; its process group was killed"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_for(2.0, || has_ended(pid)),
        "grandchild {pid} outlived its gate"
    );
}

#[test]
fn a_missing_tool_is_skipped_with_its_install_hint() {
    let repo = repo_with(
        "[gates.audit]\nrun = ['cargo-deny-not-installed', 'check']\ntool = 'cargo-deny-not-installed'\n\
         install = 'cargo install --locked cargo-deny'\nowner = 'Security'\n\n\
         [gates.report]\nrun = 'true'\nneeds = ['audit']\n\n\
         [gates.broken]\nrun = ['no-such-program-xyz']\nallow_failure = true\n\n\
         [gates.fine]\nrun = 'true'\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let md = dir.path().join("qa.md");
    let run = xtask(
        &repo,
        &[
            "qa",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
    );
    let report = json_report(&json);
    assert_eq!(
        statuses(&report),
        [
            ("audit", "skipped"),
            ("report", "blocked"),
            ("broken", "error"),
            ("fine", "pass")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        gate(&report, "audit")["reason"],
        "`cargo-deny-not-installed` is not on PATH; install it: cargo install --locked cargo-deny"
    );
    assert_eq!(
        gate(&report, "broken")["reason"],
        "`no-such-program-xyz` was not found on PATH"
    );
    // `report` was blocked and is required: the run fails.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains(
        "- audit: **skipped** — `cargo-deny-not-installed` is not on PATH; install it: cargo install --locked cargo-deny; `cargo-deny-not-installed check` did not run (owner: Security)"
    ), "{md}");
    assert!(md.contains("- broken: **error** — "), "{md}");
    assert!(md.contains("(allowed to fail)"), "{md}");
}

#[test]
fn skipped_and_allowed_failures_do_not_fail_the_run() {
    let repo = repo_with(
        "[gates.audit]\nrun = 'deny-missing'\ntool = 'deny-missing'\n\n\
         [gates.flaky]\nrun = 'false'\nallow_failure = true\n\n[gates.ok]\nrun = 'true'\n",
    );
    let run = xtask(&repo, &["qa"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("[fail] flaky"), "{}", run.stderr);
}

#[test]
fn sigint_kills_every_child_writes_the_reports_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path();
    let repo = repo_with(&format!(
        "[qa]\njobs = 2\n\n\
         [gates.one]\nrun = \"sleep 60 & echo $! > {p}/one.pid; wait\"\nshell = true\n\n\
         [gates.two]\nrun = \"sleep 60 & echo $! > {p}/two.pid; wait\"\nshell = true\n\n\
         [gates.three]\nrun = 'true'\nneeds = ['one']\n\n[gates.four]\nrun = 'sleep 60'\n",
        p = pids.display()
    ));
    let json = dir.path().join("qa.json");
    let junit = dir.path().join("qa.xml");
    let child = command(
        &repo,
        &[
            "qa",
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    assert!(
        wait_for(20.0, || pids.join("one.pid").exists()
            && pids.join("two.pid").exists()),
        "the gates did not start"
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    for name in ["one", "two"] {
        let pid: i32 = std::fs::read_to_string(pids.join(format!("{name}.pid")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(
            wait_for(2.0, || has_ended(pid)),
            "{name}'s sleep {pid} is still alive"
        );
    }
    let report = json_report(&json);
    assert_eq!(report["outcome"], "interrupted");
    assert_eq!(
        statuses(&report),
        [
            ("one", "skipped"),
            ("two", "skipped"),
            ("three", "skipped"),
            ("four", "skipped")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        gate(&report, "one")["reason"],
        "interrupted while running; its process group was killed"
    );
    assert_eq!(
        gate(&report, "four")["reason"],
        "interrupted before it started"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    roxmltree::Document::parse(&xml).unwrap();
}

#[test]
fn gates_sharing_a_lock_never_overlap_and_jobs_caps_parallelism() {
    let repo = repo_with(
        "[qa]\njobs = 3\n\n\
         [gates.a]\nrun = 'sleep 0.3'\nlock = 'target'\n\n\
         [gates.b]\nrun = 'sleep 0.3'\nlock = 'target'\n\n\
         [gates.c]\nrun = 'sleep 0.3'\n\n[gates.d]\nrun = 'sleep 0.3'\n\n[gates.e]\nrun = 'sleep 0.3'\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask(
        &repo,
        &["qa", "--jobs", "2", "--json", json.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report = json_report(&json);
    assert_eq!(report["jobs"], 2);
    let spans: Vec<(String, f64, f64)> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let s = g["start_s"].as_f64().unwrap();
            (
                g["name"].as_str().unwrap().to_string(),
                s,
                s + g["duration_s"].as_f64().unwrap(),
            )
        })
        .collect();
    let (a, b) = (&spans[0], &spans[1]);
    assert!(a.2 <= b.1 || b.2 <= a.1, "a and b overlap: {spans:?}");
    // Never more than 2 at once: at each start, count the gates running.
    for (name, start, _) in &spans {
        let running = spans
            .iter()
            .filter(|(_, s, e)| s <= start && start < e)
            .count();
        assert!(
            running <= 2,
            "{running} gates running when {name} started: {spans:?}"
        );
    }
}

#[test]
fn naming_gates_runs_them_and_what_they_need() {
    let repo = repo_with(
        "[gates.a]\nrun = 'true'\n[gates.b]\nrun = 'true'\nneeds = ['a']\n\
         [gates.c]\nrun = 'false'\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask(&repo, &["qa", "b", "--json", json.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        statuses(&json_report(&json)),
        [("a", "pass"), ("b", "pass")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let run = xtask(&repo, &["qa", "bb"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("no gate is called `bb` (did you mean `b`?); the gates are `a`, `b` or `c`"),
        "{}",
        run.stderr
    );
}

#[test]
fn fail_fast_stops_starting_gates() {
    let repo = repo_with("[qa]\njobs = 1\n[gates.a]\nrun = 'false'\n[gates.b]\nrun = 'true'\n");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let run = xtask(
        &repo,
        &["qa", "--fail-fast", "--json", json.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(1));
    let report = json_report(&json);
    assert_eq!(gate(&report, "b")["status"], "skipped");
    assert_eq!(
        gate(&report, "b")["reason"],
        "--fail-fast: `a` did not pass"
    );
}

#[test]
fn github_actions_get_a_step_summary_annotations_and_folded_logs() {
    let repo = repo_with(
        "[gates.tests]\nrun = ['sh', '-c', 'echo 1 passed; echo 1 failed >&2; exit 1']\n\
         [gates.lint]\nrun = ['echo', 'clean']\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let run = xtask_env(
        &repo,
        &["qa"],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n## Quality gates: fail\n"),
        "{text}"
    );
    assert!(text.contains("- tests: **fail** — "), "{text}");
    // The failed gate's log is folded (fenced against workflow commands); a pass has no group.
    assert!(
        run.stdout
            .contains("::group::tests (fail)\n::stop-commands::")
            && run.stdout.contains(
                "\n$ sh -c 'echo 1 passed; echo 1 failed >&2; exit 1'\n1 passed\n1 failed\n\
                 [qa] the whole log is "
            ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("::group::lint"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "::error title=qa%3A tests fail::exited 1%0AReproduce: sh -c 'echo 1 passed; echo 1 failed >&2; exit 1'%0A1 passed%0A1 failed\n"
        ),
        "{}",
        run.stdout
    );
    // Outside GitHub Actions, nothing of it.
    let run = xtask(&repo, &["qa"]);
    assert!(!run.stdout.contains("::group::"));
}
