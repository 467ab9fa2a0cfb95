//! Faults `cargo xtask format` must survive without losing work: a formatter killed
//! mid-batch, one that exits non-zero, one that hangs (timeout); a dirty file; odd file names
//! (spaces, a leading `-`, non-UTF-8 bytes); a symlink out of the root; a plan naming
//! `../outside`; a malformed plan; a bad `[format]` section; an old ruff.

use crate::format_support;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use format_support::*;

/// A "formatter" that upper-cases files, and when applying (`FAKE_APPLY=1`; checks use it
/// too) misbehaves for files whose path holds `boom`
/// (killed by SIGKILL after writing half of its output), `fail` (exits 3 after writing) or
/// `hang` (sleeps past the timeout after writing).
const FAKE_FORMATTER: &str = r#"#!/bin/sh
for f in "$@"; do
  tr a-z A-Z < "$f" > "$f.tmp" && cat "$f.tmp" > "$f" && rm "$f.tmp"
done
[ "$FAKE_APPLY" = 1 ] || exit 0
case "$*" in
  *boom*) head -c 3 "$1" > "$1"; kill -9 $$ ;;
  *fail*) echo "fake: cannot format" >&2; exit 3 ;;
  *hang*) sleep 30 ;;
esac
"#;

fn fake_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[format]\nmax_files = 2\ntimeout = 1\n\n[[format.formatter]]\nname = \"upper\"\ninclude = [\"**/*.txt\"]\nfix = [\"sh\", \"fake-fmt.sh\", \"{files}\"]\n",
    );
    repo.write("fake-fmt.sh", FAKE_FORMATTER);
    for dir in ["ok", "boom", "fail", "hang"] {
        repo.write(format!("{dir}/a.txt"), format!("{dir} a\r\nline two\r\n"));
        repo.write(format!("{dir}/b.txt"), format!("{dir} b\n"));
    }
    repo.write("done/x.txt", "ALREADY\n");
    std::fs::set_permissions(
        repo.path("ok/a.txt"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    repo.commit("initial");
    repo
}

fn snapshot(repo: &GitRepo, dirs: &[&str]) -> Vec<(String, Vec<u8>, u32)> {
    let mut out = Vec::new();
    for d in dirs {
        for f in ["a.txt", "b.txt"] {
            let p = repo.path(format!("{d}/{f}"));
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            out.push((format!("{d}/{f}"), std::fs::read(&p).unwrap(), mode));
        }
    }
    out
}

#[test]
fn a_killed_failing_or_hanging_formatter_loses_nothing_and_spares_other_batches() {
    let repo = fake_repo();
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        batch_ids(&repo.read(".xtask/format-plan.toml")),
        ["boom", "fail", "hang", "ok"]
    );
    // Planning ran the formatter on scratch copies only.
    assert_eq!(changed_files(&repo), [".xtask/format-plan.toml"]);
    repo.commit("plan");
    let before = snapshot(&repo, &["boom", "fail", "hang"]);
    let started = std::time::Instant::now();
    let r = xtask_env(
        &repo,
        &["format", "--batch", "ok,boom,fail,hang"],
        &[("FAKE_APPLY", "1")],
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the hang was not cut short"
    );
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("done    ok: 2 of 2 file(s) reformatted"),
        "{r}"
    );
    assert!(r.stdout.contains("FAILED  boom: `sh fake-fmt.sh"), "{r}");
    assert!(r.stdout.contains("was killed by signal 9"), "{r}");
    assert!(
        r.stdout.contains("exited with code 3: fake: cannot format"),
        "{r}"
    );
    assert!(
        r.stdout.contains("FAILED  hang:") && r.stdout.contains("timed out and was killed"),
        "{r}"
    );
    assert_eq!(
        snapshot(&repo, &["boom", "fail", "hang"]),
        before,
        "a failed batch changed a file"
    );
    // The good batch: formatted, CRLF kept, permissions kept; no scratch file left anywhere.
    assert_eq!(
        std::fs::read(repo.path("ok/a.txt")).unwrap(),
        b"OK A\r\nLINE TWO\r\n"
    );
    assert_eq!(
        std::fs::metadata(repo.path("ok/a.txt"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o750
    );
    assert_eq!(
        changed_files(&repo),
        [".xtask/format-plan.toml", "ok/a.txt", "ok/b.txt"]
    );
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(batch_block(&plan, "ok").contains("status = \"done\""));
    for id in ["boom", "fail", "hang"] {
        assert!(
            batch_block(&plan, id).contains("status = \"pending\""),
            "{plan}"
        );
    }
}

#[test]
fn a_dirty_file_is_refused_unless_allowed() {
    let repo = fake_repo();
    assert_eq!(xtask(&repo, &["format", "plan"]).code, 0);
    repo.commit("plan");
    repo.write("ok/b.txt", "ok b edited\n");
    let r = xtask(&repo, &["format", "--batch", "ok"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("ok/b.txt refused: has uncommitted changes (commit or stash them, or pass --allow-dirty)"), "{r}");
    assert_eq!(repo.read("ok/b.txt"), "ok b edited\n");
    assert_eq!(repo.read("ok/a.txt"), "ok a\r\nline two\r\n");
    let r = xtask(
        &repo,
        &["format", "apply", "--batch", "ok", "--allow-dirty"],
    );
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(repo.read("ok/b.txt"), "OK B EDITED\n");
}

fn odd_name() -> PathBuf {
    PathBuf::from(OsString::from_vec(b"pkg/caf\xe9 latin1.py".to_vec()))
}

#[test]
fn odd_file_names_work_end_to_end_and_symlinks_are_never_followed() {
    let repo = python_repo(4);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("evil.py"), "x=1\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("evil.py"), repo.path("pkg_link.py")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path("linked_dir")).unwrap();
    repo.write("pkg/with space.py", "a=1\n");
    repo.write("pkg/-dash.py", "b=1\n");
    repo.write("-root.py", "c=1\n");
    repo.write(odd_name(), "d=1\n");
    repo.commit("odd names");
    let r = xtask(&repo, &["format", "check", "--lines"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("  pkg/-dash.py  +-2\n") && r.stdout.contains("  -root.py  +-2\n"),
        "{r}"
    );
    assert!(
        !r.stdout.contains("evil") && !r.stdout.contains("linked_dir"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "plan", "--max-files", "3"]);
    assert_eq!(r.code, 0, "{r}");
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(plan.contains("\"pkg/caf%E9 latin1.py\""), "{plan}");
    repo.commit("plan");
    let r = xtask(&repo, &["format", "--next", "10"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(repo.read("pkg/with space.py"), "a = 1\n");
    assert_eq!(repo.read("pkg/-dash.py"), "b = 1\n");
    assert_eq!(repo.read("-root.py"), "c = 1\n");
    assert_eq!(std::fs::read(repo.path(odd_name())).unwrap(), b"d = 1\n");
    assert_eq!(
        std::fs::read_to_string(outside.path().join("evil.py")).unwrap(),
        "x=1\n"
    );
    let r = xtask(&repo, &["format", "enforce"]);
    assert_eq!(r.code, 0, "{r}");

    // A plan naming a file through the symlinked directory is refused, nothing touched.
    let text = repo.read(".xtask/format-plan.toml");
    let (head, _) = text.split_once("\n[[batch]]\n").unwrap();
    repo.write(
        ".xtask/format-plan.toml",
        format!("{head}\n[[batch]]\nid = \"sneaky\"\nformatter = \"ruff\"\nmodule = \"linked_dir\"\nlines = 1\nstatus = \"pending\"\nfiles = [\n  \"linked_dir/evil.py\",\n]\n"),
    );
    repo.commit("sneaky plan");
    let r = xtask(&repo, &["format", "--batch", "sneaky"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains(
            "linked_dir/evil.py refused: linked_dir is a symlink; symlinks are never followed"
        ),
        "{r}"
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("evil.py")).unwrap(),
        "x=1\n"
    );
}

#[test]
fn plans_naming_outside_paths_or_malformed_are_refused_with_a_line() {
    let repo = python_repo(4);
    assert_eq!(xtask(&repo, &["format", "plan"]).code, 0);
    let plan = repo.read(".xtask/format-plan.toml");
    let first = batch_files(&plan, "app")[0].clone();
    let evil = plan.replace(&format!("\"{first}\""), "\"../outside.py\"");
    let line = evil
        .lines()
        .position(|l| l.contains("../outside.py"))
        .unwrap()
        + 1;
    repo.write(".xtask/format-plan.toml", &evil);
    let r = xtask(&repo, &["format", "--batch", "app", "--allow-dirty"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.trim(),
        format!(
            "error: format: .xtask/format-plan.toml:{line}:3: file `../outside.py` is not a plain path inside the repository (no `..`, not absolute); refusing the plan"
        )
    );
    let broken = plan.replace(
        "status = \"pending\"",
        "status = \"pending\"\nstatus = \"done\"",
    );
    repo.write(".xtask/format-plan.toml", &broken);
    for cmd in [
        &["format", "status"][..],
        &["format", "enforce"],
        &["format", "--batch", "app"],
    ] {
        let r = xtask(&repo, cmd);
        assert_eq!(r.code, 2, "{r}");
        assert!(
            r.stderr
                .starts_with("error: format: .xtask/format-plan.toml:"),
            "{r}"
        );
        assert!(r.stderr.contains("duplicate key"), "{r}");
    }
    assert_eq!(changed_files(&repo), [".xtask/format-plan.toml"]);
}

#[test]
fn a_bad_format_section_points_at_the_line_with_a_hint() {
    let repo = GitRepo::new();
    repo.write("xtask.toml", "[format]\nmax_files = 5\n\n[[format.formatter]]\nname = \"prettier\"\ninclud = [\"*.js\"]\n");
    repo.commit("x");
    let r = xtask(&repo, &["format", "check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("xtask.toml:6:1: unknown key `includ` (did you mean `include`?)"),
        "{r}"
    );
    repo.write(
        "xtask.toml",
        "[[format.formatter]]\nname = \"prettier\"\ninclude = [\"*.js\"]\n",
    );
    let r = xtask(&repo, &["format", "check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("xtask.toml:1:1: formatter `prettier` is a command: it needs `fix = [\"tool\", \"--write\", \"{files}\"]`"), "{r}");
}

#[test]
fn the_ruff_adapter_reads_old_and_new_ruff_alike_and_a_broken_file_does_not_sink_the_plan() {
    let repo = python_repo(6);
    repo.write("app/broken.py", "def f(:\n");
    repo.commit("broken");
    let new = xtask(&repo, &["format", "check", "--json"]);
    let old = xtask_path(
        &repo,
        &["format", "check", "--json"],
        &[],
        testkit::Venv::get("ruff-old").path_env(),
    );
    assert_eq!(new.code, 1, "{new}");
    assert_eq!(old.code, 1, "{old}");
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["formatters"][0]["version"] = serde_json::Value::Null;
        v
    };
    let (new_json, old_json) = (strip(&new.stdout), strip(&old.stdout));
    assert_eq!(new_json, old_json);
    assert_eq!(
        new_json["formatters"][0]["pending"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let broken = &new_json["formatters"][0]["broken"][0];
    assert_eq!(broken["path"], "app/broken.py");
    assert!(
        broken["error"]
            .as_str()
            .unwrap()
            .starts_with("1:7: Expected a parameter"),
        "{broken}"
    );
    assert_eq!(
        (&broken["line"], &broken["column"]),
        (&serde_json::json!(1), &serde_json::json!(7))
    );
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("  app/broken.py:1:7: ruff cannot parse it: Expected a parameter"),
        "{r}"
    );
    // The vendored folder is excluded by the project's ruff config.
    assert!(!repo.read(".xtask/format-plan.toml").contains("vendored"));
}

#[test]
fn ctrl_c_kills_the_formatter_and_leaves_the_batch_untouched_and_pending() {
    let repo = fake_repo();
    repo.write(
        "xtask.toml",
        repo.read("xtask.toml")
            .replace("timeout = 1\n", "timeout = 60\n"),
    );
    repo.commit("long timeout");
    assert_eq!(xtask(&repo, &["format", "plan"]).code, 0);
    repo.commit("plan");
    let before = snapshot(&repo, &["hang"]);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["format", "--batch", "hang", "--root"])
        .arg(repo.root())
        .env("PATH", testkit::Venv::test().path_env())
        .env("FAKE_APPLY", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the formatter runs (its scratch copies exist), then press Ctrl-C.
    let started = std::time::Instant::now();
    let scratch_exists = || !scratch_copies(&repo).is_empty();
    while !scratch_exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the formatter never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(snapshot(&repo, &["hang"]), before);
    assert!(!scratch_exists(), "scratch copies left behind");
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(
        batch_block(&plan, "hang").contains("status = \"pending\""),
        "{plan}"
    );
    assert_eq!(changed_files(&repo), Vec::<String>::new());
}

#[test]
fn rustfmt_outside_a_cargo_workspace_and_batches_by_owner() {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[format]\nby_owner = true\n\n[[format.formatter]]\nname = \"rustfmt\"\n",
    );
    repo.write(
        ".github/CODEOWNERS",
        "*.rs @rust\n/tools/billing/ @billing\n",
    );
    repo.write("tools/a.rs", "fn a( ){}\n");
    repo.write("tools/billing/b.rs", "fn b( ){}\n");
    repo.write("tools/billing/c.rs", "fn c() {}\n");
    repo.commit("initial");
    let r = xtask(&repo, &["format", "check"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout
            .contains("rustfmt: 2 of 3 file(s) would be reformatted"),
        "{r}"
    );
    let r = xtask(&repo, &["format", "plan"]);
    assert_eq!(r.code, 0, "{r}");
    let plan = repo.read(".xtask/format-plan.toml");
    assert!(plan.contains("by_owner = true"), "{plan}");
    assert_eq!(batch_ids(&plan), ["tools", "tools/billing"]);
    assert!(
        batch_block(&plan, "tools").contains("owner = \"@rust\""),
        "{plan}"
    );
    assert!(
        batch_block(&plan, "tools/billing").contains("owner = \"@billing\""),
        "{plan}"
    );
    repo.commit("plan");
    let r = xtask(&repo, &["format", "--next", "2"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(repo.read("tools/a.rs"), "fn a() {}\n");
    assert_eq!(repo.read("tools/billing/b.rs"), "fn b() {}\n");
    assert_eq!(xtask(&repo, &["format", "check"]).code, 0);
}

#[test]
fn a_ruff_that_says_nothing_is_never_taken_for_a_clean_check() {
    let repo = python_repo(3);
    let bin = repo.root().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("ruff");
    let path = || {
        let mut path = OsString::from(bin.as_os_str());
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        path
    };
    // Exits 0 having printed nothing: no count says it looked at a file.
    // Exits 1 (ruff's "would reformat") without naming a file: which ones is unknown.
    for code in [0, 1] {
        std::fs::write(&fake, format!("#!/bin/sh\nexit {code}\n")).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let r = xtask_path(&repo, &["format", "check"], &[], path());
        assert_eq!(r.code, 2, "exit {code}: {r}");
        assert!(
            r.stderr.contains(&format!("exited with code {code}")) && r.stderr.contains("ruff"),
            "exit {code}: {r}"
        );
        assert!(!r.stdout.contains("0 of"), "exit {code}: {r}");
    }
}
