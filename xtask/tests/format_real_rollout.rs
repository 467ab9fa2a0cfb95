//! End-to-end tests of the rollout on a real repository (issue 13), with the built binary, both
//! pinned ruffs and the real rustfmt: unparseable files are their own kind, every hint
//! `format enforce` prints is a command that works, `plan --update` keeps the plan's settings,
//! and `format check` counts the files the formatter considers.

use crate::format_support;

use format_support::*;

/// A Python repository with two unformatted files, a formatted one and one that does not
/// parse (`tools/broken.py`, error at 1:7).
fn broken_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("pyproject.toml", "[tool.ruff]\nline-length = 88\n");
    repo.write("pkg/a.py", "x=1\n");
    repo.write("pkg/b.py", "y=2\n");
    repo.write("ok.py", "z = 3\n");
    repo.write("tools/broken.py", "def f(:\n    pass\n");
    repo.commit("initial");
    repo
}

/// Runs `xtask` with the given ruff venv first on PATH.
fn with_ruff(venv: &str, repo: &GitRepo, args: &[&str]) -> Run {
    xtask_path(repo, args, &[], testkit::Venv::get(venv).path_env())
}

#[test]
fn an_unparseable_file_is_its_own_kind_with_both_pinned_ruffs() {
    for venv in ["test", "ruff-old"] {
        let repo = broken_repo();
        let run = |args: &[&str]| with_ruff(venv, &repo, args);

        // check: its own count, with ruff's place and message.
        let r = run(&["format", "check"]);
        assert_eq!(r.code, 1, "{venv}: {r}");
        assert!(
            r.stdout
                .contains("2 of 4 file(s) would be reformatted, 1 cannot be parsed\n"),
            "{venv}: {r}"
        );
        assert!(
            r.stdout.contains(
                "  error: tools/broken.py:1:7: ruff cannot parse it: Expected a parameter"
            ),
            "{venv}: {r}"
        );

        // Day one, before any plan: it fails as unparseable, never as new code.
        let r = run(&["format", "enforce"]);
        assert_eq!(r.code, 1, "{venv}: {r}");
        let line = r
            .stdout
            .lines()
            .find(|l| l.contains("tools/broken.py"))
            .unwrap_or_else(|| panic!("{venv}: {r}"));
        assert!(
            line.starts_with("error: tools/broken.py:1:7: ruff cannot parse it: Expected")
                && !line.contains("new code"),
            "{venv}: {r}"
        );

        // plan: listed apart, recorded, the rest planned.
        let r = run(&["format", "plan"]);
        assert_eq!(r.code, 0, "{venv}: {r}");
        assert!(
            r.stdout.contains("unparseable, not planned (1)")
                && r.stdout
                    .contains("  tools/broken.py:1:7: ruff cannot parse it"),
            "{venv}: {r}"
        );
        let plan = repo.read(".xtask/format-plan.toml");
        assert!(
            plan.contains("unparseable = [\n  \"tools/broken.py\",\n]\n"),
            "{plan}"
        );
        assert_eq!(batch_ids(&plan), ["pkg"], "{plan}");
        repo.commit("plan");

        // Known when the plan was made: a warning, enforce passes.
        let r = run(&["format", "enforce"]);
        assert_eq!(r.code, 0, "{venv}: {r}");
        assert!(
            r.stdout
                .contains("warning: tools/broken.py:1:7: ruff cannot parse it: Expected")
                && r.stdout.contains("(unparseable when the plan was made"),
            "{venv}: {r}"
        );
        assert!(
            r.stdout
                .contains(", 2 pending in the plan (not enforced yet), 1 unparseable\n"),
            "{venv}: {r}"
        );
        let r = run(&["format", "status"]);
        assert!(
            r.stdout.contains(", 1 file(s) unparseable\n"),
            "{venv}: {r}"
        );

        // A file that breaks after the plan fails enforce.
        repo.write("ok.py", "z = (\n");
        let r = run(&["format", "enforce"]);
        assert_eq!(r.code, 1, "{venv}: {r}");
        assert!(
            r.stdout.contains("error: ok.py:")
                && r.stdout
                    .contains("(not unparseable when the plan was made: it broke since)"),
            "{venv}: {r}"
        );
        // ... unless xtask.toml says warn.
        repo.write("xtask.toml", "[format]\nunparseable = \"warn\"\n");
        let r = run(&["format", "enforce"]);
        assert_eq!(r.code, 0, "{venv}: {r}");
        assert!(r.stdout.contains("warning: ok.py:"), "{venv}: {r}");
        std::fs::remove_file(repo.path("xtask.toml")).unwrap();
        repo.git(&["checkout", "--", "ok.py"]);

        // A file of a done batch that stops parsing fails enforce.
        let r = run(&["format", "--batch", "pkg"]);
        assert_eq!(r.code, 0, "{venv}: {r}");
        repo.commit("format pkg");
        repo.write("pkg/a.py", "x = [\n");
        let r = run(&["format", "enforce"]);
        assert_eq!(r.code, 1, "{venv}: {r}");
        assert!(
            r.stdout.contains("error: pkg/a.py:") && r.stdout.contains("(in done batch `pkg`)"),
            "{venv}: {r}"
        );
    }
}

#[test]
fn a_rust_file_rustfmt_cannot_parse_is_reported_with_its_place() {
    let repo = rust_repo();
    repo.write("crates/alpha/src/util.rs", "pub fn u( -> u32 {\n");
    repo.commit("break util");
    let r = xtask(&repo, &["format", "check"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout
            .contains("  error: crates/alpha/src/util.rs:1:20: rustfmt cannot parse it: this file contains an unclosed delimiter\n"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 1, "{r}");
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("util.rs"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        line.starts_with("error: crates/alpha/src/util.rs:1:20: rustfmt cannot parse it")
            && !line.contains("new code"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        repo.read(".xtask/format-plan.toml")
            .contains("unparseable = [\n  \"crates/alpha/src/util.rs\",\n]\n"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "enforce"]);
    assert!(
        r.stdout
            .contains("warning: crates/alpha/src/util.rs:1:20: rustfmt cannot parse it"),
        "{r}"
    );
}

/// The backquoted command of the `hint:` line that contains `needle`, run as printed (the
/// leading `cargo xtask` is this test's binary).
fn run_hint(repo: &GitRepo, text: &str, needle: &str) -> Run {
    let line = text
        .lines()
        .find(|l| l.starts_with("hint: ") && l.contains(needle))
        .unwrap_or_else(|| panic!("no hint with {needle} in\n{text}"));
    let cmd = line.split('`').nth(1).expect("a backquoted command");
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(&words[..2], ["cargo", "xtask"], "{line}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(&words[2..])
        .env("PATH", testkit::Venv::test().path_env())
        .env("SOURCE_DATE_EPOCH", "1795521600")
        .env("CARGO", env!("CARGO"))
        .env_remove("XTASK_INVOCATION")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run the hint");
    assert!(words.contains(&"--root"), "{line}");
    let _ = repo;
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn every_enforce_hint_is_a_command_that_works() {
    let repo = python_repo(28);
    assert_eq!(
        xtask(&repo, &["format", "plan", "--max-files", "5"]).code,
        0
    );
    repo.commit("plan");
    let r = xtask(&repo, &["format", "--batch", "lib"]);
    assert_eq!(r.code, 0, "{r}");
    repo.commit("format lib");

    // A done batch without --reapply says which command does it; that command works.
    let r = xtask(&repo, &["format", "--batch", "lib"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains(
            "batch `lib` is already done; to format its files again run `cargo xtask --root "
        ),
        "{r}"
    );

    // Drift a file of the done batch (uncommitted, as on a laptop): the hint re-applies it.
    let lib_file = batch_files(&repo.read(".xtask/format-plan.toml"), "lib")[0].clone();
    let formatted = repo.read(&lib_file);
    repo.write(&lib_file, "x=1\ny = [1,2]\n");
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 1, "{r}");
    let hinted = run_hint(&repo, &r.stdout, "--reapply");
    assert_eq!(hinted.code, 0, "{hinted}");
    assert!(
        hinted
            .stdout
            .contains("done    lib: 1 of 4 file(s) reformatted"),
        "{hinted}"
    );
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(repo.read(&lib_file), "x = 1\ny = [1, 2]\n");
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(
        plan.contains("status = \"done\"\ndate = \"2026-11-24\""),
        "{plan}"
    );
    repo.write(&lib_file, &formatted);

    // New code: the hint formats exactly the new file, the plan unchanged.
    repo.write("app/new module.py", "def  f():\n  return 1\n");
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 1, "{r}");
    let before = repo.read(".xtask/format-plan.toml");
    let line = r.stdout.lines().find(|l| l.contains("--file")).unwrap();
    assert!(
        line.contains("--file 'app/new module.py' --allow-dirty`"),
        "{line}"
    );
    // The quoted name: run it as a shell would split it.
    let cmd = line.split('`').nth(1).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd.replacen("cargo xtask", env!("CARGO_BIN_EXE_xtask"), 1))
        .env("PATH", testkit::Venv::test().path_env())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.read("app/new module.py"), "def f():\n    return 1\n");
    assert_eq!(repo.read(".xtask/format-plan.toml"), before);
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 0, "{r}");

    // Without a plan, --file works too (the new-code hint is the same).
    std::fs::remove_file(repo.path(".xtask/format-plan.toml")).unwrap();
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 1, "{r}");
    let hinted = run_hint(&repo, &r.stdout, "--file");
    assert_eq!(hinted.code, 0, "{hinted}");
    assert_eq!(xtask(&repo, &["format", "enforce"]).code, 0);
    assert!(!repo.path(".xtask/format-plan.toml").exists());
}

#[test]
fn plan_update_keeps_every_setting_of_the_plan() {
    let repo = python_repo(14);
    repo.write(".github/CODEOWNERS", "/app/ @app-team\n/lib/ @lib-team\n");
    repo.commit("owners");
    let r = xtask(
        &repo,
        &[
            "format",
            "plan",
            "--by-owner",
            "--max-files",
            "3",
            "--max-lines",
            "50",
        ],
    );
    assert_eq!(r.code, 0, "{r}");
    // A version change is noted until an update records the installed version.
    let plan = repo
        .read(".xtask/format-plan.toml")
        .replace("version = \"ruff 0.17.6\"", "version = \"ruff 0.17.5\"");
    repo.write(".xtask/format-plan.toml", &plan);
    let r = xtask(&repo, &["format", "status"]);
    assert!(
        r.stdout
            .contains("note: ruff changed since the plan was made (ruff 0.17.5 -> ruff 0.17.6)"),
        "{r}"
    );
    repo.write("app/fresh/new.py", "a=1\n");
    let r = xtask(&repo, &["format", "plan", "--update"]);
    assert_eq!(r.code, 0, "{r}");
    let updated = repo.read(".xtask/format-plan.toml");
    assert!(
        updated.contains("max_files = 3\nmax_lines = 50\nby_owner = true\n"),
        "{updated}"
    );
    assert!(updated.contains("version = \"ruff 0.17.6\""), "{updated}");
    let r = xtask(&repo, &["format", "status"]);
    assert!(!r.stdout.contains("note:"), "{r}");
    let block = batch_block(&updated, "app/fresh");
    assert!(block.contains("owner = \"@app-team\""), "{block}");
    // What the command line gives wins, and is recorded.
    let r = xtask(&repo, &["format", "plan", "--update", "--max-files", "4"]);
    assert_eq!(r.code, 0, "{r}");
    let again = repo.read(".xtask/format-plan.toml");
    assert!(
        again.contains("max_files = 4\nmax_lines = 50\nby_owner = true\n"),
        "{again}"
    );
}

#[test]
fn check_counts_the_files_the_formatter_considers() {
    // ruff: an `extend-exclude`d folder is not counted, by either ruff.
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[tool.ruff]\nextend-exclude = [\"generated\"]\n",
    );
    for i in 0..5 {
        repo.write(format!("generated/g{i}.py"), "g=1\n");
    }
    repo.write("src/a.py", "a=1\n");
    repo.write("src/b.py", "b = 1\n");
    // ruff 0.17 formats Python blocks in Markdown too: not a file of this formatter.
    repo.write("README.md", "# Demo\n\n```python\nx=1\n```\n");
    repo.commit("initial");
    for venv in ["test", "ruff-old"] {
        let r = with_ruff(venv, &repo, &["format", "check"]);
        assert!(
            r.stdout
                .contains("ruff: 1 of 2 file(s) would be reformatted"),
            "{venv}: {r}"
        );
    }
    // rustfmt: cargo fmt's file set (not the `#[rustfmt::skip] mod generated;` file).
    let repo = rust_repo();
    let r = xtask(&repo, &["format", "check"]);
    assert!(
        r.stdout
            .contains("rustfmt: 5 of 5 file(s) would be reformatted"),
        "{r}"
    );
}
