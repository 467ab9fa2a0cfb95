//! Server binaries from Debian packages: found on `PATH` (or in `/usr/sbin`, `/usr/bin`), and
//! installed with `apt-get install --no-install-recommends` when missing (after one
//! `apt-get update` if the first try fails). A file lock keeps concurrent tests and test binaries
//! from running apt at the same time.

use std::fs::{self, File};
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::tools_dir;

/// The path of `binary`, installing the Debian `package` that provides it when it is missing.
/// Panics with apt's output when the install fails.
pub(super) fn binary(binary: &str, package: &str) -> PathBuf {
    installed(binary, package, &|| find(binary))
}

/// The file at `path` (an nginx module, say), installing the Debian `package` that provides it
/// when it is missing. Panics with apt's output when the install fails.
pub(super) fn file(path: &str, package: &str) -> PathBuf {
    let path = PathBuf::from(path);
    let name = path.display().to_string();
    installed(&name, package, &|| path.is_file().then(|| path.clone()))
}

fn installed(binary: &str, package: &str, find: &dyn Fn() -> Option<PathBuf>) -> PathBuf {
    if let Some(path) = find() {
        return path;
    }
    fs::create_dir_all(tools_dir()).expect("create target/test-tools");
    let lock = File::create(tools_dir().join("apt.lock")).expect("create the apt lock file");
    lock.lock().expect("lock the apt lock file");
    // Another test may have installed it while this one waited for the lock.
    if let Some(path) = find() {
        return path;
    }
    eprintln!("testkit: `{binary}` is missing; installing the Debian package `{package}`");
    let first = apt(&["install", "-y", "--no-install-recommends", package]);
    if !first.status.success() {
        let update = apt(&["update"]);
        let second = apt(&["install", "-y", "--no-install-recommends", package]);
        assert!(
            second.status.success(),
            "testkit: could not install the Debian package `{package}` (for `{binary}`); \
             install it yourself (apt-get install {package}) or run the tests as root.\n\
             apt-get install ({}):\n{}\napt-get update ({}):\n{}\napt-get install again ({}):\n{}",
            first.status,
            text(&first),
            update.status,
            text(&update),
            second.status,
            text(&second),
        );
    }
    drop(lock);
    find().unwrap_or_else(|| {
        panic!("testkit: the Debian package `{package}` is installed but `{binary}` is not found")
    })
}

/// `binary` on `PATH`, or in the sbin and bin folders Debian installs to (`PATH` may lack
/// `/usr/sbin`, where nginx lives).
fn find(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

fn apt(args: &[&str]) -> Output {
    Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| {
            panic!("testkit: could not run apt-get {args:?}: {e} (a Debian machine is needed)")
        })
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
