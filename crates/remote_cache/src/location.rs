//! Where the remote cache is: a URL, and the credentials the environment gives for it.
//!
//! | URL | Store |
//! |---|---|
//! | `http://HOST/BASE`, `https://…` | Bazel remote-cache HTTP protocol (bazel-remote, BuildBuddy, nginx WebDAV) |
//! | `webdav+http://HOST/BASE`, `webdav+https://…` | WebDAV (OpenDAL) |
//! | `s3://BUCKET/PREFIX` | S3 or S3-compatible (OpenDAL); `AWS_REGION`, `AWS_ENDPOINT_URL` |
//! | `redis://HOST:PORT/DB`, `rediss://…` | Redis (OpenDAL) |
//! | `gha://` | the GitHub Actions cache (OpenDAL; the runner's `ACTIONS_*` variables) |
//!
//! Credentials are read from the environment only: `XTASK_CACHE_REMOTE_USER` and
//! `XTASK_CACHE_REMOTE_PASSWORD` (HTTP basic auth, WebDAV, Redis), `XTASK_CACHE_REMOTE_TOKEN`
//! (an HTTP bearer token), the usual `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
//! `AWS_SESSION_TOKEN` for S3, `ACTIONS_RUNTIME_TOKEN` for `gha://`; or the URL's user
//! information when the URL itself comes from the environment (`XTASK_CACHE_REMOTE`). A
//! location is shown with its user information removed.

use crate::Error;

/// The kinds of store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BazelHttp,
    WebDav,
    S3,
    Redis,
    GitHubActions,
}

/// A parsed remote-cache URL with its credentials.
#[derive(Clone)]
pub struct Location {
    pub kind: Kind,
    /// The URL as given.
    url: reqwest::Url,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    /// Variables read from the environment (AWS_*, ACTIONS_*), by name.
    env: Vec<(String, String)>,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("Location")
            .field("kind", &self.kind)
            .field("url", &self.shown())
            .finish()
    }
}

/// The environment variables a location may read.
pub const ENV: &[&str] = &[
    "XTASK_CACHE_REMOTE_USER",
    "XTASK_CACHE_REMOTE_PASSWORD",
    "XTASK_CACHE_REMOTE_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "ACTIONS_CACHE_URL",
    "ACTIONS_RESULTS_URL",
    "ACTIONS_RUNTIME_TOKEN",
];

impl Location {
    /// Parses `url`, taking credentials from `env` (a variable's value by name). `user_info`
    /// says whether the URL may carry a user and password (not when it comes from a file
    /// that is committed).
    pub fn parse(
        url: &str,
        user_info: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Location, Error> {
        // Not echoed: a URL from the environment may carry a password.
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| Error::Config(format!("not a URL ({e})")))?;
        let kind = match parsed.scheme() {
            "http" | "https" => Kind::BazelHttp,
            "webdav+http" | "webdav+https" => Kind::WebDav,
            "s3" => Kind::S3,
            "redis" | "rediss" => Kind::Redis,
            "gha" => Kind::GitHubActions,
            other => {
                return Err(Error::Config(format!(
                    "unknown remote cache scheme `{other}:` (known: http, https, webdav+http, \
                     webdav+https, s3, redis, rediss, gha)"
                )));
            }
        };
        let has_user_info = !parsed.username().is_empty() || parsed.password().is_some();
        if has_user_info && !user_info {
            return Err(Error::Config(
                "the remote cache URL carries credentials: give them in the environment \
                 (XTASK_CACHE_REMOTE_USER, XTASK_CACHE_REMOTE_PASSWORD, \
                 XTASK_CACHE_REMOTE_TOKEN), never in xtask.toml"
                    .into(),
            ));
        }
        if kind == Kind::S3 && parsed.host_str().unwrap_or("").is_empty() {
            return Err(Error::Config(format!(
                "`{}` names no bucket: s3://BUCKET/PREFIX",
                shown(&parsed)
            )));
        }
        if matches!(kind, Kind::BazelHttp | Kind::WebDav | Kind::Redis)
            && parsed.host_str().unwrap_or("").is_empty()
        {
            return Err(Error::Config(format!("`{}` names no host", shown(&parsed))));
        }
        let decode = |s: &str| {
            percent_decode(s)
                .ok_or_else(|| Error::Config("the URL's user information is not UTF-8".into()))
        };
        let user = if parsed.username().is_empty() {
            env("XTASK_CACHE_REMOTE_USER").filter(|v| !v.is_empty())
        } else {
            Some(decode(parsed.username())?)
        };
        let password = match parsed.password() {
            Some(p) => Some(decode(p)?),
            None => env("XTASK_CACHE_REMOTE_PASSWORD").filter(|v| !v.is_empty()),
        };
        Ok(Location {
            kind,
            token: env("XTASK_CACHE_REMOTE_TOKEN").filter(|v| !v.is_empty()),
            env: ENV
                .iter()
                .filter_map(|k| Some((k.to_string(), env(k).filter(|v| !v.is_empty())?)))
                .collect(),
            url: parsed,
            user,
            password,
        })
    }

    /// The URL without its user information.
    pub fn shown(&self) -> String {
        shown(&self.url)
    }

    pub(crate) fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// An environment variable read when the location was parsed.
    pub(crate) fn env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn shown(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|d| d.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn kinds_by_scheme() {
        for (url, kind) in [
            ("http://127.0.0.1:9090/cache", Kind::BazelHttp),
            ("https://cache.example/", Kind::BazelHttp),
            ("webdav+https://dav.example/qa", Kind::WebDav),
            ("s3://bucket/prefix", Kind::S3),
            ("redis://127.0.0.1:6379/2", Kind::Redis),
            ("rediss://r.example:6380", Kind::Redis),
            ("gha://", Kind::GitHubActions),
        ] {
            assert_eq!(
                Location::parse(url, false, &no_env).unwrap().kind,
                kind,
                "{url}"
            );
        }
        let e = Location::parse("ftp://x/y", false, &no_env).unwrap_err();
        assert!(
            e.to_string().contains("unknown remote cache scheme `ftp:`"),
            "{e}"
        );
        let e = Location::parse("http://u:pw@[bad", true, &no_env).unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
        assert!(Location::parse("s3:///prefix", false, &no_env).is_err());
    }

    #[test]
    fn credentials_from_the_environment_only_and_never_shown() {
        let e = Location::parse("https://u:p@cache.example/", false, &no_env).unwrap_err();
        assert!(e.to_string().contains("never in xtask.toml"), "{e}");
        let loc = Location::parse("https://us%40r:s3cret@cache.example/x", true, &no_env).unwrap();
        assert_eq!(loc.user.as_deref(), Some("us@r"));
        assert_eq!(loc.password.as_deref(), Some("s3cret"));
        assert_eq!(loc.shown(), "https://cache.example/x");
        assert!(!format!("{loc:?}").contains("s3cret"));
        let env = |k: &str| match k {
            "XTASK_CACHE_REMOTE_USER" => Some("ci".to_string()),
            "XTASK_CACHE_REMOTE_PASSWORD" => Some("pw".to_string()),
            "AWS_REGION" => Some("eu-west-1".to_string()),
            _ => None,
        };
        let loc = Location::parse("redis://127.0.0.1:6379", false, &env).unwrap();
        assert_eq!(
            (loc.user.as_deref(), loc.password.as_deref()),
            (Some("ci"), Some("pw"))
        );
        assert_eq!(loc.env("AWS_REGION"), Some("eu-west-1"));
    }
}
