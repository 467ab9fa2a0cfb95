//! The ecosystem-neutral bill of materials every reader builds and every writer reads:
//! components with licences, hashes, purls and links, and the dependency edges between them.
//! Pure data and pure functions; no IO.

use std::collections::{BTreeMap, BTreeSet};

/// One bill of materials: what it describes, what that is made of, and how the parts depend on
/// each other. Every map is keyed by component id, so every list a writer emits is sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// The document's name: the workspace's (or, per member, the member's) name.
    pub name: String,
    /// The component the BOM describes (CycloneDX `metadata.component`, SPDX `DESCRIBES`).
    pub subject: Component,
    /// Components that are parts of the subject: workspace members, the Python project.
    pub parts: BTreeMap<String, Component>,
    /// Every other component: the dependencies.
    pub components: BTreeMap<String, Component>,
    /// `from` depends on each `to` with a kind.
    pub edges: BTreeMap<String, BTreeMap<String, EdgeKind>>,
    /// Seconds since the Unix epoch: the document's creation time.
    pub created: i64,
    /// Name-value facts about a component that no other field holds (CycloneDX `properties`),
    /// by component id: a GitHub Action's pinning, the workflows that use it.
    pub properties: BTreeMap<String, Vec<(String, String)>>,
}

/// A package, crate or distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Unique in the model; the CycloneDX `bom-ref` (a purl when there is one).
    pub id: String,
    pub kind: ComponentKind,
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub authors: Vec<String>,
    pub purl: Option<String>,
    pub licence: Option<Licence>,
    /// SHA-256 digests, lowercase hex, sorted.
    pub sha256: Vec<String>,
    /// Digests in other algorithms (npm lockfiles' SHA-512 and SHA-1), sorted.
    pub other_hashes: Vec<Hash>,
    pub links: Vec<Link>,
    /// Where the package can be fetched (SPDX `downloadLocation`), when it is a URL.
    pub download: Option<String>,
    pub scope: Scope,
    /// Name-value pairs the formats have no field for (CycloneDX `properties`), sorted:
    /// a Python requirement's environment marker (`xtask:python:marker`).
    pub properties: Vec<(String, String)>,
}

/// A digest in an algorithm other than SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash {
    pub alg: HashAlg,
    /// Lowercase hex.
    pub hex: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HashAlg {
    Sha1,
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ComponentKind {
    Application,
    Library,
}

/// A declared licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Licence {
    /// A valid SPDX expression, canonical (`MIT/Apache-2.0` becomes `MIT OR Apache-2.0`).
    Expression(String),
    /// A licence that is not an SPDX expression: a licence file, or free text.
    Named { name: String, text: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub kind: LinkKind,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    Vcs,
    Website,
    Documentation,
}

/// Whether a component is needed by what the BOM describes, or only by its development.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Required,
    /// Reached only through development dependencies (CycloneDX `excluded`).
    Excluded,
}

/// The kind of a dependency edge; when a package is depended on in several ways, the
/// strongest wins (normal, then build, then dev).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    Normal,
    Build,
    Dev,
}

/// Why a model cannot be written: the checks the schemas cannot make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("component id `{0}` is used twice")]
    DuplicateId(String),
    #[error("dependency `{from}` -> `{to}` names a component that is not in the bill of materials")]
    Dangling { from: String, to: String },
}

impl Model {
    /// Every component: the subject, its parts, then the others.
    pub fn all(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.subject)
            .chain(self.parts.values())
            .chain(self.components.values())
    }

    /// The number of components, the subject included.
    pub fn len(&self) -> usize {
        1 + self.parts.len() + self.components.len()
    }

    /// Whether the model holds only its subject.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.components.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Component> {
        if self.subject.id == id {
            return Some(&self.subject);
        }
        self.parts.get(id).or_else(|| self.components.get(id))
    }

    /// Checks what no schema can: every id is unique, every edge resolves.
    pub fn check(&self) -> Result<(), ModelError> {
        let mut seen = BTreeSet::new();
        for c in self.all() {
            if !seen.insert(c.id.as_str()) {
                return Err(ModelError::DuplicateId(c.id.clone()));
            }
        }
        for (from, tos) in &self.edges {
            for to in std::iter::once(from).chain(tos.keys()) {
                if !seen.contains(to.as_str()) {
                    return Err(ModelError::Dangling {
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The bill of materials of one part alone (`--per-member`): the part becomes the
    /// subject, and only what it reaches stays.
    pub fn for_part(&self, id: &str) -> Option<Model> {
        let subject = self.parts.get(id)?.clone();
        let mut reached = BTreeSet::new();
        let mut todo = vec![id.to_string()];
        while let Some(next) = todo.pop() {
            for to in self.edges.get(&next).into_iter().flat_map(|t| t.keys()) {
                if to != id && reached.insert(to.clone()) {
                    todo.push(to.clone());
                }
            }
        }
        let components = reached
            .iter()
            .filter_map(|r| {
                self.parts
                    .get(r)
                    .or_else(|| self.components.get(r))
                    .map(|c| (r.clone(), c.clone()))
            })
            .collect();
        let edges = self
            .edges
            .iter()
            .filter(|(from, _)| *from == id || reached.contains(*from))
            .map(|(from, tos)| (from.clone(), tos.clone()))
            .collect();
        Some(Model {
            name: subject.name.clone(),
            subject,
            parts: BTreeMap::new(),
            components,
            edges,
            created: self.created,
            properties: self.properties.clone(),
        })
    }
}

/// One rule for every lockfile reader: what `roots` (the projects) reach through edges that are
/// not development-only is required; the rest of `components` is marked `Excluded`, or, with
/// `no_dev`, dropped together with its edges and every development edge.
pub(crate) fn scope_dev_only<'a>(
    roots: impl Iterator<Item = &'a String>,
    components: &mut BTreeMap<String, Component>,
    edges: &mut BTreeMap<String, BTreeMap<String, EdgeKind>>,
    no_dev: bool,
) {
    let mut required: BTreeSet<String> = roots.cloned().collect();
    let mut todo: Vec<String> = required.iter().cloned().collect();
    while let Some(id) = todo.pop() {
        for (to, kind) in edges.get(&id).into_iter().flatten() {
            if *kind != EdgeKind::Dev && required.insert(to.clone()) {
                todo.push(to.clone());
            }
        }
    }
    if no_dev {
        components.retain(|id, _| required.contains(id));
        edges.retain(|from, _| required.contains(from));
        for tos in edges.values_mut() {
            tos.retain(|to, kind| *kind != EdgeKind::Dev && required.contains(to));
        }
    } else {
        for (id, c) in components.iter_mut() {
            if !required.contains(id) {
                c.scope = Scope::Excluded;
            }
        }
    }
}

/// Makes a string safe for an SPDX id: letters, digits, `.` and `-`.
pub fn spdx_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Percent-encodes a purl part or qualifier value: everything but unreserved characters and
/// the `:` and `/` purl keeps readable.
pub fn purl_encode(text: &str) -> String {
    repo::text::percent_encode(text, b":/")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn component(id: &str) -> Component {
        Component {
            id: id.to_string(),
            kind: ComponentKind::Library,
            name: id.to_string(),
            version: Some("1.0.0".into()),
            description: None,
            authors: Vec::new(),
            purl: None,
            licence: None,
            sha256: Vec::new(),
            other_hashes: Vec::new(),
            links: Vec::new(),
            download: None,
            scope: Scope::Required,
            properties: Vec::new(),
        }
    }

    fn model() -> Model {
        let mut m = Model {
            name: "ws".into(),
            subject: component("ws"),
            parts: BTreeMap::new(),
            components: BTreeMap::new(),
            edges: BTreeMap::new(),
            created: 0,
            properties: BTreeMap::new(),
        };
        for p in ["a", "b"] {
            m.parts.insert(p.into(), component(p));
        }
        for c in ["x", "y", "z"] {
            m.components.insert(c.into(), component(c));
        }
        let edge = |m: &mut Model, f: &str, t: &str| {
            m.edges
                .entry(f.into())
                .or_default()
                .insert(t.into(), EdgeKind::Normal);
        };
        edge(&mut m, "ws", "a");
        edge(&mut m, "ws", "b");
        edge(&mut m, "a", "b");
        edge(&mut m, "b", "x");
        edge(&mut m, "a", "y");
        edge(&mut m, "z", "x");
        m
    }

    #[test]
    fn check_finds_duplicates_and_dangling_edges() {
        let mut m = model();
        assert_eq!(m.check(), Ok(()));
        m.components.insert("a".into(), component("a"));
        assert_eq!(m.check(), Err(ModelError::DuplicateId("a".into())));
        m.components.remove("a");
        m.edges
            .entry("x".into())
            .or_default()
            .insert("gone".into(), EdgeKind::Dev);
        assert_eq!(
            m.check(),
            Err(ModelError::Dangling {
                from: "x".into(),
                to: "gone".into()
            })
        );
    }

    #[test]
    fn a_part_alone_keeps_only_what_it_reaches() {
        let m = model().for_part("a").unwrap();
        assert_eq!(m.subject.id, "a");
        assert_eq!(
            m.components.keys().collect::<Vec<_>>(),
            ["b", "x", "y"].iter().collect::<Vec<_>>()
        );
        assert_eq!(
            m.edges.keys().collect::<Vec<_>>(),
            ["a", "b"].iter().collect::<Vec<_>>()
        );
        assert_eq!(m.check(), Ok(()));
        assert!(model().for_part("x").is_none());
    }

    #[test]
    fn encodings() {
        assert_eq!(spdx_safe("foo_bar@1.0+x"), "foo-bar-1.0-x");
        assert_eq!(
            purl_encode("git+https://h/r.git@abc"),
            "git%2Bhttps://h/r.git%40abc"
        );
    }
}
