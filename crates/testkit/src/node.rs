//! Pinned npm packages (pnpm, yarn) installed by the machine's npm into
//! `target/test-tools/npm/<package>@<version>` on first use, from the npm registry. A file lock
//! keeps concurrent test binaries from installing the same one twice.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools_dir;

/// One npm package at an exact version, installed in its own folder.
#[derive(Debug, Clone)]
pub struct NodeTool {
    dir: PathBuf,
}

impl NodeTool {
    /// `package` at exactly `version`, installed if missing. Panics with npm's output when the
    /// install fails (npm and Node are needed).
    pub fn get(package: &str, version: &str) -> NodeTool {
        assert!(
            version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "pin an exact version, not `{version}`"
        );
        let root = tools_dir().join("npm");
        let folder = format!("{}@{version}", package.replace('/', "+"));
        let dir = root.join(&folder);
        fs::create_dir_all(&root).expect("create target/test-tools/npm");
        let lock = File::create(root.join(format!("{folder}.lock"))).expect("create lock file");
        lock.lock().expect("lock the test-tools npm folder");
        let stamp = dir.join("installed.stamp");
        if !stamp.is_file() {
            install(&dir, &format!("{package}@{version}"));
            fs::write(&stamp, version).expect("write the install stamp");
        }
        drop(lock);
        NodeTool { dir }
    }

    /// The folder the package is installed in (`node_modules/<package>` below it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of an executable the package installed (`pnpm`, `yarn`).
    pub fn bin(&self, name: &str) -> PathBuf {
        let path = self.dir.join("node_modules/.bin").join(name);
        assert!(path.exists(), "{} is not installed", path.display());
        path
    }
}

fn install(dir: &Path, spec: &str) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("remove the half-installed folder");
    }
    fs::create_dir_all(dir).expect("create the tool folder");
    eprintln!("testkit: installing {spec} into {}", dir.display());
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--no-package-lock",
            "--save-exact",
            "--prefix",
        ])
        .arg(dir)
        .arg(spec)
        .output()
        .unwrap_or_else(|e| panic!("could not run npm: {e} (Node and npm are needed)"));
    assert!(
        out.status.success(),
        "npm install {spec} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
