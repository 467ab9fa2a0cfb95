//! `package-lock.json` (and `npm-shrinkwrap.json`) of `lockfileVersion` 2 and 3: the
//! `packages` map keyed by install location, each dependency resolved the way Node does, from
//! the nearest `node_modules` up. Version 1 (npm 6 and older) has no `packages` map and is refused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{NpmGraph, component, licence, lockfile_error, set_integrity};
use crate::SbomError;
use crate::model::{ComponentKind, EdgeKind};

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion")]
    version: Option<serde_json::Value>,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    license: Option<serde_json::Value>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, serde_json::Value>,
}

pub(super) fn read(path: &Path, text: &str) -> Result<NpmGraph, SbomError> {
    let lock: Lock = serde_json::from_str(text)
        .map_err(|e| lockfile_error(path, Some((e.line(), e.column())), e.to_string()))?;
    match lock.version.as_ref().and_then(serde_json::Value::as_i64) {
        Some(2 | 3) => {}
        Some(1) => {
            return Err(lockfile_error(
                path,
                None,
                "lockfileVersion 1 (npm 6 or older) lists no install locations; this reader knows versions 2 and 3: run `npm install --package-lock-only` with npm 7 or newer to upgrade it".into(),
            ));
        }
        other => {
            return Err(lockfile_error(
                path,
                None,
                format!(
                    "lockfileVersion {}: this reader knows versions 2 and 3",
                    other.map_or_else(|| "missing".to_string(), |v| v.to_string())
                ),
            ));
        }
    }
    let mut graph = NpmGraph::default();
    let root = super::project(path);
    let root_id = root.id.clone();
    graph.projects.insert(root_id.clone(), root);

    // Location -> component id, links followed.
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (key, entry) in &lock.packages {
        if key.is_empty() || entry.link {
            continue;
        }
        let name = entry
            .name
            .clone()
            .unwrap_or_else(|| location_name(key).to_string());
        let mut c = component(&name, entry.version.as_deref(), ComponentKind::Library);
        if let Some(sri) = &entry.integrity {
            set_integrity(&mut c, sri);
        }
        c.licence = entry
            .license
            .as_ref()
            .and_then(|l| l.as_str())
            .and_then(licence);
        if let Some(url) = &entry.resolved
            && url.starts_with("https://")
        {
            c.download = Some(url.clone());
        }
        ids.insert(key, c.id.clone());
        graph.components.entry(c.id.clone()).or_insert(c);
    }
    ids.insert("", root_id);
    let id_of = |key: &str| -> Option<String> {
        let entry = lock.packages.get(key)?;
        if entry.link {
            let target = entry.resolved.as_deref()?;
            return ids.get(target).cloned();
        }
        ids.get(key).cloned()
    };

    for (key, entry) in &lock.packages {
        if entry.link {
            continue;
        }
        let Some(from) = id_of(key) else { continue };
        let tables = [
            (&entry.dependencies, EdgeKind::Normal, true),
            (&entry.optional_dependencies, EdgeKind::Normal, false),
            (&entry.peer_dependencies, EdgeKind::Normal, false),
            (&entry.dev_dependencies, EdgeKind::Dev, false),
        ];
        for (table, kind, must) in tables {
            // Only the root's (and a workspace package's) dev dependencies are installed.
            if kind == EdgeKind::Dev && key.contains("node_modules/") {
                continue;
            }
            for dep in table.keys() {
                match resolve(&lock.packages, key, dep).and_then(&id_of) {
                    Some(to) => graph.edge(&from, &to, kind),
                    None if must => graph.warnings.push(format!(
                        "{}: `{}` depends on `{dep}`, which the lockfile does not list; edge left out",
                        path.display(),
                        if key.is_empty() { "(root)" } else { key }
                    )),
                    None => {}
                }
            }
        }
    }
    Ok(graph)
}

/// The package a location's name is: what follows its last `node_modules/`.
fn location_name(key: &str) -> &str {
    key.rsplit_once("node_modules/").map_or(key, |(_, n)| n)
}

/// Where Node finds `dep` from the package at `from`: `from/node_modules/dep`, then each
/// enclosing `node_modules`, up to the root's.
fn resolve<'a>(packages: &'a BTreeMap<String, Entry>, from: &str, dep: &str) -> Option<&'a str> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some((k, _)) = packages.get_key_value(&candidate) {
            return Some(k.as_str());
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(i) => base[..i].to_string(),
            None => String::new(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_node_modules_wins() {
        let mut p = BTreeMap::new();
        for k in [
            "",
            "node_modules/a",
            "node_modules/b",
            "node_modules/a/node_modules/b",
            "node_modules/@s/c",
            "node_modules/@s/c/node_modules/d",
        ] {
            p.insert(k.to_string(), Entry::default());
        }
        assert_eq!(
            resolve(&p, "node_modules/a", "b"),
            Some("node_modules/a/node_modules/b")
        );
        assert_eq!(
            resolve(&p, "node_modules/@s/c/node_modules/d", "b"),
            Some("node_modules/b")
        );
        assert_eq!(resolve(&p, "", "@s/c"), Some("node_modules/@s/c"));
        assert_eq!(resolve(&p, "node_modules/a", "zz"), None);
        assert_eq!(location_name("node_modules/a/node_modules/@s/c"), "@s/c");
    }
}
