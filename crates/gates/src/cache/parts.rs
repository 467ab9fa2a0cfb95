//! The parts of a gate's cache key, kept beside its entries so that a miss can say what changed:
//! each part as a digest (the command, each environment variable by name, each tool, each input
//! file by path, the baseline), never a secret value. The latest pass of each gate records its
//! parts in `qa-cache/last.json` (see `last.rs`); [`changes`] compares them with a key computed now.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How many changed file names an explanation shows.
const NAMED_FILES: usize = 3;

/// Each part of a cache key, as digests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyParts {
    /// The xtask version that computed the key.
    pub(crate) xtask: String,
    /// The command: argv, shell line or built-in, and the working directory.
    pub(crate) command: String,
    /// Each variable of the gate's environment by name: the digest of its value.
    pub(crate) env: BTreeMap<String, String>,
    /// Each program by name (and this executable for a built-in): the digest of its identity.
    pub(crate) tools: BTreeMap<String, String>,
    /// The installed distributions of its Python environments.
    pub(crate) python: String,
    /// Each input file by path: the digest of its content.
    pub(crate) files: BTreeMap<String, String>,
    /// The stored baseline's digest (empty when there is none).
    pub(crate) baseline: String,
}

/// What `qa-cache/last.json` holds for a gate: the key, time and parts of the gate's latest pass.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LastPass {
    pub(crate) key: String,
    pub(crate) passed_at: String,
    pub(crate) duration_s: f64,
    pub(crate) parts: KeyParts,
}

/// The short digest a part is kept as.
pub(crate) fn digest(bytes: &[u8]) -> String {
    repo::text::hex(&Sha256::digest(bytes)[..12])
}

/// What differs between the parts of a stored pass (`before`) and the key now, in words, one
/// item per part: `argv`, `env FOO`, `tool ruff`, `input files: 2 changed (a.py, b.py)`...
pub(crate) fn changes(before: &KeyParts, now: &KeyParts) -> Vec<String> {
    let mut out = Vec::new();
    if before.xtask != now.xtask {
        out.push("xtask version".to_string());
    }
    if before.command != now.command {
        out.push("argv (the command or its working directory)".to_string());
    }
    for (what, map_before, map_now) in [
        ("env", &before.env, &now.env),
        ("tool", &before.tools, &now.tools),
    ] {
        let (changed, added, removed) = diff(map_before, map_now);
        out.extend(changed.iter().map(|n| format!("{what} {n} (changed)")));
        out.extend(added.iter().map(|n| format!("{what} {n} (added)")));
        out.extend(removed.iter().map(|n| format!("{what} {n} (removed)")));
    }
    if before.python != now.python {
        out.push("python environment (installed distributions)".to_string());
    }
    let (changed, added, removed) = diff(&before.files, &now.files);
    let mut files = Vec::new();
    for (what, names) in [
        ("changed", &changed),
        ("added", &added),
        ("removed", &removed),
    ] {
        if !names.is_empty() {
            files.push(format!("{} {what} ({})", names.len(), named(names)));
        }
    }
    if !files.is_empty() {
        out.push(format!("input files: {}", files.join(", ")));
    }
    if before.baseline != now.baseline {
        out.push("baseline".to_string());
    }
    out
}

/// Names in `a` whose value differs in `b`, names only in `b`, names only in `a`.
fn diff<'a>(
    a: &'a BTreeMap<String, String>,
    b: &'a BTreeMap<String, String>,
) -> (Vec<&'a str>, Vec<&'a str>, Vec<&'a str>) {
    let changed = a
        .iter()
        .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k.as_str())
        .collect();
    let added = b
        .keys()
        .filter(|k| !a.contains_key(*k))
        .map(String::as_str)
        .collect();
    let removed = a
        .keys()
        .filter(|k| !b.contains_key(*k))
        .map(String::as_str)
        .collect();
    (changed, added, removed)
}

/// `a.py, b.py, c.py and 4 more`.
fn named(names: &[&str]) -> String {
    let shown = names[..names.len().min(NAMED_FILES)].join(", ");
    match names.len().saturating_sub(NAMED_FILES) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changes_name_each_part() {
        let before = KeyParts {
            env: map(&[("PATH", "1"), ("HOME", "2")]),
            files: map(&[("a", "1"), ("b", "1"), ("c", "1"), ("d", "1"), ("e", "1")]),
            ..KeyParts::default()
        };
        assert!(changes(&before, &before).is_empty());
        let now = KeyParts {
            command: "x".into(),
            env: map(&[("PATH", "9"), ("LANG", "2")]),
            files: map(&[("a", "2"), ("b", "2"), ("c", "2"), ("d", "2"), ("f", "1")]),
            ..before.clone()
        };
        assert_eq!(
            changes(&before, &now),
            [
                "argv (the command or its working directory)",
                "env PATH (changed)",
                "env LANG (added)",
                "env HOME (removed)",
                "input files: 4 changed (a, b, c and 1 more), 1 added (f), 1 removed (e)",
            ]
        );
    }
}
