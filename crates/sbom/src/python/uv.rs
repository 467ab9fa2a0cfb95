//! The `uv.lock` reader (format version 1): each package with its sdist and wheel hashes and
//! its source as purl qualifiers, editable and virtual entries as the projects, an extra's
//! dependencies followed only where something asks for that extra, dev dependencies as dev
//! edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::{
    Origin, PythonGraph, PythonRead, component, finish, is_pypi, lock_error, normalise, purl,
    sha256_of, unknown_version,
};
use crate::SbomError;
use crate::cargo::relative;
use crate::model::{ComponentKind, EdgeKind};

/// The `uv.lock` format versions this build reads.
const UV_LOCK_VERSIONS: &[i64] = &[1];

/// Reads one `uv.lock`.
pub(super) fn read(
    path: &Path,
    text: &str,
    opts: &PythonRead<'_>,
) -> Result<PythonGraph, SbomError> {
    let lock: UvLock = toml::from_str(text).map_err(|e| lock_error(path, text, &e))?;
    if !lock
        .version
        .as_ref()
        .and_then(toml::Value::as_integer)
        .is_some_and(|v| UV_LOCK_VERSIONS.contains(&v))
    {
        return Err(unknown_version(
            path,
            lock.version.as_ref(),
            "`version = 1`",
        ));
    }
    let dir = path.parent().unwrap_or(opts.root);
    let mut graph = PythonGraph::default();
    // name -> [(version, id)], to resolve dependency entries, which name a version and source
    // only when the name alone is ambiguous.
    let mut by_name: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    let mut requested_extras: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &lock.package {
        let (origin, is_project) = uv_origin(&p.source, dir, opts.root);
        let kind = if is_project {
            ComponentKind::Application
        } else {
            ComponentKind::Library
        };
        let mut c = component(&p.name, p.version.as_deref(), &origin, kind);
        c.sha256 = p
            .sdist
            .iter()
            .chain(&p.wheels)
            .filter_map(|f| f.hash.as_deref().and_then(sha256_of))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        by_name.entry(normalise(&p.name)).or_default().push((
            p.version.clone(),
            p.source.clone(),
            c.id.clone(),
        ));
        if is_project {
            // A project's own extras are all part of what it can install.
            requested_extras
                .entry(c.id.clone())
                .or_default()
                .extend(p.optional_dependencies.keys().cloned());
            graph.projects.insert(c.id.clone(), c);
        } else {
            graph.components.insert(c.id.clone(), c);
        }
    }
    let resolve = |d: &UvDep| -> Option<String> {
        let candidates = by_name.get(&normalise(&d.name))?;
        candidates
            .iter()
            .find(|(v, s, _)| {
                d.version
                    .as_ref()
                    .is_none_or(|want| v.as_ref() == Some(want))
                    && (d.source.is_empty() || *s == d.source)
            })
            .map(|(_, _, id)| id.clone())
    };
    for p in &lock.package {
        for d in p
            .dependencies
            .iter()
            .chain(p.optional_dependencies.values().flatten())
        {
            if let Some(id) = resolve(d) {
                requested_extras
                    .entry(id)
                    .or_default()
                    .extend(d.extra.iter().cloned());
            }
        }
    }
    for p in &lock.package {
        let (origin, _) = uv_origin(&p.source, dir, opts.root);
        let from = purl(&p.name, p.version.as_deref(), &origin);
        let extras = requested_extras.get(&from).cloned().unwrap_or_default();
        let mut edges: Vec<(&UvDep, EdgeKind)> = p
            .dependencies
            .iter()
            .map(|d| (d, EdgeKind::Normal))
            .collect();
        for (extra, deps) in &p.optional_dependencies {
            if extras.contains(extra) {
                edges.extend(deps.iter().map(|d| (d, EdgeKind::Normal)));
            }
        }
        edges.extend(
            p.dev_dependencies
                .values()
                .flatten()
                .map(|d| (d, EdgeKind::Dev)),
        );
        for (d, kind) in edges {
            let Some(to) = resolve(d) else {
                graph.warnings.push(format!(
                    "{}: `{}` depends on `{}`, which the lockfile does not list",
                    path.display(),
                    p.name,
                    d.name
                ));
                continue;
            };
            if to == from {
                continue;
            }
            let k = graph
                .edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert(kind);
            *k = (*k).min(kind);
        }
    }
    Ok(finish(graph, opts.no_dev))
}

#[derive(Deserialize)]
struct UvLock {
    version: Option<toml::Value>,
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, String>,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<UvDep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDep>>,
    sdist: Option<UvFile>,
    #[serde(default)]
    wheels: Vec<UvFile>,
}

#[derive(Deserialize)]
struct UvDep {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, String>,
    #[serde(default)]
    extra: Vec<String>,
}

#[derive(Deserialize)]
struct UvFile {
    hash: Option<String>,
}

/// Where a locked package comes from, and whether it is one of the lockfile's own projects
/// (an editable or virtual entry).
fn uv_origin(source: &BTreeMap<String, String>, lock_dir: &Path, root: &Path) -> (Origin, bool) {
    let local = |p: &str| Origin::Path(relative(&lock_dir.join(p), root));
    if let Some(url) = source.get("registry") {
        if is_pypi(url) {
            return (Origin::Pypi, false);
        }
        if url.starts_with("http://") || url.starts_with("https://") {
            return (Origin::Registry(url.clone()), false);
        }
        return (local(url), false);
    }
    if let Some(url) = source.get("git") {
        let (url, commit) = url
            .split_once('#')
            .map_or((url.as_str(), None), |(u, c)| (u, Some(c)));
        let url = url.split_once('?').map_or(url, |(u, _)| u);
        return (
            Origin::Git {
                url: url.to_string(),
                commit: commit.map(str::to_string),
            },
            false,
        );
    }
    if let Some(url) = source.get("url") {
        return (Origin::Url(url.clone()), false);
    }
    for key in ["editable", "virtual"] {
        if let Some(p) = source.get(key) {
            return (local(p), true);
        }
    }
    for key in ["directory", "path"] {
        if let Some(p) = source.get(key) {
            return (local(p), false);
        }
    }
    (Origin::Pypi, false)
}

/// A locked package a dependency entry may name: version, source, component id.
type Candidate = (Option<String>, BTreeMap<String, String>, String);
