//! Discovery: the one walk of the repository that finds every manifest and lockfile the readers
//! take (Cargo, Python, npm), respecting `.gitignore` and skipping build output, dependency
//! folders, virtual environments and vendored code. Every reader asks here, never walks itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a found file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// `Cargo.toml`.
    CargoManifest,
    UvLock,
    PoetryLock,
    /// `requirements*.txt`.
    Requirements,
    /// `pyproject.toml`.
    Pyproject,
    /// `package-lock.json` (and `npm-shrinkwrap.json`).
    PackageLock,
    PnpmLock,
    YarnLock,
    /// `package.json`.
    PackageJson,
}

impl Kind {
    fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "Cargo.toml" => Kind::CargoManifest,
            "uv.lock" => Kind::UvLock,
            "poetry.lock" => Kind::PoetryLock,
            "pyproject.toml" => Kind::Pyproject,
            "package-lock.json" | "npm-shrinkwrap.json" => Kind::PackageLock,
            "pnpm-lock.yaml" => Kind::PnpmLock,
            "yarn.lock" => Kind::YarnLock,
            "package.json" => Kind::PackageJson,
            // `requirements` as a word of a `.txt` name: `requirements-dev.txt`,
            // `dev-requirements.txt`.
            n if n.ends_with(".txt")
                && (n.starts_with("requirements")
                    || n.split(['-', '_', '.']).any(|w| w == "requirements")) =>
            {
                Kind::Requirements
            }
            _ => return None,
        })
    }
}

/// Folders never entered, whatever `.gitignore` says: build output, installed dependencies,
/// virtual environments, and vendored copies of other projects' code (their manifests describe
/// their builds, not this repository's). Hidden folders (`.git`, `.venv`, `.tox`) and any folder
/// holding a `pyvenv.cfg` (a virtual environment by another name) are skipped too.
pub(crate) const SKIPPED: &[&str] = &[
    "target",
    "node_modules",
    "venv",
    "__pycache__",
    "dist",
    "vendor",
    "third_party",
];

/// The files found under a root, absolute, sorted, by kind.
#[derive(Debug, Default)]
pub(crate) struct Found {
    files: BTreeMap<Kind, Vec<PathBuf>>,
}

impl Found {
    /// The files of one kind, sorted.
    pub(crate) fn get(&self, kind: Kind) -> &[PathBuf] {
        self.files.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The Python lockfiles (`uv.lock`, `poetry.lock`, `requirements*.txt`), sorted by path.
    pub(crate) fn python_lockfiles(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = [Kind::UvLock, Kind::PoetryLock, Kind::Requirements]
            .iter()
            .flat_map(|k| self.get(*k).iter().cloned())
            .collect();
        out.sort();
        out
    }

    /// The JavaScript lockfiles the npm reader takes unasked (`package-lock.json`,
    /// `pnpm-lock.yaml`, `yarn.lock`; an `npm-shrinkwrap.json` only when named), sorted by path.
    pub(crate) fn npm_lockfiles(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = [Kind::PackageLock, Kind::PnpmLock, Kind::YarnLock]
            .iter()
            .flat_map(|k| self.get(*k).iter().cloned())
            .filter(|p| p.file_name().is_none_or(|n| n != "npm-shrinkwrap.json"))
            .collect();
        out.sort();
        out
    }
}

/// Walks `root` once. Unreadable folders are passed over: discovery lists what it can see.
pub(crate) fn discover(root: &Path) -> Found {
    let walker = repo::walk::builder(root)
        .filter_entry(|e| {
            e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) || !skipped(e.path())
        })
        .build();
    let mut found = Found::default();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if let Some(kind) = Kind::of(&entry.file_name().to_string_lossy()) {
            found.files.entry(kind).or_default().push(entry.into_path());
        }
    }
    for files in found.files.values_mut() {
        files.sort();
    }
    found
}

fn skipped(dir: &Path) -> bool {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') || SKIPPED.contains(&&*name) || dir.join("pyvenv.cfg").exists()
}

/// The Cargo workspaces to read besides the root's: every folder below the root whose
/// `Cargo.toml` declares `[workspace]` or sits beside a `Cargo.lock` (a workspace root, or a
/// lone package, has its lockfile beside it; a member has none). Those without a `Cargo.lock`
/// are returned apart, to be named in a warning.
pub(crate) fn cargo_workspaces(root: &Path, found: &Found) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut locked = Vec::new();
    let mut unlocked = Vec::new();
    for manifest in found.get(Kind::CargoManifest) {
        let Some(dir) = manifest.parent() else {
            continue;
        };
        if dir == root {
            continue;
        }
        if dir.join("Cargo.lock").is_file() {
            locked.push(dir.to_path_buf());
        } else if declares_workspace(manifest) {
            unlocked.push(dir.to_path_buf());
        }
    }
    (locked, unlocked)
}

fn declares_workspace(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        .is_some_and(|t| t.contains_key("workspace"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::of("requirements-dev.txt"), Some(Kind::Requirements));
        assert_eq!(Kind::of("requirements.in"), None);
        assert_eq!(Kind::of("dev-requirements.txt"), Some(Kind::Requirements));
        assert_eq!(Kind::of("npm-shrinkwrap.json"), Some(Kind::PackageLock));
        assert_eq!(Kind::of("Cargo.lock"), None);
    }

    #[test]
    fn skips_dependency_folders_and_ignored_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "requirements.txt",
            "node_modules/x/requirements.txt",
            "ignored/requirements.txt",
            "vendor/y/uv.lock",
            "env/pyvenv.cfg",
            "env/requirements.txt",
            "app/uv.lock",
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "/ignored\n").unwrap();
        let found = discover(root);
        assert_eq!(
            found.python_lockfiles(),
            [root.join("app/uv.lock"), root.join("requirements.txt")]
        );
    }
}
