//! A `CARGO_TARGET_DIR` outside the repository, shared by several (a global target directory,
//! or a test that reuses another project's build): each repository keeps its own qa lock, logs
//! and cache there, so runs in two repositories never wait on each other or mix their logs.

use crate::qa_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use qa_support::{command, repo_with, xtask_env};

/// Creates the file A's gate waits for when dropped.
struct Release(std::path::PathBuf);

impl Drop for Release {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.0, "");
    }
}

#[test]
fn two_repositories_sharing_a_target_directory_keep_apart() {
    let shared = tempfile::tempdir().unwrap();
    let env = [("CARGO_TARGET_DIR", shared.path().as_os_str())];
    // A holds its lock while its gate waits for a file that only the test creates.
    let a = repo_with(
        "[gates.check]\nrun = ['sh', '-c', 'echo from a; while [ ! -e release ]; do sleep 0.05; done']\n",
    );
    let b = repo_with("[gates.check]\nrun = ['sh', '-c', 'echo from b']\n");
    let mut first = command(&a, &["qa"]);
    first.envs(env).stdout(Stdio::null()).stderr(Stdio::piped());
    let first = first.spawn().unwrap();
    // Whatever happens below, A's gate ends (its folder is removed with the test's).
    let _release = Release(a.path("release"));
    let repos = shared.path().join("xtask/repos");
    let deadline = Instant::now() + Duration::from_secs(30);
    let log_of = |marker: &str| {
        std::fs::read_dir(&repos).ok().and_then(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("qa/check.log"))
                .find(|log| std::fs::read_to_string(log).is_ok_and(|t| t.contains(marker)))
        })
    };
    while log_of("from a").is_none() {
        assert!(Instant::now() < deadline, "A's gate never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // B runs to its end while A still holds its own lock.
    let second = xtask_env(&b, &["qa"], &env);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(
        !second.stderr.contains("waiting for another qa run"),
        "{}",
        second.stderr
    );
    std::fs::write(a.path("release"), "").unwrap();
    let out = first.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One folder per repository, each with its own log.
    let (log_a, log_b) = (log_of("from a").unwrap(), log_of("from b").unwrap());
    assert_ne!(log_a.parent(), log_b.parent());
    for (log, repo) in [(&log_a, &a), (&log_b, &b)] {
        let folder = log.parent().unwrap().parent().unwrap().file_name().unwrap();
        let name = repo.root().canonicalize().unwrap();
        let name = name.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            folder.to_string_lossy().starts_with(&format!("{name}-")),
            "{folder:?}"
        );
    }
    assert!(!shared.path().join("xtask/qa.lock").exists());
    // Inside the repository, the target directory is the repository's own: `target/xtask`.
    let inside = repo_with("[gates.check]\nrun = ['true']\n");
    let run = xtask_env(&inside, &["qa"], &[("CARGO_TARGET_DIR", "build".as_ref())]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(inside.path("build/xtask/qa/check.log").is_file());
}
