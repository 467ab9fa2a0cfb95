//! `qa` under signals and beside another run: SIGHUP and SIGQUIT end it like Ctrl-C; a SIGKILL
//! of xtask still ends its gates (the watchdog); Ctrl-C ends a gate that ignores SIGTERM within a
//! second; a second run in the same repository waits on `target/xtask/qa.lock` instead of
//! sharing the logs; a symlinked lock file is refused.

use crate::qa_support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use qa_support::*;
use repo::process::has_ended;

/// A gate (`shell = true`) that starts `sleep 60` in the background, records its pid in `pid`
/// and waits for it; `prefix` runs first (e.g. `trap '' TERM`).
fn sleeper(pid: &Path, prefix: &str) -> String {
    format!(
        "[gates.sleep]\nrun = \"{prefix}sleep 60 & echo $! > {}; wait\"\nshell = true\n",
        pid.display()
    )
}

fn spawn_qa(repo: &GitRepo, args: &[&str]) -> Child {
    command(repo, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start xtask")
}

fn read_pid(path: &Path) -> i32 {
    assert!(
        wait_for(30.0, || std::fs::read_to_string(path)
            .is_ok_and(|t| t.ends_with('\n'))),
        "the gate did not start"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn signal(child: &Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
}

/// Kills a process we made if it is still there (a failed assertion must not leave it).
struct Reap(i32);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.0), Signal::SIGKILL);
    }
}

#[test]
fn sighup_and_sigquit_end_the_gates_write_the_reports_and_exit_130() {
    for sig in [Signal::SIGHUP, Signal::SIGQUIT] {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let repo = repo_with(&sleeper(&pidfile, ""));
        let json = dir.path().join("qa.json");
        let child = spawn_qa(&repo, &["qa", "--json", json.to_str().unwrap()]);
        let pid = read_pid(&pidfile);
        let _reap = Reap(pid);
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{sig}: {stderr}");
        assert!(
            wait_for(5.0, || has_ended(pid)),
            "{sig}: the gate's sleep {pid} runs on"
        );
        let report = json_report(&json);
        assert_eq!(report["outcome"], "interrupted", "{sig}");
        assert_eq!(
            gate(&report, "sleep")["reason"],
            "interrupted while running; its process group was killed"
        );
    }
}

#[test]
fn a_sigkilled_xtask_leaves_no_gate_running() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let repo = repo_with(&sleeper(&pidfile, ""));
    let mut child = spawn_qa(&repo, &["qa"]);
    let pid = read_pid(&pidfile);
    let _reap = Reap(pid);
    signal(&child, Signal::SIGKILL);
    child.wait().unwrap();
    assert!(
        wait_for(10.0, || has_ended(pid)),
        "the gate's sleep {pid} outlived the SIGKILLed xtask"
    );
}

#[test]
fn ctrl_c_ends_a_gate_that_ignores_sigterm_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let repo = repo_with(&sleeper(&pidfile, "trap '' TERM; "));
    let child = spawn_qa(&repo, &["qa"]);
    let pid = read_pid(&pidfile);
    let _reap = Reap(pid);
    std::thread::sleep(Duration::from_millis(100));
    let sent = Instant::now();
    signal(&child, Signal::SIGINT);
    let out = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        took < Duration::from_millis(1500),
        "xtask took {took:?} to exit after SIGINT\n{stderr}"
    );
    assert!(
        wait_for(2.0, || has_ended(pid)),
        "the gate's sleep {pid} runs on"
    );
}

#[test]
fn a_second_run_waits_for_the_first_and_neither_log_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    // Writes 200 lines slowly, each with its shell's pid, then fails (so that the report keeps
    // the log's tail).
    let repo = repo_with(
        "[gates.slow]\nrun = 'i=0; while [ $i -lt 200 ]; do echo \"$$ line $i\"; i=$((i+1)); \
         sleep 0.01; done; exit 1'\nshell = true\n",
    );
    let log = repo.path("target/xtask/qa/slow.log");
    let jsons = [dir.path().join("1.json"), dir.path().join("2.json")];
    let first = spawn_qa(&repo, &["qa", "--json", jsons[0].to_str().unwrap()]);
    assert!(
        wait_for(30.0, || std::fs::metadata(&log).is_ok_and(|m| m.len() > 0)),
        "the first run's gate did not start"
    );
    let second = spawn_qa(&repo, &["qa", "--json", jsons[1].to_str().unwrap()]);
    let first_pid = first.id();
    let outs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    for (out, json) in outs.iter().zip(&jsons) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let report = json_report(json);
        let slow = gate(&report, "slow");
        assert_eq!(slow["status"], "fail", "{stderr}");
        assert_eq!(slow["log"], "target/xtask/qa/slow.log");
        let tail = slow["log_tail"]
            .as_str()
            .expect("a failed gate keeps its tail");
        intact(tail, json);
    }
    intact(&std::fs::read_to_string(&log).unwrap(), &log);
    let waited = String::from_utf8_lossy(&outs[1].stderr);
    assert!(
        waited.contains(&format!(
            "qa: waiting for another qa run in this repository (target/xtask/qa.lock, pid \
             {first_pid})..."
        )),
        "{waited}"
    );
    assert!(!String::from_utf8_lossy(&outs[0].stderr).contains("waiting"));
}

/// The lines of one run of the `slow` gate, whole: one shell's pid, numbers in order up to 199.
fn intact(text: &str, what: &Path) {
    assert!(
        !text.contains('\0'),
        "{}: NUL bytes\n{text:?}",
        what.display()
    );
    let lines: Vec<&str> = text.lines().collect();
    let pids: std::collections::BTreeSet<&str> =
        lines.iter().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(
        pids.len(),
        1,
        "{}: lines of two runs\n{text}",
        what.display()
    );
    let numbers: Vec<u32> = lines
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers.last(), Some(&199), "{}\n{text}", what.display());
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "{}: lines out of order\n{text}",
        what.display()
    );
}

#[test]
fn a_symlinked_lock_file_is_refused_and_listing_needs_no_lock() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::write(&outside, "keep\n").unwrap();
    let repo = repo_with("[gates.ok]\nrun = 'true'\n");
    std::fs::create_dir_all(repo.path("target/xtask")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path("target/xtask/qa.lock")).unwrap();
    let run = xtask(&repo, &["qa"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("target/xtask/qa.lock is a symlink; remove it"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
    let list = xtask(&repo, &["qa", "--list"]);
    assert_eq!(list.code, Some(0), "{}", list.stderr);
}
