//! The remote result cache as qa uses it (`[qa.cache] remote`, `XTASK_CACHE_REMOTE`): a pass
//! missed locally is looked up there by the same key, and a pass is stored there with its log.
//! A remote entry holds the key it was stored under, and the store checks every blob against
//! its digest: an entry that fails either is refused, never used. A store that is down, slow
//! or refuses is a miss: the first failure is the run's one warning and ends the remote cache
//! for the rest of the run, so an unreachable store costs at most one timeout. With a signing
//! secret (`XTASK_CACHE_REMOTE_KEY`, `signature.rs`) entries are signed and must be.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cache::Entry;

mod signature;

use signature::Secret;

/// What the environment may set, over xtask.toml.
pub(crate) const ENV_URL: &str = "XTASK_CACHE_REMOTE";
pub(crate) const ENV_MODE: &str = "XTASK_CACHE_REMOTE_MODE";

/// The default time each request may take.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of a log is stored with a pass: its last bytes.
pub(crate) const LOG_TAIL_BYTES: u64 = 1 << 20;

/// What a run does with the remote cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Read passes and store new ones (CI on the main repository).
    ReadWrite,
    /// Read passes, store nothing (forks, developer machines).
    ReadOnly,
    /// Neither.
    Off,
}

impl Mode {
    /// Parses `read-write`, `read-only` or `off`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim() {
            "read-write" => Some(Mode::ReadWrite),
            "read-only" => Some(Mode::ReadOnly),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }
}

/// `[qa.cache]` as xtask.toml sets it.
#[derive(Debug, Clone, Default)]
pub struct RemoteConfig {
    pub url: Option<String>,
    pub mode: Option<Mode>,
    pub timeout: Option<Duration>,
}

/// The remote cache a run uses.
#[derive(Debug)]
pub struct Remote {
    store: remote_cache::Store,
    mode: Mode,
    /// Set by the first failure to reach the store: then nothing more is asked of it.
    down: AtomicBool,
    warnings: Mutex<Vec<String>>,
    hits: AtomicUsize,
    stored: AtomicUsize,
    /// Sign what is stored, and accept only signed entries.
    secret: Option<Secret>,
}

/// What a run did with the remote cache, for its report.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema, PartialEq)]
pub struct RemoteReport {
    /// The store's URL, without credentials.
    pub url: String,
    /// `read-write` or `read-only`.
    pub mode: String,
    /// Gates answered from it.
    pub hits: usize,
    /// Passes stored in it.
    pub stored: usize,
    /// Whether entries are signed and must be (`XTASK_CACHE_REMOTE_KEY`).
    #[serde(default)]
    pub signed: bool,
    /// What went wrong with it (each a miss, never a failure).
    pub warnings: Vec<String>,
}

/// What is stored as a remote entry: the key it answers, the local entry, its log's digest,
/// and with a signing secret, the signature of those three.
#[derive(Serialize, Deserialize)]
struct Stored {
    key: String,
    entry: Entry,
    #[serde(default)]
    log_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

impl Stored {
    /// The bytes a signature covers.
    fn signed_parts(&self) -> (Vec<u8>, Vec<u8>) {
        let entry = serde_json::to_vec(&self.entry).unwrap_or_default();
        (entry, self.log_sha256.as_bytes().to_vec())
    }
}

impl Remote {
    /// The remote cache this run uses: the environment's `XTASK_CACHE_REMOTE` and
    /// `XTASK_CACHE_REMOTE_MODE` over the file's `[qa.cache]`; `None` when none is set or the
    /// mode is `off`. An unusable setting is an error.
    pub fn resolve(
        file: &RemoteConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Remote>, String> {
        let env_url = env(ENV_URL).filter(|v| !v.trim().is_empty());
        let mode = match env(ENV_MODE).filter(|v| !v.trim().is_empty()) {
            Some(m) => Mode::parse(&m).ok_or_else(|| {
                format!("{ENV_MODE}=`{m}`: the mode is `read-write`, `read-only` or `off`")
            })?,
            None => file.mode.unwrap_or(Mode::ReadWrite),
        };
        let (url, from_env) = match (env_url, &file.url) {
            (Some(url), _) => (url, true),
            (None, Some(url)) => (url.clone(), false),
            (None, None) => return Ok(None),
        };
        if mode == Mode::Off {
            return Ok(None);
        }
        let whence = if from_env {
            ENV_URL
        } else {
            "[qa.cache] remote"
        };
        let location = remote_cache::Location::parse(&url, from_env, env)
            .map_err(|e| format!("{whence}: {e}"))?;
        let store = remote_cache::Store::open(&location, file.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .map_err(|e| format!("{whence}: {e}"))?;
        Ok(Some(Remote {
            store,
            mode,
            down: AtomicBool::new(false),
            warnings: Mutex::new(Vec::new()),
            hits: AtomicUsize::new(0),
            stored: AtomicUsize::new(0),
            secret: Secret::from_env(env(signature::ENV_KEY)),
        }))
    }

    /// The store's URL, without credentials.
    pub fn shown(&self) -> &str {
        self.store.shown()
    }

    /// The pass stored under `key` for gate `gate`, with its log, counted as a hit; `None` on
    /// a miss, and on any failure (warned once).
    pub(crate) fn fetch(&self, key: &str, gate: &str) -> Option<(Entry, Vec<u8>)> {
        let found = self.lookup(key, gate)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(found)
    }

    /// Whether the store would answer for `key` (`--dry-run`): the same checked lookup, not
    /// counted as a hit.
    pub(crate) fn holds(&self, key: &str, gate: &str) -> Option<Entry> {
        self.lookup(key, gate).map(|(entry, _)| entry)
    }

    /// The checked entry and log stored under `key` for `gate`.
    fn lookup(&self, key: &str, gate: &str) -> Option<(Entry, Vec<u8>)> {
        if self.down.load(Ordering::Relaxed) {
            return None;
        }
        let fetched = match self.store.fetch(key) {
            Ok(found) => found?,
            Err(e) => {
                self.failed(gate, e);
                return None;
            }
        };
        let stored: Stored = match serde_json::from_slice(&fetched.entry) {
            Ok(s) => s,
            Err(e) => {
                self.warn(format!(
                    "the remote entry for `{gate}` is not one qa wrote ({e}); refused, the gate runs"
                ));
                return None;
            }
        };
        if stored.key != key || stored.entry.gate != gate {
            self.warn(format!(
                "the remote entry under `{gate}`'s key was stored for another key or gate; \
                 refused, the gate runs"
            ));
            return None;
        }
        if stored.log_sha256 != remote_cache::Digest::of(&fetched.log).hash {
            self.warn(format!(
                "the remote entry for `{gate}` names another log; refused, the gate runs"
            ));
            return None;
        }
        if let Some(secret) = &self.secret {
            let (entry, log) = stored.signed_parts();
            let valid = stored
                .signature
                .as_deref()
                .is_some_and(|sig| secret.verify(&[key.as_bytes(), &entry, &log], sig));
            if !valid {
                self.warn(format!(
                    "the remote entry for `{gate}` is {} (XTASK_CACHE_REMOTE_KEY is set); \
                     refused, the gate runs",
                    if stored.signature.is_some() {
                        "not signed with this key"
                    } else {
                        "not signed"
                    }
                ));
                return None;
            }
        }
        Some((stored.entry, fetched.log))
    }

    /// Stores a pass of gate `gate` under `key`, with `log` (the last [`LOG_TAIL_BYTES`] of its
    /// log, read by the caller), when the mode writes; failures are warned once.
    pub(crate) fn store(&self, key: &str, entry: &Entry, log: &[u8]) {
        if self.mode != Mode::ReadWrite || self.down.load(Ordering::Relaxed) {
            return;
        }
        let mut stored = Stored {
            key: key.to_string(),
            entry: entry.clone(),
            log_sha256: remote_cache::Digest::of(log).hash,
            signature: None,
        };
        if let Some(secret) = &self.secret {
            let (entry, log) = stored.signed_parts();
            stored.signature = Some(secret.sign(&[key.as_bytes(), &entry, &log]));
        }
        let Ok(bytes) = serde_json::to_vec(&stored) else {
            return;
        };
        match self.store.store(key, &bytes, log) {
            Ok(()) => {
                self.stored.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => self.failed(&entry.gate, e),
        }
    }

    /// What the run did with the store.
    pub fn report(&self) -> RemoteReport {
        RemoteReport {
            url: self.shown().to_string(),
            mode: match self.mode {
                Mode::ReadWrite => "read-write",
                Mode::ReadOnly => "read-only",
                Mode::Off => "off",
            }
            .to_string(),
            hits: self.hits.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
            signed: self.secret.is_some(),
            warnings: self.warnings.lock().expect("not poisoned").clone(),
        }
    }

    fn failed(&self, gate: &str, e: remote_cache::Error) {
        match e {
            remote_cache::Error::Corrupt(why) => self.warn(format!(
                "the remote entry for `{gate}` is corrupt ({why}); refused, the gate runs"
            )),
            other => {
                // The first failure ends the remote cache for this run: one timeout at most.
                if !self.down.swap(true, Ordering::Relaxed) {
                    self.warn(format!(
                        "the remote cache {} failed ({other}); the rest of this run does without it",
                        self.shown()
                    ));
                }
            }
        }
    }

    fn warn(&self, message: String) {
        let mut warnings = self.warnings.lock().expect("not poisoned");
        if !warnings.contains(&message) {
            warnings.push(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_environment_overrides_the_file_and_off_turns_it_off() {
        let file = RemoteConfig {
            url: Some("http://127.0.0.1:1/cache".into()),
            ..RemoteConfig::default()
        };
        let r = Remote::resolve(&file, &env_of(&[])).unwrap().unwrap();
        assert_eq!(r.shown(), "http://127.0.0.1:1/cache");
        assert_eq!(r.report().mode, "read-write");
        let r = Remote::resolve(
            &file,
            &env_of(&[(ENV_URL, "redis://127.0.0.1:1"), (ENV_MODE, "read-only")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (r.shown(), r.report().mode.as_str()),
            ("redis://127.0.0.1:1", "read-only")
        );
        assert!(
            Remote::resolve(&file, &env_of(&[(ENV_MODE, "off")]))
                .unwrap()
                .is_none()
        );
        assert!(
            Remote::resolve(&RemoteConfig::default(), &env_of(&[]))
                .unwrap()
                .is_none()
        );
        let e = Remote::resolve(&file, &env_of(&[(ENV_MODE, "rw")])).unwrap_err();
        assert!(e.contains("read-write"), "{e}");
        let e = Remote::resolve(&file, &env_of(&[(ENV_URL, "ftp://x")])).unwrap_err();
        assert!(
            e.starts_with("XTASK_CACHE_REMOTE: unknown remote cache scheme"),
            "{e}"
        );
    }

    #[test]
    fn an_unreachable_store_warns_once_and_is_then_left_alone() {
        let file = RemoteConfig {
            url: Some("http://127.0.0.1:1/cache".into()),
            timeout: Some(Duration::from_secs(2)),
            ..RemoteConfig::default()
        };
        let r = Remote::resolve(&file, &env_of(&[])).unwrap().unwrap();
        assert!(r.fetch(&"a".repeat(64), "g").is_none());
        assert!(r.fetch(&"b".repeat(64), "h").is_none());
        let report = r.report();
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
        assert!(report.warnings[0].contains("the rest of this run does without it"));
    }
}
