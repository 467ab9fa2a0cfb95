//! The built-in gates `builtin:format-check` and `builtin:sbom`: `qa` runs the `format` and
//! `sbom` tasks in process, with their output in the gate's log, on a real Cargo workspace.

mod qa_support;

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
fn builtin_gates_run_the_format_and_sbom_tasks_in_process() {
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
    // New code that is not formatted fails the format gate and blocks what needs it.
    assert_eq!(
        status("format"),
        ("fail".into(), "cargo xtask format enforce".into())
    );
    assert_eq!(status("after-format").0, "blocked");
    assert_eq!(status("sbom"), ("pass".into(), "cargo xtask sbom".into()));
    let log = repo.read("target/xtask/qa/format.log");
    assert!(
        log.contains("src/lib.rs"),
        "the format log names the file:\n{log}"
    );
    let bom: serde_json::Value =
        serde_json::from_str(&repo.read("dist/sbom/demo.cdx.json")).unwrap();
    assert_eq!(bom["specVersion"], "1.6");

    repo.write("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    let run = xtask(&repo, &["qa", "--no-cache"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}
