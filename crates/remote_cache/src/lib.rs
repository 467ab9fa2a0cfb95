//! qa's remote result cache: where passes are shared between CI runners and developers, on stores
//! teams already run. One layout on every store, the Bazel remote cache's:
//!
//! - `ac/KEY`: an `ActionResult` (see [`action_result`]) naming two blobs by digest;
//! - `cas/SHA256`: a blob, stored under the SHA-256 of its bytes (the entry, the log).
//!
//! Stores: `http://` and `https://` speak the Bazel remote-cache HTTP protocol (`GET`/`PUT` of
//! `BASE/ac/KEY` and `BASE/cas/HASH`, as bazel-remote, BuildBuddy and nginx with WebDAV `PUT`
//! serve it); `s3://`, `redis://`/`rediss://`, `webdav+http(s)://` and `gha://` go through
//! OpenDAL. Credentials come only from the environment ([`location`]). Every read is checked
//! against the digests that name it, and every request has a deadline: a store that is down,
//! slow or holds garbage gives an error, never a hang or a wrong entry.

pub mod action_result;
mod backend;
pub mod location;

use std::time::Duration;

use sha2::{Digest as _, Sha256};

pub use action_result::ActionResult;
pub use location::Location;

/// A blob's address in the content-addressed store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// SHA-256, 64 lowercase hex digits.
    pub hash: String,
    pub size: u64,
}

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest {
            hash: Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            size: bytes.len() as u64,
        }
    }
}

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The location cannot be used (bad URL, unknown scheme, a missing setting).
    #[error("{0}")]
    Config(String),
    /// The store did not answer in time, refused, or failed.
    #[error("{0}")]
    Unavailable(String),
    /// What the store returned is not what was stored: a digest or the key does not match.
    #[error("{0}")]
    Corrupt(String),
}

/// A cached pass as fetched: the entry and the log, each checked against its digest.
#[derive(Debug)]
pub struct Fetched {
    pub entry: Vec<u8>,
    pub log: Vec<u8>,
}

/// An open store.
pub struct Store {
    backend: backend::Backend,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
    shown: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("at", &self.shown).finish()
    }
}

impl Store {
    /// Opens the store at `location`; each request then has `timeout` to finish (connecting
    /// included). Opening connects to nothing.
    pub fn open(location: &Location, timeout: Duration) -> Result<Store, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the remote cache's runtime: {e}")))?;
        let backend = {
            let _entered = runtime.enter();
            backend::Backend::open(location)?
        };
        Ok(Store {
            backend,
            runtime,
            timeout,
            shown: location.shown(),
        })
    }

    /// The store's location without credentials, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The pass stored under `key`, or `None` when there is none. Its `ActionResult` must be
    /// well formed and each blob must match the digest that names it.
    pub fn fetch(&self, key: &str) -> Result<Option<Fetched>, Error> {
        let Some(ac) = self.get(&format!("ac/{key}"))? else {
            return Ok(None);
        };
        let result = ActionResult::decode(&ac).ok_or_else(|| {
            Error::Corrupt(format!("ac/{key} is not an action result qa can read"))
        })?;
        let entry = self.get_checked(&result.entry)?;
        let log = self.get_checked(&result.log)?;
        Ok(Some(Fetched { entry, log }))
    }

    /// Stores a pass under `key`: the blobs first, then the action result naming them (so a
    /// reader never finds an action result whose blobs are not there yet).
    pub fn store(&self, key: &str, entry: &[u8], log: &[u8]) -> Result<(), Error> {
        let result = ActionResult {
            entry: Digest::of(entry),
            log: Digest::of(log),
        };
        self.put(&format!("cas/{}", result.entry.hash), entry)?;
        self.put(&format!("cas/{}", result.log.hash), log)?;
        self.put(&format!("ac/{key}"), &result.encode())
    }

    fn get_checked(&self, digest: &Digest) -> Result<Vec<u8>, Error> {
        let path = format!("cas/{}", digest.hash);
        let bytes = self.get(&path)?.ok_or_else(|| {
            Error::Corrupt(format!("{path} is named by an action result but missing"))
        })?;
        let got = Digest::of(&bytes);
        if got != *digest {
            return Err(Error::Corrupt(format!(
                "{path} does not match its digest ({} bytes with SHA-256 {}, expected {} bytes)",
                got.size, got.hash, digest.size
            )));
        }
        Ok(bytes)
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        self.bounded(path, "read", self.backend.get(path))
    }

    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        self.bounded(path, "write", self.backend.put(path, bytes.to_vec()))
    }

    fn bounded<T>(
        &self,
        path: &str,
        what: &str,
        op: impl Future<Output = Result<T, String>>,
    ) -> Result<T, Error> {
        match self
            .runtime
            .block_on(async { tokio::time::timeout(self.timeout, op).await })
        {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(why)) => Err(Error::Unavailable(format!("cannot {what} {path}: {why}"))),
            Err(_) => Err(Error::Unavailable(format!(
                "cannot {what} {path}: no answer within {:.1} s",
                self.timeout.as_secs_f64()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(url: &str, env: &[(&str, &str)]) -> Result<Store, Error> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let location = Location::parse(url, true, &|k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })?;
        Store::open(&location, Duration::from_secs(1))
    }

    #[test]
    fn every_kind_opens_without_connecting() {
        for url in [
            "http://127.0.0.1:1/cache",
            "https://cache.example/qa",
            "webdav+https://dav.example/qa",
            "s3://bucket/prefix",
            "redis://127.0.0.1:1/3",
        ] {
            let store = open(url, &[]).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(store.shown(), url);
        }
        let gha = open(
            "gha://",
            &[
                ("ACTIONS_RESULTS_URL", "https://results.example/"),
                ("ACTIONS_RUNTIME_TOKEN", "t"),
            ],
        );
        assert!(gha.is_ok(), "{gha:?}");
        let e = open("redis://127.0.0.1:1/notanumber", &[]).unwrap_err();
        assert!(e.to_string().contains("database number"), "{e}");
    }

    #[test]
    fn digests_are_sha256_and_size() {
        assert_eq!(
            Digest::of(b""),
            Digest {
                hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
                size: 0
            }
        );
    }
}
