//! The built-in gates `builtin:format-check` and `builtin:sbom`: `qa` runs the `format` and
//! `sbom` tasks as child processes of the binary, with their output in the gate's log, on a real
//! Cargo workspace; a timeout ends a built-in and what it started, and bad input ends it `error`.

use crate::qa_support;

use qa_support::{GitRepo, json_report, xtask};

fn cargo_repo(lib: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    );
    repo.write("src/lib.rs", lib);
    repo.write(".gitignore", "/target\n/dist\n");
    repo.write(
        "xtask.toml",
        "[gates.format]\nrun = \"builtin:format-check\"\nowner = \"Engineering\"\n\n\
         [gates.sbom]\nrun = \"builtin:sbom\"\nowner = \"Platform\"\n\n\
         [gates.after-format]\nrun = \"true\"\nneeds = [\"format\"]\n",
    );
    let lock = std::process::Command::new(env!("CARGO"))
        .args(["generate-lockfile", "--offline"])
        .current_dir(repo.root())
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    repo.commit("init");
    repo
}

#[test]
fn builtin_gates_run_the_format_and_sbom_tasks() {
    let repo = cargo_repo("pub fn answer( )->u32{42}\n");
    let json = repo.path("target/qa.json");
    let run = xtask(&repo, &["qa", "--json", json.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&json);
    let status = |name: &str| {
        let gate = report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap();
        (
            gate["status"].as_str().unwrap().to_string(),
            gate["command"].as_str().unwrap().to_string(),
        )
    };
    // New code that is not formatted fails the format gate and blocks what needs it. Each
    // reproduces as the user ran qa: `cargo xtask`, with the `--root` they gave.
    let inv = format!("cargo xtask --root {}", repo.root().display());
    assert_eq!(
        status("format"),
        ("fail".into(), format!("{inv} format enforce"))
    );
    assert_eq!(status("after-format").0, "blocked");
    assert_eq!(status("sbom"), ("pass".into(), format!("{inv} sbom")));
    let log = repo.read("target/xtask/qa/format.log");
    assert!(
        log.contains("src/lib.rs"),
        "the format log names the file:\n{log}"
    );
    let bom: serde_json::Value =
        serde_json::from_str(&repo.read("dist/sbom/demo.cdx.json")).unwrap();
    assert_eq!(bom["specVersion"], "1.7");

    repo.write("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    let run = xtask(&repo, &["qa", "--no-cache"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn a_builtin_gate_times_out_and_its_children_end_with_it() {
    // The sbom task's cargo hangs: the gate's timeout ends the task, which ends its cargo.
    let repo = cargo_repo("pub fn answer() -> u32 {\n    42\n}\n");
    let pid_file = repo.path("hung.pid");
    repo.write(
        "hang.sh",
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec sleep 600\n",
            pid_file.display()
        ),
    );
    std::process::Command::new("chmod")
        .args(["+x", "hang.sh"])
        .current_dir(repo.root())
        .status()
        .unwrap();
    repo.write(
        "xtask.toml",
        format!(
            "[gates.sbom]\nrun = \"builtin:sbom\"\ntimeout = 2\nenv = {{ CARGO = \"{}\" }}\n\n\
             [gates.after]\nrun = \"true\"\nneeds = [\"sbom\"]\n",
            repo.path("hang.sh").display()
        ),
    );
    let json = repo.path("target/qa.json");
    let run = xtask(
        &repo,
        &["qa", "--no-cache", "--json", json.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&json);
    let gate = |name: &str| {
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(gate("sbom")["status"], "timeout");
    let command = gate("sbom")["command"].as_str().unwrap().to_string();
    assert!(
        command.starts_with("CARGO=")
            && command.ends_with(&format!(
                "hang.sh cargo xtask --root {} sbom",
                repo.root().display()
            )),
        "the reproduce command carries the gate's env: {command}"
    );
    assert_eq!(gate("after")["status"], "blocked");
    let pid: i32 = repo.read("hung.pid").trim().parse().unwrap();
    // The hung cargo was ended by the task when the task was told to stop.
    let gone = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        repo::process::has_ended(pid)
    });
    assert!(gone, "the hung cargo (pid {pid}) outlived its gate");
    assert!(!repo.path("dist").exists(), "a timed-out sbom wrote a file");
}

#[test]
fn a_builtin_that_cannot_run_ends_error_not_fail() {
    let repo = cargo_repo("pub fn answer() -> u32 {\n    42\n}\n");
    std::fs::remove_file(repo.path("Cargo.lock")).unwrap();
    let json = repo.path("target/qa.json");
    let run = xtask(&repo, &["qa", "sbom", "--json", json.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json_report(&json);
    let sbom = &report["gates"][0];
    assert_eq!(sbom["name"], "sbom");
    assert_eq!(sbom["status"], "error");
    assert_eq!(
        sbom["reason"],
        "built-in `sbom` could not run (exit 2; its log says why)"
    );
    let log = repo.read("target/xtask/qa/sbom.log");
    assert!(log.contains("Cargo.lock: missing"), "{log}");
}
