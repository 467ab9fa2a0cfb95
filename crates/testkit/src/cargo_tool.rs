//! Pinned cargo subcommands (cargo-nextest) built by `cargo install --locked` from crates.io
//! into `target/test-tools/cargo/<crate>@<version>` on first use. A file lock keeps concurrent
//! test binaries from building the same one twice.

use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools_dir;

/// One crate's binaries at an exact version, installed in their own folder.
#[derive(Debug, Clone)]
pub struct CargoTool {
    dir: PathBuf,
}

impl CargoTool {
    /// `krate` at exactly `version` (with its own lockfile), installed if missing. Panics with
    /// cargo's output when the install fails.
    pub fn get(krate: &str, version: &str) -> CargoTool {
        assert!(
            version.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "pin an exact version, not `{version}`"
        );
        let root = tools_dir().join("cargo");
        let folder = format!("{krate}@{version}");
        let dir = root.join(&folder);
        fs::create_dir_all(&root).expect("create target/test-tools/cargo");
        let lock = File::create(root.join(format!("{folder}.lock"))).expect("create lock file");
        lock.lock().expect("lock the test-tools cargo folder");
        let stamp = dir.join("installed.stamp");
        if !stamp.is_file() {
            install(&dir, krate, version);
            fs::write(&stamp, version).expect("write the install stamp");
        }
        drop(lock);
        CargoTool { dir }
    }

    /// The path of a binary the crate installed (`cargo-nextest`).
    pub fn bin(&self, name: &str) -> PathBuf {
        let path = self.dir.join("bin").join(name);
        assert!(path.exists(), "{} is not installed", path.display());
        path
    }

    /// `PATH` with the tool's `bin` first, so `cargo nextest` finds it.
    pub fn path_env(&self) -> OsString {
        let mut paths = vec![self.dir.join("bin")];
        if let Some(path) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(paths).expect("PATH entries")
    }
}

fn install(dir: &Path, krate: &str, version: &str) {
    eprintln!(
        "testkit: building {krate} {version} into {} (cargo install, once)",
        dir.display()
    );
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        // A debug build: it compiles in about half the time of a release build, and the tests
        // run the tool on tiny projects, where its speed does not matter.
        .args(["install", "--locked", "--debug", "--root"])
        .arg(dir)
        .arg(format!("{krate}@{version}"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("could not run cargo install: {e}"));
    assert!(
        out.status.success(),
        "cargo install {krate}@{version} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
