//! Finding the repository under work: its root, its `xtask.toml` and its target directory.

use std::env;
use std::path::{Path, PathBuf};

use crate::config::{self, ConfigError, ConfigFile};

/// The repository every task works on.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    config: Option<ConfigFile>,
    target_dir: PathBuf,
}

/// Why the repository could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("--root {}: not a directory; pass the root directory of a repository", .0.display())]
    NotADirectory(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Repo {
    /// Opens the repository at `root` when given (`--root`), else the one around the current
    /// directory: the nearest ancestor holding `xtask.toml`, else the nearest holding `.git`,
    /// else the current directory itself.
    pub fn discover(root: Option<&Path>) -> Result<Repo, RepoError> {
        let root = match root {
            Some(root) => root.to_path_buf(),
            None => {
                let cwd = env::current_dir().map_err(|source| RepoError::Io {
                    path: PathBuf::from("."),
                    source,
                })?;
                find_root(&cwd)
            }
        };
        Repo::open(&root)
    }

    /// Opens the repository whose root is exactly `root`, loading and validating its
    /// `xtask.toml` when there is one.
    pub fn open(root: &Path) -> Result<Repo, RepoError> {
        if !root.is_dir() {
            return Err(RepoError::NotADirectory(root.to_path_buf()));
        }
        let root = root.canonicalize().map_err(|source| RepoError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let config = ConfigFile::load(&root.join(config::FILE_NAME))?;
        let target_dir = match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => root.join(dir),
            _ => root.join("target"),
        };
        Ok(Repo {
            root,
            config,
            target_dir,
        })
    }

    /// The repository's root directory, absolute and canonical.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository's `xtask.toml`, when it has one.
    pub fn config(&self) -> Option<&ConfigFile> {
        self.config.as_ref()
    }

    /// Cargo's target directory (`CARGO_TARGET_DIR`, else `<root>/target`).
    pub fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// Where the tasks keep their logs, caches, locks and scratch files: `<target>/xtask`, or,
    /// when the target directory is outside the root (a `CARGO_TARGET_DIR` several repositories
    /// share), `<target>/xtask/repos/<NAME>-<HASH>`, one folder per repository: two
    /// repositories never wait on one `qa.lock` or write one log.
    pub fn xtask_dir(&self) -> PathBuf {
        let dir = self.target_dir.join("xtask");
        if self.target_dir.starts_with(&self.root) {
            dir
        } else {
            dir.join("repos").join(repository_folder(&self.root))
        }
    }

    /// `root/rel`.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// Whether the root holds a `Cargo.toml`.
    pub fn is_cargo(&self) -> bool {
        self.root.join("Cargo.toml").is_file()
    }

    /// Whether the root holds a `pyproject.toml`.
    pub fn is_python(&self) -> bool {
        self.root.join("pyproject.toml").is_file()
    }
}

/// `NAME-HASH` for the repository at `root` (canonical): its folder name, with characters outside
/// `[A-Za-z0-9._-]` as `_`, and an FNV-1a digest of its whole path, so that two repositories of
/// one name get two folders.
fn repository_folder(root: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in root.as_os_str().as_bytes() {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let name: String = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}-{hash:016x}")
}

fn find_root(start: &Path) -> PathBuf {
    let marked = |marker: &str| start.ancestors().find(|dir| dir.join(marker).exists());
    marked(config::FILE_NAME)
        .or_else(|| marked(".git"))
        .unwrap_or(start)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_xtask_toml_before_git() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("py/pkg")).unwrap();
        std::fs::write(dir.path().join("py/xtask.toml"), "").unwrap();
        assert_eq!(find_root(&dir.path().join("py/pkg")), dir.path().join("py"));
        std::fs::remove_file(dir.path().join("py/xtask.toml")).unwrap();
        assert_eq!(find_root(&dir.path().join("py/pkg")), dir.path());
    }

    #[test]
    fn a_missing_root_is_a_clear_error() {
        let err = Repo::open(Path::new("/no/such/dir")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--root /no/such/dir: not a directory; pass the root directory of a repository"
        );
    }
}
