//! `qa`'s result cache gives no stale pass, end to end: a cached gate sees only the variables
//! it declares (`env`, `pass_env`) and the documented pass-through set, all in its key;
//! `cache = false` sees everything and is never cached; tools are identified by their resolved
//! file (never run with `--version`), a shell line by the programs it calls, a Python tool with
//! its environment's installed distributions; `inputs` match gitignored files; a symlinked
//! cache directory is never read, written or evicted through, nor a symlink in an entry's
//! place; a torn entry (entries are written in place) is a miss; eviction drops the oldest
//! entries beyond the cap and nothing else.

use crate::qa_support;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use qa_support::*;

fn cached(report: &serde_json::Value, name: &str) -> bool {
    gate(report, name)["cached"].as_bool().unwrap()
}

fn status(report: &serde_json::Value, name: &str) -> String {
    gate(report, name)["status"].as_str().unwrap().to_string()
}

/// An executable script at `path`.
fn script(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `PATH` with `dir` first.
fn path_with(dir: &Path) -> OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    std::env::join_paths(paths).unwrap()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .count()
}

#[test]
fn an_undeclared_variable_is_invisible_and_a_declared_one_is_in_the_key() {
    let outside = tempfile::tempdir().unwrap();
    let seen_file = outside.path().join("seen.env");
    let repo = repo_with(&format!(
        "[gates.e]\nrun = ['sh', '-c', 'test \"$FOO\" = 1']\n\n\
         [gates.declared]\nrun = ['sh', '-c', 'test \"$FOO\" = 1']\npass_env = ['FO*']\n\n\
         [gates.seen]\nrun = ['sh', '-c', 'env > {}']\n",
        seen_file.display()
    ));
    let one = std::ffi::OsStr::new("1");
    let zero = std::ffi::OsStr::new("0");
    let secret = std::ffi::OsStr::new("s3cret");

    let ca = std::ffi::OsStr::new("/etc/extra-ca.pem");
    let links = std::ffi::OsStr::new("/opt/wheels");
    let (_, report) = run_json(
        &repo,
        &["qa"],
        &[
            ("FOO", one),
            ("SECRET_TOKEN", secret),
            ("NODE_EXTRA_CA_CERTS", ca),
            ("PIP_FIND_LINKS", links),
        ],
    );
    assert_eq!(
        status(&report, "e"),
        "fail",
        "FOO is not declared: the gate cannot see it"
    );
    assert_eq!(status(&report, "declared"), "pass");
    let seen = std::fs::read_to_string(&seen_file).unwrap();
    assert!(
        !seen.contains("SECRET_TOKEN") && !seen.contains("FOO="),
        "{seen}"
    );
    assert!(seen.contains("PATH=") && seen.contains("HOME="), "{seen}");
    // The trust store Node's package managers need behind a TLS-intercepting proxy passes
    // through, like SSL_CERT_FILE (a yarn install in a test gate failed without it).
    assert!(
        seen.contains("NODE_EXTRA_CA_CERTS=/etc/extra-ca.pem"),
        "{seen}"
    );
    // And pip's own settings: a test gate installing its tools in a fresh clone needed the
    // machine's PIP_FIND_LINKS and PIP_DEFAULT_TIMEOUT.
    assert!(seen.contains("PIP_FIND_LINKS=/opt/wheels"), "{seen}");

    // The same variables again (NODE_EXTRA_CA_CERTS too: it is in the key).
    let (_, report) = run_json(
        &repo,
        &["qa"],
        &[
            ("FOO", one),
            ("NODE_EXTRA_CA_CERTS", ca),
            ("PIP_FIND_LINKS", links),
        ],
    );
    assert!(cached(&report, "declared"));
    assert!(!cached(&report, "e"), "failures are never cached");

    // FOO=0: the declared gate's key changed; it reruns and fails, no stale pass.
    let (run, report) = run_json(
        &repo,
        &["qa"],
        &[
            ("FOO", zero),
            ("NODE_EXTRA_CA_CERTS", ca),
            ("PIP_FIND_LINKS", links),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!cached(&report, "declared"));
    assert_eq!(status(&report, "declared"), "fail");
    assert_eq!(status(&report, "e"), "fail");
}

#[test]
fn cache_false_sees_the_whole_environment_and_is_never_cached() {
    let repo = repo_with(
        "[gates.open]\nrun = ['sh', '-c', 'echo ran >> runs; test \"$FOO\" = 1']\ncache = false\n",
    );
    let one = std::ffi::OsStr::new("1");
    for _ in 0..2 {
        let (run, report) = run_json(&repo, &["qa"], &[("FOO", one)]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(!cached(&report, "open"));
    }
    assert_eq!(lines(&repo.path("runs")), 2);
    let (run, _) = run_json(&repo, &["qa"], &[("FOO", std::ffi::OsStr::new("0"))]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

#[test]
fn a_tool_is_identified_by_its_file_and_never_run_with_version() {
    let tools = tempfile::tempdir().unwrap();
    let bin = tools.path().join("bin");
    let marker = tools.path().join("version-was-run");
    let runs = tools.path().join("runs");
    let heavy = |extra: &str| {
        script(
            &bin.join("heavy"),
            &format!(
                "#!/bin/sh\n# {extra}\nif [ \"$1\" = --version ]; then touch '{}'; fi\necho ran >> '{}'\n",
                marker.display(),
                runs.display()
            ),
        )
    };
    heavy("v1");
    let repo = repo_with(
        "[gates.direct]\nrun = ['heavy']\n\n\
         [gates.declared]\nrun = ['sh', '-c', 'true']\ntool = 'heavy'\n",
    );
    let path = path_with(&bin);
    let env = [("PATH", path.as_os_str())];

    let (run, report) = run_json(&repo, &["qa"], &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!cached(&report, "direct"));
    let (_, report) = run_json(&repo, &["qa"], &env);
    assert!(cached(&report, "direct") && cached(&report, "declared"));
    let (_, _) = run_json(&repo, &["qa", "--no-cache"], &env);
    assert!(!marker.exists(), "`heavy --version` was run");
    assert_eq!(lines(&runs), 2, "the gate's own runs only");

    // A new version of the tool (its file changed) reruns both gates.
    heavy("v2");
    let (_, report) = run_json(&repo, &["qa"], &env);
    assert!(!cached(&report, "direct") && !cached(&report, "declared"));
    assert_eq!(lines(&runs), 3);
    assert!(!marker.exists(), "`heavy --version` was run");
}

#[test]
fn a_shell_gate_is_keyed_on_the_programs_its_line_calls() {
    let tools = tempfile::tempdir().unwrap();
    let bin = tools.path().join("bin");
    script(&bin.join("mylint"), "#!/bin/sh\nexit 0\n");
    let repo = repo_with(
        "[gates.lint]\nrun = 'MODE=strict mylint src && echo checked | cat'\nshell = true\n",
    );
    let path = path_with(&bin);
    let env = [("PATH", path.as_os_str())];
    let (run, _) = run_json(&repo, &["qa"], &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (_, report) = run_json(&repo, &["qa"], &env);
    assert!(cached(&report, "lint"));

    // The tool the line calls changed: it now fails, and the gate must see that.
    script(
        &bin.join("mylint"),
        "#!/bin/sh\necho 'src/a.py:1: error' >&2\nexit 1\n",
    );
    let (run, report) = run_json(&repo, &["qa"], &env);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!cached(&report, "lint"));
    assert_eq!(status(&report, "lint"), "fail");
}

#[test]
fn inputs_match_gitignored_files() {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.env]\nrun = ['sh', '-c', 'grep -qx ok .env && grep -qx ok gen/out.txt']\n\
         inputs = ['.env', 'gen/**']\n",
    );
    repo.write(".gitignore", ".env\ngen/\n");
    repo.write(".env", "ok\n");
    repo.write("gen/out.txt", "ok\n");
    repo.commit("init");
    let (run, _) = run_json(&repo, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(cached(&report, "env"));

    repo.write(".env", "broken\n");
    let (run, report) = run_json(&repo, &["qa"], &[]);
    assert!(!cached(&report, "env"));
    assert_eq!(run.code, Some(1), "{}", run.stderr);

    repo.write(".env", "ok\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(status(&report, "env"), "pass");
    repo.write("gen/out.txt", "stale\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(status(&report, "env"), "fail");
}

/// The default inputs are every file git tracks or would track, read from the index in
/// process (versions 2, 3 and 4) or from `git ls-files` when the index is split: a new
/// untracked file, a tracked file that `.gitignore` matches and a tracked file in each index
/// format all reach the key; an ignored untracked file does not.
#[test]
fn the_default_inputs_are_what_git_tracks_or_would_track() {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.all]\nrun = ['sh', '-c', '! grep -rqsx broken --exclude-dir=.git --exclude-dir=target .']\n",
    );
    repo.write(".gitignore", "*.log\n");
    repo.write("src/a.py", "ok\n");
    repo.write("forced.log", "ok\n");
    repo.commit("init");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(repo.root())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    git(&["add", "-f", "forced.log"]);
    let pass_then_cached = |what: &str| {
        let (run, report) = run_json(&repo, &["qa"], &[]);
        assert_eq!(run.code, Some(0), "{what}: {}", run.stderr);
        let (_, report2) = run_json(&repo, &["qa"], &[]);
        assert!(cached(&report2, "all"), "{what}: the second run is cached");
        report
    };
    pass_then_cached("start");

    // An ignored, untracked file is not an input.
    repo.write("noise.log", "broken\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(cached(&report, "all"), "an ignored file is not in the key");
    std::fs::remove_file(repo.path("noise.log")).unwrap();

    // A tracked file that .gitignore matches is.
    repo.write("forced.log", "broken\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(
        status(&report, "all"),
        "fail",
        "a tracked ignored file is in the key"
    );
    repo.write("forced.log", "ok\n");
    pass_then_cached("forced.log restored");

    // So is a new untracked file.
    repo.write("new/b.py", "broken\n");
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert_eq!(
        status(&report, "all"),
        "fail",
        "an untracked file is in the key"
    );
    std::fs::remove_file(repo.path("new/b.py")).unwrap();

    for (setup, what) in [
        (&["update-index", "--index-version", "4"][..], "index v4"),
        (&["update-index", "--index-version", "3"][..], "index v3"),
        (
            &["update-index", "--split-index"][..],
            "split index (git ls-files)",
        ),
    ] {
        git(setup);
        pass_then_cached(what);
        repo.write("src/a.py", "broken\n");
        let (_, report) = run_json(&repo, &["qa"], &[]);
        assert_eq!(
            status(&report, "all"),
            "fail",
            "{what}: a tracked file is in the key"
        );
        repo.write("src/a.py", "ok\n");
    }
}

#[test]
fn a_python_environment_change_reruns_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    // uv (pinned, from the test venv) makes the venv and installs into it as pip would (the
    // same `*.dist-info` in site-packages), in a fraction of pip's time.
    let uv = |args: &[&str]| {
        let out = std::process::Command::new(testkit::Venv::test().bin("uv"))
            .args(args)
            .env("UV_PYTHON_DOWNLOADS", "never")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "uv {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    uv(&[
        "venv",
        "--quiet",
        "--python",
        "python3",
        venv.to_str().unwrap(),
    ]);
    let python = venv.join("bin/python");
    let pip = |args: &[&str]| {
        let mut all = vec!["pip"];
        all.extend_from_slice(args);
        all.extend(["--python", python.to_str().unwrap()]);
        uv(&all);
    };
    pip(&["install", "--quiet", "six==1.16.0"]);
    // A console script as pip writes one: `#!` names the venv's interpreter.
    script(
        &venv.join("bin/six-check"),
        &format!("#!{}\nimport six\n", venv.join("bin/python").display()),
    );
    let repo = repo_with(
        "[gates.script]\nrun = ['six-check']\n\n\
         [gates.python]\nrun = ['python', '-c', 'import six']\n",
    );
    let path = path_with(&venv.join("bin"));
    let env = [("PATH", path.as_os_str())];
    let (run, _) = run_json(&repo, &["qa"], &env);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let (_, report) = run_json(&repo, &["qa"], &env);
    assert!(cached(&report, "script") && cached(&report, "python"));

    pip(&["uninstall", "--quiet", "six"]);
    let (run, report) = run_json(&repo, &["qa"], &env);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    for name in ["script", "python"] {
        assert!(!cached(&report, name), "{name} gave a stale pass");
        assert_eq!(status(&report, name), "fail");
    }
}

#[test]
fn a_symlinked_cache_directory_is_never_used() {
    let repo = repo_with("[gates.ok]\nrun = ['true']\n");
    let outside = tempfile::tempdir().unwrap();
    // 600 files, some named like cache entries, all older than any entry qa would write.
    let mut names = Vec::new();
    for i in 0..600 {
        let name = if i % 2 == 0 {
            format!("{:064x}.json", i)
        } else {
            format!("file-{i}.txt")
        };
        std::fs::write(outside.path().join(&name), "keep").unwrap();
        names.push(name);
    }
    std::fs::create_dir_all(repo.path("target/xtask")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path("target/xtask/qa-cache")).unwrap();
    for _ in 0..2 {
        let (run, report) = run_json(&repo, &["qa"], &[]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(!cached(&report, "ok"));
        let reason = gate(&report, "ok")["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(reason.contains("symlink"), "{reason}");
    }
    let left: Vec<PathBuf> = std::fs::read_dir(outside.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        left.len(),
        600,
        "files were added or deleted through the symlink"
    );
    for name in &names {
        assert_eq!(
            std::fs::read_to_string(outside.path().join(name)).unwrap(),
            "keep"
        );
    }
}

#[test]
fn eviction_removes_only_its_own_entries() {
    let repo = repo_with("[gates.ok]\nrun = ['true']\n");
    let cache = repo.path("target/xtask/qa-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let precious = outside.path().join("precious");
    std::fs::write(&precious, "keep").unwrap();
    // Over the 512-entry cap: 600 files that are not entries, and a symlink named like one.
    for i in 0..600 {
        std::fs::write(cache.join(format!("notes-{i}.json")), "keep").unwrap();
    }
    std::fs::write(cache.join(format!("{}.json", "A".repeat(64))), "keep").unwrap();
    std::os::unix::fs::symlink(&precious, cache.join(format!("{}.json", "0".repeat(64)))).unwrap();
    let (run, _) = run_json(&repo, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (_, report) = run_json(&repo, &["qa"], &[]);
    assert!(cached(&report, "ok"));
    for i in 0..600 {
        assert!(
            cache.join(format!("notes-{i}.json")).exists(),
            "notes-{i}.json was deleted"
        );
    }
    assert!(cache.join(format!("{}.json", "A".repeat(64))).exists());
    assert!(cache.join(format!("{}.json", "0".repeat(64))).is_symlink());
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep");
}

/// The entry file a gate's latest pass is stored in (its key, from `last.json`).
fn entry_of(repo: &testkit::GitRepo, name: &str) -> PathBuf {
    let last = repo.path("target/xtask/qa-cache/last.json");
    let last: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(last).unwrap()).unwrap();
    let key = last["gates"][name]["pass"]["key"].as_str().unwrap();
    repo.path(format!("target/xtask/qa-cache/{key}.json"))
}

#[test]
fn a_torn_entry_is_a_miss_and_is_written_whole_again() {
    let repo = repo_with("[gates.ok]\nrun = ['true']\n");
    let (run, _) = run_json(&repo, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let entry = entry_of(&repo, "ok");
    let whole = std::fs::read_to_string(&entry).unwrap();
    // What a kill or a power loss in the middle of writing it in place can leave.
    for torn in [String::new(), whole[..whole.len() / 2].to_string()] {
        std::fs::write(&entry, &torn).unwrap();
        let (run, report) = run_json(&repo, &["qa"], &[]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(status(&report, "ok"), "pass");
        assert!(
            !cached(&report, "ok"),
            "a torn entry {torn:?} gave a cached pass"
        );
        let rewritten: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
        assert_eq!(rewritten["gate"], "ok");
        let (_, report) = run_json(&repo, &["qa"], &[]);
        assert!(cached(&report, "ok"), "the rewritten entry is not used");
    }
}

#[test]
fn a_symlink_in_place_of_an_entry_or_the_last_passes_is_never_written_through() {
    let repo = repo_with("[gates.ok]\nrun = ['true']\n");
    let (run, _) = run_json(&repo, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let outside = tempfile::tempdir().unwrap();
    let entry = entry_of(&repo, "ok");
    let last = repo.path("target/xtask/qa-cache/last.json");
    for (link, name) in [(&entry, "precious"), (&last, "precious-too")] {
        std::fs::write(outside.path().join(name), "keep").unwrap();
        std::fs::remove_file(link).unwrap();
        std::os::unix::fs::symlink(outside.path().join(name), link).unwrap();
    }
    let (run, report) = run_json(&repo, &["qa", "--no-cache"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(status(&report, "ok"), "pass");
    for (link, name) in [(&entry, "precious"), (&last, "precious-too")] {
        assert!(link.is_symlink(), "{} was replaced", link.display());
        assert_eq!(
            std::fs::read_to_string(outside.path().join(name)).unwrap(),
            "keep",
            "written through {}",
            link.display()
        );
    }
}

#[test]
fn eviction_drops_the_oldest_entries_beyond_the_cap() {
    let repo = repo_with("[gates.ok]\nrun = ['true']\n");
    let cache = repo.path("target/xtask/qa-cache");
    std::fs::create_dir_all(&cache).unwrap();
    // 520 entries, older than any qa writes, the lower the name the older; with the one this
    // run stores, 521: the 9 oldest go.
    let epoch = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(946_684_800);
    let name = |i: u64| cache.join(format!("{i:064x}.json"));
    for i in 0..520 {
        let file = std::fs::File::create(name(i)).unwrap();
        file.set_modified(epoch + std::time::Duration::from_secs(i))
            .unwrap();
    }
    let (run, _) = run_json(&repo, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let entries = std::fs::read_dir(&cache)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.len() == 69 && name.ends_with(".json")
        })
        .count();
    assert_eq!(entries, 512);
    for i in 0..9 {
        assert!(!name(i).exists(), "entry {i}, among the oldest, was kept");
    }
    for i in 9..520 {
        assert!(name(i).exists(), "entry {i} was dropped");
    }
    assert!(entry_of(&repo, "ok").exists(), "the new entry was dropped");
}
