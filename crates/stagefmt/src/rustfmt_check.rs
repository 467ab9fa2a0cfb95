//! Checking a Cargo workspace with rustfmt on every core, over exactly `cargo fmt`'s files.
//!
//! `cargo fmt --all --check` asks `cargo metadata --no-deps` for the workspace's targets (and,
//! recursively, those of path dependencies outside it), then runs **one** `rustfmt --check
//! --edition E ROOTS...` per edition, one after the other; rustfmt walks each root's modules
//! itself. So on a 2-core machine one core idles.
//!
//! We do the same with the work spread over the cores: the same `cargo metadata` calls give
//! the same targets (by canonical root file, first one kept, with its edition), the targets
//! are weighed by the bytes of the `.rs` files beneath them and dealt, heaviest first, to as
//! many groups as there are worker threads (each to the lightest group so far); each group
//! runs `rustfmt --check --color never --edition E -- ROOTS...` per edition, side by side.
//!
//! The file set stays exactly cargo fmt's because rustfmt still walks the modules from the
//! same roots with the same editions, and finds its configuration from each root as cargo
//! fmt's rustfmt does: `#[rustfmt::skip] mod`, `ignore` in `rustfmt.toml`, `#[path]` and
//! `cfg_attr(.., path)` modules, `cfg_if!` bodies, build scripts, examples, tests and benches
//! are whatever rustfmt makes of them. We deliberately do not use `--config
//! skip_children=true` over a file list of our own here: that list would have to repeat
//! rustfmt's module resolution (all of the above) to be exact. The cost of this choice: a
//! workspace whose one target holds most of the code gets little from the second core.
//!
//! When `cargo metadata` fails, `check` returns `None` and the caller runs `cargo fmt --all
//! --check` itself (which then reports the manifest error). `RUSTFMT` names the rustfmt binary,
//! as for cargo fmt.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rayon::prelude::*;
use repo::process::{self, Cmd, RunOptions};

use crate::FormatError;
use crate::adapter::Files;
use crate::config::FormatterConfig;

/// A target as cargo fmt takes it: its canonical root file and its edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub root: PathBuf,
    pub edition: String,
}

/// One rustfmt process: an edition and the target roots it checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub edition: String,
    pub roots: Vec<PathBuf>,
}

/// What each rustfmt process printed (with its command), and the files of the walk.
pub(crate) type Checked<'a> = (Vec<(Cmd, process::Finished)>, &'a [PathBuf]);

/// Runs the check over `cargo fmt --all`'s targets on every worker thread: each job's command
/// and what it printed, and the files of the walk; `None` when `cargo metadata` fails.
pub(crate) fn check<'a>(
    root: &Path,
    config: &FormatterConfig,
    files: &Files<'a>,
) -> Result<Option<Checked<'a>>, FormatError> {
    let (targets, files) = rayon::join(|| targets(root, config.timeout), files);
    let files = files?;
    let Some(targets) = targets else {
        return Ok(None);
    };
    let sizes: Vec<(PathBuf, u64)> = files
        .par_iter()
        .map(|f| {
            let abs = root.join(f);
            let len = std::fs::symlink_metadata(&abs).map_or(0, |m| m.len());
            (abs, len)
        })
        .collect();
    let jobs = split(&targets, &sizes, rayon::current_num_threads());
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| OsString::from("rustfmt"));
    let outputs = jobs
        .par_iter()
        .map(|job| {
            let cmd = Cmd::new(&program)
                // `-v` lists each file it formats: the count of what cargo fmt considers.
                .args(["--check", "--color", "never", "-v", "--edition"])
                .arg(&job.edition)
                .arg("--")
                .args(job.roots.iter().map(|r| r.as_os_str().to_owned()))
                .cwd(root);
            let done = crate::adapter::run(&cmd, config, "rustfmt (rustup component add rustfmt)")?;
            Ok((cmd, done))
        })
        .collect::<Result<Vec<_>, FormatError>>()?;
    Ok(Some((outputs, files)))
}

/// The targets `cargo fmt --all` formats in the workspace at `root`, by canonical root file
/// (the first target seen keeps a shared root), or `None` when `cargo metadata` fails (or
/// runs longer than `timeout`).
pub fn targets(root: &Path, timeout: Duration) -> Option<Vec<Target>> {
    let mut found = BTreeMap::new();
    collect(root, None, timeout, &mut found, &mut BTreeSet::new())?;
    Some(
        found
            .into_iter()
            .map(|(root, edition)| Target { root, edition })
            .collect(),
    )
}

/// Deals `targets` into at most `groups` groups of about equal weight (the bytes of `files`,
/// absolute paths with their sizes, each counted for the target whose root directory is its
/// nearest ancestor), heaviest first to the lightest group; one job per group and edition, each
/// under the argument limit. Deterministic for the same inputs.
pub fn split(targets: &[Target], files: &[(PathBuf, u64)], groups: usize) -> Vec<Job> {
    if targets.is_empty() {
        return Vec::new();
    }
    // Targets by the directory of their root; a directory with several roots (lib.rs and
    // main.rs) gives its other files to the first root.
    let mut by_dir: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
    let by_root: BTreeMap<&Path, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.root.as_path(), i))
        .collect();
    for (i, t) in targets.iter().enumerate() {
        by_dir
            .entry(t.root.parent().unwrap_or(Path::new("/")))
            .or_default()
            .push(i);
    }
    let mut weight = vec![1u64; targets.len()];
    for (file, len) in files {
        let owner = by_root.get(file.as_path()).copied().or_else(|| {
            file.ancestors()
                .skip(1)
                .find_map(|d| by_dir.get(d).map(|owners| owners[0]))
        });
        if let Some(i) = owner {
            weight[i] += len;
        }
    }
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by(|&a, &b| {
        weight[b]
            .cmp(&weight[a])
            .then_with(|| targets[a].root.cmp(&targets[b].root))
    });
    let groups = groups.clamp(1, targets.len());
    let mut load = vec![0u64; groups];
    let mut members: Vec<BTreeMap<&str, Vec<PathBuf>>> = vec![BTreeMap::new(); groups];
    for i in order {
        let g = (0..groups).min_by_key(|&g| (load[g], g)).unwrap_or(0);
        load[g] += weight[i];
        members[g]
            .entry(targets[i].edition.as_str())
            .or_default()
            .push(targets[i].root.clone());
    }
    let mut jobs = Vec::new();
    for group in members {
        for (edition, roots) in group {
            for chunk in arg_chunks(&roots) {
                jobs.push(Job {
                    edition: edition.to_string(),
                    roots: chunk.to_vec(),
                });
            }
        }
    }
    jobs
}

/// `path` with its `..` components resolved without touching the file system: rustfmt names a
/// `#[path = "../x.rs"]` module `DIR/../x.rs`.
pub fn resolve_dots(path: &str) -> String {
    if !path.contains("..") {
        return path.to_string();
    }
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.to_string_lossy().into_owned()
}

/// Splits `roots` so that no process gets more than [`ARG_BYTES`] of arguments.
fn arg_chunks(roots: &[PathBuf]) -> Vec<&[PathBuf]> {
    const ARG_BYTES: usize = 96 * 1024;
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, r) in roots.iter().enumerate() {
        let len = r.as_os_str().as_bytes().len() + 1;
        if i > start && bytes + len > ARG_BYTES {
            out.push(&roots[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += len;
    }
    out.push(&roots[start..]);
    out
}

/// cargo fmt's `get_targets_recursive`: the targets of every package `cargo metadata
/// --no-deps` lists for `manifest` (the workspace at `root` when `None`), then those of each
/// path dependency that is not one of them, once per dependency name.
fn collect(
    root: &Path,
    manifest: Option<&Path>,
    timeout: Duration,
    found: &mut BTreeMap<PathBuf, String>,
    visited: &mut BTreeSet<String>,
) -> Option<()> {
    let json = metadata(root, manifest, timeout)?;
    let packages = json["packages"].as_array()?;
    let manifests: Vec<&str> = packages
        .iter()
        .filter_map(|p| p["manifest_path"].as_str())
        .collect();
    for package in packages {
        for target in package["targets"].as_array().into_iter().flatten() {
            let (Some(src), Some(edition)) =
                (target["src_path"].as_str(), target["edition"].as_str())
            else {
                continue;
            };
            let src = PathBuf::from(src);
            let src = std::fs::canonicalize(&src).unwrap_or(src);
            found.entry(src).or_insert_with(|| edition.to_string());
        }
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let (Some(name), Some(path)) = (dep["name"].as_str(), dep["path"].as_str()) else {
                continue;
            };
            if visited.contains(name) {
                continue;
            }
            let dep_manifest = Path::new(path).join("Cargo.toml");
            if dep_manifest.exists()
                && !manifests
                    .iter()
                    .any(|m| Path::new(m) == dep_manifest.as_path())
            {
                visited.insert(name.to_string());
                collect(root, Some(&dep_manifest), timeout, found, visited)?;
            }
        }
    }
    Some(())
}

/// `cargo metadata --no-deps --format-version 1 --offline`, then without `--offline` if that
/// failed (as cargo fmt does).
fn metadata(root: &Path, manifest: Option<&Path>, timeout: Duration) -> Option<serde_json::Value> {
    for offline in [true, false] {
        let mut cmd = Cmd::new("cargo")
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .args(offline.then_some("--offline"))
            .cwd(root);
        if let Some(m) = manifest {
            cmd = cmd.arg("--manifest-path").arg(m);
        }
        let Ok(done) = process::run(&cmd, RunOptions::capture().timeout(Some(timeout))) else {
            return None;
        };
        if done.end.success()
            && let Ok(json) = serde_json::from_slice(&done.stdout)
        {
            return Some(json);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(root: &str, edition: &str) -> Target {
        Target {
            root: PathBuf::from(root),
            edition: edition.to_string(),
        }
    }

    #[test]
    fn heaviest_targets_are_dealt_to_the_lightest_group() {
        let targets = [
            target("/w/a/src/lib.rs", "2021"),
            target("/w/b/src/lib.rs", "2021"),
            target("/w/c/src/lib.rs", "2021"),
            target("/w/a/tests/t.rs", "2021"),
        ];
        let files = [
            (PathBuf::from("/w/a/src/lib.rs"), 100),
            (PathBuf::from("/w/a/src/x/y.rs"), 500),
            (PathBuf::from("/w/b/src/lib.rs"), 300),
            (PathBuf::from("/w/c/src/lib.rs"), 250),
            (PathBuf::from("/w/a/tests/t.rs"), 40),
        ];
        let jobs = split(&targets, &files, 2);
        assert_eq!(
            jobs,
            [
                Job {
                    edition: "2021".into(),
                    roots: vec![PathBuf::from("/w/a/src/lib.rs")],
                },
                Job {
                    edition: "2021".into(),
                    roots: vec![
                        PathBuf::from("/w/b/src/lib.rs"),
                        PathBuf::from("/w/c/src/lib.rs"),
                        PathBuf::from("/w/a/tests/t.rs"),
                    ],
                },
            ]
        );
    }

    #[test]
    fn dots_are_resolved() {
        assert_eq!(resolve_dots("/w/a/src/../../gen/x.rs"), "/w/gen/x.rs");
        assert_eq!(resolve_dots("/w/a/src/../x.rs:3:1"), "/w/a/x.rs:3:1");
        assert_eq!(resolve_dots("../x.rs"), "../x.rs");
        assert_eq!(resolve_dots("/w/a..b/x.rs"), "/w/a..b/x.rs");
    }

    #[test]
    fn one_job_per_group_and_edition_and_every_target_once() {
        let targets = [
            target("/w/a/src/lib.rs", "2015"),
            target("/w/b/src/lib.rs", "2021"),
            target("/w/b/src/main.rs", "2021"),
        ];
        let jobs = split(&targets, &[], 8);
        assert_eq!(jobs.len(), 3);
        let mut roots: Vec<&PathBuf> = jobs.iter().flat_map(|j| &j.roots).collect();
        roots.sort();
        assert_eq!(roots.len(), 3);
        assert!(jobs.iter().all(|j| j.roots.iter().all(|r| {
            targets
                .iter()
                .any(|t| &t.root == r && t.edition == j.edition)
        })));
        assert_eq!(split(&[], &[], 2), []);
        assert_eq!(split(&targets, &[], 1).len(), 2, "one group, two editions");
    }
}
