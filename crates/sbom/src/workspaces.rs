//! Every Cargo workspace of a repository in one graph: the root's and each one discovery finds
//! below it, read one by one and combined. Ids are purls, so a crate two workspaces share is one
//! component with the edges of both; path packages' purls carry their path from the repository
//! root, so members of different workspaces never collide.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::SbomError;
use crate::cargo::{self, CargoGraph, CargoRead};
use crate::discover::{self, Found};
use crate::model::{Component, Scope};

/// Reads the root's workspace (when `with_root`) and every locked workspace below it, in path
/// order; a workspace reached twice (a folder that is a member of one already read) is read
/// once. Returns `None` when there is none, and a warning per unlocked workspace left out.
pub(crate) fn read(
    opts: &CargoRead<'_>,
    found: &Found,
    with_root: bool,
) -> Result<(Option<CargoGraph>, Vec<String>), SbomError> {
    let (nested, unlocked) = discover::cargo_workspaces(opts.repo_root, found);
    let warnings = unlocked
        .iter()
        .map(|dir| {
            format!(
                "{}/Cargo.toml: a Cargo workspace without a Cargo.lock, left out; run `cargo generate-lockfile` there and commit the lockfile",
                cargo::relative(dir, opts.repo_root)
            )
        })
        .collect();
    let dirs: Vec<PathBuf> = with_root
        .then(|| opts.root.to_path_buf())
        .into_iter()
        .chain(nested)
        .collect();
    let mut combined: Option<CargoGraph> = None;
    let mut seen = Vec::new();
    for dir in &dirs {
        let graph = cargo::read(&CargoRead {
            root: dir,
            ..opts.clone()
        })?;
        if seen.contains(&graph.workspace_root) {
            continue;
        }
        seen.push(graph.workspace_root.clone());
        combined = Some(match combined {
            None => graph,
            Some(into) => combine(into, graph),
        });
    }
    Ok((combined, warnings))
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
