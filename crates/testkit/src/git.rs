//! Temporary git repositories for end-to-end tests: write files, commit, run git.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A git repository in a temp dir, removed when dropped.
#[derive(Debug)]
pub struct GitRepo {
    dir: tempfile::TempDir,
}

impl GitRepo {
    /// An empty repository on branch `main`, with a committer identity set.
    pub fn new() -> GitRepo {
        let repo = GitRepo {
            dir: tempfile::tempdir().expect("create temp dir"),
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The repository's root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `root/rel`.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` to `rel`, creating parent directories.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> &GitRepo {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create parent dirs");
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Reads `rel` as text.
    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let path = self.path(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// `git add -A && git commit -m message`.
    pub fn commit(&self, message: &str) -> &GitRepo {
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self
    }

    /// `git clone` of this repository into `dest` (which must not exist); panics when it fails.
    pub fn clone_to(&self, dest: &Path) {
        let out = Command::new("git")
            .args(["clone", "--quiet"])
            .arg(self.root())
            .arg(dest)
            .output()
            .expect("run git clone");
        assert!(
            out.status.success(),
            "git clone failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A clone of this repository in a temp dir of its own (another path), removed when
    /// dropped, with the same committer identity.
    pub fn cloned(&self) -> GitRepo {
        let repo = GitRepo {
            dir: tempfile::tempdir().expect("create temp dir"),
        };
        self.clone_to(repo.root());
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// Runs git in the repository and returns its stdout; panics when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.root())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Default for GitRepo {
    fn default() -> GitRepo {
        GitRepo::new()
    }
}
