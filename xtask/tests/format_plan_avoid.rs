//! End-to-end tests of `format plan --avoid REFS` (issue 17) on a real repository with
//! remote-tracking refs: per pending file how many branches changed it since their merge base,
//! batches no branch touches first, each batch listing its branches, the same in `format
//! status`, kept in the plan and recomputed by `plan --update`.

use crate::format_support;

use format_support::*;

/// Three modules of two unformatted files; `origin/f1` changes a/m.py, `origin/f2` changes
/// a/m.py and b/n.py, `origin/merged` points at main, `origin/HEAD` is symbolic.
fn branches_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write("pyproject.toml", "[tool.ruff]\n");
    for d in ["a", "b", "c"] {
        repo.write(format!("{d}/m.py"), "x=1\n");
        repo.write(format!("{d}/n.py"), "y=2\n");
    }
    repo.commit("initial");
    for (name, files) in [("f1", &["a/m.py"][..]), ("f2", &["a/m.py", "b/n.py"][..])] {
        repo.git(&["checkout", "--quiet", "-b", name, "main"]);
        for f in files {
            let text = repo.read(f);
            repo.write(f, format!("{text}z=3\n"));
        }
        repo.commit(name);
        repo.git(&["update-ref", &format!("refs/remotes/origin/{name}"), name]);
    }
    repo.git(&["checkout", "--quiet", "main"]);
    repo.git(&["update-ref", "refs/remotes/origin/merged", "main"]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/f1",
    ]);
    // Main moves on: the merge base is what counts, not main's own changes.
    repo.write("c/n.py", "y=2\nw=4\n");
    repo.commit("main moves");
    repo
}

#[test]
fn untouched_batches_come_first_and_each_lists_its_branches() {
    let repo = branches_repo();
    let r = xtask(
        &repo,
        &[
            "format",
            "plan",
            "--max-files",
            "2",
            "--avoid",
            "refs/remotes/origin/*",
        ],
    );
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains(
            "  pending c  2 files, 6 lines\n  pending b  2 files, 4 lines  (touched by 1 branch(es): origin/f2)\n            b/n.py: changed by 1 branch(es)\n  pending a  2 files, 4 lines  (touched by 2 branch(es): origin/f1, origin/f2)\n            a/m.py: changed by 2 branch(es)\n"
        ),
        "{r}"
    );
    let plan = repo.read(".xtask/format-plan.toml");
    assert_eq!(batch_ids(&plan), ["c", "b", "a"], "{plan}");
    assert!(
        plan.contains("\navoid = \"refs/remotes/origin/*\"\n"),
        "{plan}"
    );
    assert!(batch_block(&plan, "a").contains("\nbranches = [\"origin/f1\", \"origin/f2\"]\n"));
    assert!(!batch_block(&plan, "c").contains("branches"));

    let r = xtask(&repo, &["format", "status"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("planned around branches refs/remotes/origin/*\n  pending c  (2 files, 6 lines)\n  pending b  (2 files, 4 lines)  (touched by 1 branch(es): origin/f2)\n"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["avoid"], "refs/remotes/origin/*");
    assert_eq!(
        json["batch_list"][2]["branches"],
        serde_json::json!(["origin/f1", "origin/f2"])
    );

    // The untouched batch goes first.
    repo.commit("plan");
    let r = xtask(&repo, &["format", "--next", "1"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.starts_with("done    c:"), "{r}");
    repo.commit("batch c");

    // f2 lands and its ref goes: `--update` keeps the pattern and recomputes.
    repo.git(&["update-ref", "-d", "refs/remotes/origin/f2"]);
    let r = xtask(&repo, &["format", "plan", "--update"]);
    assert_eq!(r.code, 0, "{r}");
    let plan = repo.read(".xtask/format-plan.toml");
    assert_eq!(batch_ids(&plan), ["c", "b", "a"], "{plan}");
    assert!(!batch_block(&plan, "b").contains("branches"), "{plan}");
    assert!(
        batch_block(&plan, "a").contains("\nbranches = [\"origin/f1\"]\n"),
        "{plan}"
    );
}

#[test]
fn a_plan_without_branches_reads_and_a_pattern_matching_nothing_keeps_the_order() {
    let repo = branches_repo();
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(
        !plan.contains("avoid") && !plan.contains("branches"),
        "{plan}"
    );
    let r = xtask(&repo, &["format", "status"]);
    assert_eq!(r.code, 0, "{r}");
    // No ref matches: nothing is touched, the planner's order stays.
    let r = xtask(
        &repo,
        &["format", "plan", "--update", "--avoid", "refs/nothing/*"],
    );
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        batch_ids(&repo.read(".xtask/format-plan.toml")),
        batch_ids(&plan)
    );
}
