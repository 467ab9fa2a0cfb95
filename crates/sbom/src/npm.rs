//! The JavaScript readers: `package-lock.json` (v2, v3), `pnpm-lock.yaml` (v6, v9) and
//! `yarn.lock` (Yarn 1 and berry), read as text (no Node is run), into the neutral model's
//! pieces: `pkg:npm` purls, the lockfile's `integrity` as hashes, licences where the lockfile
//! has them, the dependency edges, and what only development reaches marked `excluded`.

mod package_lock;
mod pnpm;
mod workspaces;
mod yarn;
mod yarn_v1;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::SbomError;
use crate::model::{
    Component, ComponentKind, EdgeKind, Hash, HashAlg, Licence, Scope, purl_encode,
};

/// What the npm readers found: the projects (each lockfile's own package), the packages they
/// use, the edges between them, and warnings.
#[derive(Debug, Default)]
pub(crate) struct NpmGraph {
    pub projects: BTreeMap<String, Component>,
    pub components: BTreeMap<String, Component>,
    pub edges: BTreeMap<String, BTreeMap<String, EdgeKind>>,
    pub warnings: Vec<String>,
}

/// How to read the JavaScript side.
#[derive(Debug, Clone)]
pub(crate) struct NpmRead<'a> {
    pub root: &'a Path,
    pub files: &'a [PathBuf],
    pub no_dev: bool,
}

/// Reads every lockfile named, each on its own terms, into one graph.
pub(crate) fn read(opts: &NpmRead<'_>) -> Result<NpmGraph, SbomError> {
    let mut graph = NpmGraph::default();
    for file in opts.files {
        let text = repo::fs::read_to_string(file)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let part = if name == "pnpm-lock.yaml" {
            pnpm::read(file, &text)?
        } else if name == "yarn.lock" {
            yarn::read(file, &text)?
        } else {
            package_lock::read(file, &text)?
        };
        graph.merge(finish(part, opts.no_dev));
    }
    let _ = opts.root;
    Ok(graph)
}

impl NpmGraph {
    fn merge(&mut self, other: NpmGraph) {
        self.projects.extend(other.projects);
        for (id, c) in other.components {
            match self.components.get_mut(&id) {
                None => {
                    self.components.insert(id, c);
                }
                Some(have) => {
                    if c.scope == Scope::Required {
                        have.scope = Scope::Required;
                    }
                    if have.licence.is_none() {
                        have.licence = c.licence;
                    }
                    if have.other_hashes.is_empty() {
                        have.other_hashes = c.other_hashes;
                        have.sha256 = c.sha256;
                    }
                }
            }
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

    /// An edge to what the lockfile resolved `name@range` to, or, when it resolved nothing, a
    /// warning that the edge is left out.
    fn resolved_edge(
        &mut self,
        lockfile: &Path,
        from: &str,
        (name, range): (&str, &str),
        to: Option<String>,
        kind: EdgeKind,
    ) {
        match to {
            Some(to) => self.edge(from, &to, kind),
            None => self.warnings.push(format!(
                "{}: `{from}` depends on `{name}@{range}`, which the lockfile does not list; edge left out",
                lockfile.display()
            )),
        }
    }

    /// Adds an edge; the strongest kind wins.
    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        if from == to {
            return;
        }
        let k = self
            .edges
            .entry(from.to_string())
            .or_default()
            .entry(to.to_string())
            .or_insert(kind);
        *k = (*k).min(kind);
    }
}

/// Marks what the projects reach only through development edges `excluded`, or drops it with
/// `no_dev`. One rule for the three lockfiles (npm's own `dev: true` says the same).
fn finish(mut graph: NpmGraph, no_dev: bool) -> NpmGraph {
    crate::model::scope_dev_only(
        graph.projects.keys(),
        &mut graph.components,
        &mut graph.edges,
        no_dev,
    );
    graph
}

/// `pkg:npm/name@version`, a scope's `@` encoded as the purl spec says (`pkg:npm/%40scope/name`).
pub(crate) fn purl(name: &str, version: Option<&str>) -> String {
    let mut p = format!("pkg:npm/{}", purl_encode(name));
    if let Some(v) = version {
        p.push('@');
        p.push_str(&purl_encode(v));
    }
    p
}

/// A package component, its id its purl.
fn component(name: &str, version: Option<&str>, kind: ComponentKind) -> Component {
    let id = purl(name, version);
    Component {
        id: id.clone(),
        kind,
        name: name.to_string(),
        version: version.map(str::to_string),
        description: None,
        authors: Vec::new(),
        purl: Some(id),
        licence: None,
        sha256: Vec::new(),
        other_hashes: Vec::new(),
        properties: Vec::new(),
        links: Vec::new(),
        download: None,
        scope: Scope::Required,
    }
}

/// The project a lockfile belongs to: its `package.json`'s name and version, else the folder's
/// name.
fn project(lockfile: &Path) -> Component {
    let dir = lockfile.parent().unwrap_or(Path::new("."));
    project_in(dir)
}

fn project_in(dir: &Path) -> Component {
    let manifest = package_json(dir);
    let name = manifest
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .or_else(|| {
            std::fs::canonicalize(dir)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "project".into());
    let version = manifest.get("version").and_then(|v| v.as_str());
    let mut c = component(&name, version, ComponentKind::Application);
    c.licence = manifest
        .get("license")
        .and_then(|l| l.as_str())
        .and_then(licence);
    c
}

/// `dir/package.json` as JSON; an empty object when it is missing or unreadable.
fn package_json(dir: &Path) -> serde_json::Value {
    std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// A `license` field: a canonical SPDX expression, else a named licence.
fn licence(text: &str) -> Option<Licence> {
    let text = text.trim();
    if text.is_empty() || text == "UNLICENSED" || text.starts_with("SEE LICENSE") {
        return (!text.is_empty()).then(|| Licence::Named {
            name: text.to_string(),
            text: None,
        });
    }
    let canonical = spdx::Expression::canonicalize(text)
        .ok()
        .map(|c| c.unwrap_or_else(|| text.to_string()));
    Some(match canonical {
        Some(c) if spdx::Expression::parse(&c).is_ok() => Licence::Expression(c),
        _ => Licence::Named {
            name: text.to_string(),
            text: None,
        },
    })
}

/// Sets a component's hashes from a Subresource Integrity value (`sha512-BASE64`, several
/// separated by spaces).
fn set_integrity(c: &mut Component, sri: &str) {
    for part in sri.split_whitespace() {
        let Some((alg, b64)) = part.split_once('-') else {
            continue;
        };
        let Some(bytes) = base64(b64) else {
            continue;
        };
        let hex = repo::text::hex(&bytes);
        match (alg, bytes.len()) {
            ("sha512", 64) => c.other_hashes.push(Hash {
                alg: HashAlg::Sha512,
                hex,
            }),
            ("sha1", 20) => c.other_hashes.push(Hash {
                alg: HashAlg::Sha1,
                hex,
            }),
            ("sha256", 32) => c.sha256.push(hex),
            _ => {}
        }
    }
    c.other_hashes.sort();
    c.other_hashes.dedup();
    c.sha256.sort();
    c.sha256.dedup();
}

/// Standard base64 with padding; `None` for anything else.
fn base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let got = chunk.len() * 6 / 8;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + got]);
    }
    Some(out)
}

/// A YAML scalar as text: YAML reads `6.0` as a number and `1.0.0` as a string; both are text
/// to a lockfile reader.
fn yaml_text(yaml: &yaml_rust2::Yaml) -> Option<String> {
    use yaml_rust2::Yaml;
    match yaml {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `name@range` (or `@scope/name@range`) split at the `@` that ends the name; a spec without
/// one is all name.
fn split_spec(spec: &str) -> (&str, &str) {
    match spec.get(1..).and_then(|s| s.find('@')) {
        Some(i) => (&spec[..i + 1], &spec[i + 2..]),
        None => (spec, ""),
    }
}

fn lockfile_error(path: &Path, location: Option<(usize, usize)>, message: String) -> SbomError {
    SbomError::Lockfile {
        path: path.to_path_buf(),
        location,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_and_integrity() {
        assert_eq!(
            purl("@types/node", Some("20.1.0")),
            "pkg:npm/%40types/node@20.1.0"
        );
        assert_eq!(purl("left-pad", Some("1.3.0")), "pkg:npm/left-pad@1.3.0");
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGk=").unwrap(), b"hi");
        let mut c = component("x", Some("1"), ComponentKind::Library);
        set_integrity(&mut c, "sha1-qUOrRNxsv6VvNzgt1HODgWWNZe0=");
        assert_eq!(
            c.other_hashes[0].hex,
            "a943ab44dc6cbfa56f37382dd4738381658d65ed"
        );
        assert!(base64("a$==").is_none());
        assert_eq!(split_spec("@types/node@^20"), ("@types/node", "^20"));
        assert_eq!(
            split_spec("str@npm:string-width@1.0.2"),
            ("str", "npm:string-width@1.0.2")
        );
        assert_eq!(split_spec("file:vendor/x"), ("file:vendor/x", ""));
        assert_eq!(split_spec("@"), ("@", ""));
    }
}
