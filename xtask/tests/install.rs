//! `cargo install --path xtask` gives a binary that works on any repository, with `--root` or
//! from the repository's own directory, the same way `cargo xtask` does inside this workspace.
//!
//! The install builds in a target directory of its own (`target/test-tools/install-target`,
//! kept between runs). It cannot reuse the test build: `cargo test --workspace` unifies the
//! features that dev-dependencies ask of shared crates (`jsonschema` turns on features of
//! `serde_json`, `regex-automata`, `hashbrown`...), `cargo install` builds without them, so
//! every workspace crate would be rebuilt, replacing the binary the other tests run. The first
//! run on a machine (every CI run) pays one build; later runs only rebuild what changed.

use std::process::Command;

#[test]
fn the_installed_binary_runs_qa_on_another_repository() {
    let prefix = tempfile::tempdir().unwrap();
    let workspace = testkit::workspace_root();
    let target = testkit::tools_dir().join("install-target");
    let out = Command::new(env!("CARGO"))
        .args(["install", "--offline", "--locked", "--debug"])
        .arg("--path")
        .arg(workspace.join("xtask"))
        .arg("--root")
        .arg(prefix.path())
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .output()
        .expect("run cargo install");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo install failed:\n{stderr}");
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
