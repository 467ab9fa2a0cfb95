//! The Python readers: `uv.lock`, `poetry.lock` and fully pinned `requirements*.txt`
//! (`requirements.rs`), with the project itself from `pyproject.toml`, read as text (no Python is
//! run), into the neutral model's pieces. Licences come from an installed environment's
//! distribution metadata when there is one (`pyenv.rs`); otherwise they are left out rather than
//! guessed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::SbomError;
use crate::cargo::relative;
use crate::model::{Component, ComponentKind, EdgeKind, Scope, purl_encode};

/// What the Python readers found: components, the projects among them, edges, warnings.
#[derive(Debug, Default)]
pub(crate) struct PythonGraph {
    pub projects: BTreeMap<String, Component>,
    pub components: BTreeMap<String, Component>,
    pub edges: BTreeMap<String, BTreeMap<String, EdgeKind>>,
    pub warnings: Vec<String>,
    /// Requirements files a requirements file includes (`-r FILE`), to be read in turn.
    pub includes: Vec<PathBuf>,
}

/// How to read the Python side.
#[derive(Debug, Clone)]
pub(crate) struct PythonRead<'a> {
    pub root: &'a Path,
    pub files: &'a [PathBuf],
    pub no_dev: bool,
    pub strict: bool,
}

/// Reads every file named, and every requirements file they include (`-r`), transitively;
/// each file once, on its own terms.
pub(crate) fn read(opts: &PythonRead<'_>) -> Result<PythonGraph, SbomError> {
    let mut graph = PythonGraph::default();
    // (file, whether it was reached by `-r`, so is a requirements file whatever its name)
    let mut todo: Vec<(PathBuf, bool)> = opts
        .files
        .iter()
        .rev()
        .map(|f| (f.clone(), false))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((file, included)) = todo.pop() {
        if !seen.insert(std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone())) {
            continue;
        }
        let text = repo::fs::read_to_string(&file)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let part = if included {
            crate::requirements::read(&file, &text, opts)?
        } else if name == "uv.lock" {
            uv_lock(&file, &text, opts)?
        } else if name == "poetry.lock" {
            poetry_lock(&file, &text, opts)?
        } else {
            crate::requirements::read(&file, &text, opts)?
        };
        todo.extend(part.includes.iter().rev().map(|i| (i.clone(), true)));
        graph.merge(part);
    }
    Ok(graph)
}

impl PythonGraph {
    /// Adds another lockfile's findings: one component per identity, hashes and edges merged,
    /// a component required anywhere is required.
    fn merge(&mut self, other: PythonGraph) {
        for (id, c) in other.projects {
            merge_component(&mut self.projects, id, c);
        }
        for (id, c) in other.components {
            merge_component(&mut self.components, id, c);
        }
        for (from, tos) in other.edges {
            let mine = self.edges.entry(from).or_default();
            for (to, kind) in tos {
                let k = mine.entry(to).or_insert(kind);
                *k = (*k).min(kind);
            }
        }
        self.warnings.extend(other.warnings);
    }
}

pub(crate) fn merge_component(map: &mut BTreeMap<String, Component>, id: String, c: Component) {
    match map.get_mut(&id) {
        None => {
            map.insert(id, c);
        }
        Some(have) => {
            have.sha256.extend(c.sha256);
            have.sha256.sort();
            have.sha256.dedup();
            if c.scope == Scope::Required {
                have.scope = Scope::Required;
            }
            if have.licence.is_none() {
                have.licence = c.licence;
            }
            have.properties.extend(c.properties);
            have.properties.sort();
            have.properties.dedup();
        }
    }
}

/// PEP 503: lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for ch in name.trim().chars() {
        if matches!(ch, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// Where a package comes from, for its purl qualifiers and download location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    Pypi,
    Registry(String),
    Git {
        url: String,
        commit: Option<String>,
    },
    Url(String),
    /// A local project or path: relative to the repository root.
    Path(String),
}

fn purl(name: &str, version: Option<&str>, origin: &Origin) -> String {
    let mut p = format!("pkg:pypi/{}", purl_encode(&normalise(name)));
    if let Some(v) = version {
        p.push('@');
        p.push_str(&purl_encode(v));
    }
    match origin {
        Origin::Pypi => {}
        Origin::Registry(url) => p.push_str(&format!("?repository_url={}", purl_encode(url))),
        Origin::Git { url, commit } => {
            let loc = match commit {
                Some(c) => format!("git+{url}@{c}"),
                None => format!("git+{url}"),
            };
            p.push_str(&format!("?vcs_url={}", purl_encode(&loc)));
        }
        Origin::Url(url) => p.push_str(&format!("?download_url={}", purl_encode(url))),
        Origin::Path(rel) => p.push_str(&format!(
            "?download_url={}",
            purl_encode(&format!("file:{rel}"))
        )),
    }
    p
}

fn is_pypi(url: &str) -> bool {
    let url = url.trim_end_matches('/');
    url == "https://pypi.org/simple" || url == "https://pypi.python.org/simple"
}

pub(crate) fn component(
    name: &str,
    version: Option<&str>,
    origin: &Origin,
    kind: ComponentKind,
) -> Component {
    let id = purl(name, version, origin);
    Component {
        id: id.clone(),
        kind,
        name: normalise(name),
        version: version.map(str::to_string),
        description: None,
        authors: Vec::new(),
        purl: Some(id),
        licence: None,
        sha256: Vec::new(),
        other_hashes: Vec::new(),
        links: Vec::new(),
        download: match origin {
            Origin::Git { url, commit } if url.starts_with("https://") => Some(match commit {
                Some(c) => format!("git+{url}@{c}"),
                None => format!("git+{url}"),
            }),
            Origin::Url(url) if url.starts_with("https://") => Some(url.clone()),
            _ => None,
        },
        scope: Scope::Required,
        properties: Vec::new(),
    }
}

pub(crate) fn sha256_of(hash: &str) -> Option<String> {
    let hex = hash.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

fn lock_error(path: &Path, text: &str, err: &toml::de::Error) -> SbomError {
    SbomError::Lockfile {
        path: path.to_path_buf(),
        location: err.span().map(|s| repo::text::line_column(text, s.start)),
        message: err.message().trim().to_string(),
    }
}

/// Marks what is reached only through dev edges `Excluded`, or drops it with `no_dev`.
pub(crate) fn finish(mut graph: PythonGraph, no_dev: bool) -> PythonGraph {
    if graph.projects.is_empty() {
        // Nothing to reach from: the lockfile's packages are all taken as required.
        return graph;
    }
    crate::model::scope_dev_only(
        graph.projects.keys(),
        &mut graph.components,
        &mut graph.edges,
        no_dev,
    );
    graph.edges.retain(|_, tos| !tos.is_empty());
    graph
}

// ---------------------------------------------------------------------------------------------
// uv.lock

/// The `uv.lock` format versions this build reads.
const UV_LOCK_VERSIONS: &[i64] = &[1];
/// The major `lock-version`s of `poetry.lock` this build reads (1.x, 2.x; none written is 1.0).
const POETRY_LOCK_MAJORS: &[&str] = &["1", "2"];

#[derive(Deserialize)]
struct UvLock {
    version: Option<toml::Value>,
    #[serde(default)]
    package: Vec<UvPackage>,
}

/// A lockfile whose format version this build does not know is refused rather than misread.
fn unknown_version(path: &Path, found: Option<&toml::Value>, known: &str) -> SbomError {
    let found = found.map_or_else(|| "none".to_string(), toml::Value::to_string);
    SbomError::Lockfile {
        path: path.to_path_buf(),
        location: None,
        message: format!(
            "lockfile format version {found} is not one this build reads ({known}); regenerate it with a tool version that writes one of these, or update xtask"
        ),
    }
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

fn uv_lock(path: &Path, text: &str, opts: &PythonRead<'_>) -> Result<PythonGraph, SbomError> {
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

// ---------------------------------------------------------------------------------------------
// poetry.lock

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

fn poetry_lock(path: &Path, text: &str, opts: &PythonRead<'_>) -> Result<PythonGraph, SbomError> {
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

/// A lockfile with no `pyproject.toml` beside it: the groups recorded in the lockfile decide.
pub(crate) fn finish_without_project(
    mut graph: PythonGraph,
    main: &BTreeSet<String>,
    no_dev: bool,
) -> PythonGraph {
    if no_dev {
        graph.components.retain(|id, _| main.contains(id));
        graph.edges.retain(|from, _| main.contains(from));
        for tos in graph.edges.values_mut() {
            tos.retain(|to, _| main.contains(to));
        }
    } else {
        for (id, c) in &mut graph.components {
            if !main.contains(id) {
                c.scope = Scope::Excluded;
            }
        }
    }
    graph
}

// ---------------------------------------------------------------------------------------------
// pyproject.toml

pub(crate) struct Project {
    pub component: Component,
    /// Normalised names of its direct dependencies, `true` for development ones.
    pub dependencies: Vec<(String, bool)>,
}

/// The project of `dir/pyproject.toml`: `[project]` name and version (else
/// `[tool.poetry]`'s), and its direct dependency names.
pub(crate) fn project(dir: &Path, root: &Path) -> Result<Option<Project>, SbomError> {
    let path = dir.join("pyproject.toml");
    if !path.is_file() {
        return Ok(None);
    }
    let text = repo::fs::read_to_string(&path)?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| lock_error(&path, &text, &e))?;
    let table = |v: Option<&toml::Value>| v.and_then(toml::Value::as_table).cloned();
    let project = table(doc.get("project"));
    let poetry = table(doc.get("tool")).and_then(|t| table(t.get("poetry")));
    let field = |key: &str| {
        project
            .as_ref()
            .and_then(|p| p.get(key))
            .or_else(|| poetry.as_ref().and_then(|p| p.get(key)))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    let Some(name) = field("name") else {
        return Ok(None);
    };
    let version = field("version");
    let origin = Origin::Path(relative(dir, root));
    let mut c = component(
        &name,
        version.as_deref(),
        &origin,
        ComponentKind::Application,
    );
    c.description = field("description");
    let mut deps = Vec::new();
    let pep508 = |s: &str| {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .unwrap_or(s.len());
        normalise(&s[..end])
    };
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(pep508))
            .collect()
    };
    if let Some(p) = &project {
        deps.extend(
            strings(p.get("dependencies"))
                .into_iter()
                .map(|d| (d, false)),
        );
        for extra in table(p.get("optional-dependencies"))
            .into_iter()
            .flat_map(|t| t.into_iter())
        {
            deps.extend(strings(Some(&extra.1)).into_iter().map(|d| (d, false)));
        }
    }
    for group in table(doc.get("dependency-groups"))
        .into_iter()
        .flat_map(|t| t.into_iter())
    {
        deps.extend(strings(Some(&group.1)).into_iter().map(|d| (d, true)));
    }
    if let Some(poetry) = &poetry {
        for key in table(poetry.get("dependencies"))
            .into_iter()
            .flat_map(|t| t.into_iter())
            .map(|(k, _)| k)
        {
            if key != "python" {
                deps.push((normalise(&key), false));
            }
        }
        for key in table(poetry.get("dev-dependencies"))
            .into_iter()
            .flat_map(|t| t.into_iter())
            .map(|(k, _)| k)
        {
            deps.push((normalise(&key), true));
        }
        for (group, spec) in table(poetry.get("group"))
            .into_iter()
            .flat_map(|t| t.into_iter())
        {
            let dev = group != "main";
            let names = table(spec.get("dependencies"))
                .into_iter()
                .flat_map(|t| t.into_iter())
                .map(|(k, _)| k);
            deps.extend(names.map(|k| (normalise(&k), dev)));
        }
    }
    // A dependency listed both as main and dev is main.
    deps.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    deps.dedup_by(|a, b| a.0 == b.0);
    Ok(Some(Project {
        component: c,
        dependencies: deps,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(normalise("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalise("typing_extensions"), "typing-extensions");
        assert_eq!(normalise("PyYAML"), "pyyaml");
    }

    #[test]
    fn purls_by_origin() {
        assert_eq!(
            purl("Requests", Some("2.32.3"), &Origin::Pypi),
            "pkg:pypi/requests@2.32.3"
        );
        assert_eq!(
            purl("x", Some("1.0+local"), &Origin::Path("py".into())),
            "pkg:pypi/x@1.0%2Blocal?download_url=file:py"
        );
        assert_eq!(
            purl(
                "y",
                Some("1"),
                &Origin::Git {
                    url: "https://h/r".into(),
                    commit: Some("abc".into())
                }
            ),
            "pkg:pypi/y@1?vcs_url=git%2Bhttps://h/r%40abc"
        );
    }
}
