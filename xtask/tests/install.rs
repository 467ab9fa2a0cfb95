//! `cargo install --path xtask` gives a binary that works on any repository, with `--root` or
//! from the repository's own directory, the same way `cargo xtask` does inside this workspace.

use std::process::Command;

#[test]
fn the_installed_binary_runs_qa_on_another_repository() {
    let prefix = tempfile::tempdir().unwrap();
    let workspace = testkit::workspace_root();
    // A target dir of its own, kept between runs, so the install costs one build only once.
    let target = testkit::tools_dir().join("install-target");
    let out = Command::new(env!("CARGO"))
        .args([
            "install",
            "--quiet",
            "--debug",
            "--offline",
            "--locked",
            "--path",
        ])
        .arg(workspace.join("xtask"))
        .arg("--root")
        .arg(prefix.path())
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run cargo install");
    assert!(
        out.status.success(),
        "cargo install failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
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
