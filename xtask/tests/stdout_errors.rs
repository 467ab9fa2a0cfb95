//! Writing to a stdout that cannot take it never panics: a closed pipe (`xtask qa --list |
//! head -1` with 10,000 gates) ends the output quietly with the command's own exit code; a full
//! disk (`> /dev/full`) is `error: cannot write to stdout: ...` and exit 1.

use crate::qa_support;

use std::fmt::Write as _;
use std::process::{Output, Stdio};

use qa_support::*;

fn many_gates() -> GitRepo {
    let mut config = String::new();
    for i in 0..10_000 {
        writeln!(config, "[gates.g{i}]\nrun = 'true'").unwrap();
    }
    repo_with(&config)
}

/// Runs `xtask ARGS --root REPO` with stdout the write end of a pipe whose reader is closed.
fn into_closed_pipe(repo: &GitRepo, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    command(repo, args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("run xtask")
}

/// Runs `xtask ARGS --root REPO` with stdout `/dev/full`.
fn into_full_disk(repo: &GitRepo, args: &[&str]) -> Output {
    let full = std::fs::File::create("/dev/full").expect("/dev/full exists on Linux");
    command(repo, args)
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("run xtask")
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let repo = many_gates();
    for args in [
        &["qa", "--list"][..],
        &["qa", "--list", "--json"],
        &["completions", "bash"],
    ] {
        let out = into_closed_pipe(&repo, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_exit_1() {
    let repo = repo_with("[gates.ok]\nrun = 'true'\n");
    for args in [&["completions", "bash"][..], &["qa", "--list"]] {
        let out = into_full_disk(&repo, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr, "error: cannot write to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}
