//! The `poetry.lock` reader (`lock-version` 1.x and 2.x): each package with its file hashes and
//! source, `main` told from the other groups by `groups` (poetry 2) or `category` (before
//! 1.5), and the dependency lists of the `pyproject.toml` beside the lockfile deciding what only
//! development reaches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::pyproject::project;
use super::{
    Origin, PythonGraph, PythonRead, component, finish, finish_without_project, is_pypi,
    lock_error, normalise, sha256_of, unknown_version,
};
use crate::SbomError;
use crate::cargo::relative;
use crate::model::{ComponentKind, EdgeKind, Scope};

/// The major `lock-version`s of `poetry.lock` this build reads (1.x, 2.x; none written is 1.0).
const POETRY_LOCK_MAJORS: &[&str] = &["1", "2"];

/// Reads one `poetry.lock`, with the `pyproject.toml` beside it when there is one.
pub(super) fn read(
    path: &Path,
    text: &str,
    opts: &PythonRead<'_>,
) -> Result<PythonGraph, SbomError> {
    let lock: PoetryLock = toml::from_str(text).map_err(|e| lock_error(path, text, &e))?;
    let version = lock.metadata.get("lock-version");
    let known = match version {
        None => true,
        Some(v) => v
            .as_str()
            .and_then(|v| v.split('.').next())
            .is_some_and(|major| POETRY_LOCK_MAJORS.contains(&major)),
    };
    if !known {
        return Err(unknown_version(
            path,
            version,
            "`lock-version` 1.x or 2.x under [metadata]",
        ));
    }
    let dir = path.parent().unwrap_or(opts.root);
    let mut graph = PythonGraph::default();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut main: BTreeSet<String> = BTreeSet::new();
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for p in &lock.package {
        let origin = match &p.source {
            None => Origin::Pypi,
            Some(s) => match s.kind.as_str() {
                "git" => Origin::Git {
                    url: s.url.clone(),
                    commit: s.resolved_reference.clone(),
                },
                "legacy" if is_pypi(&s.url) => Origin::Pypi,
                "legacy" => Origin::Registry(s.url.clone()),
                "url" => Origin::Url(s.url.clone()),
                _ => Origin::Path(relative(&dir.join(&s.url), opts.root)),
            },
        };
        let mut c = component(&p.name, Some(&p.version), &origin, ComponentKind::Library);
        c.description = p.description.clone().filter(|d| !d.trim().is_empty());
        c.sha256 = p
            .files
            .iter()
            .filter_map(|f| f.hash.as_deref().and_then(sha256_of))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Poetry 2 records `groups`, poetry before 1.5 a `category`; in between, nothing.
        let group = match (&p.groups, &p.category) {
            (Some(groups), _) => Some(groups.iter().any(|g| g == "main")),
            (None, Some(category)) => Some(category == "main"),
            (None, None) => None,
        };
        match group {
            Some(true) => {
                main.insert(c.id.clone());
            }
            Some(false) => {}
            None => {
                unknown.insert(c.id.clone());
            }
        }
        ids.insert(normalise(&p.name), c.id.clone());
        graph.components.insert(c.id.clone(), c);
    }
    for p in &lock.package {
        let from = &ids[&normalise(&p.name)];
        for dep in p.dependencies.keys() {
            if let Some(to) = ids.get(&normalise(dep)) {
                graph
                    .edges
                    .entry(from.clone())
                    .or_default()
                    .insert(to.clone(), EdgeKind::Normal);
            }
        }
    }
    if let Some(project) = project(dir, opts.root)? {
        let pid = project.component.id.clone();
        for (name, dev) in &project.dependencies {
            if let Some(to) = ids.get(name) {
                let kind = if *dev {
                    EdgeKind::Dev
                } else {
                    EdgeKind::Normal
                };
                graph
                    .edges
                    .entry(pid.clone())
                    .or_default()
                    .insert(to.clone(), kind);
            }
        }
        // What the project reaches decides; a package poetry files under `main` stays
        // required even when the project's own list does not reach it.
        graph.projects.insert(pid.clone(), project.component);
        let mut graph = finish(graph, opts.no_dev);
        for id in &main {
            if let Some(c) = graph.components.get_mut(id) {
                c.scope = Scope::Required;
            }
        }
        return Ok(graph);
    }
    // Without a project to reach from, a package the lockfile does not place is required.
    main.extend(unknown);
    Ok(finish_without_project(graph, &main, opts.no_dev))
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
    #[serde(default)]
    metadata: toml::Table,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    description: Option<String>,
    category: Option<String>,
    groups: Option<Vec<String>>,
    #[serde(default)]
    files: Vec<PoetryFile>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    source: Option<PoetrySource>,
}

#[derive(Deserialize)]
struct PoetryFile {
    hash: Option<String>,
}

#[derive(Deserialize)]
struct PoetrySource {
    #[serde(rename = "type")]
    kind: String,
    url: String,
    resolved_reference: Option<String>,
}
