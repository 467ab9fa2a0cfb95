//! The result cache: a gate that passed is not rerun while its key is unchanged. The key hashes
//! the gate's command (argv or shell line), working directory, the whole environment it runs
//! with (strict: see `environment.rs`), its tools as they resolve on its `PATH` (path and file
//! digest, the real toolchain binary behind a rustup proxy, a Python environment's installed
//! distributions: see `tool_id.rs`; never `PROGRAM --version`), the contents of its input
//! files (its `inputs` globs matched on disk, ignored files included; by default every file git
//! tracks or would track) and its stored baseline. Paths in it are written relative to the root
//! (`$ROOT`) and the home directory (`~`), so that equal inputs give equal keys on every clone
//! and machine (`cache/portable.rs`), as the remote cache needs. Entries live under
//! `target/xtask/qa-cache/` (each gate's latest pass, for `--dry-run`, in its `last.json`), at
//! most [`MAX_ENTRIES`] of them (oldest dropped; eviction deletes only regular files named as
//! entries); an unreadable or corrupt entry is a miss, never an
//! error. When `target/xtask` or its `qa-cache` is a symlink the cache is off for the run:
//! nothing is read, written or evicted through it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use repo::Repo;
use repo::process::{self, Cmd, RunOptions};
use repo::text::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Command, Gate};
use crate::tool_id::{self, Tools};

mod last;
mod parts;
mod portable;

pub(crate) use parts::{KeyParts, LastPass, changes};

/// A gate's key and the parts it was computed from.
#[derive(Debug, Clone)]
pub(crate) struct Keyed {
    pub(crate) key: String,
    pub(crate) parts: KeyParts,
}

/// The shape of what an entry holds, in every key: raised when entries made before carry less
/// than a cached pass must report (2: a diagnostics baseline's every diagnostic, for SARIF).
const ENTRY_SHAPE: &str = "2";

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
    /// What its tool found when it passed.
    #[serde(default)]
    pub(crate) summary: Option<crate::summary::Summary>,
    #[serde(default)]
    pub(crate) tests: Option<crate::summary::Tests>,
}

/// Shared by the workers of one run: the file lists and hashes, and tool identities, computed
/// once.
#[derive(Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
    root: PathBuf,
    /// The target directory relative to the root, whose files are never inputs.
    target: Option<String>,
    /// Read entries; when false the cache is only written (`--no-cache`).
    read: bool,
    /// Why the cache is off for this run (a symlinked directory), when it is.
    disabled: Option<String>,
    files: OnceLock<Option<Vec<(String, String)>>>,
    /// Digests of input files by path, for `inputs` gates.
    digests: Mutex<HashMap<String, String>>,
    tools: Tools,
    /// Whether this run stored an entry (then [`Cache::finish`] evicts).
    stored: std::sync::atomic::AtomicBool,
    /// Each gate's latest pass as stored before this run, read on first use.
    last: OnceLock<last::LastPasses>,
    /// The passes of this run, kept into `last.json` by [`Cache::finish`].
    kept: Mutex<Vec<(String, LastPass)>>,
    /// The cache directory, made on the first store of the run, never through a symlink.
    dir_made: repo::fs::DirOnce,
}

impl Cache {
    pub(crate) fn new(repo: &Repo, read: bool) -> Cache {
        let xtask = repo.xtask_dir();
        let dir = xtask.join("qa-cache");
        let disabled = [&xtask, &dir].into_iter().find_map(|p| {
            let meta = std::fs::symlink_metadata(p).ok()?;
            let shown = p.strip_prefix(repo.root()).unwrap_or(p).display();
            if meta.file_type().is_symlink() {
                Some(format!(
                    "result cache off: {shown} is a symlink, never read, written or evicted \
                     through; remove it to cache passes again"
                ))
            } else if !meta.is_dir() {
                Some(format!(
                    "result cache off: {shown} is not a directory; remove it to cache passes again"
                ))
            } else {
                None
            }
        });
        Cache {
            tools: Tools::new(disabled.is_none().then(|| dir.join(tool_id::STORE_FILE))),
            dir_made: repo::fs::DirOnce::new(&dir, repo.target_dir()),
            dir,
            root: repo.root().to_path_buf(),
            target: repo
                .target_dir()
                .strip_prefix(repo.root())
                .ok()
                .map(|t| format!("{}/", t.display())),
            read,
            disabled,
            stored: std::sync::atomic::AtomicBool::new(false),
            files: OnceLock::new(),
            digests: Mutex::new(HashMap::new()),
            last: OnceLock::new(),
            kept: Mutex::new(Vec::new()),
        }
    }

    /// Whether entries are read (not `--no-cache`, not off).
    pub(crate) fn reads(&self) -> bool {
        self.read && self.disabled.is_none()
    }

    /// Why the cache is off for this run, when it is.
    pub(crate) fn disabled(&self) -> Option<&str> {
        self.disabled.as_deref()
    }

    /// The gate's key for a run with environment `env` and its parts, or `None` when it cannot
    /// be computed (the cache is off; no `inputs` and not a git repository, say).
    pub(crate) fn key(&self, gate: &Gate, env: &[(OsString, OsString)]) -> Option<Keyed> {
        if self.disabled.is_some() {
            return None;
        }
        // The run's shared file list is borrowed, not copied per gate.
        let files: std::borrow::Cow<'_, [(String, String)]> = match &gate.inputs {
            None => {
                std::borrow::Cow::Borrowed(self.files.get_or_init(|| self.list_files()).as_deref()?)
            }
            Some(globs) => {
                let paths = crate::inputs::matching(&self.root, self.target.as_deref(), globs)?;
                let mut memo = self.digests.lock().expect("not poisoned");
                paths
                    .into_iter()
                    .map(|p| {
                        let digest = memo
                            .entry(p.clone())
                            .or_insert_with(|| file_digest(&self.root.join(&p)))
                            .clone();
                        (p, digest)
                    })
                    .collect::<Vec<_>>()
                    .into()
            }
        };
        // Paths under the root or the home directory are keyed relative to them.
        let home = crate::environment::get(env, "HOME")
            .map(|h| h.to_string_lossy().into_owned())
            .or_else(|| std::env::var("HOME").ok());
        let portable = portable::Portable::new(&self.root, home.as_deref());
        let mut h = Sha256::new();
        let mut parts = KeyParts {
            xtask: env!("CARGO_PKG_VERSION").to_string(),
            ..KeyParts::default()
        };
        // The command's fields, digested together into `parts.command`.
        let mut command = Sha256::new();
        let mut python = Sha256::new();
        let mut field = |name: &str, value: &[u8]| {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(value.len().to_le_bytes());
            h.update(value);
        };
        field("version", env!("CARGO_PKG_VERSION").as_bytes());
        field("entry", ENTRY_SHAPE.as_bytes());
        field("gate", gate.name.as_bytes());
        let mut command_field = |field: &mut dyn FnMut(&str, &[u8]), name: &str, value: &[u8]| {
            field(name, value);
            command.update(name.as_bytes());
            command.update([0]);
            command.update(value.len().to_le_bytes());
            command.update(value);
        };
        let cwd = match &gate.cwd {
            Some(cwd) => self.root.join(cwd),
            None => self.root.clone(),
        };
        let mut programs: Vec<String> = Vec::new();
        match &gate.command {
            Command::Argv(argv) => {
                for a in argv {
                    command_field(&mut field, "arg", a.as_bytes());
                }
                programs.push(argv[0].clone());
            }
            Command::Shell(line) => {
                command_field(&mut field, "shell", line.as_bytes());
                programs.push("sh".into());
                programs.extend(crate::shell_words::command_words(line));
            }
            Command::Builtin(name) => {
                command_field(&mut field, "builtin", name.as_bytes());
                if let Ok(exe) = std::env::current_exe() {
                    let id = portable.text(&self.tools.identify_file(&exe));
                    field("tool", id.as_bytes());
                    parts
                        .tools
                        .insert("(this executable)".into(), parts::digest(id.as_bytes()));
                }
                programs.extend(BUILTIN_TOOLS.iter().map(|p| p.to_string()));
            }
        }
        programs.extend(gate.tool.clone());
        command_field(
            &mut field,
            "cwd",
            gate.cwd.as_deref().unwrap_or("").as_bytes(),
        );
        parts.command = hex(&command.finalize()[..12]);
        for (k, v) in env {
            // A value that is not UTF-8 is keyed as its bytes.
            let v = match v.to_str() {
                Some(text) => portable.text(text).into_bytes(),
                None => v.as_bytes().to_vec(),
            };
            field("env", &[k.as_bytes(), b"=", &v].concat());
            parts
                .env
                .insert(k.to_string_lossy().into_owned(), parts::digest(&v));
        }
        for program in &programs {
            let id = portable.text(&self.tools.identify(program, &cwd, env));
            field("tool", id.as_bytes());
            parts
                .tools
                .insert(program.clone(), parts::digest(id.as_bytes()));
        }
        let project_venv = matches!(gate.command, Command::Builtin(_));
        for prefix in python_environments(&programs, project_venv, &cwd, &self.root, env) {
            let dists = portable.text(&tool_id::environment_dists(&prefix, env));
            field("python", dists.as_bytes());
            python.update(dists.as_bytes());
        }
        parts.python = hex(&python.finalize()[..12]);
        for (path, digest) in files.iter() {
            field("file", path.as_bytes());
            field("sha256", digest.as_bytes());
            parts
                .files
                .insert(path.clone(), digest[..24.min(digest.len())].to_string());
        }
        let baseline = crate::baseline::path(&self.root, &gate.name);
        // An unreadable baseline keys differently from a missing one, so the run reports it
        // instead of a pass cached without it.
        let baseline = match std::fs::read(&baseline) {
            Ok(b) => hex(&Sha256::digest(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => format!("unreadable: {e}"),
        };
        field("baseline", baseline.as_bytes());
        parts.baseline = baseline;
        Some(Keyed {
            key: hex(&h.finalize()),
            parts,
        })
    }

    /// The latest pass stored for `gate` (its key and parts), when the cache is on and holds a
    /// readable record of one.
    pub(crate) fn last_pass(&self, gate: &str) -> Option<LastPass> {
        if self.disabled.is_some() {
            return None;
        }
        self.last
            .get_or_init(|| last::LastPasses::read(&self.dir.join(last::FILE)))
            .get(gate)
    }

    /// The entry stored under `key`, when the cache is read and it holds a valid one.
    pub(crate) fn get(&self, key: &str) -> Option<Entry> {
        if !self.read || self.disabled.is_some() {
            return None;
        }
        let path = self.dir.join(format!("{key}.json"));
        if !std::fs::symlink_metadata(&path).ok()?.file_type().is_file() {
            return None;
        }
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a pass under `keyed.key`, and returns the record of it as the gate's latest pass
    /// (its key's parts), for [`Cache::keep_last`] once the gate's end is told. Failures to
    /// write are ignored: the cache is an optimisation. An entry is written in place, not
    /// synced (runs in one target directory take turns under its run lock): a kill or a power
    /// loss can at worst leave an empty or torn file, which does not parse and so is a miss,
    /// never a wrong pass. A symlink, FIFO or device in an entry's place is never written
    /// through.
    pub(crate) fn put(&self, keyed: &Keyed, entry: &Entry) -> Option<LastPass> {
        let key = &keyed.key;
        if self.disabled.is_some() || self.dir_made.ready().is_err() {
            return None;
        }
        let text = serde_json::to_vec(entry).ok()?;
        let path = self.dir.join(format!("{key}.json"));
        if repo::fs::write_nofollow(&path, &text).is_ok() {
            self.stored
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Some(LastPass {
            key: key.clone(),
            passed_at: entry.passed_at.clone(),
            duration_s: entry.duration_s,
            parts: keyed.parts.clone(),
        })
    }

    /// Keeps `record` as its gate's latest pass (for `--dry-run` and shard timings); written
    /// with the others by [`Cache::finish`].
    pub(crate) fn keep_last(&self, gate: &str, record: LastPass) {
        self.kept
            .lock()
            .expect("not poisoned")
            .push((gate.to_string(), record));
    }

    /// Ends the run: keeps the tool digests and this run's passes (`last.json`) for the next
    /// one and, when this run stored an entry, drops the oldest entries beyond
    /// [`MAX_ENTRIES`] (one directory scan per run).
    pub(crate) fn finish(&self) {
        self.tools.save();
        if self.disabled.is_some() || !self.stored.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let kept = std::mem::take(&mut *self.kept.lock().expect("not poisoned"));
        if !kept.is_empty() {
            // Read again: a run that ended meanwhile may have kept passes of its own.
            let path = self.dir.join(last::FILE);
            let mut passes = last::LastPasses::read(&path);
            for (gate, pass) in kept {
                passes.insert(&gate, pass);
            }
            passes.write(&path);
        }
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        // Only regular files named as entries are ours to delete. Their times are read only
        // when there are too many of them: one `stat` per entry on every run would cost more
        // than the run's own bookkeeping.
        let names: Vec<std::fs::DirEntry> = dir
            .flatten()
            .filter(|e| is_entry_name(&e.file_name().to_string_lossy()))
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .collect();
        if names.len() > MAX_ENTRIES {
            let mut entries: Vec<(std::time::SystemTime, PathBuf)> = names
                .iter()
                .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
                .collect();
            entries.sort();
            let over = entries.len().saturating_sub(MAX_ENTRIES);
            for (_, path) in &entries[..over] {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// Computes the default file list (and its digests) now, so that the first gate's key
    /// does not wait for it; a no-op when the cache is off.
    pub(crate) fn prefetch_files(&self) {
        if self.disabled.is_none() {
            let _ = self.files.get_or_init(|| self.list_files());
        }
    }

    /// Every file git tracks or would track, with its content's SHA-256, sorted by path: read
    /// in process (`repo::git_files`), else from `git ls-files`.
    fn list_files(&self) -> Option<Vec<(String, String)>> {
        let target = self
            .target
            .as_deref()
            .map(|t| Path::new(t.trim_end_matches('/')));
        let paths = match repo::git_files::list(&self.root, target) {
            Some(paths) => {
                let mut paths: Vec<String> = paths
                    .into_iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                // The same order as the `git ls-files` path below, so both give one key.
                paths.sort();
                paths
            }
            None => self.git_ls_files()?,
        };
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

    /// `git ls-files` for what the in-process reader leaves to git, sorted, without the target
    /// directory.
    fn git_ls_files(&self) -> Option<Vec<String>> {
        let mut git = Cmd::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .cwd(&self.root);
        if let Some(target) = &self.target {
            // Spares git a walk of the target directory in a repository that does not
            // ignore it; its files are dropped below either way.
            git = git.args(["--", "."]).arg(format!(
                ":(exclude,literal){}",
                target.trim_end_matches('/')
            ));
        }
        let done = process::run(&git, RunOptions::capture()).ok()?;
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
        Some(paths)
    }
}

/// The Python environments a gate's programs use beyond their interpreters: those named by
/// `VIRTUAL_ENV` and `CONDA_PREFIX`, and for `uv`, `poetry` and `pdm` (or when `project_venv`)
/// the project's environment (`UV_PROJECT_ENVIRONMENT`, else `.venv` in the gate's `cwd` or
/// the root).
fn python_environments(
    programs: &[String],
    project_venv: bool,
    cwd: &Path,
    root: &Path,
    env: &[(OsString, OsString)],
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["VIRTUAL_ENV", "CONDA_PREFIX"]
        .iter()
        .filter_map(|v| crate::environment::get(env, v))
        .filter(|v| !v.is_empty())
        .map(|v| cwd.join(v))
        .collect();
    let runner = project_venv
        || programs
            .iter()
            .any(|p| matches!(p.rsplit('/').next(), Some("uv" | "poetry" | "pdm" | "uvx")));
    if runner {
        let project = match crate::environment::get(env, "UV_PROJECT_ENVIRONMENT") {
            Some(dir) if !dir.is_empty() => Some(cwd.join(dir)),
            _ => [cwd.join(".venv"), root.join(".venv")]
                .into_iter()
                .find(|d| d.is_dir()),
        };
        out.extend(project);
    }
    out.dedup();
    out
}

/// The programs the built-in gates run (`format enforce`: cargo fmt, rustfmt, ruff; `sbom`:
/// cargo metadata, and the project's `.venv` for Python licences), keyed with this executable.
const BUILTIN_TOOLS: &[&str] = &["cargo", "rustfmt", "ruff"];

/// Whether `name` is one of ours: 64 lowercase hex digits and `.json`.
fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(".json").is_some_and(|stem| {
        stem.len() == 64 && stem.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn file_digest(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => hex(&Sha256::digest(bytes)),
        Err(_) => "missing".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_exact() {
        assert!(is_entry_name(&format!("{}.json", "0a".repeat(32))));
        assert!(!is_entry_name(&format!("{}.json", "A".repeat(64))));
        assert!(!is_entry_name(&format!("{}.json", "a".repeat(63))));
        assert!(!is_entry_name(&format!("{}.jsonx", "a".repeat(64))));
        assert!(!is_entry_name(tool_id::STORE_FILE));
    }
}
