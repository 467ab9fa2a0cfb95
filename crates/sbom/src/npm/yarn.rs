//! `yarn.lock`: Yarn 1's own format (`# yarn lockfile v1`) and Yarn 2+ (berry), YAML with
//! `__metadata`. Both become entries keyed by the descriptors they resolve (`name@range`);
//! the projects are the root `package.json` and its workspaces. Neither lockfile says what only
//! development uses: the projects' `devDependencies` say it, walked through the graph.
//! Berry's `checksum` is Yarn's own digest of its cache archive, not of the registry tarball:
//! it is kept as the `xtask:yarn:checksum` property, never as a hash.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use super::yarn_v1;
use super::{NpmGraph, component, lockfile_error, set_integrity, split_spec, yaml_text};
use crate::SbomError;
use crate::model::{ComponentKind, EdgeKind, Hash, HashAlg};

/// The property that keeps berry's `checksum`.
pub(crate) const CHECKSUM_PROPERTY: &str = "xtask:yarn:checksum";

/// The berry lockfile versions this reader knows (`__metadata.version`: Yarn 2 wrote 4, Yarn 3
/// 5 and 6, Yarn 4 8).
const BERRY_VERSIONS: std::ops::RangeInclusive<i64> = 4..=8;

/// One resolved package, from either format.
#[derive(Debug, Default)]
struct Entry {
    /// The descriptors it resolves (`lodash@^4`, `lodash@npm:^4.17.21`).
    descriptors: Vec<String>,
    name: String,
    version: Option<String>,
    /// Yarn 1: the SRI `integrity`, and the `resolved` URL.
    integrity: Option<String>,
    resolved: Option<String>,
    /// Berry: `checksum`.
    checksum: Option<String>,
    /// Berry: the folder of a workspace (`name@workspace:path`), relative to the lockfile.
    workspace: Option<String>,
    dependencies: Vec<(String, String)>,
}

pub(super) fn read(path: &Path, text: &str) -> Result<NpmGraph, SbomError> {
    let v1 = text
        .lines()
        .take(5)
        .any(|l| l.trim() == "# yarn lockfile v1");
    let entries = if v1 {
        v1_entries(path, text)?
    } else {
        berry_entries(path, text)?
    };
    Ok(build(path, entries, v1))
}

/// Yarn 1: every block, its name from the descriptor (an `npm:` alias names the real package).
fn v1_entries(path: &Path, text: &str) -> Result<Vec<Entry>, SbomError> {
    let blocks = yarn_v1::parse(text)
        .map_err(|(line, col, message)| lockfile_error(path, Some((line, col)), message))?;
    let mut out = Vec::new();
    for block in blocks {
        let Some(first) = block.keys.first() else {
            continue;
        };
        let (alias, range) = split_spec(first);
        let name = match range.strip_prefix("npm:") {
            Some(real) => split_spec(real).0,
            None => alias,
        };
        if !block.fields.contains_key("version") {
            return Err(lockfile_error(
                path,
                Some((block.line, 1)),
                format!("`{first}` has no `version`"),
            ));
        }
        let mut dependencies = Vec::new();
        for table in ["dependencies", "optionalDependencies"] {
            dependencies.extend(block.tables.get(table).into_iter().flatten().cloned());
        }
        out.push(Entry {
            name: name.to_string(),
            version: block.fields.get("version").cloned(),
            integrity: block.fields.get("integrity").cloned(),
            resolved: block.fields.get("resolved").cloned(),
            descriptors: block.keys,
            dependencies,
            ..Entry::default()
        });
    }
    Ok(out)
}

/// Berry: the YAML document's entries but `__metadata`, each named by its `resolution`.
fn berry_entries(path: &Path, text: &str) -> Result<Vec<Entry>, SbomError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        lockfile_error(
            path,
            Some((e.marker().line(), e.marker().col() + 1)),
            e.to_string(),
        )
    })?;
    let doc = docs.into_iter().next().unwrap_or(Yaml::Null);
    let Some(map) = doc.as_hash() else {
        return Err(not_yarn(path));
    };
    let version = &doc["__metadata"]["version"];
    let known = match version {
        Yaml::Integer(v) => BERRY_VERSIONS.contains(v),
        Yaml::BadValue => return Err(not_yarn(path)),
        _ => false,
    };
    if !known {
        return Err(lockfile_error(
            path,
            None,
            format!(
                "__metadata.version {}: this reader knows Yarn 1 (`# yarn lockfile v1`) and Yarn 2 to 4 (versions {} to {}); regenerate it with `yarn install` from one of those",
                yaml_text(version).unwrap_or_else(|| "(not a number)".into()),
                BERRY_VERSIONS.start(),
                BERRY_VERSIONS.end()
            ),
        ));
    }
    let mut out = Vec::new();
    for (key, value) in map {
        let Some(key) = key.as_str() else { continue };
        if key == "__metadata" {
            continue;
        }
        let Some(resolution) = value["resolution"].as_str() else {
            return Err(lockfile_error(
                path,
                None,
                format!("`{key}` has no `resolution`"),
            ));
        };
        let (name, reference) = split_spec(resolution);
        let workspace = reference.strip_prefix("workspace:").map(str::to_string);
        let dependencies = ["dependencies", "optionalDependencies"]
            .iter()
            .flat_map(|t| value[*t].as_hash().into_iter().flatten())
            .filter_map(|(k, v)| Some((yaml_text(k)?, yaml_text(v)?)))
            .collect();
        out.push(Entry {
            descriptors: key.split(", ").map(str::to_string).collect(),
            name: name.to_string(),
            version: yaml_text(&value["version"]),
            checksum: yaml_text(&value["checksum"]),
            workspace,
            dependencies,
            ..Entry::default()
        });
    }
    Ok(out)
}

fn not_yarn(path: &Path) -> SbomError {
    lockfile_error(
        path,
        None,
        "not a yarn lockfile: neither `# yarn lockfile v1` nor a YAML mapping with `__metadata`"
            .into(),
    )
}

/// The graph: projects (the root and its workspaces), a component per package, the edges.
fn build(path: &Path, entries: Vec<Entry>, v1: bool) -> NpmGraph {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut graph = NpmGraph::default();

    // The projects: berry lists its workspaces; Yarn 1's come from the root's globs.
    let mut folders: BTreeSet<PathBuf> = BTreeSet::from([PathBuf::new()]);
    if v1 {
        folders.extend(super::workspaces::folders(dir));
    } else {
        folders.extend(
            entries
                .iter()
                .filter_map(|e| e.workspace.as_deref())
                .map(workspace_folder),
        );
    }
    let mut projects: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for folder in &folders {
        let project = if folder.as_os_str().is_empty() {
            super::project(path)
        } else {
            super::project_in(&dir.join(folder))
        };
        projects.insert(folder.clone(), project.id.clone());
        by_name.insert(project.name.clone(), project.id.clone());
        graph.projects.insert(project.id.clone(), project);
    }

    // A component per package; every descriptor (and its form without `::` parameters) names it.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for entry in &entries {
        let id = match &entry.workspace {
            Some(w) => match projects.get(&workspace_folder(w)) {
                Some(id) => id.clone(),
                None => continue,
            },
            None => {
                let c = package(entry);
                let id = c.id.clone();
                graph.components.entry(id.clone()).or_insert(c);
                id
            }
        };
        for d in &entry.descriptors {
            ids.insert(d.clone(), id.clone());
            if let Some((bare, _)) = d.split_once("::") {
                ids.entry(bare.to_string()).or_insert_with(|| id.clone());
            }
        }
    }
    let lookup = |name: &str, range: &str| -> Option<String> {
        ids.get(&format!("{name}@{range}"))
            .or_else(|| by_name.get(name).filter(|_| is_local(range)))
            .cloned()
    };

    // Package edges.
    for entry in entries.iter().filter(|e| e.workspace.is_none()) {
        let Some(from) = entry.descriptors.first().and_then(|d| ids.get(d)).cloned() else {
            continue;
        };
        for (name, range) in &entry.dependencies {
            let to = lookup(name, range);
            graph.resolved_edge(path, &from, (name, range), to, EdgeKind::Normal);
        }
    }

    // Project edges: berry's workspace entries list them (dev ones included); Yarn 1 has only
    // the manifests. The manifests say which are development-only.
    for (folder, from) in &projects {
        let manifest = super::package_json(&dir.join(folder));
        let listed = |table: &str| -> Vec<(String, String)> {
            manifest[table]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        };
        let runtime: BTreeSet<String> = ["dependencies", "optionalDependencies"]
            .iter()
            .flat_map(|t| listed(t))
            .map(|(k, _)| k)
            .collect();
        let dev: BTreeSet<String> = listed("devDependencies")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let deps: Vec<(String, String)> = if v1 {
            ["dependencies", "optionalDependencies", "devDependencies"]
                .iter()
                .flat_map(|t| listed(t))
                .collect()
        } else {
            entries
                .iter()
                .find(|e| e.workspace.is_some() && ids.get(&e.descriptors[0]) == Some(from))
                .map(|e| e.dependencies.clone())
                .unwrap_or_default()
        };
        for (name, range) in deps {
            let kind = if dev.contains(&name) && !runtime.contains(&name) {
                EdgeKind::Dev
            } else {
                EdgeKind::Normal
            };
            let to = lookup(&name, &range);
            graph.resolved_edge(path, from, (&name, &range), to, kind);
        }
    }
    graph
}

/// A package entry as a component: Yarn 1's `integrity` as hashes (else the SHA-1 a registry
/// tarball URL ends with), its `resolved` URL as the download; berry's `checksum` as a property.
fn package(entry: &Entry) -> crate::model::Component {
    let mut c = component(
        &entry.name,
        entry.version.as_deref(),
        ComponentKind::Library,
    );
    if let Some(sri) = &entry.integrity {
        set_integrity(&mut c, sri);
    }
    if let Some(url) = &entry.resolved {
        let (base, fragment) = url.split_once('#').unwrap_or((url, ""));
        if c.other_hashes.is_empty()
            && c.sha256.is_empty()
            && base.ends_with(".tgz")
            && fragment.len() == 40
            && fragment.bytes().all(|b| b.is_ascii_hexdigit())
        {
            c.other_hashes.push(Hash {
                alg: HashAlg::Sha1,
                hex: fragment.to_ascii_lowercase(),
            });
        }
        if base.starts_with("https://") {
            c.download = Some(base.to_string());
        }
    }
    if let Some(sum) = &entry.checksum {
        c.properties
            .push((CHECKSUM_PROPERTY.to_string(), sum.clone()));
    }
    c
}

/// A berry workspace's folder relative to the lockfile (`.` and `./x` as `` and `x`).
fn workspace_folder(workspace: &str) -> PathBuf {
    let folder = workspace.trim_start_matches("./");
    if folder == "." {
        PathBuf::new()
    } else {
        PathBuf::from(folder)
    }
}

/// A range that Yarn 1 resolves to a workspace without a lockfile entry: a plain version or
/// range, or `workspace:`.
fn is_local(range: &str) -> bool {
    !range.contains(':') || range.starts_with("workspace:")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A git dependency's `#` is a commit, not a digest; a registry tarball's is its SHA-1.
    #[test]
    fn v1_git_and_tarball_fragments() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name":"app","dependencies":{"foo":"git+https://example.com/foo.git","bar":"^1"}}"#,
        )
        .unwrap();
        let text = "# yarn lockfile v1\n\n\n\"foo@git+https://example.com/foo.git\":\n  version \"1.0.0\"\n  resolved \"git+https://example.com/foo.git#0123456789abcdef0123456789abcdef01234567\"\n\nbar@^1:\n  version \"1.2.0\"\n  resolved \"https://registry.example/bar/-/bar-1.2.0.tgz#0123456789abcdef0123456789abcdef01234567\"\n";
        let g = read(&dir.path().join("yarn.lock"), text).unwrap();
        let foo = &g.components["pkg:npm/foo@1.0.0"];
        assert!(foo.other_hashes.is_empty() && foo.download.is_none());
        let bar = &g.components["pkg:npm/bar@1.2.0"];
        assert_eq!(bar.other_hashes[0].alg, HashAlg::Sha1);
        assert_eq!(g.edges["pkg:npm/app"].len(), 2, "{:?}", g.warnings);
    }

    /// Berry's patched packages are the package they patch: one component, the edges of both.
    #[test]
    fn berry_patches_are_their_package() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    resolve: "patch:resolve@npm%3A^1.22.8#optional!builtin<compat/resolve>"
  languageName: unknown
  linkType: soft

"resolve@npm:1.22.8":
  version: 1.22.8
  resolution: "resolve@npm:1.22.8"
  checksum: 10c0/aaaa
  languageName: node
  linkType: hard

"resolve@patch:resolve@npm%3A^1.22.8#optional!builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
  checksum: 10c0/bbbb
  languageName: node
  linkType: hard
"#;
        let g = read(&dir.path().join("yarn.lock"), text).unwrap();
        assert_eq!(g.components.len(), 1, "{:?}", g.components.keys());
        let root = g.projects.keys().next().unwrap();
        assert!(g.edges[root].contains_key("pkg:npm/resolve@1.22.8"));
        assert!(g.warnings.is_empty(), "{:?}", g.warnings);
        let c = &g.components["pkg:npm/resolve@1.22.8"];
        assert!(c.other_hashes.is_empty() && c.sha256.is_empty());
        assert_eq!(c.properties.len(), 1);
    }
}
