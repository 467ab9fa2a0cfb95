//! Shared helpers of the wheel and hook tests: the `xtask-qa` wheel built once per test run by
//! the pinned maturin from the test build's own target directory and profile, installed into a
//! fresh venv by the pinned uv, and a `PATH` that holds no cargo or rustc.

#![allow(dead_code, unreachable_pub)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use testkit::Venv;

/// The wheel, and a venv it is installed in, under `target/test-tools/xtask-qa-wheel/<pid>`.
/// A static is never dropped, so a temp dir would be left behind by every run (60 MB of wheel,
/// 185 MB of venv): each run instead removes the folders of runs that have ended.
pub struct Installed {
    pub wheel: PathBuf,
    pub venv: PathBuf,
}

impl Installed {
    /// The installed `xtask` command.
    pub fn xtask(&self) -> PathBuf {
        self.venv.join("bin/xtask")
    }
}

/// The wheel, built and installed on first use.
pub fn installed() -> &'static Installed {
    static INSTALLED: OnceLock<Installed> = OnceLock::new();
    INSTALLED.get_or_init(build_and_install)
}

/// The test build's target directory: `target/debug/xtask` -> `target`.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_xtask"))
        .ancestors()
        .nth(2)
        .expect("the binary is in TARGET/debug")
        .to_path_buf()
}

/// `PATH` without any folder that holds `cargo` or `rustc`, with `first` in front.
pub fn path_without_rust(first: &[&Path]) -> OsString {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let kept = std::env::split_paths(&current)
        .filter(|dir| !dir.join("cargo").exists() && !dir.join("rustc").exists());
    let path =
        std::env::join_paths(first.iter().map(|p| p.to_path_buf()).chain(kept)).expect("PATH");
    for tool in ["cargo", "rustc"] {
        let found = std::env::split_paths(&path).find(|d| d.join(tool).exists());
        assert!(found.is_none(), "{tool} is still on the PATH: {found:?}");
    }
    path
}

/// A command with no Rust in its environment: `PATH` from [`path_without_rust`], and none of
/// the variables cargo sets for the tests.
pub fn without_rust(program: &Path, first: &[&Path]) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("PATH", path_without_rust(first));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO") || key.starts_with("RUST") || key == "XTASK_INVOCATION" {
            cmd.env_remove(&*key);
        }
    }
    cmd.env_remove("VIRTUAL_ENV")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1");
    cmd
}

fn build_and_install() -> Installed {
    let dir = run_dir();
    let dist = dir.join("dist");
    let maturin = Venv::get("wheel").bin("maturin");
    // maturin reads `cargo metadata` for every platform, offline: the packages only other
    // platforms use (the TLS verifier's `jni` for Android, say) must be downloaded first.
    let fetch = Command::new(env!("CARGO"))
        .args(["fetch", "--locked", "--quiet", "--manifest-path"])
        .arg(testkit::workspace_root().join("Cargo.toml"))
        .output()
        .expect("run cargo fetch");
    assert!(
        fetch.status.success(),
        "cargo fetch failed:\n{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
    // The test build's target directory and profile (`dev`) and the lockfile as it is: maturin
    // hands cargo the same build, so it links nothing new and compiles nothing. The debug
    // binary is large (185 MB): the fastest deflate level zips it in a third of the default's
    // time (2.9 s against 7.0 s).
    let out = Command::new(&maturin)
        .args(["build", "--profile", "dev", "--locked", "--offline"])
        .args(["--compression-level", "1"])
        .arg("--manifest-path")
        .arg(testkit::workspace_root().join("xtask/Cargo.toml"))
        .arg("--out")
        .arg(&dist)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .output()
        .expect("run maturin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "maturin build failed:\n{stderr}");
    assert!(
        !stderr.contains("Compiling"),
        "maturin rebuilt what the test build had built (see install.rs for why this can \
         happen):\n{stderr}"
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    let [wheel] = wheels.as_slice() else {
        panic!("maturin wrote {wheels:?}, not one wheel")
    };
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("xtask_qa-{}-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );

    let venv = dir.join("venv");
    let uv = Venv::test().bin("uv");
    let python = Venv::test().bin("python");
    run(without_rust(&uv, &[])
        .args(["venv", "--quiet", "--offline", "--python"])
        .arg(&python)
        .arg(&venv));
    run(without_rust(&uv, &[])
        .args(["pip", "install", "--quiet", "--offline", "--python"])
        .arg(venv.join("bin/python"))
        .arg(wheel));
    Installed {
        wheel: wheel.clone(),
        venv,
    }
}

/// This run's folder, made empty; the folders of runs whose process has ended are removed.
fn run_dir() -> PathBuf {
    let runs = testkit::tools_dir().join("xtask-qa-wheel");
    std::fs::create_dir_all(&runs).unwrap();
    for entry in std::fs::read_dir(&runs).unwrap() {
        let path = entry.unwrap().path();
        let ended = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .is_none_or(|pid| !Path::new(&format!("/proc/{pid}")).exists());
        if ended || path.ends_with(std::process::id().to_string()) {
            // Another run may be removing it too.
            match std::fs::remove_dir_all(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    panic!("remove {}: {e}", path.display())
                }
                _ => {}
            }
        }
    }
    let dir = runs.join(std::process::id().to_string());
    std::fs::create_dir(&dir).unwrap();
    dir
}

/// Runs a command that must succeed.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
