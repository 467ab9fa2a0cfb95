//! End-to-end tests of `format merge-driver` (issue 17) through real `git merge`s in temp
//! repositories (and `format rebase` for rustfmt and sed), with the pinned ruff, the real
//! rustfmt and a generic command (sed): branches cut before a batch merge the formatted main
//! with no conflict and end formatted; a true conflict stays one and loses nothing; a version
//! that does not parse, and files outside done batches, get git's plain merge; `--uninstall`
//! removes exactly what `--install` added.

use crate::format_branches_support;

use format_branches_support::*;

#[test]
fn every_branch_merges_the_formatted_main_without_conflicts() {
    let (repo, _batch) = python_branches();
    let r = xtask(&repo, &["format", "merge-driver", "--install"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert!(
        r.1.contains("installed merge driver `xtask-format` for *.py *.pyi"),
        "{}",
        r.1
    );

    for (name, _) in BRANCHES {
        repo.git(&["checkout", "--quiet", name]);
        let r = git(&repo, &["merge", "--no-edit", "main"]);
        assert_eq!(r.0, 0, "{name}: {}", r.1);
        assert!(!r.1.contains("CONFLICT"), "{name}: {}", r.1);
        // Formatted, equal to formatting the branch's own tree; the pending batch's file is
        // the branch's, untouched.
        for file in [CALC, "pkg/util.py"] {
            let expected = ruff_format(&repo, file, &show(&repo, name, file));
            assert_eq!(repo.read(file), expected, "{name}: {file}");
        }
        assert_eq!(
            repo.read("other/late.py"),
            show(&repo, name, "other/late.py"),
            "{name}"
        );
        let r = xtask(&repo, &["format", "enforce"]);
        assert_eq!(r.0, 0, "{name}: {}", r.1);
    }
    // The edits are there.
    repo.git(&["checkout", "--quiet", "body"]);
    assert!(repo.read(CALC).contains("    y = x * 3\n    z = y + 2\n"));
    repo.git(&["checkout", "--quiet", "signature"]);
    assert!(
        repo.read(CALC)
            .contains("def add(a, b, c=0):\n    return a + b + c\n")
    );
    repo.git(&["checkout", "--quiet", "added"]);
    assert!(
        repo.read(CALC)
            .ends_with("def extra(q):\n    return q * 2\n")
    );
    repo.git(&["checkout", "--quiet", "deleted"]);
    assert!(!repo.read(CALC).contains("unused"));

    // A true conflict stays one: exit 1, git's standard markers over the formatted sides,
    // both sides' lines kept, and theirs in the index.
    repo.git(&["checkout", "--quiet", "conflict"]);
    let r = git(&repo, &["merge", "--no-edit", "main-real"]);
    assert_eq!(r.0, 1, "{}", r.1);
    assert!(
        r.1.contains("CONFLICT (content): Merge conflict in pkg/calc.py"),
        "{}",
        r.1
    );
    let text = repo.read(CALC);
    assert!(
        text.contains(
            "def name(s):\n<<<<<<< HEAD\n    return s.title()\n=======\n    return s.lower()\n>>>>>>> main-real\n"
        ),
        "{text}"
    );
    assert!(
        text.starts_with("def add(a, b):\n    return a + b\n"),
        "{text}"
    );
    assert_eq!(show(&repo, ":3", CALC), show(&repo, "main-real", CALC));
    assert_eq!(show(&repo, ":2", CALC), show(&repo, "conflict", CALC));
    repo.git(&["merge", "--abort"]);

    // The driver leaves no copy behind.
    assert_eq!(
        crate::format_support::scratch_copies(&repo),
        Vec::<std::path::PathBuf>::new(),
        "the driver's copies are removed"
    );

    // Without it, the same merge conflicts: the test measures the driver.
    let r = xtask(&repo, &["format", "merge-driver", "--uninstall"]);
    assert_eq!(r.0, 0, "{}", r.1);
    repo.git(&["checkout", "--quiet", "-b", "body-plain", "body~1"]);
    let r = git(&repo, &["merge", "--no-edit", "main"]);
    assert_eq!(r.0, 1, "{}", r.1);
    assert!(
        r.1.contains("CONFLICT (content): Merge conflict in pkg/calc.py"),
        "{}",
        r.1
    );
    repo.git(&["merge", "--abort"]);
}

#[test]
fn a_version_that_does_not_parse_gets_the_plain_merge() {
    let (repo, _batch) = python_branches();
    repo.git(&["checkout", "--quiet", "-b", "broken", "body~2"]);
    edit(&repo, &[(CALC, "def scale( x ):", "def scale( x:")]);
    repo.commit("broken");
    let r = xtask(&repo, &["format", "merge-driver", "--install"]);
    assert_eq!(r.0, 0, "{}", r.1);
    let r = git(&repo, &["merge", "--no-edit", "main"]);
    // The plain merge of the originals: main reformatted every line the branch is near.
    assert_eq!(r.0, 1, "{}", r.1);
    assert!(
        r.1.contains("format merge-driver: pkg/calc.py: plain merge (`ruff` could not format theirs's version")
            || r.1.contains("format merge-driver: pkg/calc.py: plain merge (`ruff` could not format ours's version"),
        "{}",
        r.1
    );
    let text = repo.read(CALC);
    assert!(
        text.contains("<<<<<<< HEAD\n") && text.contains("def scale( x:\n"),
        "{text}"
    );
    assert!(text.contains("def scale(x):\n"), "{text}");
}

#[test]
fn install_and_uninstall_touch_only_their_block_and_section() {
    let (repo, _batch) = python_branches();
    let attributes = repo.path(".git/info/attributes");
    std::fs::write(&attributes, "*.bin binary\n").unwrap();
    repo.git(&["config", "merge.other.driver", "cat %A"]);
    let config_before = std::fs::read_to_string(repo.path(".git/config")).unwrap();

    for _ in 0..2 {
        let r = xtask(&repo, &["format", "merge-driver", "--install"]);
        assert_eq!(r.0, 0, "{}", r.1);
    }
    let text = std::fs::read_to_string(&attributes).unwrap();
    assert_eq!(
        text,
        "*.bin binary\n# BEGIN xtask format merge-driver (written by `format merge-driver --install`; `--uninstall` removes this block)\n*.py merge=xtask-format\n*.pyi merge=xtask-format\n# END xtask format merge-driver\n"
    );
    let driver = repo.git(&["config", "merge.xtask-format.driver"]);
    assert!(
        driver.contains(" format merge-driver --marker-size %L --label-base %S --label-ours %X --label-theirs %Y -- %O %A %B %P\n"),
        "{driver}"
    );
    assert_eq!(
        repo.git(&["check-attr", "merge", "--", CALC]),
        "pkg/calc.py: merge: xtask-format\n"
    );
    // Nothing of the work tree changed: a rebase can start.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");

    let r = xtask(&repo, &["format", "merge-driver", "--uninstall"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert!(
        r.1.contains("merge driver `xtask-format` removed"),
        "{}",
        r.1
    );
    assert_eq!(
        std::fs::read_to_string(&attributes).unwrap(),
        "*.bin binary\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path(".git/config")).unwrap(),
        config_before
    );
    let r = xtask(&repo, &["format", "merge-driver", "--uninstall"]);
    assert!(
        r.1.contains("merge driver `xtask-format` was not installed"),
        "{}",
        r.1
    );
}

#[test]
fn rustfmt_and_a_generic_command_merge_and_rebase_across_their_batches() {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    repo.write(".gitignore", "/target\n");
    repo.write(
        "crates/alpha/Cargo.toml",
        "[package]\nname = \"alpha\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write(
        "crates/alpha/src/lib.rs",
        "pub fn a( x:u32 )->u32{\n    let y=x*2;\n    y+1\n}\n\npub fn b( )->bool{ true }\n",
    );
    repo.write(
        "xtask.toml",
        "[[format.formatter]]\nname = \"rustfmt\"\n\n[[format.formatter]]\nname = \"eq\"\ninclude = [\"**/*.cfg\"]\nfix = [\"sed\", \"-i\", \"-E\", \"s/^([a-z_]+) *= */\\\\1 = /\", \"{files}\"]\n",
    );
    repo.write("conf/app.cfg", "port=80\nhost =  example\nmode= fast\n");
    repo.commit("initial");
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.0, 0, "{}", r.1);
    repo.commit("plan");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    edit(
        &repo,
        &[
            ("crates/alpha/src/lib.rs", "let y=x*2;", "let y=x*3;"),
            (
                "crates/alpha/src/lib.rs",
                "pub fn b( )->bool{ true }\n",
                "pub fn b( )->bool{ true }\n\npub fn c( )->u8{ 7 }\n",
            ),
            ("conf/app.cfg", "mode= fast", "mode= slow"),
        ],
    );
    repo.commit("feature");
    repo.git(&["checkout", "--quiet", "main"]);
    let r = xtask(&repo, &["format", "--next", "9", "--commit"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert_eq!(
        repo.read("conf/app.cfg"),
        "port = 80\nhost = example\nmode = fast\n"
    );

    let r = xtask(&repo, &["format", "merge-driver", "--install"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert!(r.1.contains("for *.cfg *.rs in"), "{}", r.1);
    repo.git(&["checkout", "--quiet", "-b", "feature-rebased", "feature"]);
    repo.git(&["checkout", "--quiet", "feature"]);
    let r = git(&repo, &["merge", "--no-edit", "main"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert!(!r.1.contains("CONFLICT"), "{}", r.1);
    assert_eq!(
        repo.read("crates/alpha/src/lib.rs"),
        rustfmt(&show(&repo, "feature~1", "crates/alpha/src/lib.rs"))
    );
    assert!(
        repo.read("crates/alpha/src/lib.rs")
            .contains("    let y = x * 3;\n")
    );
    assert_eq!(
        repo.read("conf/app.cfg"),
        "port = 80\nhost = example\nmode = slow\n"
    );
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.0, 0, "{}", r.1);

    // The same branch rebased: the same files, one commit on top of main.
    let merged_rs = repo.read("crates/alpha/src/lib.rs");
    repo.git(&["checkout", "--quiet", "feature-rebased"]);
    let r = xtask(&repo, &["format", "rebase", "main"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert!(!r.1.contains("CONFLICT"), "{}", r.1);
    assert_eq!(repo.git(&["rev-list", "--count", "main..HEAD"]).trim(), "1");
    assert_eq!(repo.read("crates/alpha/src/lib.rs"), merged_rs);
    assert_eq!(
        repo.read("conf/app.cfg"),
        "port = 80\nhost = example\nmode = slow\n"
    );
}

#[test]
fn a_root_below_the_top_of_the_work_tree() {
    let repo = GitRepo::new();
    repo.write("py/pyproject.toml", "[tool.ruff]\n");
    repo.write("py/xtask.toml", "[[format.formatter]]\nname = \"ruff\"\n");
    repo.write(".gitignore", "/py/target\n");
    repo.write("py/m.py", "def g( x ):\n    y=x*2\n    return y\n");
    repo.commit("initial");
    let root = repo.path("py");
    assert_eq!(xtask_at(&root, &["format", "plan"]).0, 0);
    repo.commit("plan");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    edit(&repo, &[("py/m.py", "y=x*2", "y=x*3")]);
    repo.commit("feature");
    repo.git(&["checkout", "--quiet", "main"]);
    let r = xtask_at(&root, &["format", "--next", "1", "--commit"]);
    assert_eq!(r.0, 0, "{}", r.1);
    repo.git(&["checkout", "--quiet", "feature"]);
    let r = xtask_at(&root, &["format", "merge-driver", "--install"]);
    assert_eq!(r.0, 0, "{}", r.1);
    let attributes = repo.path(".git/info/attributes");
    assert!(
        r.1.contains(&format!(" in {} ", attributes.display())),
        "{}",
        r.1
    );
    let r = git(&repo, &["merge", "--no-edit", "main"]);
    assert_eq!(r.0, 0, "{}", r.1);
    assert_eq!(
        repo.read("py/m.py"),
        "def g(x):\n    y = x * 3\n    return y\n"
    );
}
