//! The GitHub Actions reader: the actions and reusable workflows a repository's
//! `.github/workflows/*.yml|yaml` use (`jobs.*.steps[*].uses`, `jobs.*.uses`), as `pkg:github`
//! components with the ref they are pinned to. Local (`./…`) and `docker://` uses are not
//! GitHub repositories and are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use crate::SbomError;
use crate::model::{Component, ComponentKind, EdgeKind, Link, LinkKind, Model, Scope};

/// Property: `true` when the ref is a full commit SHA, `false` for a tag or branch, which can
/// be moved to other code.
pub const PINNED: &str = "cargo-xtask-sbom:github:sha-pinned";
/// Property, once per workflow file that uses the action (its path from the root).
pub const WORKFLOW: &str = "cargo-xtask-sbom:github:workflow";

/// The actions found: components by id, and their properties.
#[derive(Debug, Default)]
pub struct Actions {
    pub components: BTreeMap<String, Component>,
    pub properties: BTreeMap<String, Vec<(String, String)>>,
}

/// Reads every workflow under `root/.github/workflows`; none there, nothing found.
pub fn read(root: &Path) -> Result<Actions, SbomError> {
    let mut actions = Actions::default();
    for path in workflow_files(&root.join(".github/workflows")) {
        let shown = format!(
            ".github/workflows/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = std::fs::read_to_string(&path).map_err(|e| SbomError::Lockfile {
            path: path.clone(),
            location: None,
            message: format!("cannot read this workflow: {e}"),
        })?;
        let docs = YamlLoader::load_from_str(&text).map_err(|e| SbomError::Lockfile {
            path: path.clone(),
            location: Some((e.marker().line(), e.marker().col() + 1)),
            message: format!(
                "not valid YAML ({}); fix the workflow or pass --ci off",
                e.info()
            ),
        })?;
        for doc in &docs {
            for uses in uses_of(doc) {
                let Some(action) = parse_uses(uses) else {
                    continue;
                };
                let id = action.purl();
                let props = actions.properties.entry(id.clone()).or_default();
                if props.is_empty() {
                    props.push((PINNED.into(), action.sha_pinned().to_string()));
                }
                let workflow = (WORKFLOW.to_string(), shown.clone());
                if !props.contains(&workflow) {
                    props.push(workflow);
                }
                actions
                    .components
                    .entry(id.clone())
                    .or_insert_with(|| action.component(id));
            }
        }
    }
    Ok(actions)
}

/// Adds the actions to `model`: components the subject needs to be built (a build edge from
/// the subject), with their properties.
pub fn add_to(model: &mut Model, actions: Actions) {
    let subject = model.subject.id.clone();
    for (id, component) in actions.components {
        if model.get(&id).is_some() {
            continue;
        }
        model
            .edges
            .entry(subject.clone())
            .or_default()
            .insert(id.clone(), EdgeKind::Build);
        model.components.insert(id, component);
    }
    for (id, props) in actions.properties {
        model.properties.entry(id).or_default().extend(props);
    }
}

/// `owner/repo[/path]@ref`, as a workflow's `uses:` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActionRef<'a> {
    owner: &'a str,
    repo: &'a str,
    path: Option<&'a str>,
    reference: &'a str,
}

impl ActionRef<'_> {
    /// A full commit SHA is the only ref that cannot be moved.
    fn sha_pinned(&self) -> bool {
        self.reference.len() == 40 && self.reference.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// `pkg:github/owner/repo@ref#path`: the purl spec's `github` type lowercases the owner
    /// and the repository; the ref is the version, a path in the repository the subpath.
    fn purl(&self) -> String {
        let mut purl = format!(
            "pkg:github/{}/{}@{}",
            encode(&self.owner.to_ascii_lowercase()),
            encode(&self.repo.to_ascii_lowercase()),
            encode(self.reference)
        );
        if let Some(path) = self.path {
            let segments: Vec<String> = path
                .split('/')
                .filter(|s| !s.is_empty() && *s != "." && *s != "..")
                .map(encode)
                .collect();
            if !segments.is_empty() {
                purl.push('#');
                purl.push_str(&segments.join("/"));
            }
        }
        purl
    }

    fn component(&self, id: String) -> Component {
        let name = match self.path {
            Some(path) => format!("{}/{}/{path}", self.owner, self.repo),
            None => format!("{}/{}", self.owner, self.repo),
        };
        Component {
            purl: Some(id.clone()),
            id,
            kind: ComponentKind::Application,
            name,
            version: Some(self.reference.to_string()),
            description: None,
            authors: Vec::new(),
            licence: None,
            sha256: Vec::new(),
            other_hashes: Vec::new(),
            properties: Vec::new(),
            links: vec![Link {
                kind: LinkKind::Vcs,
                url: format!("https://github.com/{}/{}", self.owner, self.repo),
            }],
            download: None,
            scope: Scope::Required,
        }
    }
}

/// `*.yml` and `*.yaml` files of the workflows folder, sorted.
fn workflow_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every `uses:` of a workflow: each job's own (a reusable workflow) and its steps'.
fn uses_of(doc: &Yaml) -> Vec<&str> {
    let mut found = Vec::new();
    let Some(jobs) = doc["jobs"].as_hash() else {
        return found;
    };
    for job in jobs.values() {
        found.extend(job["uses"].as_str());
        for step in job["steps"].as_vec().into_iter().flatten() {
            found.extend(step["uses"].as_str());
        }
    }
    found
}

/// `owner/repo[/path]@ref`; `None` for a local action, a Docker image, an expression or
/// anything without an owner, a repository and a ref.
fn parse_uses(uses: &str) -> Option<ActionRef<'_>> {
    let uses = uses.trim();
    if uses.starts_with("./") || uses.starts_with("docker://") || uses.contains("${{") {
        return None;
    }
    let (target, reference) = uses.rsplit_once('@')?;
    let mut parts = target.splitn(3, '/');
    let owner = parts.next().filter(|s| !s.is_empty())?;
    let repo = parts.next().filter(|s| !s.is_empty())?;
    let path = parts.next().filter(|s| !s.is_empty());
    (!reference.is_empty()).then_some(ActionRef {
        owner,
        repo,
        path,
        reference,
    })
}

/// Percent-encodes a purl segment or version: everything but unreserved characters.
fn encode(text: &str) -> String {
    repo::text::percent_encode(text, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_forms() {
        let a = parse_uses("Actions/Checkout@v4").unwrap();
        assert_eq!(a.purl(), "pkg:github/actions/checkout@v4");
        assert!(!a.sha_pinned());
        let a = parse_uses("github/codeql-action/init@f443b600d91635bebf5b0d9ebc620189c0d6fba5")
            .unwrap();
        assert_eq!(
            a.purl(),
            "pkg:github/github/codeql-action@f443b600d91635bebf5b0d9ebc620189c0d6fba5#init"
        );
        assert!(a.sha_pinned());
        let a = parse_uses("o/r/.github/workflows/ci.yml@release/v1").unwrap();
        assert_eq!(
            a.purl(),
            "pkg:github/o/r@release%2Fv1#.github/workflows/ci.yml"
        );
        for skipped in [
            "./local",
            "docker://alpine:3",
            "o/r",
            "o@v1",
            "${{ matrix.action }}@v1",
        ] {
            assert_eq!(parse_uses(skipped), None, "{skipped}");
        }
    }
}
