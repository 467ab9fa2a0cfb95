//! The Python side: the readers of `uv.lock` (`python/uv.rs`), `poetry.lock`
//! (`python/poetry.rs`) and fully pinned `requirements*.txt` with their `-r` includes
//! (`python/requirements.rs`), and the project of a `pyproject.toml` (`python/pyproject.rs`),
//! all read as text (no Python is run) into one graph of the neutral model's pieces; here, which
//! reader takes each file discovery found and what they share (PEP 503 names, purls by origin,
//! the dev-scope finish). Licences come from an installed environment's distribution metadata
//! when there is one (`pyenv.rs`); otherwise they are left out rather than guessed.

mod poetry;
pub(crate) mod pyproject;
mod requirements;
mod uv;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::SbomError;
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
            requirements::read(&file, &text, opts)?
        } else if name == "uv.lock" {
            uv::read(&file, &text, opts)?
        } else if name == "poetry.lock" {
            poetry::read(&file, &text, opts)?
        } else {
            requirements::read(&file, &text, opts)?
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
