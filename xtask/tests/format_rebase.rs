//! End-to-end tests of `format rebase` (issue 17) through real `git rebase`s with the pinned
//! ruff: main applies a batch while feature branches edit inside its files (function bodies,
//! signatures, added functions, deleted lines); every branch rebases with zero conflicts and
//! ends formatted, each commit equal to formatting the branch's own commit; a true conflict
//! stops as git does, `--abort` and `--continue` work, nothing is lost; the driver's setup is
//! put back after every end (Ctrl-C too); branches cross two batches applied in turn.

use crate::format_branches_support;

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

#[test]
fn ctrl_c_during_the_rebase_puts_the_setup_back_and_abort_restores_the_branch() {
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};

    let repo = GitRepo::new();
    let started = repo.path("target/started");
    let slow = repo.path("target/slow");
    // A generic formatter that, once `target/slow` exists, says it started and takes its time.
    repo.write(
        "eq.sh",
        format!(
            "if [ -e '{}' ]; then touch '{}'; sleep 20; fi\nsed -i -E 's/^([a-z_]+) *= */\\1 = /' \"$@\"\n",
            slow.display(),
            started.display()
        ),
    );
    repo.write(".gitignore", "/target\n");
    repo.write(
        "xtask.toml",
        "[[format.formatter]]\nname = \"eq\"\ninclude = [\"**/*.cfg\"]\nfix = [\"sh\", \"eq.sh\", \"{files}\"]\n",
    );
    repo.write("conf/app.cfg", "port=80\nmode= fast\n");
    repo.commit("initial");
    assert_eq!(xtask(&repo, &["format", "plan"]).0, 0);
    repo.commit("plan");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    edit(&repo, &[("conf/app.cfg", "mode= fast", "mode= slow")]);
    repo.commit("feature");
    let before = rev(&repo, "feature");
    repo.git(&["checkout", "--quiet", "main"]);
    let r = xtask(&repo, &["format", "--next", "1", "--commit"]);
    assert_eq!(r.0, 0, "{}", r.1);
    repo.git(&["checkout", "--quiet", "feature"]);
    user_setup(&repo);
    std::fs::write(&slow, "").unwrap();

    // Its own process group, as a terminal's foreground job: Ctrl-C reaches xtask and git.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["format", "rebase", "main", "--root"])
        .arg(repo.root())
        .env("PATH", testkit::Venv::test().path_env())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("CARGO_TARGET_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start xtask");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !started.exists() {
        assert!(
            Instant::now() < deadline,
            "the driver's formatter never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "xtask ended before the driver ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(-(child.id() as i32)),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_restored(&repo);
    // Git stopped mid-rebase; --abort gives the branch back as it was.
    if repo.path(".git/rebase-merge").exists() {
        let r = git(&repo, &["rebase", "--abort"]);
        assert_eq!(r.0, 0, "{}", r.1);
    }
    assert_eq!(rev(&repo, "HEAD"), before);
    assert_eq!(repo.read("conf/app.cfg"), "port=80\nmode= slow\n");
}

#[test]
fn branches_cross_two_batches_applied_one_after_the_other() {
    let (repo, _batch) = python_branches_with(true);
    for (name, commits) in BRANCHES {
        let before = rev(&repo, name);
        repo.git(&["checkout", "--quiet", name]);
        let r = xtask(&repo, &["format", "rebase", "main"]);
        assert_eq!(r.0, 0, "{name}: {}", r.1);
        assert!(!r.1.contains("CONFLICT"), "{name}: {}", r.1);
        let count = repo.git(&["rev-list", "--count", "main..HEAD"]);
        assert_eq!(count.trim(), commits.len().to_string(), "{name}");
        for file in [CALC, "pkg/util.py", "other/late.py"] {
            let expected = ruff_format(&repo, file, &show(&repo, &before, file));
            assert_eq!(repo.read(file), expected, "{name}: {file}");
        }
        let r = xtask(&repo, &["format", "enforce"]);
        assert_eq!(r.0, 0, "{name}: {}", r.1);
    }
    repo.git(&["checkout", "--quiet", "added"]);
    assert_eq!(
        repo.read("other/late.py"),
        "def late():\n    return {\"a\": 2}\n"
    );
}
