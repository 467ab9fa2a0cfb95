//! `cargo install --path xtask` gives a binary that works on any repository, with `--root` or
//! from the repository's own directory, the same way `cargo xtask` does inside this workspace.
//!
//! The install reuses the build of the test run itself: same target directory and profile as
//! the binary under test, so cargo finds every crate fresh and only copies the binary (seconds,
//! not a second cold build). The test checks that nothing was compiled: a rebuild would cost
//! minutes and replace the binary under test (`CARGO_BIN_EXE_xtask`) that other tests run.

use std::path::Path;
use std::process::Command;

#[test]
fn the_installed_binary_runs_qa_on_another_repository() {
    let prefix = tempfile::tempdir().unwrap();
    let workspace = testkit::workspace_root();
    // The binary under test is `<target dir>/<profile dir>/xtask`.
    let built = Path::new(env!("CARGO_BIN_EXE_xtask"));
    let profile_dir = built.parent().unwrap();
    let target = profile_dir.parent().unwrap();
    let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => "dev",
        other => other,
    };
    let out = Command::new(env!("CARGO"))
        .args(["install", "--offline", "--locked", "--profile", profile])
        .arg("--path")
        .arg(workspace.join("xtask"))
        .arg("--root")
        .arg(prefix.path())
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .output()
        .expect("run cargo install");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo install failed:\n{stderr}");
    assert!(
        !stderr.contains("Compiling"),
        "cargo install rebuilt crates the test build had built: the install and the test build \
         differ (features, profile or flags), and the rebuild replaced {}, which the tests run:\n{stderr}",
        built.display()
    );
    let xtask = prefix.path().join("bin/xtask");

    let repo = testkit::GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.hello]\nrun = ['sh', '-c', 'echo hello from a gate']\n\n\
         [gates.after]\nrun = 'true'\nneeds = ['hello']\n",
    );
    repo.commit("init");

    // A CARGO_TARGET_DIR of the test run's own would send the logs there.
    let with_root = Command::new(&xtask)
        .env_remove("CARGO_TARGET_DIR")
        .args(["qa", "--root"])
        .arg(repo.root())
        .current_dir(prefix.path())
        .output()
        .unwrap();
    assert!(
        with_root.status.success(),
        "{}",
        String::from_utf8_lossy(&with_root.stderr)
    );
    let log = repo.read("target/xtask/qa/hello.log");
    assert_eq!(log, "hello from a gate\n");

    let from_inside = Command::new(&xtask)
        .arg("qa")
        .current_dir(repo.path("target"))
        .output()
        .unwrap();
    assert!(
        from_inside.status.success(),
        "{}",
        String::from_utf8_lossy(&from_inside.stderr)
    );
}
