//! Messages name what the user ran: the installed `xtask` (found on PATH) in a repository
//! without Rust reproduces built-ins and prints hints as `xtask ...` (with the `--root` given,
//! if any), the same binary under cargo as `cargo xtask ...`; a built-in gate's own hints
//! follow its parent's invocation. And an env key that is not a variable name is refused in
//! xtask.toml, with its line, so no "Reproduce:" line can run it as a command.

use crate::qa_support;

use std::path::Path;
use std::process::{Command, Output};

use qa_support::{GitRepo, gate, json_report, repo_with, xtask};

/// A directory holding `xtask`, a symlink to the built binary, as an install would.
fn installed() -> tempfile::TempDir {
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_xtask"), bin.path().join("xtask")).unwrap();
    bin
}

/// Runs `xtask ARGS` as typed in a shell in `cwd`, with `bin` first on PATH and no cargo around.
fn run_installed(bin: &Path, cwd: &Path, args: &[&str]) -> Output {
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    Command::new("xtask")
        .args(args)
        .current_dir(cwd)
        .env("PATH", path)
        .env_remove("CARGO")
        .env_remove("XTASK_INVOCATION")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the installed xtask")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A Python repository with a built-in sbom gate and no Cargo.toml.
fn python_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1.0\"\n",
    );
    repo.write("requirements.txt", "idna==3.10\n");
    repo.write("xtask.toml", "[gates.bom]\nrun = \"builtin:sbom\"\n");
    repo.commit("init");
    repo
}

#[test]
fn the_installed_binary_names_itself_in_reproduce_lines_and_hints() {
    let bin = installed();
    let repo = python_repo();
    let out = run_installed(bin.path(), repo.root(), &["qa", "--json", "qa.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_report(&repo.path("qa.json"));
    assert_eq!(gate(&report, "bom")["command"], "xtask sbom");

    // With --root, the line pastes from where the user is.
    let elsewhere = tempfile::tempdir().unwrap();
    let root = repo.root().to_str().unwrap();
    let out = run_installed(
        bin.path(),
        elsewhere.path(),
        &["qa", "--root", root, "--json", "qa.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_report(&elsewhere.path().join("qa.json"));
    assert_eq!(
        gate(&report, "bom")["command"],
        format!("xtask --root {root} sbom")
    );

    // A hint in an error, and the detection note of a repository without xtask.toml.
    let out = run_installed(
        bin.path(),
        repo.root(),
        &["format", "apply", "--batch", "x"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("run `xtask format plan` first"),
        "{}",
        stderr(&out)
    );
    let bare = GitRepo::new();
    bare.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.ruff]\n",
    );
    let out = run_installed(bin.path(), bare.root(), &["qa", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(`xtask qa init` writes them to xtask.toml)"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("cargo xtask"), "{}", stderr(&out));
    // Usage errors too.
    let out = run_installed(bin.path(), repo.root(), &["qa", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Usage: xtask qa"), "{}", stderr(&out));
}

#[test]
fn a_builtin_gate_hints_with_its_parents_invocation() {
    // Cargo.toml without Cargo.lock: the sbom built-in stops with a hint naming the command.
    let bin = installed();
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write("src/lib.rs", "");
    repo.write("xtask.toml", "[gates.bom]\nrun = \"builtin:sbom\"\n");
    repo.commit("init");
    let out = run_installed(bin.path(), repo.root(), &["qa", "--json", "qa.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        gate(&json_report(&repo.path("qa.json")), "bom")["status"],
        "error"
    );
    let log = repo.read("target/xtask/qa/bom.log");
    assert!(log.contains("`xtask sbom` never resolves"), "{log}");
}

#[test]
fn under_cargo_it_is_cargo_xtask() {
    // As `cargo xtask` runs it: CARGO set, the binary in its cargo target directory.
    let repo = python_repo();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["qa", "--json", "qa.json"])
        .current_dir(repo.root())
        .env("CARGO", env!("CARGO"))
        .env_remove("XTASK_INVOCATION")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_report(&repo.path("qa.json"));
    assert_eq!(gate(&report, "bom")["command"], "cargo xtask sbom");
}

#[test]
fn an_env_key_that_is_not_a_name_is_refused_with_its_line() {
    let repo = repo_with(
        "[gates.ok]\nrun = 'true'\n\n[gates.bad]\nrun = 'true'\nenv = { 'A;touch x;B' = '1' }\n",
    );
    let run = xtask(&repo, &["qa", "--list"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("xtask.toml:4")
            && run
                .stderr
                .contains("env key `A;touch x;B` is not a variable name"),
        "{}",
        run.stderr
    );
    assert!(!repo.path("x").exists());
}
