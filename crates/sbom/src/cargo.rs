//! The Cargo reader: `cargo metadata` (resolved for a target and features, never updating the
//! lockfile) plus `Cargo.lock`'s checksums, read once, into the neutral model's pieces.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component as PathPart, Path, PathBuf};
use std::thread;

use cargo_metadata::{CargoOpt, MetadataCommand};
use repo::process::{self, Cmd, End, RunOptions};
use serde::Deserialize;

use crate::SbomError;
use crate::cargo_output::{Metadata, Package};
use crate::model::{
    Component, ComponentKind, EdgeKind, Licence, Link, LinkKind, Scope, purl_encode,
};

const CRATES_IO: &[&str] = &[
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// The platform dependencies are resolved for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// The machine's own triple (what `cargo build` without `--target` builds for).
    Host,
    /// Every platform: no filter.
    All,
    Triple(String),
}

/// Which features are enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
}

/// How to read a Cargo workspace.
#[derive(Debug, Clone)]
pub(crate) struct CargoRead<'a> {
    pub root: &'a Path,
    /// The repository root, which path packages' purls are relative to (`root` may be below).
    pub repo_root: &'a Path,
    pub platform: &'a Platform,
    pub features: &'a Features,
    pub no_dev: bool,
    pub offline: bool,
}

/// What the Cargo reader found.
#[derive(Debug)]
pub(crate) struct CargoGraph {
    /// The root package's name, for a workspace that is not virtual.
    pub root_package: Option<String>,
    /// The workspace root as cargo reports it (absolute, canonical).
    pub workspace_root: PathBuf,
    pub members: BTreeMap<String, Component>,
    pub components: BTreeMap<String, Component>,
    pub edges: BTreeMap<String, BTreeMap<String, EdgeKind>>,
}

/// `cargo metadata` started on one workspace, its `Cargo.lock` parsed on a thread meanwhile.
pub(crate) struct Started<'a> {
    opts: CargoRead<'a>,
    manifest: PathBuf,
    cargo: process::Running,
    /// The command as shown in errors.
    command: String,
    /// The canonical root and its `Cargo.lock`'s checksums, when a lockfile sits beside it.
    lock: Option<thread::JoinHandle<Option<EarlyLock>>>,
}

type EarlyLock = (PathBuf, Result<HashMap<ChecksumKey, String>, SbomError>);

/// Starts `cargo metadata` on the workspace at `opts.root` and returns while it resolves.
pub(crate) fn start<'a>(opts: &CargoRead<'a>) -> Result<Started<'a>, SbomError> {
    let manifest = opts.root.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(SbomError::NoManifest(opts.root.to_path_buf()));
    }
    let cmd = cargo_command(&manifest, opts);
    let cargo = process::start(&cmd, RunOptions::capture())?;
    // Cargo.lock is parsed while cargo resolves. It is the one at the root unless the root is
    // a member of a workspace above it, which cargo's answer tells and which is then read after.
    let lock = thread::Builder::new()
        .name("sbom-cargo-lock".into())
        .spawn({
            let root = opts.root.to_path_buf();
            move || {
                let beside = root.join("Cargo.lock");
                let root = std::fs::canonicalize(&root).ok()?;
                beside.is_file().then(|| (root, checksums(&beside)))
            }
        })
        .ok();
    Ok(Started {
        opts: opts.clone(),
        manifest,
        cargo,
        command: cmd.display(),
        lock,
    })
}

impl Started<'_> {
    /// Waits for cargo and turns its answer into the graph.
    pub(crate) fn finish(self) -> Result<CargoGraph, SbomError> {
        let Started {
            opts,
            manifest,
            cargo,
            command,
            lock,
        } = self;
        let output = cargo_output(cargo.wait(), &manifest, &opts, &command)?;
        let early = lock.and_then(|h| h.join().ok().flatten());
        let metadata: Metadata<'_> =
            serde_json::from_slice(&output).map_err(|e| SbomError::Cargo {
                command,
                stderr: format!("unreadable output: {e}"),
            })?;
        let workspace_root = Path::new(&*metadata.workspace_root);
        let checksums = match early {
            Some((root, read)) if workspace_root == root => read?,
            _ => checksums(&workspace_root.join("Cargo.lock"))?,
        };
        let graph = graph(&metadata, &checksums, &opts);
        drop(metadata);
        crate::drop_in_background((output, checksums));
        Ok(graph)
    }
}

/// `cargo metadata` for the workspace of `manifest`: resolved for the platform and features
/// asked for, never updating the lockfile.
fn cargo_command(manifest: &Path, opts: &CargoRead<'_>) -> Cmd {
    let mut command = MetadataCommand::new();
    command.manifest_path(manifest);
    if opts.features.all_features {
        command.features(CargoOpt::AllFeatures);
    }
    if opts.features.no_default_features {
        command.features(CargoOpt::NoDefaultFeatures);
    }
    if !opts.features.features.is_empty() {
        command.features(CargoOpt::SomeFeatures(opts.features.features.clone()));
    }
    let mut other = vec!["--locked".to_string()];
    if opts.offline {
        other.push("--offline".into());
    }
    match opts.platform {
        Platform::All => {}
        Platform::Host => other.extend(["--filter-platform".into(), host_triple().into()]),
        Platform::Triple(t) => other.extend(["--filter-platform".into(), t.clone()]),
    }
    command.other_options(other);
    let std_cmd = command.cargo_command();
    Cmd::new(std_cmd.get_program())
        .args(std_cmd.get_args())
        .cwd(opts.root)
}

/// Cargo's output, or why there is none.
fn cargo_output(
    finished: process::Finished,
    manifest: &Path,
    opts: &CargoRead<'_>,
    command: &str,
) -> Result<Vec<u8>, SbomError> {
    match finished.end {
        End::Exited(0) => Ok(finished.stdout),
        End::Interrupted => Err(SbomError::Interrupted),
        _ => {
            let stderr = String::from_utf8_lossy(&finished.stderr).trim().to_string();
            if stderr.contains("--locked") && !lock_beside(manifest) {
                return Err(SbomError::NoLockfile(opts.root.join("Cargo.lock")));
            }
            if let Platform::Triple(t) = opts.platform
                && stderr.contains("target-specific information")
            {
                return Err(SbomError::UnknownTarget {
                    target: t.clone(),
                    stderr,
                });
            }
            Err(SbomError::Cargo {
                command: command.to_string(),
                stderr,
            })
        }
    }
}

/// The triple this tool was built for, the default `--target`.
pub fn host_triple() -> &'static str {
    env!("SBOM_HOST_TARGET")
}

/// Whether a `Cargo.lock` sits beside the manifest or above it (a parent workspace's).
fn lock_beside(manifest: &Path) -> bool {
    manifest
        .ancestors()
        .skip(1)
        .any(|dir| dir.join("Cargo.lock").is_file())
}

#[derive(Deserialize)]
struct LockFile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
}

type ChecksumKey = (String, String, String);

fn checksums(path: &Path) -> Result<HashMap<ChecksumKey, String>, SbomError> {
    let text = repo::fs::read_to_string(path).map_err(|e| match e.source.kind() {
        std::io::ErrorKind::NotFound => SbomError::NoLockfile(path.to_path_buf()),
        _ => SbomError::Fs(e),
    })?;
    let lock: LockFile = toml::from_str(&text).map_err(|e| SbomError::Lockfile {
        path: path.to_path_buf(),
        location: e.span().map(|s| repo::text::line_column(&text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    Ok(lock
        .package
        .into_iter()
        .filter_map(|p| {
            let sum = p.checksum?;
            Some(((p.name, p.version, p.source?), sum))
        })
        .collect())
}

fn graph(
    metadata: &Metadata<'_>,
    checksums: &HashMap<ChecksumKey, String>,
    opts: &CargoRead<'_>,
) -> CargoGraph {
    let packages: HashMap<&str, &Package<'_>> =
        metadata.packages.iter().map(|p| (&*p.id, p)).collect();
    let members: BTreeSet<&str> = metadata.workspace_members.iter().map(|m| &**m).collect();
    let nodes: HashMap<&str, Vec<(&str, EdgeKind)>> = metadata
        .resolve
        .as_ref()
        .map(|r| {
            r.nodes
                .iter()
                .map(|n| {
                    let deps = n
                        .deps
                        .iter()
                        .filter_map(|d| {
                            let kind = d
                                .dep_kinds
                                .iter()
                                .map(|k| match k.kind.as_deref() {
                                    Some("build") => EdgeKind::Build,
                                    Some("dev") => EdgeKind::Dev,
                                    _ => EdgeKind::Normal,
                                })
                                .min()?;
                            Some((&*d.pkg, kind))
                        })
                        .collect();
                    (&*n.id, deps)
                })
                .collect()
        })
        .unwrap_or_default();

    // What the members need (normal and build edges), then what only their tests need.
    let reach = |with_dev: bool| {
        let mut seen: BTreeSet<&str> = members.clone();
        let mut todo: Vec<&str> = members.iter().copied().collect();
        while let Some(id) = todo.pop() {
            for (dep, kind) in nodes.get(id).into_iter().flatten() {
                if (with_dev || *kind != EdgeKind::Dev) && seen.insert(dep) {
                    todo.push(dep);
                }
            }
        }
        seen
    };
    let required = reach(false);
    let included = if opts.no_dev {
        required.clone()
    } else {
        reach(true)
    };

    let ids: HashMap<&str, String> = included
        .iter()
        .map(|id| (*id, purl(packages[id], opts.repo_root)))
        .collect();
    let mut graph = CargoGraph {
        root_package: metadata.root_package().map(str::to_string),
        workspace_root: PathBuf::from(&*metadata.workspace_root),
        members: BTreeMap::new(),
        components: BTreeMap::new(),
        edges: BTreeMap::new(),
    };
    for id in &included {
        let package = packages[id];
        let is_member = members.contains(id);
        let mut c = component(package, &ids[id], checksums, is_member);
        if !required.contains(id) {
            c.scope = Scope::Excluded;
        }
        if is_member {
            graph.members.insert(c.id.clone(), c);
        } else {
            graph.components.insert(c.id.clone(), c);
        }
        let edges: BTreeMap<String, EdgeKind> = nodes
            .get(id)
            .into_iter()
            .flatten()
            .filter(|(dep, kind)| *kind != EdgeKind::Dev || !opts.no_dev && ids.contains_key(dep))
            .filter_map(|(dep, kind)| Some((ids.get(dep)?.clone(), *kind)))
            .collect();
        if !edges.is_empty() {
            graph.edges.insert(ids[id].clone(), edges);
        }
    }
    graph
}

fn component(
    p: &Package<'_>,
    id: &str,
    checksums: &HashMap<ChecksumKey, String>,
    is_member: bool,
) -> Component {
    let source = p.source.as_deref();
    let sha256 = source
        .and_then(|s| checksums.get(&(p.name.to_string(), p.version.to_string(), s.to_string())))
        .filter(|sum| sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|sum| vec![sum.to_ascii_lowercase()])
        .unwrap_or_default();
    let is_bin = p.has_bin();
    let mut links: Vec<Link> = [
        (LinkKind::Vcs, &p.repository),
        (LinkKind::Website, &p.homepage),
        (LinkKind::Documentation, &p.documentation),
    ]
    .into_iter()
    .filter_map(|(kind, url)| {
        let url = url.as_deref()?.trim();
        (!url.is_empty()).then(|| Link {
            kind,
            url: url.to_string(),
        })
    })
    .collect();
    links.sort();
    Component {
        id: id.to_string(),
        kind: if is_member && is_bin {
            ComponentKind::Application
        } else {
            ComponentKind::Library
        },
        name: p.name.to_string(),
        version: Some(p.version.to_string()),
        description: p
            .description
            .as_deref()
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|d| !d.is_empty()),
        authors: p.authors.iter().map(|a| a.to_string()).collect(),
        purl: Some(id.to_string()),
        licence: licence(p),
        sha256,
        other_hashes: Vec::new(),
        links,
        download: download(p, source),
        scope: Scope::Required,
        properties: Vec::new(),
    }
}

/// `pkg:cargo/name@version`, qualified by where the package comes from when that is not
/// crates.io: `vcs_url` for git, `repository_url` for another registry, `download_url` with a
/// path relative to the repository root for path packages.
fn purl(p: &Package<'_>, root: &Path) -> String {
    let base = format!(
        "pkg:cargo/{}@{}",
        purl_encode(&p.name),
        purl_encode(&p.version)
    );
    match p.source.as_deref() {
        Some(s) if CRATES_IO.contains(&s) => base,
        Some(s) if s.starts_with("git+") => {
            format!("{base}?vcs_url={}", purl_encode(&git_location(s)))
        }
        Some(s) => {
            let url = s.split_once('+').map_or(s, |(_, url)| url);
            format!("{base}?repository_url={}", purl_encode(url))
        }
        None => {
            let dir = Path::new(&*p.manifest_path).parent().unwrap_or(root);
            format!(
                "{base}?download_url={}",
                purl_encode(&format!("file:{}", relative(dir, root)))
            )
        }
    }
}

/// `git+URL?branch=b#rev` as SPDX and purl write it: `git+URL@rev`.
fn git_location(source: &str) -> String {
    let (url, rev) = source.split_once('#').unwrap_or((source, ""));
    let url = url.split_once('?').map_or(url, |(u, _)| u);
    if rev.is_empty() {
        url.to_string()
    } else {
        format!("{url}@{rev}")
    }
}

fn download(p: &Package<'_>, source: Option<&str>) -> Option<String> {
    match source {
        Some(s) if CRATES_IO.contains(&s) => Some(format!(
            "https://crates.io/api/v1/crates/{}/{}/download",
            &*p.name, &*p.version
        )),
        // SPDX accepts only network transports; a local (`file://`) repository has no location.
        Some(s)
            if ["git+https://", "git+http://", "git+ssh://", "git+git://"]
                .iter()
                .any(|t| s.starts_with(t)) =>
        {
            Some(git_location(s))
        }
        _ => None,
    }
}

/// The declared licence: the `license` field as a canonical SPDX expression (lax input such as
/// `MIT/Apache-2.0` accepted), else the field as a named licence, else the `license-file` as a
/// named licence carrying the file's text.
fn licence(p: &Package<'_>) -> Option<Licence> {
    if let Some(text) = p
        .license
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let canonical = spdx::Expression::canonicalize(text)
            .ok()
            .map(|c| c.unwrap_or_else(|| text.to_string()));
        return Some(match canonical {
            Some(c) if spdx::Expression::parse(&c).is_ok() => Licence::Expression(c),
            _ => Licence::Named {
                name: text.to_string(),
                text: None,
            },
        });
    }
    let file = Path::new(p.license_file.as_deref()?);
    let dir = Path::new(&*p.manifest_path).parent()?;
    // An absolute `license-file` replaces the directory.
    let path = dir.join(file);
    let shown = match path.strip_prefix(dir) {
        Ok(inside) => inside.to_string_lossy(),
        Err(_) => file
            .file_name()
            .map_or("licence".into(), |n| n.to_string_lossy()),
    };
    Some(Licence::Named {
        name: format!("LicenseRef-file: {shown}"),
        text: std::fs::read_to_string(&path).ok(),
    })
}

/// `path` relative to `base`, with `..` where needed, `/`-separated; `.` for the base itself.
pub(crate) fn relative(path: &Path, base: &Path) -> String {
    let (path, base) = (normal(path), normal(base));
    let path: Vec<PathPart<'_>> = path.components().collect();
    let base: Vec<PathPart<'_>> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); base.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                out.pop();
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
    fn relative_paths() {
        let root = Path::new("/w/repo");
        assert_eq!(relative(Path::new("/w/repo"), root), ".");
        assert_eq!(relative(Path::new("/w/repo/crates/a"), root), "crates/a");
        assert_eq!(relative(Path::new("/w/shared/b"), root), "../shared/b");
        assert_eq!(relative(Path::new("/w/repo/x/../y"), root), "y");
    }

    #[test]
    fn git_sources() {
        assert_eq!(
            git_location("git+https://github.com/a/b?branch=main#0123abc"),
            "git+https://github.com/a/b@0123abc"
        );
        assert_eq!(
            git_location("git+https://github.com/a/b"),
            "git+https://github.com/a/b"
        );
    }
}
