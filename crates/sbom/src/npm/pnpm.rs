//! `pnpm-lock.yaml` of `lockfileVersion` 6 and 9: every importer (the project and its
//! workspace packages) with its dependency tables; packages keyed `/name@version(peers)` (v6),
//! or `name@version` with their dependencies under `snapshots` keyed `name@version(peers)` (v9).
//! Peer suffixes are one package installed several ways: they make one component.

use std::collections::BTreeMap;
use std::path::{Component as PathPart, Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use super::{NpmGraph, component, lockfile_error, set_integrity, split_spec, yaml_text};
use crate::SbomError;
use crate::model::{ComponentKind, EdgeKind};

/// The two layouts this reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    V6,
    V9,
}

pub(super) fn read(path: &Path, text: &str) -> Result<NpmGraph, SbomError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        lockfile_error(
            path,
            Some((e.marker().line(), e.marker().col() + 1)),
            e.to_string(),
        )
    })?;
    let doc = docs.into_iter().next().unwrap_or(Yaml::Null);
    if doc.as_hash().is_none() {
        return Err(lockfile_error(
            path,
            None,
            "not a pnpm lockfile: expected a mapping with `lockfileVersion`".into(),
        ));
    }
    let layout = layout(path, &doc["lockfileVersion"])?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut graph = NpmGraph::default();

    // Importers: the project and its workspace packages, each a project of the graph.
    let importers: Vec<(String, &Yaml)> = match doc["importers"].as_hash() {
        Some(h) => h
            .iter()
            .filter_map(|(k, v)| Some((yaml_text(k)?, v)))
            .collect(),
        // A v6 lockfile of a project without workspace keeps its tables at the top.
        None => vec![(".".to_string(), &doc)],
    };
    let mut importer_ids: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (key, _) in &importers {
        let project = if key == "." {
            super::project(path)
        } else {
            super::project_in(&dir.join(key))
        };
        importer_ids.insert(normalize(Path::new(key)), project.id.clone());
        graph.projects.insert(project.id.clone(), project);
    }

    // Packages, then the snapshots that say what each depends on (one table in v6).
    let packages = table(path, &doc, "packages")?;
    let snapshots = match layout {
        Layout::V6 => packages,
        Layout::V9 => table(path, &doc, "snapshots")?,
    };
    let metas: BTreeMap<&str, &Yaml> = packages
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
        .collect();
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (key, _) in snapshots {
        let Some(k) = key.as_str() else { continue };
        let base = without_peers(k);
        let meta = match layout {
            Layout::V6 => metas.get(k),
            Layout::V9 => metas.get(base),
        }
        .copied()
        .unwrap_or(&Yaml::BadValue);
        let c = package(dir, base.trim_start_matches('/'), meta);
        ids.insert(k, c.id.clone());
        graph.components.entry(c.id.clone()).or_insert(c);
    }
    // A v9 package that no snapshot installs is still a locked package.
    for (key, meta) in &metas {
        if layout == Layout::V9 && !ids.contains_key(key) {
            let c = package(dir, key, meta);
            ids.insert(key, c.id.clone());
            graph.components.entry(c.id.clone()).or_insert(c);
        }
    }

    let lookup = |name: &str, reference: &str| -> Option<String> {
        let key = match layout {
            Layout::V6 if reference.starts_with('/') => reference.to_string(),
            Layout::V6 => format!("/{name}@{reference}"),
            Layout::V9 => format!("{name}@{reference}"),
        };
        ids.get(key.as_str())
            .or_else(|| ids.get(reference))
            .cloned()
    };

    for (key, importer) in &importers {
        let from = importer_ids[&normalize(Path::new(key))].clone();
        let tables = [
            ("dependencies", EdgeKind::Normal),
            ("optionalDependencies", EdgeKind::Normal),
            ("devDependencies", EdgeKind::Dev),
        ];
        for (table_name, kind) in tables {
            for (name, spec) in entries(&importer[table_name]) {
                // `{specifier, version}` since v6; a bare version before.
                let reference = yaml_text(&spec["version"]).or_else(|| yaml_text(spec));
                let Some(reference) = reference else { continue };
                let to = match reference.strip_prefix("link:") {
                    Some(target) => {
                        let at = normalize(&Path::new(key).join(target));
                        linked(&mut graph, &importer_ids, dir, &at)
                    }
                    None => lookup(&name, &reference),
                };
                graph.resolved_edge(path, &from, (&name, &reference), to, kind);
            }
        }
    }
    for (key, snapshot) in snapshots {
        let Some(from) = key.as_str().and_then(|k| ids.get(k)).cloned() else {
            continue;
        };
        for table_name in ["dependencies", "optionalDependencies"] {
            for (name, spec) in entries(&snapshot[table_name]) {
                let Some(reference) = yaml_text(spec) else {
                    continue;
                };
                let to = match reference.strip_prefix("link:") {
                    Some(target) => linked(
                        &mut graph,
                        &importer_ids,
                        dir,
                        &normalize(Path::new(target)),
                    ),
                    None => lookup(&name, &reference),
                };
                graph.resolved_edge(path, &from, (&name, &reference), to, EdgeKind::Normal);
            }
        }
    }
    Ok(graph)
}

/// `lockfileVersion`: `6.x` or `9.x`; anything else is refused rather than misread.
fn layout(path: &Path, version: &Yaml) -> Result<Layout, SbomError> {
    let text = yaml_text(version);
    match text.as_deref().and_then(|v| v.split('.').next()) {
        Some("6") => Ok(Layout::V6),
        Some("9") => Ok(Layout::V9),
        _ => Err(lockfile_error(
            path,
            None,
            format!(
                "lockfileVersion {}: this reader knows versions 6.x (pnpm 8) and 9.x (pnpm 9 and later); regenerate it with `pnpm install --lockfile-only` from one of those",
                text.unwrap_or_else(|| "missing".into())
            ),
        )),
    }
}

/// A top-level mapping (`packages`, `snapshots`); absent is empty, anything else an error.
fn table<'a>(
    path: &Path,
    doc: &'a Yaml,
    key: &str,
) -> Result<&'a yaml_rust2::yaml::Hash, SbomError> {
    static EMPTY: std::sync::OnceLock<yaml_rust2::yaml::Hash> = std::sync::OnceLock::new();
    match &doc[key] {
        Yaml::Hash(h) => Ok(h),
        Yaml::BadValue | Yaml::Null => Ok(EMPTY.get_or_init(Default::default)),
        _ => Err(lockfile_error(
            path,
            None,
            format!("`{key}`: expected a mapping"),
        )),
    }
}

/// The component a package entry describes: name and version from the entry when it says
/// them (a `file:` or git package), else from its key; the resolution's integrity as hashes.
fn package(dir: &Path, key: &str, meta: &Yaml) -> crate::model::Component {
    let (key_name, key_version) = split_spec(key);
    let name = yaml_text(&meta["name"]).unwrap_or_else(|| key_name.to_string());
    let resolution = &meta["resolution"];
    let version = yaml_text(&meta["version"])
        .or_else(|| {
            (!key_version.is_empty() && !key_version.contains(':')).then(|| key_version.to_string())
        })
        .or_else(|| {
            let folder = yaml_text(&resolution["directory"])?;
            let manifest = super::package_json(&dir.join(folder));
            manifest["version"].as_str().map(str::to_string)
        });
    let mut c = component(&name, version.as_deref(), ComponentKind::Library);
    if let Some(sri) = yaml_text(&resolution["integrity"]) {
        set_integrity(&mut c, &sri);
    }
    if let Some(url) = yaml_text(&resolution["tarball"])
        && url.starts_with("https://")
    {
        c.download = Some(url);
    }
    c
}

/// The project (or local folder) a `link:` points at: a workspace importer, else a component
/// made from the folder's `package.json`.
fn linked(
    graph: &mut NpmGraph,
    importers: &BTreeMap<PathBuf, String>,
    dir: &Path,
    at: &Path,
) -> Option<String> {
    if let Some(id) = importers.get(at) {
        return Some(id.clone());
    }
    let mut c = super::project_in(&dir.join(at));
    c.kind = ComponentKind::Library;
    let id = c.id.clone();
    if !graph.projects.contains_key(&id) {
        graph.components.entry(id.clone()).or_insert(c);
    }
    Some(id)
}

/// `name@1.2.0(react@18.2.0)` without its peer suffix.
fn without_peers(key: &str) -> &str {
    // The suffix starts at the first `(` after the version's `@`.
    let (name, _) = split_spec(key.trim_start_matches('/'));
    let skip = key.len() - key.trim_start_matches('/').len() + name.len();
    match key[skip..].find('(') {
        Some(i) => &key[..skip + i],
        None => key,
    }
}

/// A mapping's entries with string keys.
fn entries(yaml: &Yaml) -> impl Iterator<Item = (String, &Yaml)> {
    yaml.as_hash()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((yaml_text(k)?, v)))
}

/// `a/./b/../c` as `a/c`, lexically (importer paths are relative to the lockfile's folder).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_paths() {
        assert_eq!(
            without_peers("/use-sync-external-store@1.2.0(react@18.2.0)"),
            "/use-sync-external-store@1.2.0"
        );
        assert_eq!(
            without_peers("@types/node@20.11.30(x@1)(y@2)"),
            "@types/node@20.11.30"
        );
        assert_eq!(without_peers("ms@2.1.3"), "ms@2.1.3");
        assert_eq!(
            normalize(Path::new("packages/a/../b")),
            Path::new("packages/b")
        );
        assert_eq!(normalize(Path::new(".")), Path::new(""));
        assert_eq!(normalize(Path::new("./../x")), Path::new("../x"));
    }

    /// Git and remote-tarball packages, as pnpm 8 and 9 write them: no integrity, so no hash;
    /// named by the entry's own `name` and `version`.
    #[test]
    fn git_and_tarball_resolutions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pnpm-lock.yaml");
        let v6 = "lockfileVersion: '6.0'\ndependencies:\n  foo:\n    specifier: github:o/foo\n    version: github.com/o/foo/0123abcd\n  bar:\n    specifier: https://example.com/bar.tgz\n    version: '@example.com/bar.tgz'\npackages:\n  github.com/o/foo/0123abcd:\n    resolution: {tarball: https://codeload.github.com/o/foo/tar.gz/0123abcd}\n    name: foo\n    version: 1.0.0\n    dev: false\n  '@example.com/bar.tgz':\n    resolution: {tarball: https://example.com/bar.tgz}\n    name: bar\n    version: 2.0.0\n    dev: false\n";
        let g = read(&path, v6).unwrap();
        let foo = &g.components["pkg:npm/foo@1.0.0"];
        assert!(foo.other_hashes.is_empty() && foo.sha256.is_empty());
        assert_eq!(
            foo.download.as_deref(),
            Some("https://codeload.github.com/o/foo/tar.gz/0123abcd")
        );
        assert!(g.components.contains_key("pkg:npm/bar@2.0.0"));
        let root = g.projects.keys().next().unwrap();
        assert_eq!(g.edges[root].len(), 2, "{:?}", g.warnings);

        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      foo:\n        specifier: git+https://example.com/foo.git\n        version: git+https://example.com/foo.git#0123abcd\npackages:\n  foo@git+https://example.com/foo.git#0123abcd:\n    resolution: {commit: 0123abcd, repo: https://example.com/foo.git, type: git}\n    version: 1.0.0\nsnapshots:\n  foo@git+https://example.com/foo.git#0123abcd: {}\n";
        let g = read(&path, v9).unwrap();
        let foo = &g.components["pkg:npm/foo@1.0.0"];
        assert!(foo.other_hashes.is_empty() && foo.download.is_none());
        assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    }
}
