//! The stores behind [`crate::Store`]: the Bazel remote-cache HTTP protocol over reqwest, and
//! OpenDAL's S3, Redis, WebDAV and GitHub Actions cache services. Each reads and writes whole
//! blobs by path (`ac/KEY`, `cas/HASH`); a missing blob is `Ok(None)`.

use crate::Error;
use crate::location::{Kind, Location};

/// Where the GitHub Actions cache and Redis keep qa's blobs, apart from other users'.
const NAMESPACE: &str = "/xtask-qa/";

pub(crate) enum Backend {
    Http {
        client: reqwest::Client,
        /// The base URL, ending in `/`.
        base: reqwest::Url,
        user: Option<String>,
        password: Option<String>,
        token: Option<String>,
    },
    Dal(opendal::Operator),
}

/// Installs, once per process, what the stores' HTTP and TLS need: rustls with the ring
/// provider (a smaller binary, and a faster start of every run, than the aws-lc provider that
/// reqwest's `rustls` feature brings: docs/benchmarks.md, `qa`), and reqwest as OpenDAL's
/// transport for its HTTP services (WebDAV, S3, the GitHub Actions cache).
fn install_transports() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another provider installed first (none is, in this binary) would do as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
        opendal::init_default_registry();
        opendal::HttpTransporter::install_default(
            opendal_http_transport_reqwest::ReqwestTransport::default(),
        );
    });
}

impl Backend {
    /// The store at `location`; requests get their deadline from the caller
    /// (`Store::bounded`), around each whole request.
    pub(crate) fn open(location: &Location) -> Result<Backend, Error> {
        let failed = |e: opendal::Error| Error::Config(format!("{}: {e}", location.shown()));
        let url = location.url();
        let path = url.path().trim_matches('/');
        let root = if path.is_empty() {
            "/".to_string()
        } else {
            format!("/{path}/")
        };
        let host_port = || {
            let host = url.host_str().unwrap_or("");
            match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            }
        };
        install_transports();
        let op = match location.kind {
            Kind::BazelHttp => {
                let client = reqwest::Client::builder()
                    .build()
                    .map_err(|e| Error::Config(format!("{}: {e}", location.shown())))?;
                let mut base = url.clone();
                let _ = base.set_username("");
                let _ = base.set_password(None);
                if !base.path().ends_with('/') {
                    let p = format!("{}/", base.path());
                    base.set_path(&p);
                }
                return Ok(Backend::Http {
                    client,
                    base,
                    user: location.user.clone(),
                    password: location.password.clone(),
                    token: location.token.clone(),
                });
            }
            Kind::WebDav => {
                let scheme = url.scheme().trim_start_matches("webdav+");
                let mut b = opendal::services::Webdav::default()
                    .endpoint(&format!("{scheme}://{}", host_port()))
                    .root(&root);
                if let Some(user) = &location.user {
                    b = b.username(user);
                }
                if let Some(password) = &location.password {
                    b = b.password(password);
                }
                if let Some(token) = &location.token {
                    b = b.token(token);
                }
                opendal::Operator::new(b).map_err(failed)?
            }
            Kind::S3 => {
                let mut b = opendal::services::S3::default()
                    .bucket(url.host_str().unwrap_or(""))
                    .root(&root)
                    .region(
                        location
                            .env("AWS_REGION")
                            .or(location.env("AWS_DEFAULT_REGION"))
                            .unwrap_or("us-east-1"),
                    )
                    // Credentials from the environment only: no config files, no instance
                    // metadata service (whose probe can stall a run off EC2).
                    .disable_config_load()
                    .disable_ec2_metadata();
                if let Some(endpoint) = location.env("AWS_ENDPOINT_URL") {
                    b = b.endpoint(endpoint);
                }
                match (
                    location.env("AWS_ACCESS_KEY_ID"),
                    location.env("AWS_SECRET_ACCESS_KEY"),
                ) {
                    (Some(id), Some(secret)) => {
                        b = b.access_key_id(id).secret_access_key(secret);
                        if let Some(token) = location.env("AWS_SESSION_TOKEN") {
                            b = b.session_token(token);
                        }
                    }
                    // A public bucket, read by forks without credentials.
                    _ => b = b.skip_signature(),
                }
                opendal::Operator::new(b).map_err(failed)?
            }
            Kind::Redis => {
                let mut b = opendal::services::Redis::default()
                    .endpoint(&format!("{}://{}", url.scheme(), host_port()))
                    .root(NAMESPACE);
                if !path.is_empty() {
                    let db: i64 = path.parse().map_err(|_| {
                        Error::Config(format!(
                            "{}: the path must be a database number (redis://HOST:PORT/DB)",
                            location.shown()
                        ))
                    })?;
                    b = b.db(db);
                }
                if let Some(user) = &location.user {
                    b = b.username(user);
                }
                if let Some(password) = &location.password {
                    b = b.password(password);
                }
                opendal::Operator::new(b).map_err(failed)?
            }
            Kind::GitHubActions => {
                let mut b = opendal::services::Ghac::default()
                    .root(NAMESPACE)
                    .version("xtask-qa-1");
                if let Some(token) = location.env("ACTIONS_RUNTIME_TOKEN") {
                    b = b.runtime_token(token);
                }
                if let Some(endpoint) = location
                    .env("ACTIONS_RESULTS_URL")
                    .or(location.env("ACTIONS_CACHE_URL"))
                {
                    b = b.endpoint(endpoint);
                }
                opendal::Operator::new(b).map_err(failed)?
            }
        };
        Ok(Backend::Dal(op))
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Backend::Http { client, base, .. } => {
                let url = base.join(path).map_err(|e| e.to_string())?;
                let response = self
                    .authorize(client.get(url))
                    .send()
                    .await
                    .map_err(describe)?;
                match response.status().as_u16() {
                    200 => Ok(Some(response.bytes().await.map_err(describe)?.to_vec())),
                    404 => Ok(None),
                    code => Err(format!("HTTP {code}")),
                }
            }
            Backend::Dal(op) => match op.read(path).await {
                Ok(buffer) => Ok(Some(buffer.to_vec())),
                Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.to_string()),
            },
        }
    }

    pub(crate) async fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), String> {
        match self {
            Backend::Http { client, base, .. } => {
                let url = base.join(path).map_err(|e| e.to_string())?;
                // The length always, even 0 (an empty log): without it nginx answers an empty
                // PUT with 500 ("PUT request body must be in a file").
                let request = client
                    .put(url)
                    .header(reqwest::header::CONTENT_LENGTH, bytes.len())
                    .body(bytes);
                let response = self.authorize(request).send().await.map_err(describe)?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!("HTTP {}", status.as_u16()))
                }
            }
            Backend::Dal(op) => op
                .write(path, bytes)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }

    fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let Backend::Http {
            user,
            password,
            token,
            ..
        } = self
        else {
            return request;
        };
        match (user, token) {
            (Some(user), _) => request.basic_auth(user, password.as_ref()),
            (None, Some(token)) => request.bearer_auth(token),
            (None, None) => request,
        }
    }
}

/// reqwest's error with its causes (it names only the outermost: "error sending request").
fn describe(e: reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}
