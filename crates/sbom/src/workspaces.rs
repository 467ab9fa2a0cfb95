//! Every Cargo workspace of a repository in one graph: the root's and each one discovery finds
//! below it, read at once (every `cargo metadata` started before the first is waited for) and
//! combined in path order. Ids are purls, so a crate two workspaces share is one
//! component with the edges of both; path packages' purls carry their path from the repository
//! root, so members of different workspaces never collide.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::SbomError;
use crate::cargo::{self, CargoGraph};
use crate::discover::{self, Found};
use crate::model::{Component, Scope};

/// The Cargo workspaces below the repository root that discovery found with a `Cargo.lock`, in
/// path order, and a warning for each one without a lockfile, which is left out.
pub(crate) fn nested(repo_root: &Path, found: &Found) -> (Vec<PathBuf>, Vec<String>) {
    let (locked, unlocked) = discover::cargo_workspaces(repo_root, found);
    let warnings = unlocked
        .iter()
        .map(|dir| {
            format!(
                "{}/Cargo.toml: a Cargo workspace without a Cargo.lock, left out; run `cargo generate-lockfile` there and commit the lockfile",
                cargo::relative(dir, repo_root)
            )
        })
        .collect();
    (locked, warnings)
}

/// Waits for every reading, in the order given (the root's first, then the nested ones in
/// path order), and combines them into one graph; a workspace reached twice (a folder that is
/// a member of one already read) counts once. The first failure, in that order, is the error
/// (the readings after it are dropped, which ends their cargo). `None` when there was nothing
/// to read.
pub(crate) fn finish<'a>(
    readings: impl IntoIterator<Item = Result<cargo::Started<'a>, SbomError>>,
) -> Result<Option<CargoGraph>, SbomError> {
    let mut combined: Option<CargoGraph> = None;
    let mut seen = Vec::new();
    for reading in readings {
        let graph = reading?.finish()?;
        if seen.contains(&graph.workspace_root) {
            continue;
        }
        seen.push(graph.workspace_root.clone());
        combined = Some(match combined {
            None => graph,
            Some(into) => combine(into, graph),
        });
    }
    Ok(combined)
}

/// `from`'s findings added to `into`'s; `into`'s root package stays the document's.
fn combine(mut into: CargoGraph, from: CargoGraph) -> CargoGraph {
    for (id, c) in from.members {
        into.components.remove(&id);
        into.members.insert(id, c);
    }
    for (id, c) in from.components {
        if into.members.contains_key(&id) {
            continue;
        }
        add(&mut into.components, id, c);
    }
    for (id, tos) in from.edges {
        let mine = into.edges.entry(id).or_default();
        for (to, kind) in tos {
            let k = mine.entry(to).or_insert(kind);
            *k = (*k).min(kind);
        }
    }
    into
}

/// One component per id: what one workspace needs at run time is required whatever the other
/// says.
fn add(map: &mut BTreeMap<String, Component>, id: String, c: Component) {
    match map.get_mut(&id) {
        Some(existing) => {
            if c.scope == Scope::Required {
                existing.scope = Scope::Required;
            }
        }
        None => {
            map.insert(id, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EdgeKind;

    fn graph(
        members: &[&str],
        deps: &[(&str, Scope)],
        edges: &[(&str, &str, EdgeKind)],
    ) -> CargoGraph {
        let c = |id: &str, scope| Component {
            id: id.to_string(),
            kind: crate::model::ComponentKind::Library,
            name: id.to_string(),
            version: None,
            description: None,
            authors: Vec::new(),
            purl: None,
            licence: None,
            sha256: Vec::new(),
            other_hashes: Vec::new(),
            properties: Vec::new(),
            links: Vec::new(),
            download: None,
            scope,
        };
        CargoGraph {
            root_package: None,
            workspace_root: PathBuf::new(),
            members: members
                .iter()
                .map(|m| (m.to_string(), c(m, Scope::Required)))
                .collect(),
            components: deps
                .iter()
                .map(|(d, s)| (d.to_string(), c(d, *s)))
                .collect(),
            edges: edges.iter().fold(BTreeMap::new(), |mut m, (f, t, k)| {
                m.entry(f.to_string())
                    .or_insert_with(BTreeMap::new)
                    .insert(t.to_string(), *k);
                m
            }),
        }
    }

    #[test]
    fn shared_crates_are_one_component_with_the_edges_of_both() {
        let a = graph(
            &["a"],
            &[("serde", Scope::Excluded)],
            &[("a", "serde", EdgeKind::Dev)],
        );
        let b = graph(
            &["b"],
            &[("serde", Scope::Required)],
            &[("b", "serde", EdgeKind::Normal)],
        );
        let g = combine(a, b);
        assert_eq!(g.members.len(), 2);
        assert_eq!(g.components.len(), 1);
        assert_eq!(g.components["serde"].scope, Scope::Required);
        assert_eq!(g.edges["a"]["serde"], EdgeKind::Dev);
        assert_eq!(g.edges["b"]["serde"], EdgeKind::Normal);
    }
}
