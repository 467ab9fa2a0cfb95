//! `cargo install --path xtask` gives a binary that works on any repository, with `--root` or
//! from the repository's own directory, the same way `cargo xtask` does inside this workspace.
//!
//! The install builds in the test run's own target directory, with the profile (`--debug`) and
//! the features the test build used, so it compiles nothing: it copies the binary the other
//! tests run. That holds because no dev-dependency turns on a feature of a crate the binary
//! uses (the JSON Schema checks run in Python for that reason, see `testkit::json_schema`);
//! should one do so again, the install would rebuild the workspace, and this test says so. The
//! variables cargo sets for a test process are removed from the install's environment: a build
//! script that watches one (ring's watches `CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`...) would
//! otherwise see it change since the test build, and rebuild.

use std::process::Command;

#[test]
fn the_installed_binary_runs_qa_on_another_repository() {
    let prefix = tempfile::tempdir().unwrap();
    let workspace = testkit::workspace_root();
    // target/debug/xtask -> target
    let target = std::path::Path::new(env!("CARGO_BIN_EXE_xtask"))
        .ancestors()
        .nth(2)
        .expect("the binary is in TARGET/debug")
        .to_path_buf();
    let mut install = Command::new(env!("CARGO"));
    // What cargo sets for this test process (CARGO_MANIFEST_DIR, CARGO_PKG_*...) is not in
    // the environment the test build ran in; a build script that watches one (ring's does)
    // would see it change and rebuild.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if set_by_cargo_for_tests(&name) {
            install.env_remove(&*name);
        }
    }
    let out = install
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
    assert!(
        !stderr.contains("Compiling"),
        "cargo install rebuilt what the test build had built: a dev-dependency changes the \
         features of a crate the binary uses (compare `cargo tree -e normal,dev -f '{{p}} {{f}}'`)\n{stderr}"
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

/// Whether cargo sets variable `name` for a test process (not for the cargo it was run from).
fn set_by_cargo_for_tests(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    EXACT.contains(&name) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")
}
