//! Output checks and scratch copies of `cargo xtask format`, through the binary: a formatter
//! that empties a file or is not stable fails its whole batch (and `verify = false` opts out
//! of the second pass); a `check` command that writes is refused with the tree untouched; a
//! SIGKILLed batch leaves nothing in the work tree and the next run cleans up its leftovers;
//! formatters working on copies outside the tree still find the project's configuration.

use crate::format_support;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use format_support::*;

/// Misbehaves on purpose, by file name: `wipe-me` is emptied, `grow-me` gets one more line
/// on every run (never stable), `junk` becomes stable garbage; anything else is upper-cased.
const ODD_FORMATTER: &str = r#"#!/bin/sh
for f in "$@"; do
  case "$f" in
    *wipe-me*) : > "$f" ;;
    *grow-me*) echo "one more line" >> "$f" ;;
    *junk*) printf 'GARBAGE\n' > "$f" ;;
    *) tr a-z A-Z < "$f" > "$f.tmp" && cat "$f.tmp" > "$f" && rm "$f.tmp" ;;
  esac
done
"#;

fn config(extra: &str) -> String {
    format!(
        "[format]\nmax_files = 2\n\n[[format.formatter]]\nname = \"odd\"\ninclude = [\"**/*.txt\"]\nfix = [\"sh\", \"fmt.sh\", \"{{files}}\"]\n{extra}"
    )
}

#[test]
fn an_emptied_or_unstable_file_fails_its_whole_batch_unless_verify_is_off() {
    let repo = GitRepo::new();
    repo.write("xtask.toml", config(""));
    repo.write("fmt.sh", ODD_FORMATTER);
    repo.write("wipe/wipe-me.txt", "keep me\n");
    repo.write("wipe/b.txt", "b\n");
    repo.write("grow/grow-me.txt", "g\n");
    repo.write("grow/b.txt", "b\n");
    repo.write("junk/junk.txt", "real code\n");
    repo.write("ok/a.txt", "a\n");
    repo.commit("initial");
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    // The batch of each file, whatever the planner names them.
    let plan = repo.read(".xtask/format-plan.toml");
    let id_of = |file: &str| {
        batch_ids(&plan)
            .into_iter()
            .find(|id| batch_files(&plan, id).iter().any(|f| f == file))
            .unwrap_or_else(|| panic!("{file} not planned:\n{plan}"))
    };
    let (wipe, grow, junk) = (
        id_of("wipe/wipe-me.txt"),
        id_of("grow/grow-me.txt"),
        id_of("junk/junk.txt"),
    );
    assert!(wipe != grow && wipe != junk && grow != junk, "{plan}");
    assert_eq!(id_of("wipe/b.txt"), wipe);
    assert_eq!(id_of("grow/b.txt"), grow);
    repo.commit("plan");

    let r = xtask(&repo, &["format", "--next", "10"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains(&format!(
            "FAILED  {wipe}: wipe/wipe-me.txt refused: formatter `odd` emptied it (8 bytes before, 0 after)"
        )),
        "{r}"
    );
    assert!(
        r.stdout.contains(&format!(
            "FAILED  {grow}: grow/grow-me.txt refused: formatter `odd` is not stable on it: formatting its output again changes 1 more line(s)"
        )) && r.stdout.contains("set `verify = false`"),
        "{r}"
    );
    // Stable garbage cannot be told from formatting: the documented limit.
    assert!(r.stdout.contains(&format!("done    {junk}: ")), "{r}");
    assert_eq!(repo.read("junk/junk.txt"), "GARBAGE\n");
    assert_eq!(repo.read("ok/a.txt"), "A\n");
    // Nothing of a refused batch is written, not even its good files.
    assert_eq!(repo.read("wipe/wipe-me.txt"), "keep me\n");
    assert_eq!(repo.read("wipe/b.txt"), "b\n");
    assert_eq!(repo.read("grow/grow-me.txt"), "g\n");
    assert_eq!(repo.read("grow/b.txt"), "b\n");
    let plan = repo.read(".xtask/format-plan.toml");
    for id in [&wipe, &grow] {
        assert!(
            batch_block(&plan, id).contains("status = \"pending\""),
            "{plan}"
        );
    }
    assert_eq!(
        changed_files(&repo),
        [".xtask/format-plan.toml", "junk/junk.txt", "ok/a.txt"]
    );
    repo.commit("applied");

    // `verify = false` skips the second pass; the empty-file check stays.
    repo.write("xtask.toml", config("verify = false\n"));
    repo.commit("no verify");
    let r = xtask(&repo, &["format", "--batch", &grow]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(repo.read("grow/grow-me.txt"), "g\none more line\n");
    assert_eq!(repo.read("grow/b.txt"), "B\n");
    let r = xtask(&repo, &["format", "--batch", &wipe]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("formatter `odd` emptied it"), "{r}");
    assert_eq!(repo.read("wipe/wipe-me.txt"), "keep me\n");
    assert!(scratch_copies(&repo).is_empty());
}

#[test]
fn a_check_command_that_writes_is_refused_and_the_tree_stays_as_committed() {
    let repo = GitRepo::new();
    let good_check = "check = [\"sh\", \"check.sh\", \"{files}\"]\n";
    repo.write("xtask.toml", config(good_check));
    repo.write("fmt.sh", ODD_FORMATTER);
    repo.write(
        "check.sh",
        "#!/bin/sh\nfor f in \"$@\"; do grep -q '[a-z]' \"$f\" && exit 1; done\nexit 0\n",
    );
    repo.write("a/x.txt", "hello\n");
    repo.write("a/y.txt", "DONE\n");
    repo.commit("initial");
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    repo.commit("plan");

    // A `check` that is really the fixer: it rewrites the files it is given.
    repo.write(
        "xtask.toml",
        config("check = [\"sh\", \"fmt.sh\", \"{files}\"]\n"),
    );
    repo.commit("a check that writes");
    for cmd in [
        &["format", "check"][..],
        &["format", "plan", "--update"],
        &["format", "enforce"],
    ] {
        let r = xtask(&repo, cmd);
        assert_eq!(r.code, 2, "{cmd:?}: {r}");
        assert!(
            r.stderr
                .contains("formatter `odd`: its `check` command (`sh fmt.sh {files}`) changed a/")
                && r.stderr.contains("the file in your tree is untouched"),
            "{cmd:?}: {r}"
        );
        assert_eq!(repo.read("a/x.txt"), "hello\n", "{cmd:?}");
        assert_eq!(changed_files(&repo), Vec::<String>::new(), "{cmd:?}");
        assert!(scratch_copies(&repo).is_empty(), "{cmd:?}");
    }
}

#[test]
fn a_sigkilled_batch_leaves_nothing_in_the_tree_and_the_next_run_cleans_up() {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[format]\nmax_files = 100\n\n[[format.formatter]]\nname = \"slow\"\ninclude = [\"**/*.txt\"]\nfix = [\"sh\", \"slow.sh\", \"{files}\"]\n",
    );
    repo.write(
        "slow.sh",
        "#!/bin/sh\nfor f in \"$@\"; do tr a-z A-Z < \"$f\" > \"$f.t\" && cat \"$f.t\" > \"$f\" && rm \"$f.t\"; done\n[ \"$SLOW\" = 1 ] && sleep 60\nexit 0\n",
    );
    for i in 0..60 {
        repo.write(format!("pkg/f{i}.txt"), format!("file {i}\n"));
    }
    repo.commit("initial");
    assert_eq!(xtask(&repo, &["format", "plan"]).code, 0);
    repo.commit("plan");

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["format", "--batch", "pkg", "--root"])
        .arg(repo.root())
        .env("PATH", testkit::Venv::test().path_env())
        .env("SLOW", "1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Copies outside the tree (or, before the fix, beside the files).
    while scratch_copies(&repo).len() + tree_files_named(&repo, ".xtask-fmt-").len() < 60 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the formatter never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The killed run's copies are outside the tree, none beside the files.
    assert!(!scratch_copies(&repo).is_empty());
    let ignored = repo.git(&[
        "status",
        "--porcelain",
        "--ignored",
        "--untracked-files=all",
    ]);
    assert!(
        !ignored.contains(".xtask-fmt-") && !ignored.contains(".xtask-tmp-"),
        "{ignored}"
    );
    assert_eq!(repo.read("pkg/f1.txt"), "file 1\n");

    // What killed runs leave in the tree: a temp file of an interrupted write beside a file
    // of the plan and an old-style scratch copy, both removed by the next run; a temp file a
    // live process holds open and files that are not ours are kept.
    repo.write("pkg/.xtask-tmp-Ab12Cd", "half written");
    repo.write(".xtask/.xtask-tmp-Zz34Yy", "half a plan");
    repo.write("pkg/.xtask-fmt-999999999-0-f1.txt", "old copy");
    repo.write("pkg/.xtask-tmp-in-use.txt", "not our name");
    repo.write("pkg/.xtask-tmp-Held12", "in flight");
    let mut holder = std::process::Command::new("sh")
        .args(["-c", "exec 3<\"$0\"; echo ready; exec sleep 60"])
        .arg(repo.path("pkg/.xtask-tmp-Held12"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = [0u8; 6];
    std::io::Read::read_exact(holder.stdout.as_mut().unwrap(), &mut ready).unwrap();

    let r = xtask(&repo, &["format", "--batch", "pkg"]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("done    pkg: 60 of 60 file(s)"), "{r}");
    assert_eq!(repo.read("pkg/f1.txt"), "FILE 1\n");
    assert!(
        scratch_copies(&repo).is_empty(),
        "the killed run's copies stay"
    );
    let mut left: Vec<String> = tree_files_named(&repo, ".xtask-")
        .iter()
        .map(|p| {
            p.strip_prefix(repo.root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    left.sort();
    assert_eq!(left, ["pkg/.xtask-tmp-Held12", "pkg/.xtask-tmp-in-use.txt"]);
}

/// Reads the case to use from the nearest `.case` file above each file (as formatters find
/// their configuration), then applies it.
const CONFIGURED_FORMATTER: &str = r#"#!/bin/sh
for f in "$@"; do
  d=$(dirname "$f"); mode=upper
  while :; do
    if [ -f "$d/.case" ]; then mode=$(cat "$d/.case"); break; fi
    [ "$d" = . ] && break
    d=$(dirname "$d")
  done
  if [ "$mode" = lower ]; then tr A-Z a-z < "$f" > "$f.t"; else tr a-z A-Z < "$f" > "$f.t"; fi
  cat "$f.t" > "$f" && rm "$f.t"
done
"#;

#[test]
fn copies_outside_the_tree_format_with_the_projects_configuration() {
    // A generic formatter that looks for its configuration above each file.
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[[format.formatter]]\nname = \"case\"\ninclude = [\"**/*.txt\"]\nfix = [\"sh\", \"tools/case.sh\", \"{files}\"]\n",
    );
    repo.write("tools/case.sh", CONFIGURED_FORMATTER);
    repo.write(".case", "upper\n");
    repo.write("low/.case", "lower\n");
    repo.write("low/deep/a.txt", "Mixed Case\n");
    repo.write("top.txt", "Mixed Case\n");
    repo.commit("initial");
    assert_eq!(xtask(&repo, &["format", "plan"]).code, 0);
    repo.commit("plan");
    let r = xtask(&repo, &["format", "--next", "10"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(repo.read("low/deep/a.txt"), "mixed case\n");
    assert_eq!(repo.read("top.txt"), "MIXED CASE\n");

    // ruff through copies (a non-UTF-8 name, a lone CR) with a nested ruff.toml, checked
    // twice (the second pass): the same bytes as ruff in place.
    let py = python_repo(2);
    py.write(
        "xtask.toml",
        "[[format.formatter]]\nname = \"ruff\"\nverify = true\n",
    );
    py.write(
        "lib/ruff.toml",
        "line-length = 40\n[format]\nquote-style = \"single\"\n",
    );
    let odd = PathBuf::from(OsString::from_vec(b"lib/caf\xe9.py".to_vec()));
    let body = "x = {\"key\": [\"value_one\", \"value_two\", \"value_three\"]}\n";
    py.write(&odd, body);
    py.write("lib/lone_cr.py", "a = \"x\"\rb = {\"k\":1}\n");
    py.write("lib/plain.py", body);
    py.commit("nested config");
    let scratch = tempfile::tempdir().unwrap();
    let expected = scratch.path().join("expected");
    py.clone_to(&expected);
    let done = std::process::Command::new("ruff")
        .args(["format", "--no-cache", "lib"])
        .current_dir(&expected)
        .env("PATH", testkit::Venv::test().path_env())
        .output()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(xtask(&py, &["format", "plan"]).code, 0);
    py.commit("plan");
    let r = xtask(&py, &["format", "--next", "100"]);
    assert_eq!(r.code, 0, "{r}");
    for f in [
        odd,
        PathBuf::from("lib/lone_cr.py"),
        PathBuf::from("lib/plain.py"),
    ] {
        assert_eq!(
            std::fs::read(py.path(&f)).unwrap(),
            std::fs::read(expected.join(&f)).unwrap(),
            "{}",
            f.display()
        );
    }
    assert!(py.read("lib/plain.py").contains("'key'"));

    // rustfmt through copies with a root rustfmt.toml and a crate's own: the same bytes as
    // `cargo fmt` in place.
    let rs = rust_repo();
    rs.write("rustfmt.toml", "tab_spaces = 2\n");
    rs.write("crates/beta/rustfmt.toml", "hard_tabs = true\n");
    rs.commit("rustfmt configs");
    let expected = scratch.path().join("expected-rs");
    rs.clone_to(&expected);
    let done = std::process::Command::new("cargo")
        .args(["fmt", "--all"])
        .current_dir(&expected)
        .output()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(xtask(&rs, &["format", "plan"]).code, 0);
    rs.commit("plan");
    let r = xtask(&rs, &["format", "--next", "100"]);
    assert_eq!(r.code, 0, "{r}");
    let changed = changed_files(&rs);
    assert!(changed.len() >= 4, "{changed:?}");
    for f in changed.iter().filter(|f| f.ends_with(".rs")) {
        assert_eq!(
            rs.read(f),
            std::fs::read_to_string(expected.join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(rs.read("crates/beta/src/lib.rs").contains('\t'));
    assert!(rs.read("crates/alpha/src/lib.rs").contains("\n  util::u()"));
}
