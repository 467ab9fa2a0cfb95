//! The result cache: a gate that passed is not rerun while its key is unchanged. The key hashes
//! the gate's command (argv or shell line), working directory and declared env, the tool's
//! `--version` output, the contents of its input files (its `inputs` globs, by default every
//! file git tracks or would track) and its stored baseline. Entries live under
//! `target/xtask/qa-cache/`, at most [`MAX_ENTRIES`] of them (oldest dropped); an unreadable or
//! corrupt entry is a miss, never an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use globset::{Glob, GlobSetBuilder};
use repo::Repo;
use repo::process::{self, Cmd, RunOptions};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Command, Gate};

/// How many entries the cache keeps.
pub(crate) const MAX_ENTRIES: usize = 512;

/// What the cache stores for a gate that passed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) gate: String,
    pub(crate) passed_at: String,
    pub(crate) duration_s: f64,
    /// The gate's debt against its baseline when it passed (the baseline file is in the key).
    #[serde(default)]
    pub(crate) baseline: Option<crate::baseline::BaselineReport>,
}

/// Shared by the workers of one run: the file list and hashes, and tool versions, computed once.
#[derive(Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
    root: PathBuf,
    /// The target directory relative to the root, whose files are never inputs.
    target: Option<String>,
    /// Read entries; when false the cache is only written (`--no-cache`).
    read: bool,
    files: OnceLock<Option<Vec<(String, String)>>>,
    versions: Mutex<HashMap<String, String>>,
}

impl Cache {
    pub(crate) fn new(repo: &Repo, read: bool) -> Cache {
        Cache {
            dir: repo.xtask_dir().join("qa-cache"),
            root: repo.root().to_path_buf(),
            target: repo
                .target_dir()
                .strip_prefix(repo.root())
                .ok()
                .map(|t| format!("{}/", t.display())),
            read,
            files: OnceLock::new(),
            versions: Mutex::new(HashMap::new()),
        }
    }

    /// The gate's key, or `None` when it cannot be computed (not a git repository, say).
    pub(crate) fn key(&self, gate: &Gate) -> Option<String> {
        let files = self.files.get_or_init(|| self.list_files()).as_ref()?;
        let mut h = Sha256::new();
        let mut field = |name: &str, value: &str| {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(value.len().to_le_bytes());
            h.update(value.as_bytes());
        };
        field("version", env!("CARGO_PKG_VERSION"));
        field("gate", &gate.name);
        match &gate.command {
            Command::Argv(argv) => {
                for a in argv {
                    field("arg", a);
                }
            }
            Command::Shell(line) => field("shell", line),
            Command::Builtin(name) => field("builtin", name),
        }
        field("cwd", gate.cwd.as_deref().unwrap_or(""));
        for (k, v) in &gate.env {
            field("env", &format!("{k}={v}"));
        }
        let program = gate.tool.as_deref().or(gate.command.program());
        if let Some(program) = program {
            field("tool", &self.version(program));
        }
        let matcher = match &gate.inputs {
            None => None,
            Some(globs) => {
                let mut b = GlobSetBuilder::new();
                for g in globs {
                    b.add(Glob::new(g).ok()?);
                }
                Some(b.build().ok()?)
            }
        };
        for (path, digest) in files {
            if matcher.as_ref().is_none_or(|m| m.is_match(path)) {
                field("file", path);
                field("sha256", digest);
            }
        }
        let baseline = crate::baseline::path(&self.root, &gate.name);
        field(
            "baseline",
            &std::fs::read(&baseline)
                .map(|b| hex(&Sha256::digest(b)))
                .unwrap_or_default(),
        );
        Some(hex(&h.finalize()))
    }

    /// The entry stored under `key`, when the cache is read and it holds a valid one.
    pub(crate) fn get(&self, key: &str) -> Option<Entry> {
        if !self.read {
            return None;
        }
        let bytes = std::fs::read(self.dir.join(format!("{key}.json"))).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a pass under `key` and drops the oldest entries beyond [`MAX_ENTRIES`]. Failures
    /// to write are ignored: the cache is an optimisation.
    pub(crate) fn put(&self, key: &str, entry: &Entry) {
        let Ok(text) = serde_json::to_vec(entry) else {
            return;
        };
        if repo::fs::write_atomic(&self.dir.join(format!("{key}.json")), &text).is_err() {
            return;
        }
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = dir
            .flatten()
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if entries.len() > MAX_ENTRIES {
            entries.sort();
            for (_, path) in &entries[..entries.len() - MAX_ENTRIES] {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    fn version(&self, program: &str) -> String {
        if let Some(v) = self.versions.lock().expect("not poisoned").get(program) {
            return v.clone();
        }
        let v = match process::run(
            &Cmd::new(program).arg("--version").cwd(&self.root),
            RunOptions::capture().timeout(Some(std::time::Duration::from_secs(30))),
        ) {
            Ok(done) => format!(
                "{:?} {} {}",
                done.end,
                String::from_utf8_lossy(&done.stdout),
                String::from_utf8_lossy(&done.stderr)
            ),
            Err(e) => format!("unavailable: {}", e.reason),
        };
        self.versions
            .lock()
            .expect("not poisoned")
            .insert(program.to_string(), v.clone());
        v
    }

    /// Every file git tracks or would track, with its content's SHA-256, sorted by path.
    fn list_files(&self) -> Option<Vec<(String, String)>> {
        let done = process::run(
            &Cmd::new("git")
                .args([
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                ])
                .cwd(&self.root),
            RunOptions::capture(),
        )
        .ok()?;
        if !done.end.success() {
            return None;
        }
        let mut paths: Vec<String> = done
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        if let Some(target) = &self.target {
            paths.retain(|p| !p.starts_with(target.as_str()));
        }
        paths.sort();
        paths.dedup();
        Some(
            paths
                .into_iter()
                .map(|p| {
                    let digest = file_digest(&self.root.join(&p));
                    (p, digest)
                })
                .collect(),
        )
    }
}

fn file_digest(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => hex(&Sha256::digest(bytes)),
        Err(_) => "missing".into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
