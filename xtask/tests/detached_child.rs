//! A command that leaves a detached process behind (`setsid sleep 1000 &`), which keeps the
//! output pipe open, does not hang the runner: `qa` (a gate), `format` (a generic formatter,
//! planning and applying a batch) and `sbom` (`CARGO` pointing at such a script) all end
//! promptly. The detached sleeps are outside any process group we own: the test kills them.

use crate::qa_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use qa_support::*;

/// Shell words that start `sleep 1000` in a new session (out of the caller's process group,
/// holding its stdout and stderr), appending its pid to `pids`.
fn detach(pids: &Path) -> String {
    format!(
        "setsid sh -c 'echo $$ >> {}; exec sleep 1000' &",
        pids.display()
    )
}

/// Kills every sleep recorded in the pid file when dropped.
struct Sleepers(PathBuf);

impl Drop for Sleepers {
    fn drop(&mut self) {
        let text = std::fs::read_to_string(&self.0).unwrap_or_default();
        for pid in text.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

/// Runs `cmd` to its end, or kills it after `limit` and fails: before the fix these hung.
fn finish_within(mut cmd: Command, limit: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start xtask");
    let pid = child.id();
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait for xtask"),
        Err(_) => {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            panic!("xtask still running after {:?}", started.elapsed());
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn qa_a_gate_that_leaves_a_detached_child() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let _kill = Sleepers(pids.clone());
    let repo = repo_with(&format!(
        "[gates.detach]\nrun = \"{} echo hi\"\nshell = true\n",
        detach(&pids)
    ));
    let out = finish_within(command(&repo, &["qa", "--no-cache"]), LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(repo.read("target/xtask/qa/detach.log"), "hi\n");
}

#[test]
fn format_a_formatter_that_leaves_a_detached_child() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let _kill = Sleepers(pids.clone());
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[format]\ntimeout = 600\n\n[[format.formatter]]\nname = \"upper\"\n\
         include = [\"**/*.txt\"]\nfix = [\"sh\", \"fmt.sh\", \"{files}\"]\n",
    );
    repo.write(
        "fmt.sh",
        format!(
            "{}\nfor f in \"$@\"; do tr a-z A-Z < \"$f\" > \"$f.tmp\" && cat \"$f.tmp\" > \"$f\" \
             && rm \"$f.tmp\"; done\necho formatted\n",
            detach(&pids)
        ),
    );
    repo.write("docs/a.txt", "lower\n");
    repo.commit("init");
    let plan = finish_within(command(&repo, &["format", "plan"]), LIMIT);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    repo.commit("plan");
    let batch = finish_within(command(&repo, &["format", "--next", "1"]), LIMIT);
    assert_eq!(batch.status.code(), Some(0), "{}", text(&batch));
    assert!(
        String::from_utf8_lossy(&batch.stdout).starts_with("done "),
        "{}",
        text(&batch)
    );
    assert_eq!(repo.read("docs/a.txt"), "LOWER\n");
}

#[test]
fn sbom_a_cargo_that_leaves_a_detached_child() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let _kill = Sleepers(pids.clone());
    let fake = dir.path().join("cargo");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n{}\necho 'error: fake cargo cannot read the workspace' >&2\nexit 101\n",
            detach(&pids)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write("src/lib.rs", "");
    repo.write("Cargo.lock", "version = 4\n");
    repo.commit("init");
    let mut cmd = command(&repo, &["sbom", "--python", "off"]);
    cmd.env("CARGO", &fake);
    let out = finish_within(cmd, LIMIT);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fake cargo cannot read the workspace"),
        "{}",
        text(&out)
    );
}
