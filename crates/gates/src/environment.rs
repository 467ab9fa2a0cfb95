//! The environment a gate runs with (Turborepo's strict env mode). A gate whose result may be
//! cached (the default) sees only the variables its `env` assigns, those its `pass_env` names
//! (names or `*` globs, values from qa's own environment) and the small pass-through set
//! [`PASS_THROUGH`] that tools need to work; all of them, with their values, are in its cache
//! key, so a variable it did not declare can never give it a stale pass. A gate with
//! `cache = false` inherits qa's whole environment and is never cached.

use std::ffi::{OsStr, OsString};

use crate::model::Gate;

/// Variables every cached gate sees (values from qa's environment, hashed into the key). Each
/// is there because common tools fail or misbehave without it; keep the list small, and
/// document any change in docs/reference/xtask-toml.md ("Result cache").
pub(crate) const PASS_THROUGH: &[&str] = &[
    // Finding programs, the user's files and identity.
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    // Terminal, locale and time zone: tools' output and encoding.
    "TERM",
    "NO_COLOR",
    "LANG",
    "LC_*",
    "TZ",
    // Temporary files and the XDG base directories (tool caches and configs).
    "TMPDIR",
    "XDG_*",
    // CI detection (tools switch output formats and strictness on them).
    "CI",
    "GITHUB_ACTIONS",
    // Reproducible output (sbom, format plans).
    "SOURCE_DATE_EPOCH",
    // Rust toolchains: rustup's choice of toolchain and cargo's home and target directory.
    "CARGO_HOME",
    "CARGO_TARGET_DIR",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    // Python environments: the active venv or conda env, module path, pyenv and uv settings.
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTHONPATH",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "UV_*",
    // Package installers' own settings (index, find-links, timeouts), for gates whose tools
    // install packages: pip's and npm's.
    "PIP_*",
    "NPM_CONFIG_*",
    "npm_config_*",
    // TLS trust and proxies, for tools that download: OpenSSL's, and the ones Node (npm, pnpm,
    // yarn), pip, requests, curl and git read instead.
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
];

/// The variables `gate` runs with, sorted by name, or `None` when it inherits qa's whole
/// environment (`cache = false`).
pub(crate) fn for_gate(gate: &Gate) -> Option<Vec<(OsString, OsString)>> {
    gate.cache
        .then(|| strict(&gate.env, &gate.pass_env, std::env::vars_os()))
}

/// The strict environment: from `caller`, the variables matching [`PASS_THROUGH`] or
/// `pass_env`; then `env`'s assignments over them. Sorted by name.
pub(crate) fn strict(
    env: &[(String, String)],
    pass_env: &[String],
    caller: impl Iterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    let mut vars: std::collections::BTreeMap<OsString, OsString> = caller
        .filter(|(name, _)| {
            // A name that is not UTF-8 matches no pattern; checked once, not per pattern.
            name.to_str().is_some_and(|name| {
                PASS_THROUGH
                    .iter()
                    .copied()
                    .chain(pass_env.iter().map(String::as_str))
                    .any(|pattern| matches(pattern, name))
            })
        })
        .collect();
    for (k, v) in env {
        vars.insert(OsString::from(k), OsString::from(v));
    }
    vars.into_iter().collect()
}

/// Whether `pattern` (a name, `*` matching any run of characters) names `name`.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// Why a `pass_env` entry is invalid, when it is: a variable name (letters, digits, `_`) with
/// optional `*` globs.
pub(crate) fn invalid_pattern(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return Some("is empty".into());
    }
    if let Some(c) = pattern
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '*'))
    {
        return Some(format!(
            "has `{c}`; a variable name is letters, digits and `_`, with `*` as a glob"
        ));
    }
    None
}

/// The value of `name` among `vars`.
pub(crate) fn get<'a>(vars: &'a [(OsString, OsString)], name: &str) -> Option<&'a OsStr> {
    vars.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_os_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(vars: &[(&str, &str)]) -> impl Iterator<Item = (OsString, OsString)> {
        vars.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn only_declared_and_pass_through_variables_are_seen() {
        let got = strict(
            &[("RUSTDOCFLAGS".into(), "-D warnings".into())],
            &["AWS_*".into(), "FOO".into()],
            caller(&[
                ("PATH", "/bin"),
                ("FOO", "1"),
                ("FOOBAR", "x"),
                ("SECRET", "s"),
                ("AWS_REGION", "eu"),
                ("LC_ALL", "C"),
                ("RUSTDOCFLAGS", "overridden"),
            ]),
        );
        let names: Vec<String> = got
            .iter()
            .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy()))
            .collect();
        assert_eq!(
            names,
            [
                "AWS_REGION=eu",
                "FOO=1",
                "LC_ALL=C",
                "PATH=/bin",
                "RUSTDOCFLAGS=-D warnings"
            ]
        );
    }

    #[test]
    fn the_reference_lists_every_pass_through_variable() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/reference/xtask-toml.md"
        ))
        .unwrap();
        for name in PASS_THROUGH {
            assert!(
                doc.contains(&format!("`{name}`")) || name.chars().all(|c| !c.is_ascii_uppercase()),
                "docs/reference/xtask-toml.md does not list `{name}`"
            );
        }
    }

    #[test]
    fn globs_and_invalid_patterns() {
        assert!(matches("LC_*", "LC_ALL"));
        assert!(matches("*_TOKEN", "GH_TOKEN"));
        assert!(!matches("LC_*", "XLC_ALL"));
        assert!(matches("*", "ANY"));
        assert_eq!(invalid_pattern("AWS_*"), None);
        assert!(invalid_pattern("").is_some());
        assert!(invalid_pattern("A=B").unwrap().contains("`=`"));
    }
}
