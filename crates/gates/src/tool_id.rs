//! What a gate's tools are, for its cache key, without running them (Bazel's action key): a
//! program is resolved on `PATH` as the gate will resolve it (its `cwd`, the `PATH` it will
//! see), and identified by that path and the SHA-256 of the file. Beyond the file itself:
//!
//! - a rustup proxy (`cargo`, `rustc`... that is the rustup binary) is identified by the real
//!   toolchain binary, from `rustup which NAME` run once per program, cwd and environment per
//!   run (rustup is a known program that only answers); a pyenv shim likewise by `pyenv which`;
//! - a script is identified with its `#!` interpreter;
//! - a Python interpreter (or a script run by one, such as a venv's console script) with the
//!   names of the distributions installed in its environment (`*.dist-info`, `*.egg-info` in
//!   its site-packages: names carry versions).
//!
//! Digests are memoised per run by file identity, and across runs in a small store
//! (`target/xtask/qa-cache/tool-digests.json`) keyed by path, device, inode, size, mtime and
//! ctime, so a 40 MB cargo binary is hashed once, not on every run.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use repo::process::{self, Cmd, RunOptions};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::environment;

/// The persistent digest store's file name, inside the cache directory.
pub(crate) const STORE_FILE: &str = "tool-digests.json";

/// How many digests the store keeps.
const STORE_MAX: usize = 256;

/// Identifies tools for one run; shared by its workers.
#[derive(Debug, Default)]
pub(crate) struct Tools {
    /// Where the digest store lives; `None`: digests are not kept across runs.
    store_path: Option<PathBuf>,
    store: Mutex<Option<Store>>,
    /// Per run: digests by (device, inode, size, mtime).
    digests: Mutex<HashMap<FileId, String>>,
    /// Per run: identities by program, cwd and environment.
    identities: Mutex<HashMap<IdentityKey, String>>,
}

/// Device, inode, size, mtime (seconds, nanoseconds).
type FileId = (u64, u64, u64, i64, i64);

type IdentityKey = (String, PathBuf, Vec<(OsString, OsString)>);

#[derive(Debug, Default, Serialize, Deserialize)]
struct Store {
    #[serde(default)]
    files: BTreeMap<String, Stamped>,
    #[serde(skip)]
    dirty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamped {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    sha256: String,
}

impl Tools {
    /// Tools whose digests persist in `store_path` (when given).
    pub(crate) fn new(store_path: Option<PathBuf>) -> Tools {
        Tools {
            store_path,
            ..Tools::default()
        }
    }

    /// The identity of `program` as a gate running in `cwd` with `env` would start it: one
    /// line per fact (resolved path, digests, real toolchain binary, interpreter, installed
    /// Python distributions).
    pub(crate) fn identify(
        &self,
        program: &str,
        cwd: &Path,
        env: &[(OsString, OsString)],
    ) -> String {
        let key = (program.to_string(), cwd.to_path_buf(), env.to_vec());
        if let Some(id) = self.identities.lock().expect("not poisoned").get(&key) {
            return id.clone();
        }
        let mut out = String::new();
        self.describe(program, cwd, env, 0, &mut out);
        self.identities
            .lock()
            .expect("not poisoned")
            .insert(key, out.clone());
        out
    }

    /// The identity of a file given by path (this executable, for a built-in).
    pub(crate) fn identify_file(&self, path: &Path) -> String {
        format!("file {}\nsha256 {}\n", path.display(), self.digest(path))
    }

    /// Saves the digest store when this run added to it. Failures are ignored.
    pub(crate) fn save(&self) {
        let Some(path) = &self.store_path else {
            return;
        };
        let guard = self.store.lock().expect("not poisoned");
        let Some(store) = guard.as_ref().filter(|s| s.dirty) else {
            return;
        };
        // Never write through a symlink or over something that is not a regular file.
        if std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
            return;
        }
        if let Ok(bytes) = serde_json::to_vec(store) {
            // Unsynced: a torn store after a power loss does not parse and is rebuilt.
            let _ = repo::fs::write_atomic_unsynced(path, &bytes);
        }
    }

    fn describe(
        &self,
        program: &str,
        cwd: &Path,
        env: &[(OsString, OsString)],
        depth: usize,
        out: &mut String,
    ) {
        out.push_str(&format!("program {program}\n"));
        let Some(path) = resolve(program, cwd, environment::get(env, "PATH")) else {
            out.push_str("not found\n");
            return;
        };
        out.push_str(&format!(
            "path {}\nsha256 {}\n",
            path.display(),
            self.digest(&path)
        ));
        let mut real = path.clone();
        if let Some(rustup) = rustup_of(&path) {
            match which(&rustup, &path, cwd, env, &[]) {
                Ok(p) => {
                    out.push_str(&format!(
                        "rustup {}\nsha256 {}\n",
                        p.display(),
                        self.digest(&p)
                    ));
                    real = p;
                }
                Err(e) => out.push_str(&format!("rustup which failed: {e}\n")),
            }
        } else if let Some((pyenv, root)) = pyenv_of(&path) {
            let extra = root.map(|r| (OsString::from("PYENV_ROOT"), OsString::from(r)));
            match which(&pyenv, &path, cwd, env, extra.as_slice()) {
                Ok(p) => {
                    out.push_str(&format!(
                        "pyenv {}\nsha256 {}\n",
                        p.display(),
                        self.digest(&p)
                    ));
                    real = p;
                }
                Err(e) => out.push_str(&format!("pyenv which failed: {e}\n")),
            }
        }
        if is_python(&real) {
            python_env(&real, env, out);
        } else if depth == 0
            && let Some(interpreter) = interpreter(&real)
        {
            out.push_str("interpreter\n");
            self.describe(&interpreter, cwd, env, depth + 1, out);
        }
    }

    /// The SHA-256 of the file at `path` (following symlinks), or why there is none.
    fn digest(&self, path: &Path) -> String {
        let Ok(meta) = std::fs::metadata(path) else {
            return "missing".into();
        };
        if !meta.is_file() {
            return "not a file".into();
        }
        let id = (
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
        );
        if let Some(d) = self.digests.lock().expect("not poisoned").get(&id) {
            return d.clone();
        }
        let stamp = |sha256: String| Stamped {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            sha256,
        };
        let name = path.to_string_lossy().into_owned();
        let stored = self.with_store(|s| {
            s.files
                .get(&name)
                .filter(|e| **e == stamp(e.sha256.clone()))
                .map(|e| e.sha256.clone())
        });
        let digest = match stored {
            Some(d) => d,
            None => {
                let Some(d) = hash_file(path) else {
                    return "unreadable".into();
                };
                self.with_store(|s| {
                    if s.files.len() >= STORE_MAX && !s.files.contains_key(&name) {
                        // Drop an arbitrary old entry; the store is only a shortcut.
                        let first = s.files.keys().next().cloned();
                        if let Some(first) = first {
                            s.files.remove(&first);
                        }
                    }
                    s.files.insert(name.clone(), stamp(d.clone()));
                    s.dirty = true;
                });
                d
            }
        };
        self.digests
            .lock()
            .expect("not poisoned")
            .insert(id, digest.clone());
        digest
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut guard = self.store.lock().expect("not poisoned");
        let store = guard.get_or_insert_with(|| {
            self.store_path
                .as_ref()
                .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file()))
                .and_then(|p| std::fs::read(p).ok())
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default()
        });
        f(store)
    }
}

/// Where `program` resolves for a gate started in `cwd` with `PATH` = `path_var`: the same
/// search that starts it (`repo::process::resolve_program`).
pub(crate) fn resolve(program: &str, cwd: &Path, path_var: Option<&OsStr>) -> Option<PathBuf> {
    repo::process::resolve_program(OsStr::new(program), cwd, path_var)
}

fn hash_file(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(repo::text::hex(&h.finalize()))
}

/// The rustup binary when `path` is one of its proxies (a symlink to it, or a hard link).
fn rustup_of(path: &Path) -> Option<PathBuf> {
    if path.file_name()? == "rustup" {
        return None;
    }
    let canonical = std::fs::canonicalize(path).ok()?;
    if canonical.file_name()? == "rustup" {
        return Some(canonical);
    }
    let sibling = path.with_file_name("rustup");
    let (a, b) = (
        std::fs::metadata(path).ok()?,
        std::fs::metadata(&sibling).ok()?,
    );
    (a.dev() == b.dev() && a.ino() == b.ino()).then_some(sibling)
}

/// The pyenv program (and the `PYENV_ROOT` the shim sets) when `path` is a pyenv shim.
fn pyenv_of(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let head = head(path)?;
    let pyenv = head.lines().find_map(|l| {
        l.trim()
            .strip_prefix("exec \"")?
            .strip_suffix("\" exec \"$program\" \"$@\"")
    })?;
    if !pyenv.ends_with("/pyenv") {
        return None;
    }
    let root = head.lines().find_map(|l| {
        Some(
            l.trim()
                .strip_prefix("export PYENV_ROOT=\"")?
                .strip_suffix('"')?
                .to_string(),
        )
    });
    Some((PathBuf::from(pyenv), root))
}

/// Runs `MANAGER which NAME` (rustup, pyenv) as the gate would see it; the path it prints.
fn which(
    manager: &Path,
    proxy: &Path,
    cwd: &Path,
    env: &[(OsString, OsString)],
    extra: &[(OsString, OsString)],
) -> Result<PathBuf, String> {
    let name = proxy
        .file_name()
        .ok_or_else(|| "no file name".to_string())?;
    let mut cmd = Cmd::new(manager).arg("which").arg(name).cwd(cwd);
    cmd.env_clear = true;
    cmd.env = env.iter().chain(extra).cloned().collect();
    let done = process::run(
        &cmd,
        RunOptions::capture().timeout(Some(Duration::from_secs(30))),
    )
    .map_err(|e| e.reason)?;
    let stdout = String::from_utf8_lossy(&done.stdout);
    let line = stdout.lines().next().unwrap_or("").trim();
    if !done.end.success() || line.is_empty() {
        return Err(format!(
            "{:?}: {}",
            done.end,
            String::from_utf8_lossy(&done.stderr).trim()
        ));
    }
    Ok(PathBuf::from(line))
}

/// The first bytes of a file, as text.
fn head(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1024];
    let n = file.read(&mut buf).ok()?;
    buf.truncate(n);
    buf.starts_with(b"#!")
        .then(|| String::from_utf8_lossy(&buf).into_owned())
}

/// The program a script's `#!` line runs (through `env`, the program `env` looks up), or the
/// interpreter pip names on its second line when the path was too long for `#!`.
fn interpreter(path: &Path) -> Option<String> {
    let head = head(path)?;
    let mut lines = head.lines();
    let first = lines.next()?.strip_prefix("#!")?;
    let mut words = first.split_whitespace();
    let program = words.next()?;
    if program.rsplit('/').next() == Some("env") {
        return words
            .find(|w| !w.starts_with('-') && !w.contains('='))
            .map(str::to_string);
    }
    if program == "/bin/sh"
        && let Some(exec) = lines
            .next()
            .and_then(|l| l.strip_prefix("'''exec' \""))
            .and_then(|l| l.split('"').next())
    {
        return Some(exec.to_string());
    }
    Some(program.to_string())
}

/// Whether the file name is a Python interpreter's: `python`, `python3`, `python3.12`, `pypy3`.
fn is_python(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(OsStr::to_str) else {
        return false;
    };
    ["python", "pypy"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

/// The installed distributions of the environment of the interpreter at `python` (not
/// canonicalised: a venv's `bin/python` is a symlink to its base interpreter).
fn python_env(python: &Path, env: &[(OsString, OsString)], out: &mut String) {
    let Some(prefix) = python.parent().and_then(Path::parent) else {
        return;
    };
    let home = environment::get(env, "HOME").map(Path::new);
    for dir in site_dirs(prefix, home) {
        distributions(&dir, out);
    }
}

/// The installed distributions of the environment at `prefix` (a venv, a conda env).
pub(crate) fn environment_dists(prefix: &Path, env: &[(OsString, OsString)]) -> String {
    let mut out = format!("environment {}\n", prefix.display());
    let home = environment::get(env, "HOME").map(Path::new);
    for dir in site_dirs(prefix, home) {
        distributions(&dir, &mut out);
    }
    out
}

/// The site-packages directories of the environment at `prefix`: a venv's own (and its base's
/// when it includes system site packages); otherwise the prefix's site- and dist-packages,
/// `PREFIX/local`'s (Debian) and the user site under `home`.
fn site_dirs(prefix: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let cfg = prefix.join("pyvenv.cfg");
    match std::fs::read_to_string(&cfg) {
        Ok(text) => {
            let mut dirs = lib_dirs(prefix, &["site-packages"]);
            let setting = |key: &str| {
                text.lines().find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == key).then(|| v.trim().to_string())
                })
            };
            if setting("include-system-site-packages").as_deref() == Some("true")
                && let Some(base) = setting("home")
                && let Some(base_prefix) = Path::new(&base).parent()
            {
                dirs.extend(site_dirs(base_prefix, home));
            }
            dirs
        }
        Err(_) => {
            let packages = ["site-packages", "dist-packages"];
            let mut dirs = lib_dirs(prefix, &packages);
            dirs.extend(lib_dirs(&prefix.join("local"), &packages));
            if let Some(home) = home {
                dirs.extend(lib_dirs(&home.join(".local"), &["site-packages"]));
            }
            dirs
        }
    }
}

/// `PREFIX/lib*/python*/NAME` for each name, when it is a directory, sorted.
fn lib_dirs(prefix: &Path, names: &[&str]) -> Vec<PathBuf> {
    let list = |dir: &Path, start: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(start))
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    };
    let mut out = Vec::new();
    for lib in list(prefix, "lib") {
        for py in list(&lib, "python") {
            for name in names {
                let d = py.join(name);
                if d.is_dir() {
                    out.push(d);
                }
            }
        }
    }
    out
}

/// One line for the directory, then the sorted names of its `*.dist-info`, `*.egg-info` and
/// `*.egg-link` entries.
fn distributions(dir: &Path, out: &mut String) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with(".dist-info") || n.ends_with(".egg-info") || n.ends_with(".egg-link")
        })
        .collect();
    names.sort();
    out.push_str(&format!("site {}\n", dir.display()));
    for n in names {
        out.push_str(&n);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_exec_does() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = bin.join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::write(bin.join("plain"), "not executable").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = OsString::from("/nonexistent:bin");
        assert_eq!(resolve("tool", dir.path(), Some(&path)), Some(tool.clone()));
        assert_eq!(resolve("plain", dir.path(), Some(&path)), None);
        assert_eq!(
            resolve("./bin/tool", dir.path(), None),
            Some(dir.path().join("./bin/tool"))
        );
        assert_eq!(interpreter(&tool).as_deref(), Some("/bin/sh"));
    }

    #[test]
    fn interpreters_and_pythons() {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("s");
        std::fs::write(&s, "#!/usr/bin/env -S python3 -u\nprint()\n").unwrap();
        assert_eq!(interpreter(&s).as_deref(), Some("python3"));
        std::fs::write(
            &s,
            "#!/bin/sh\n'''exec' \"/very/long/bin/python\" \"$0\" \"$@\"\n' '''\n",
        )
        .unwrap();
        assert_eq!(interpreter(&s).as_deref(), Some("/very/long/bin/python"));
        assert!(is_python(Path::new("/v/bin/python3.12")));
        assert!(is_python(Path::new("/v/bin/pypy3")));
        assert!(!is_python(Path::new("/v/bin/python-config")));
    }

    #[test]
    fn a_file_is_hashed_once_per_identity() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "abc").unwrap();
        let store = dir.path().join(STORE_FILE);
        let tools = Tools::new(Some(store.clone()));
        let d = tools.digest(&f);
        assert_eq!(
            d,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        tools.save();
        // A later run trusts the store while the file's identity is unchanged...
        let text = std::fs::read_to_string(&store)
            .unwrap()
            .replace(&d, "stored");
        std::fs::write(&store, text).unwrap();
        assert_eq!(Tools::new(Some(store.clone())).digest(&f), "stored");
        // ...and hashes again once it changed.
        std::fs::write(&f, "abcd").unwrap();
        assert_ne!(Tools::new(Some(store)).digest(&f), "stored");
    }
}
