//! Outputs never replace what they point at: `qa --json/--markdown` and `sbom --output` given a
//! symlink write its target (the link stays), a FIFO or a null device is written into (it stays
//! a FIFO, a character device), `$GITHUB_STEP_SUMMARY` is appended to; and inside
//! `target/xtask/` no symlink is followed (a planted log link or `qa/` link leaves the outside
//! file or directory untouched). The machine's `/dev/null` is never handed to the binary: a
//! regression would replace it for every program (it did once). The tests make their own null
//! device (`mknod c 1 3`, as root) in a temp dir and check that it stays one.

use crate::qa_support;

use std::ffi::OsStr;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use qa_support::{GitRepo, gate, json_report, repo_with, xtask, xtask_env};

const GATES: &str = "[gates.ok]\nrun = ['sh', '-c', 'echo fine']\n";

fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
}

/// Reads the FIFO at `path` to its end on a thread (the writer opens it after).
fn read_fifo(path: &Path) -> std::thread::JoinHandle<String> {
    let path = path.to_path_buf();
    std::thread::spawn(move || std::fs::read_to_string(path).unwrap())
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// A private null device (major 1, minor 3, as `/dev/null`) in a temp dir of its own. It needs
/// root (CAP_MKNOD), as the tests have; without it the test fails loudly here.
fn null_device() -> (tempfile::TempDir, PathBuf) {
    use nix::sys::stat::{Mode, SFlag, makedev, mknod};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("null");
    mknod(
        &path,
        SFlag::S_IFCHR,
        Mode::from_bits_truncate(0o666),
        makedev(1, 3),
    )
    .expect("mknod a null device (the tests run as root)");
    (dir, path)
}

fn is_char_device(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

/// A repository that `sbom` documents without cargo: one pinned requirement.
fn python_repo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1.0\"\n",
    );
    repo.write("requirements.txt", "idna==3.10\n");
    repo.commit("init");
    repo
}

fn sbom(repo: &GitRepo, output: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["sbom", "--output"])
        .arg(output)
        .arg("--root")
        .arg(repo.root())
        .env("SOURCE_DATE_EPOCH", "0")
        .output()
        .unwrap()
}

#[test]
fn a_symlinked_output_writes_its_target_and_stays_a_link() {
    let repo = repo_with(GATES);
    let outside = tempfile::tempdir().unwrap();
    let link = |name: &str| -> (PathBuf, PathBuf) {
        let target = outside.path().join(name);
        std::fs::write(&target, "old").unwrap();
        let link = repo.path(format!("out-{name}"));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        (link, target)
    };
    let (json_link, json_target) = link("qa.json");
    let (md_link, md_target) = link("qa.md");
    let run = xtask(
        &repo,
        &[
            "qa",
            "--json",
            json_link.to_str().unwrap(),
            "--markdown",
            md_link.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(is_symlink(&json_link) && is_symlink(&md_link));
    assert_eq!(gate(&json_report(&json_target), "ok")["status"], "pass");
    let md = std::fs::read_to_string(&md_target).unwrap();
    assert!(md.contains("ok"), "{md}");

    let py = python_repo();
    let (bom_link, bom_target) = link("bom.json");
    let out = sbom(&py, &bom_link);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(is_symlink(&bom_link));
    let bom: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bom_target).unwrap()).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
}

#[test]
fn a_dangling_symlink_into_a_missing_directory_is_refused() {
    let repo = repo_with(GATES);
    let outside = tempfile::tempdir().unwrap();
    let link = repo.path("report.json");
    std::os::unix::fs::symlink(outside.path().join("no/such/qa.json"), &link).unwrap();
    let run = xtask(&repo, &["qa", "--json", link.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("report.json") && run.stderr.contains("whose directory does not exist"),
        "{}",
        run.stderr
    );
    assert!(is_symlink(&link) && !outside.path().join("no").exists());
}

#[test]
fn a_fifo_output_is_written_into_and_stays_a_fifo() {
    let repo = repo_with(GATES);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json.fifo");
    let md = dir.path().join("qa.md.fifo");
    mkfifo(&json);
    mkfifo(&md);
    let (json_read, md_read) = (read_fifo(&json), read_fifo(&md));
    let run = xtask(
        &repo,
        &[
            "qa",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&json_read.join().unwrap()).unwrap();
    assert_eq!(gate(&report, "ok")["status"], "pass");
    assert!(md_read.join().unwrap().contains("ok"));
    for fifo in [&json, &md] {
        assert!(
            std::fs::symlink_metadata(fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }

    let py = python_repo();
    let bom = dir.path().join("bom.fifo");
    mkfifo(&bom);
    let bom_read = read_fifo(&bom);
    let out = sbom(&py, &bom);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(bom_read.join().unwrap().contains("CycloneDX"));
    assert!(
        std::fs::symlink_metadata(&bom)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_null_device_as_output_stays_the_null_device() {
    let (_dir, null) = null_device();
    let null_arg = null.to_str().unwrap();
    let repo = repo_with(GATES);
    let run = xtask(
        &repo,
        &[
            "qa",
            "--json",
            null_arg,
            "--markdown",
            null_arg,
            "--junit",
            null_arg,
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(is_char_device(&null), "qa replaced the null device");
    let out = sbom(&python_repo(), &null);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(is_char_device(&null), "sbom replaced the null device");
    assert_eq!(std::fs::read(&null).unwrap(), b"");
}

#[test]
fn dev_stdout_as_output_writes_into_the_pipe() {
    // /dev/stdout -> /proc/self/fd/1 -> a pipe, which has no path to rename over.
    let repo = repo_with(GATES);
    let run = xtask(&repo, &["qa", "--json", "/dev/stdout"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(gate(&report, "ok")["status"], "pass");
    let out = sbom(&python_repo(), Path::new("/dev/stdout"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("CycloneDX"));
}

#[test]
fn a_merged_report_writes_through_a_symlink_and_into_a_null_device() {
    let (_dir, null) = null_device();
    let repo = repo_with(GATES);
    let shard = repo.path("shard.json");
    let run = xtask(&repo, &["qa", "--json", shard.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("merged.json");
    let link = repo.path("merged-link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let run = xtask(
        &repo,
        &[
            "qa",
            "report",
            "merge",
            shard.to_str().unwrap(),
            "--json",
            link.to_str().unwrap(),
            "--markdown",
            null.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(is_symlink(&link) && is_char_device(&null));
    assert_eq!(gate(&json_report(&target), "ok")["status"], "pass");
}

#[test]
fn a_directory_as_output_is_an_error_naming_it() {
    let repo = repo_with(GATES);
    let dir = repo.path("reports");
    std::fs::create_dir(&dir).unwrap();
    let run = xtask(&repo, &["qa", "--json", dir.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("reports") && run.stderr.contains("is a directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_step_summary_is_appended_to_through_its_symlink() {
    let repo = repo_with(GATES);
    let outside = tempfile::tempdir().unwrap();
    let summary = outside.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let link = repo.path("summary-link.md");
    std::os::unix::fs::symlink(&summary, &link).unwrap();
    let run = xtask_env(
        &repo,
        &["qa"],
        &[
            ("GITHUB_ACTIONS", OsStr::new("true")),
            ("GITHUB_STEP_SUMMARY", link.as_os_str()),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n") && text.contains("ok"),
        "{text}"
    );
    assert!(is_symlink(&link));
}

#[test]
fn a_symlinked_log_file_leaves_the_outside_file_untouched() {
    let repo = repo_with("[gates.ok]\nrun = ['sh', '-c', 'echo gate output']\n");
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::create_dir_all(repo.path("target/xtask/qa")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.path("target/xtask/qa/ok.log")).unwrap();
    let json = repo.path("qa.json");
    let run = xtask(
        &repo,
        &["qa", "--no-cache", "--json", json.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let report = json_report(&json);
    let ok = gate(&report, "ok");
    assert_eq!(ok["status"], "error");
    let reason = ok["reason"].as_str().unwrap();
    assert!(
        reason.contains("target/xtask/qa/ok.log") && reason.contains("symbolic link"),
        "{reason}"
    );
}

#[test]
fn a_symlinked_qa_dir_leaves_the_outside_dir_untouched() {
    let repo = repo_with("[gates.ok]\nrun = ['sh', '-c', 'echo gate output']\n");
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path("target/xtask")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path("target/xtask/qa")).unwrap();
    let json = repo.path("qa.json");
    let run = xtask(
        &repo,
        &["qa", "--no-cache", "--json", json.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    let reason = gate(&json_report(&json), "ok")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("target/xtask/qa") && reason.contains("symbolic link"),
        "{reason}"
    );
}
