//! End-to-end tests of `cargo xtask format` with the built binary, the pinned ruff and the
//! real rustfmt, on git repositories generated in temp dirs: the rollout scenario of issue 4
//! (plan, same plan twice, two batches in parallel, enforce, drift, `plan --update`) for a
//! Python and a Rust repository.

use crate::format_support;

use format_support::*;

#[test]
fn python_rollout_end_to_end() {
    let repo = python_repo(140);
    let r = xtask(&repo, &["format", "check"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout
            .starts_with("ruff: 140 of 145 file(s) would be reformatted"),
        "{r}"
    );

    // Plan, and the same plan again, byte for byte.
    let r = xtask(&repo, &["format", "plan", "--max-files", "25"]);
    assert_eq!(r.code, 0, "{r}");
    let first = repo.read(".xtask/format-plan.toml");
    assert_eq!(
        xtask(&repo, &["format", "plan", "--max-files", "25"]).code,
        0
    );
    assert_eq!(repo.read(".xtask/format-plan.toml"), first);
    let ids = batch_ids(&first);
    assert_eq!(
        ids,
        // Named after their directory; app/billing and app/ui (10 files each) share `app`;
        // app/core/store/sql (30 files) is cut 15 + 15, never 25 + 5 spilled elsewhere.
        [
            "app",
            "app/core",
            "app/core/engine-1",
            "app/core/engine-2",
            "app/core/store/sql-1",
            "app/core/store/sql-2",
            "lib",
            "tools"
        ],
        "{first}"
    );
    assert!(first.contains("version = \"ruff 0.17.6\""), "{first}");
    repo.commit("plan");

    // Two batches in parallel touch exactly their files.
    assert_eq!(batch_files(&first, "app/core/store/sql-1").len(), 15);
    let r = xtask(&repo, &["format", "--batch", "app,lib"]);
    assert_eq!(r.code, 0, "{r}");
    let mut expected: Vec<String> = batch_files(&first, "app");
    expected.extend(batch_files(&first, "lib"));
    expected.push(".xtask/format-plan.toml".to_string());
    expected.sort();
    assert_eq!(changed_files(&repo), expected);
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(
        plan.contains("status = \"done\"\ndate = \"2026-11-24\""),
        "{plan}"
    );
    repo.commit("format two batches");

    // Enforce: done batches formatted, the rest pending.
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("0 must be formatted and are not"), "{r}");

    // Un-format a done file: enforce fails naming it, with a GitHub annotation in CI.
    let done_file = &batch_files(&first, "lib")[0];
    repo.write(done_file, "x=1\n");
    let r = xtask_env(&repo, &["format", "enforce"], &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains(&format!(
            "error: {done_file}: not formatted, 2 line(s) would change (in done batch `lib`)"
        )),
        "{r}"
    );
    assert!(
        r.stdout
            .contains(&format!("::error file={done_file},title=Not formatted::")),
        "{r}"
    );
    assert_eq!(r.stdout.matches("::error").count(), 1, "{r}");
    // `--annotations` overrides what the environment says, and takes only its three values.
    let r = xtask_env(
        &repo,
        &["format", "enforce", "--annotations", "never"],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stdout.contains("::error"), "{r}");
    let r = xtask(&repo, &["format", "enforce", "--annotations", "always"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(r.stdout.matches("::error").count(), 1, "{r}");
    let r = xtask(&repo, &["format", "enforce", "--annotations", "sometimes"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("[possible values: auto, always, never]"),
        "{r}"
    );
    repo.git(&["checkout", "--", done_file]);

    // A new unformatted file fails enforce too.
    repo.write("app/new_module.py", "def  f():\n  return 1\n");
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("error: app/new_module.py: not formatted, 4 line(s) would change (not in the format plan"), "{r}");

    // Status shows progress and drift.
    let r = xtask(&repo, &["format", "status"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("format rollout: 2/8 batches done (25%)"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("drift: unformatted files new since the plan (1):\n  app/new_module.py"),
        "{r}"
    );

    // plan --update: done batches frozen, the new file gets its own batch, a file formatted by
    // hand leaves its pending batch, a deleted file leaves the plan.
    let tools_files = batch_files(&first, "tools");
    repo.write(&tools_files[0], "formatted = 1\n");
    std::fs::remove_file(repo.path(&tools_files[1])).unwrap();
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("already has 2 done batch(es); run `cargo xtask --root ")
            && r.stderr.contains(" format plan --update` to re-plan"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "plan", "--update", "--max-files", "25"]);
    assert_eq!(r.code, 0, "{r}");
    let updated = repo.read(".xtask/format-plan.toml");
    for id in ["app", "lib"] {
        assert_eq!(
            batch_block(&updated, id),
            batch_block(&plan, id),
            "done batch {id} changed"
        );
    }
    assert_eq!(batch_files(&updated, "app-1"), ["app/new_module.py"]);
    let tools_now = batch_files(&updated, "tools");
    assert_eq!(tools_now.len(), tools_files.len() - 2);
    assert!(!tools_now.contains(&tools_files[0]) && !tools_now.contains(&tools_files[1]));
    let r = xtask(&repo, &["format", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["batches"],
        serde_json::json!({"done": 2, "pending": 7}),
        "{r}"
    );
    assert_eq!(json["drift"]["new"], serde_json::json!([]), "{r}");
}

#[test]
fn rust_rollout_end_to_end() {
    let repo = rust_repo();
    let r = xtask(&repo, &["format", "check", "--json"]);
    assert_eq!(r.code, 1, "{r}");
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let pending: Vec<&str> = json["formatters"][0]["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    // The `#[rustfmt::skip] mod generated;` file is not pending: cargo fmt's own file set.
    assert_eq!(
        pending,
        [
            "crates/alpha/src/lib.rs",
            "crates/alpha/src/util.rs",
            "crates/beta/src/lib.rs",
            "crates/beta/src/nested/deep.rs",
            "crates/beta/src/nested/mod.rs"
        ]
    );
    let r = xtask(&repo, &["format", "plan", "--max-files", "2"]);
    assert_eq!(r.code, 0, "{r}");
    let plan = repo.read(".xtask/format-plan.toml");
    assert_eq!(
        batch_ids(&plan),
        [
            "crates/alpha/src",
            "crates/beta/src",
            "crates/beta/src/nested"
        ],
        "{plan}"
    );
    repo.commit("plan");
    // skip_children: formatting `nested/mod.rs` leaves `nested/deep.rs` alone.
    let r = xtask(
        &repo,
        &["format", "--batch", "crates/alpha/src,crates/beta/src"],
    );
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        changed_files(&repo),
        [
            ".xtask/format-plan.toml",
            "crates/alpha/src/lib.rs",
            "crates/alpha/src/util.rs",
            "crates/beta/src/lib.rs"
        ]
    );
    // beta is edition 2024: its let-chain only parses with the crate's edition.
    assert!(
        repo.read("crates/beta/src/lib.rs")
            .contains("if let Some(x) = a\n        && x > 1\n"),
        "{}",
        repo.read("crates/beta/src/lib.rs")
    );
    repo.commit("format");
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("2 pending in the plan"), "{r}");
    let r = xtask(&repo, &["format", "--next", "1", "--commit"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        changed_files(&repo).is_empty(),
        "{:?}",
        changed_files(&repo)
    );
    let log = repo.git(&["log", "--format=%s"]);
    assert!(log.starts_with("format: record the commits of batches crates/beta/src/nested in .git-blame-ignore-revs\nformat: apply batch `crates/beta/src/nested` (rustfmt, 2 of 2 files in crates/beta/src/nested)\n"), "{log}");
    let head1 = repo.git(&["rev-parse", "HEAD~1"]);
    assert!(repo.read(".git-blame-ignore-revs").contains(head1.trim()));
    assert!(
        repo.read(".xtask/format-plan.toml")
            .contains(&format!("commit = \"{}\"", head1.trim()))
    );
    let r = xtask(&repo, &["format", "check"]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn a_root_below_the_git_top_level_commits_and_records_blame_at_the_top() {
    let repo = GitRepo::new();
    repo.write("README.md", "top\n");
    repo.write("py/pyproject.toml", "[tool.ruff]\nline-length = 88\n");
    repo.write("py/pkg/a.py", "a=1\n");
    repo.write("py/pkg/b.py", "b=1\n");
    repo.commit("initial");
    let sub = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        let root = repo.path("py");
        all.extend(["--root", root.to_str().unwrap()]);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(&all)
            .env("PATH", testkit::Venv::test().path_env())
            .env("SOURCE_DATE_EPOCH", "1795521600")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(sub(&["format", "plan"]).0, Some(0));
    repo.commit("plan");
    // A dirty file is seen from the subdirectory too.
    repo.write("py/pkg/b.py", "b=2\n");
    let (code, stderr) = sub(&["format", "--batch", "pkg"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("pkg/b.py refused: has uncommitted changes"),
        "{stderr}"
    );
    repo.git(&["checkout", "--", "py/pkg/b.py"]);
    let (code, stderr) = sub(&["format", "--batch", "pkg", "--commit"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        changed_files(&repo).is_empty(),
        "{:?}",
        changed_files(&repo)
    );
    let formatting = repo.git(&["rev-parse", "HEAD~1"]);
    assert!(
        repo.read(".git-blame-ignore-revs")
            .contains(formatting.trim())
    );
    assert!(!repo.path("py/.git-blame-ignore-revs").exists());
    let files = repo.git(&["show", "--name-only", "--format=", "HEAD~1"]);
    assert_eq!(
        files,
        "py/.xtask/format-plan.toml\npy/pkg/a.py\npy/pkg/b.py\n"
    );
    assert_eq!(repo.read("py/pkg/a.py"), "a = 1\n");
}
