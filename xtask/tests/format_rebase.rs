//! End-to-end tests of `format rebase` (issue 17) through real `git rebase`s with the pinned
//! ruff: main applies a batch while feature branches edit inside its files (function bodies,
//! signatures, added functions, deleted lines); every branch rebases with zero conflicts and
//! ends formatted, each commit equal to formatting the branch's own commit; a true conflict
//! stops as git does, `--abort` and `--continue` work, nothing is lost; the driver's setup is
//! put back after every end.

mod format_branches_support;

use format_branches_support::*;

const USER_ATTRIBUTES: &str = "*.bin binary\n";

fn user_setup(repo: &GitRepo) {
    std::fs::write(repo.path(".git/info/attributes"), USER_ATTRIBUTES).unwrap();
}

/// The driver's setup is gone and the user's is as it was.
fn assert_restored(repo: &GitRepo) {
    assert_eq!(
        std::fs::read_to_string(repo.path(".git/info/attributes")).unwrap(),
        USER_ATTRIBUTES
    );
    let (code, out) = git(repo, &["config", "--get-regexp", "^merge\\."]);
    assert_eq!(code, 1, "{out}");
}

fn rev(repo: &GitRepo, name: &str) -> String {
    repo.git(&["rev-parse", name]).trim().to_string()
}

#[test]
fn every_branch_rebases_across_the_batch_with_zero_conflicts() {
    let (repo, _batch) = python_branches();
    user_setup(&repo);
    let body_before = rev(&repo, "body");
    for (name, commits) in BRANCHES {
        let before = rev(&repo, name);
        repo.git(&["checkout", "--quiet", name]);
        let r = xtask(&repo, &["format", "rebase", "main"]);
        assert_eq!(r.0, 0, "{name}: {}", r.1);
        assert!(!r.1.contains("CONFLICT"), "{name}: {}", r.1);
        assert_restored(&repo);
        // Every commit replayed, each equal to formatting the branch's own commit.
        let count = repo.git(&["rev-list", "--count", "main..HEAD"]);
        assert_eq!(count.trim(), commits.len().to_string(), "{name}");
        for back in 0..commits.len() {
            let new = format!("HEAD~{back}");
            let old = format!("{before}~{back}");
            for file in [CALC, "pkg/util.py"] {
                let expected = ruff_format(&repo, file, &show(&repo, &old, file));
                assert_eq!(show(&repo, &new, file), expected, "{name} {new}: {file}");
            }
            assert_eq!(
                show(&repo, &new, "other/late.py"),
                show(&repo, &old, "other/late.py"),
                "{name} {new}: a file of a pending batch is the branch's own"
            );
        }
        let r = xtask(&repo, &["format", "enforce"]);
        assert_eq!(r.0, 0, "{name}: {}", r.1);
    }

    // Plain `git rebase` of the same kind of branch conflicts.
    let base = format!("{body_before}~2");
    repo.git(&["checkout", "--quiet", "-b", "body-plain", &base]);
    edit(&repo, &[(CALC, "y=x*2", "y=x*3")]);
    repo.commit("body again");
    let r = git(&repo, &["rebase", "main"]);
    assert_ne!(r.0, 0, "{}", r.1);
    assert!(
        r.1.contains("CONFLICT (content): Merge conflict in pkg/calc.py"),
        "{}",
        r.1
    );
    git(&repo, &["rebase", "--abort"]);
}

#[test]
fn a_true_conflict_stops_and_continue_and_abort_work_as_usual() {
    let (repo, _batch) = python_branches();
    user_setup(&repo);
    let before = rev(&repo, "conflict");
    repo.git(&["checkout", "--quiet", "conflict"]);

    let r = xtask(&repo, &["format", "rebase", "main-real"]);
    assert_eq!(r.0, 1, "{}", r.1);
    assert!(
        r.1.contains("CONFLICT (content): Merge conflict in pkg/calc.py"),
        "{}",
        r.1
    );
    assert!(r.1.contains("format rebase --continue"), "{}", r.1);
    assert_restored(&repo);
    let text = repo.read(CALC);
    assert!(
        text.contains("<<<<<<< ")
            && text.contains("    return s.lower()\n=======\n    return s.title()\n>>>>>>> "),
        "{text}"
    );
    // --abort: the branch as it was.
    let r = git(&repo, &["rebase", "--abort"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert_eq!(rev(&repo, "HEAD"), before);
    assert_eq!(repo.read(CALC), show(&repo, &before, CALC));

    // Again, resolved, then `format rebase --continue`.
    let r = xtask(&repo, &["format", "rebase", "main-real"]);
    assert_eq!(r.0, 1, "{}", r.1);
    let resolved = repo
        .read(CALC)
        .replace("<<<<<<< ", "")
        .lines()
        .filter(|l| {
            !l.starts_with("=======")
                && !l.starts_with(">>>>>>> ")
                && !l.contains("s.lower()")
                && !l.starts_with("HEAD")
                && !l.chars().take(7).all(|c| c.is_ascii_hexdigit())
        })
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    assert!(
        resolved.ends_with("def name(s):\n    return s.title()\n"),
        "{resolved}"
    );
    repo.write(CALC, &resolved);
    repo.git(&["add", CALC]);
    let r = xtask(&repo, &["format", "rebase", "--continue"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert_restored(&repo);
    assert_eq!(
        repo.git(&["rev-list", "--count", "main-real..HEAD"]).trim(),
        "1"
    );
    assert!(repo.read(CALC).ends_with("    return s.title()\n"));
}

#[test]
fn the_setup_is_put_back_when_git_refuses_to_start() {
    let (repo, _batch) = python_branches();
    user_setup(&repo);
    repo.git(&["checkout", "--quiet", "body"]);
    repo.write(CALC, "dirty = 1\n");
    let r = xtask(&repo, &["format", "rebase", "main"]);
    assert_eq!(r.0, 1, "{}", r.1);
    assert!(r.1.contains("cannot rebase"), "{}", r.1);
    assert_restored(&repo);
    assert_eq!(repo.read(CALC), "dirty = 1\n");
}
