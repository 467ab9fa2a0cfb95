//! Shared helpers of the `qa` end-to-end tests: run the built binary on a temp git repository
//! and read back its reports.

#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::process::{Command, Output};

pub use testkit::GitRepo;

/// A finished `xtask` run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// The `xtask` command on `repo`, with a clean CI environment. It runs as under
/// `cargo xtask` (`CARGO` set, the binary in its target directory), whatever started the
/// tests, so printed commands read `cargo xtask --root REPO ...`. Not even `CI` is kept (it
/// makes a run that skipped a gate for a missing tool fail), so tests behave the same under
/// CI; a test of the CI rule sets it. Nor is a remote cache that the developer's shell names.
pub fn command(repo: &GitRepo, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args)
        .arg("--root")
        .arg(repo.root())
        .env("CARGO", env!("CARGO"))
        .env_remove("XTASK_INVOCATION")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("CARGO_TARGET_DIR")
        // A developer's remote cache never answers for a test's gates.
        .env_remove("XTASK_CACHE_REMOTE")
        .env_remove("XTASK_CACHE_REMOTE_MODE")
        .env("NO_COLOR", "1");
    cmd
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `xtask ARGS --root REPO`.
pub fn xtask(repo: &GitRepo, args: &[&str]) -> Run {
    finish(command(repo, args).output().expect("run xtask"))
}

/// Runs `xtask ARGS --root REPO` with extra environment.
pub fn xtask_env(repo: &GitRepo, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    let mut cmd = command(repo, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(cmd.output().expect("run xtask"))
}

/// Runs `xtask ARGS --json FILE --root REPO` with extra environment, and reads the report back
/// (checked against the committed schema).
pub fn run_json(
    repo: &GitRepo,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> (Run, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("qa.json");
    let mut all = args.to_vec();
    all.extend(["--json", json.to_str().unwrap()]);
    let run = xtask_env(repo, &all, env);
    assert!(json.exists(), "no report: {}", run.stderr);
    let report = json_report(&json);
    (run, report)
}

/// A repository holding only this `xtask.toml`.
pub fn repo_with(config: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.write("xtask.toml", config);
    repo.commit("init");
    repo
}

/// Reads a JSON report and checks it against the committed schema.
pub fn json_report(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("the JSON report exists");
    let report: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    let schema_path = testkit::workspace_root().join("docs/reference/qa-report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("the schema exists"))
            .expect("the schema is JSON");
    let errors = testkit::json_schema::validate(&schema, &report)
        .err()
        .unwrap_or_default();
    assert!(
        errors.is_empty(),
        "report fails its schema: {errors:#?}\n{text}"
    );
    report
}

/// `gate name -> status` from a JSON report.
pub fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_string(),
                g["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The gate called `name` in a JSON report.
pub fn gate<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in the report"))
}

/// Waits up to `secs` for `cond`.
pub fn wait_for(secs: f64, mut cond: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    while std::time::Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    cond()
}

/// Runs `xtask ARGS --root REPO` on a pseudo-terminal (util-linux `script`), with `NO_COLOR`
/// set or not; returns what the terminal showed (stdout and stderr, as the terminal got them).
pub fn on_a_tty(repo: &GitRepo, args: &[&str], no_color: bool) -> String {
    let inner = command(repo, args);
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(inner.get_program())
        .chain(inner.get_args())
        .map(|a| quote(&a.to_string_lossy()))
        .collect();
    // script also copies the session to a file: a temporary one, never a device of the machine.
    let typescript = tempfile::tempdir().expect("a temp dir for script's typescript");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line.join(" ")])
        .arg(typescript.path().join("typescript"));
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if !no_color {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().expect(
        "util-linux `script` runs the binary on a pseudo-terminal (apt install util-linux)",
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
