//! The remote result cache (`[qa.cache] remote`, `XTASK_CACHE_REMOTE`) against real servers
//! started by the tests: nginx serving WebDAV `PUT` as a Bazel HTTP cache (and full WebDAV
//! through OpenDAL), and redis-server. Clones at different paths share passes; a changed input
//! misses; a server killed mid-run, or one that never answers, costs one warning and the run
//! still passes; a tampered entry is refused; credentials never reach xtask.toml or a report.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use testkit::servers::{Blackhole, Nginx, Redis};

use crate::qa_support::{GitRepo, command, gate, json_report, run_json, xtask, xtask_env};

/// A repository whose gates each append their name to `counter` (outside every clone) when
/// they run, with `[qa.cache]` set from `cache` (TOML lines).
fn repo(counter: &Path, cache: &str, gates: &[&str]) -> GitRepo {
    let repo = GitRepo::new();
    let mut config = format!("[qa]\njobs = 1\n\n[qa.cache]\n{cache}\n");
    for gate in gates {
        config.push_str(&format!(
            "\n[gates.{gate}]\nrun = [\"sh\", \"-c\", \"echo {gate} >> '{}'; echo output of {gate}\"]\n",
            counter.display()
        ));
    }
    repo.write("xtask.toml", &config);
    repo.write("src/a.py", "print('a')\n");
    repo.commit("init");
    repo
}

/// A repository whose `[qa.cache] remote` is a new nginx, with `gates`; the file its gates
/// append to lives in the returned temp dir.
fn nginx_repo(gates: &[&str]) -> (Nginx, tempfile::TempDir, PathBuf, GitRepo) {
    let nginx = Nginx::start();
    let work = tempfile::tempdir().unwrap();
    let counter = work.path().join("ran");
    let repo = repo(&counter, &format!("remote = \"{}\"", nginx.url()), gates);
    (nginx, work, counter, repo)
}

/// The gates that ran so far, in order.
fn ran(counter: &Path) -> Vec<String> {
    std::fs::read_to_string(counter)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect()
}

#[test]
fn a_clone_at_another_path_gets_the_passes_a_first_clone_stored_in_nginx() {
    let (nginx, _work, counter, a) = nginx_repo(&["lint", "types"]);
    let (run, rep) = run_json(&a, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(ran(&counter), ["lint", "types"]);
    assert!(warnings(&run.stderr).is_empty(), "{}", run.stderr);
    assert_eq!(rep["remote_cache"]["stored"], 2);
    assert_eq!(rep["remote_cache"]["mode"], "read-write");
    // The Bazel layout: blobs under cas/, then the action result under ac/.
    let puts: Vec<String> = nginx
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PUT "))
        .collect();
    assert_eq!(puts.len(), 6, "{puts:?}");
    assert!(puts[0].contains("/cas/") && puts[2].contains("/ac/") && puts[2].ends_with(" 201"));

    // Another clone, at another path: every gate answered by the remote cache, none run.
    let b = a.cloned();
    assert_ne!(a.root(), b.root());
    let (run, rep) = run_json(&b, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(ran(&counter), ["lint", "types"], "no gate ran again");
    for name in ["lint", "types"] {
        let g = gate(&rep, name);
        assert_eq!(g["status"], "pass");
        assert_eq!(g["cached"], true);
        assert_eq!(g["remote_cache"], true);
        assert!(
            g["reason"]
                .as_str()
                .unwrap()
                .contains(&format!("from the remote cache {}", nginx.url())),
            "{g}"
        );
    }
    assert_eq!(rep["remote_cache"]["hits"], 2);
    // The stored log is replayed into the gate's log.
    let log = b.read("target/xtask/qa/lint.log");
    assert!(log.starts_with("cached: passed at"), "{log}");
    assert!(log.contains("output of lint"), "{log}");

    // Kept locally: the next run asks nothing of the server.
    let gets = nginx.requests().len();
    let (run, rep) = run_json(&b, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(rep["remote_cache"]["hits"], 0);
    assert_eq!(gate(&rep, "lint")["remote_cache"], serde_json::Value::Null);
    assert_eq!(nginx.requests().len(), gets, "a local hit needs no request");

    // A changed input misses, locally and remotely: the gates run.
    b.write("src/a.py", "print('changed')\n");
    let (run, rep) = run_json(&b, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(ran(&counter), ["lint", "types", "lint", "types"]);
    assert_eq!(gate(&rep, "lint")["cached"], false);
}

#[test]
fn dry_run_and_list_say_which_cache_would_answer() {
    let (_nginx, _work, counter, a) = nginx_repo(&["lint", "types"]);
    assert_eq!(xtask(&a, &["qa", "lint"]).code, Some(0));
    let b = a.cloned();
    let run = xtask(&b, &["qa", "--dry-run", "--json", "-"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let dry: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(dry["gates"][0]["action"], "cached");
    assert_eq!(dry["gates"][0]["cache"], "remote");
    assert!(
        dry["gates"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the remote cache http://127.0.0.1:")
    );
    assert_eq!(dry["gates"][1]["action"], "run");
    assert!(dry["gates"][1].get("cache").is_none());
    let list = xtask(&b, &["qa", "--list", "--json"]);
    assert_eq!(list.code, Some(0), "{}", list.stderr);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(list[0]["cache"], "remote");
    assert_eq!(list[1]["cache"], serde_json::Value::Null);
    // Neither wrote anything nor ran a gate.
    assert!(!b.path("target/xtask/qa-cache").exists());
    assert_eq!(ran(&counter), ["lint"]);
    // A store that cannot be reached: the dry run says so once, and answers from what it has.
    let down = xtask_env(
        &b,
        &["qa", "--dry-run"],
        &[("XTASK_CACHE_REMOTE", OsStr::new("http://127.0.0.1:1/none"))],
    );
    assert_eq!(down.code, Some(0), "{}", down.stderr);
    assert!(down.stdout.contains("2 would run"), "{}", down.stdout);
    assert_eq!(warnings(&down.stderr).len(), 1, "{}", down.stderr);
    assert!(
        down.stderr.contains("Connection refused"),
        "{}",
        down.stderr
    );
    // After a run in b, the local cache answers.
    assert_eq!(xtask(&b, &["qa"]).code, Some(0));
    let run = xtask(&b, &["qa", "--dry-run", "--json", "-"]);
    let dry: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(dry["gates"][0]["cache"], "local");
    assert_eq!(dry["gates"][1]["cache"], "local");
}

#[test]
fn redis_from_the_environment_shares_passes_and_read_only_stores_nothing() {
    let redis = Redis::start();
    let work = tempfile::tempdir().unwrap();
    let counter = work.path().join("ran");
    let a = repo(&counter, "", &["lint"]);
    let url = redis.url();
    let env: [(&str, &OsStr); 2] = [
        ("XTASK_CACHE_REMOTE", OsStr::new(&url)),
        ("XTASK_CACHE_REMOTE_MODE", OsStr::new("read-only")),
    ];
    // Read-only: the pass is not stored.
    let (run, rep) = run_json(&a, &["qa"], &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(rep["remote_cache"]["mode"], "read-only");
    assert_eq!(rep["remote_cache"]["stored"], 0);
    assert!(redis.keys().is_empty(), "{:?}", redis.keys());
    // Read-write stores it: one action result and two blobs.
    let (run, _) = run_json(&a, &["qa", "--no-cache"], &env[..1]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let keys = redis.keys();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(
        keys.iter().filter(|k| k.contains("/ac/")).count(),
        1,
        "{keys:?}"
    );
    assert_eq!(ran(&counter), ["lint", "lint"]);
    let b = a.cloned();
    let (run, rep) = run_json(&b, &["qa"], &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&rep, "lint")["remote_cache"], true);
    assert_eq!(ran(&counter), ["lint", "lint"]);
}

#[test]
fn a_full_webdav_server_works_through_opendal() {
    let nginx = Nginx::start();
    let work = tempfile::tempdir().unwrap();
    let counter = work.path().join("ran");
    let url = nginx.url().replacen("http://", "webdav+http://", 1);
    let a = repo(&counter, &format!("remote = \"{url}/dav\""), &["lint"]);
    let (run, rep) = run_json(&a, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(warnings(&run.stderr).is_empty(), "{}", run.stderr);
    assert_eq!(rep["remote_cache"]["stored"], 1);
    let b = a.cloned();
    let (run, rep) = run_json(&b, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&rep, "lint")["remote_cache"], true);
    assert_eq!(ran(&counter), ["lint"]);
}

#[test]
fn a_server_killed_mid_run_gives_misses_with_one_warning_and_the_run_passes() {
    let (mut nginx, work, counter, a) = nginx_repo(&["lint", "types", "docs"]);
    let started = work.path().join("started");
    let go = work.path().join("go");
    // `first` is never cached and waits for the test; the others need it.
    let mut config = a.read("xtask.toml");
    config = config.replace("[gates.lint]", "[gates.lint]\nneeds = [\"first\"]");
    config = config.replace("[gates.types]", "[gates.types]\nneeds = [\"first\"]");
    config = config.replace("[gates.docs]", "[gates.docs]\nneeds = [\"first\"]");
    config.push_str(&format!(
        "\n[gates.first]\ncache = false\nrun = [\"sh\", \"-c\", \"touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done\"]\n",
        started.display(),
        go.display()
    ));
    a.write("xtask.toml", &config);
    a.commit("gates");
    std::fs::write(&go, "").unwrap();
    assert_eq!(xtask(&a, &["qa"]).code, Some(0));
    assert_eq!(ran(&counter).len(), 3);
    std::fs::remove_file(&go).unwrap();

    let b = a.cloned();
    let json = b.path("target/qa.json");
    let child = command(&b, &["qa", "--json", json.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !started.exists() {
        assert!(Instant::now() < deadline, "the first gate never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    nginx.kill();
    std::fs::write(&go, "").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Every lookup missed: the three gates ran again.
    assert_eq!(ran(&counter).len(), 6);
    let warned = warnings(&stderr);
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(
        warned[0].contains("the rest of this run does without it"),
        "{stderr}"
    );
    let rep = json_report(&json);
    assert_eq!(rep["outcome"], "pass");
    assert_eq!(rep["remote_cache"]["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_server_that_never_answers_costs_one_timeout() {
    let hole = Blackhole::start();
    let work = tempfile::tempdir().unwrap();
    let counter = work.path().join("ran");
    let a = repo(
        &counter,
        &format!("remote = \"{}\"\nremote_timeout = 0.5", hole.url()),
        &["a", "b", "c", "d"],
    );
    let mut cmd = command(&a, &["qa"]);
    let t0 = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hang would be caught here: four gates at 0.5 s per request would take at least 4 s
    // if every lookup waited; one timeout, then none.
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("qa hung on a server that never answers");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(ran(&counter), ["a", "b", "c", "d"]);
    let warned = warnings(&stderr);
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(warned[0].contains("no answer within 0.5 s"), "{stderr}");
}

/// The files nginx holds under `cas/` and `ac/`.
fn stored(nginx: &Nginx, part: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(nginx.storage())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.parent().is_some_and(|d| d.ends_with(part)))
        .collect();
    out.sort();
    out
}

/// Gate `name`'s latest key, from the local cache of `repo`.
fn key_of(repo: &GitRepo, name: &str) -> String {
    let last: serde_json::Value =
        serde_json::from_str(&repo.read("target/xtask/qa-cache/last.json")).unwrap();
    last["gates"][name]["pass"]["key"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_tampered_entry_is_refused_and_the_gate_runs() {
    let (nginx, _work, counter, a) = nginx_repo(&["lint", "types"]);
    assert_eq!(xtask(&a, &["qa"]).code, Some(0));
    assert_eq!(ran(&counter), ["lint", "types"]);
    let ac = |gate: &str| {
        let key = key_of(&a, gate);
        stored(&nginx, "ac")
            .into_iter()
            .find(|p| p.ends_with(&key))
            .unwrap()
    };

    // `types`' action result replaced by `lint`'s: valid blobs, but another key and gate.
    std::fs::copy(ac("lint"), ac("types")).unwrap();
    let b = a.cloned();
    let (run, rep) = run_json(&b, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(ran(&counter), ["lint", "types", "types"], "{}", run.stderr);
    assert_eq!(gate(&rep, "lint")["remote_cache"], true);
    assert_eq!(gate(&rep, "types")["cached"], false);
    assert!(
        run.stderr.contains("stored for another key or gate"),
        "{}",
        run.stderr
    );

    // `lint`'s entry blob edited on the server (its pass made longer): its digest no longer
    // matches the one its action result names.
    let entry = stored(&nginx, "cas")
        .into_iter()
        .find(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.contains("\"key\"") && t.contains("\"gate\":\"lint\""))
        })
        .unwrap();
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, text.replace("\"duration_s\":", "\"duration_s\":1")).unwrap();
    let c = a.cloned();
    let (run, rep) = run_json(&c, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&rep, "lint")["cached"], false, "{}", run.stderr);
    assert!(
        run.stderr.contains("does not match its digest"),
        "{}",
        run.stderr
    );
    assert_eq!(ran(&counter).iter().filter(|g| *g == "lint").count(), 2);
}

#[test]
fn credentials_come_from_the_environment_and_are_never_shown() {
    // In xtask.toml: refused, with the line.
    let repo = crate::qa_support::repo_with(
        "[qa.cache]\nremote = \"https://ci:s3cret@cache.example/qa\"\n\n[gates.a]\nrun = \"true\"\n",
    );
    let run = xtask(&repo, &["qa"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("xtask.toml:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("never in xtask.toml"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);

    // Bad settings are errors naming the setting.
    for (config, wanted) in [
        (
            "remote = \"ftp://x/y\"",
            "unknown remote cache scheme `ftp:`",
        ),
        (
            "remote_mode = \"rw\"",
            "`remote_mode` is `read-write`, `read-only` or `off`",
        ),
        ("remote_timeout = 0", "`remote_timeout` is seconds"),
    ] {
        let repo = crate::qa_support::repo_with(&format!(
            "[qa.cache]\n{config}\n\n[gates.a]\nrun = \"true\"\n"
        ));
        let run = xtask(&repo, &["qa"]);
        assert_eq!(run.code, Some(2), "{config}: {}", run.stderr);
        assert!(run.stderr.contains("xtask.toml:2:"), "{}", run.stderr);
        assert!(run.stderr.contains(wanted), "{config}: {}", run.stderr);
    }
    let repo = crate::qa_support::repo_with("[gates.a]\nrun = \"true\"\n");
    let run = xtask_env(
        &repo,
        &["qa"],
        &[("XTASK_CACHE_REMOTE_MODE", OsStr::new("sometimes"))],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("XTASK_CACHE_REMOTE_MODE=`sometimes`"),
        "{}",
        run.stderr
    );

    // From the environment, with credentials in the URL: used, never shown.
    let nginx = Nginx::start();
    let url = nginx.url().replacen("http://", "http://ci:s3cret@", 1);
    let (run, rep) = run_json(&repo, &["qa"], &[("XTASK_CACHE_REMOTE", OsStr::new(&url))]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(rep["remote_cache"]["url"], nginx.url());
    assert_eq!(rep["remote_cache"]["stored"], 1);
    let everything = format!(
        "{}{}{}{}",
        run.stdout,
        run.stderr,
        rep,
        repo.read("target/xtask/qa/a.log")
    );
    assert!(!everything.contains("s3cret"), "{everything}");
}

#[test]
fn with_a_signing_key_only_entries_signed_with_it_are_used() {
    let (_nginx, _work, counter, a) = nginx_repo(&["signed", "unsigned"]);
    let key = |k: &'static str| [("XTASK_CACHE_REMOTE_KEY", OsStr::new(k))];
    // `signed` is stored signed with one key; `unsigned` without any.
    let (run, rep) = run_json(&a, &["qa", "signed"], &key("k1"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(rep["remote_cache"]["signed"], true);
    assert_eq!(xtask(&a, &["qa", "unsigned"]).code, Some(0));
    assert_eq!(ran(&counter), ["signed", "unsigned"]);

    // The same key: the signed pass is used, the unsigned one refused.
    let b = a.cloned();
    let (run, rep) = run_json(&b, &["qa"], &key("k1"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&rep, "signed")["remote_cache"], true);
    assert_eq!(gate(&rep, "unsigned")["cached"], false);
    assert!(
        run.stderr
            .contains("`unsigned` is not signed (XTASK_CACHE_REMOTE_KEY is set)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("k1"), "{}", run.stderr);

    // Another key: refused too.
    let c = a.cloned();
    let (run, rep) = run_json(&c, &["qa", "signed"], &key("k2"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&rep, "signed")["cached"], false);
    assert!(
        run.stderr.contains("is not signed with this key"),
        "{}",
        run.stderr
    );

    // Without a key, signatures are not checked: both passes are used.
    let d = a.cloned();
    let (run, rep) = run_json(&d, &["qa"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(gate(&rep, "signed")["remote_cache"], true);
    assert_eq!(rep["remote_cache"]["signed"], false);
}
