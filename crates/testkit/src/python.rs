//! Pinned Python tools in venvs under `target/test-tools/<name>`, built from
//! `tools/python/<name>.txt` on first use and rebuilt when that file changes. A file lock keeps
//! concurrent test binaries from building the same venv twice.

use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{tools_dir, workspace_root};

/// A venv holding the tools of one requirements file.
#[derive(Debug, Clone)]
pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The venv for `tools/python/<name>.txt`, installed if missing or stale. Panics with
    /// pip's output when the install fails.
    pub fn get(name: &str) -> Venv {
        let requirements = workspace_root()
            .join("tools/python")
            .join(format!("{name}.txt"));
        let wanted = fs::read_to_string(&requirements)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", requirements.display()));
        let dir = tools_dir().join(name);
        let stamp = dir.join("requirements.stamp");
        fs::create_dir_all(tools_dir()).expect("create target/test-tools");
        let lock =
            File::create(tools_dir().join(format!("{name}.lock"))).expect("create lock file");
        lock.lock().expect("lock the test-tools venv");
        if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            install(&dir, &requirements);
            fs::write(&stamp, &wanted).expect("write the venv stamp");
        }
        drop(lock);
        Venv { dir }
    }

    /// The default test venv (`tools/python/test.txt`).
    pub fn test() -> Venv {
        Venv::get("test")
    }

    /// The venv's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of an executable the venv installed (`ruff`, `uv`, `python`, ...).
    pub fn bin(&self, name: &str) -> PathBuf {
        let path = self.dir.join("bin").join(name);
        assert!(
            path.exists(),
            "{} is not installed in the test venv",
            path.display()
        );
        path
    }

    /// `PATH` with the venv's `bin` first.
    pub fn path_env(&self) -> OsString {
        let mut paths = vec![self.dir.join("bin")];
        if let Some(path) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(paths).expect("PATH entries")
    }
}

fn install(dir: &Path, requirements: &Path) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("remove the stale venv");
    }
    eprintln!(
        "testkit: installing {} into {}",
        requirements.display(),
        dir.display()
    );
    run(Command::new("python3").arg("-m").arg("venv").arg(dir));
    run(Command::new(dir.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements));
}

fn run(command: &mut Command) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e} (is python3 installed?)"));
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
