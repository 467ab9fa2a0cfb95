//! The part of `cargo metadata --format-version 1`'s JSON that a bill of materials reads,
//! deserialized borrowing from cargo's bytes.
//!
//! `cargo_metadata` builds the command line, but its `Metadata` type deserializes every field
//! cargo prints: each dependency's version requirement, every target's crate types and
//! paths, every feature table. On a workspace of 678 packages that took three quarters of this
//! task's own CPU time, parsing and freeing. The dozen fields below are the ones the reader uses;
//! serde skips the rest, and strings without escapes point into cargo's output, not new
//! allocations. The field names and shapes are cargo's stable format version 1.

use std::borrow::Cow;
use std::ops::Deref;

use serde::Deserialize;

/// A JSON string, borrowed from the input unless it holds escapes.
#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(transparent)]
pub(crate) struct Text<'a>(#[serde(borrow)] pub(crate) Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Metadata<'a> {
    #[serde(borrow)]
    pub(crate) packages: Vec<Package<'a>>,
    #[serde(borrow)]
    pub(crate) workspace_members: Vec<Text<'a>>,
    #[serde(borrow)]
    pub(crate) resolve: Option<Resolve<'a>>,
    #[serde(borrow)]
    pub(crate) workspace_root: Text<'a>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Package<'a> {
    #[serde(borrow)]
    pub(crate) id: Text<'a>,
    #[serde(borrow)]
    pub(crate) name: Text<'a>,
    #[serde(borrow)]
    pub(crate) version: Text<'a>,
    /// `None` for path packages.
    #[serde(borrow)]
    pub(crate) source: Option<Text<'a>>,
    #[serde(borrow)]
    pub(crate) license: Option<Text<'a>>,
    #[serde(borrow)]
    pub(crate) license_file: Option<Text<'a>>,
    #[serde(borrow)]
    pub(crate) description: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) authors: Vec<Text<'a>>,
    #[serde(borrow)]
    pub(crate) repository: Option<Text<'a>>,
    #[serde(borrow)]
    pub(crate) homepage: Option<Text<'a>>,
    #[serde(borrow)]
    pub(crate) documentation: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) targets: Vec<Target<'a>>,
    #[serde(borrow)]
    pub(crate) manifest_path: Text<'a>,
}

impl Package<'_> {
    /// Whether the package builds a binary.
    pub(crate) fn has_bin(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.kind.iter().any(|k| &**k == "bin"))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Target<'a> {
    #[serde(borrow, default)]
    pub(crate) kind: Vec<Text<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Resolve<'a> {
    #[serde(borrow)]
    pub(crate) nodes: Vec<Node<'a>>,
    /// The root package, for a workspace that is not virtual.
    #[serde(borrow)]
    pub(crate) root: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Node<'a> {
    #[serde(borrow)]
    pub(crate) id: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) deps: Vec<NodeDep<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NodeDep<'a> {
    #[serde(borrow)]
    pub(crate) pkg: Text<'a>,
    #[serde(borrow, default)]
    pub(crate) dep_kinds: Vec<DepKind<'a>>,
}

/// One way a dependency is declared: `kind` is `null` for a normal dependency, else `"dev"`
/// or `"build"`.
#[derive(Debug, Deserialize)]
pub(crate) struct DepKind<'a> {
    #[serde(borrow)]
    pub(crate) kind: Option<Text<'a>>,
}

impl Metadata<'_> {
    /// The root package's name, for a workspace that is not virtual.
    pub(crate) fn root_package(&self) -> Option<&str> {
        let root = self.resolve.as_ref()?.root.as_ref()?;
        self.packages
            .iter()
            .find(|p| p.id == *root)
            .map(|p| &*p.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = r#"{
      "packages": [{
        "name": "app", "version": "0.1.0+meta", "id": "path+file:///w/app#0.1.0+meta",
        "license": "MIT", "license_file": null, "description": "say \"hi\"", "source": null,
        "dependencies": [{"name": "serde", "req": "^1", "kind": null}],
        "targets": [{"kind": ["bin"], "crate_types": ["bin"], "name": "app"}],
        "features": {}, "manifest_path": "/w/app/Cargo.toml", "authors": [],
        "repository": null, "homepage": null, "documentation": null, "edition": "2021"
      }],
      "workspace_members": ["path+file:///w/app#0.1.0+meta"],
      "resolve": {"nodes": [{"id": "path+file:///w/app#0.1.0+meta", "dependencies": [],
        "deps": [{"name": "x", "pkg": "x 1.0.0", "dep_kinds": [{"kind": "build", "target": null}]}],
        "features": []}], "root": "path+file:///w/app#0.1.0+meta"},
      "target_directory": "/w/app/target", "version": 1, "workspace_root": "/w/app",
      "metadata": null
    }"#;

    #[test]
    fn reads_the_fields_used_and_borrows_unescaped_strings() {
        let m: Metadata<'_> = serde_json::from_str(OUTPUT).unwrap();
        let p = &m.packages[0];
        assert!(matches!(p.id.0, Cow::Borrowed(_)));
        assert_eq!(&*p.version, "0.1.0+meta");
        assert!(matches!(p.description.as_ref().unwrap().0, Cow::Owned(_)));
        assert_eq!(p.description.as_deref(), Some("say \"hi\""));
        assert!(p.has_bin());
        assert_eq!(m.root_package(), Some("app"));
        let node = &m.resolve.as_ref().unwrap().nodes[0];
        assert_eq!(&*node.deps[0].pkg, "x 1.0.0");
        assert_eq!(node.deps[0].dep_kinds[0].kind.as_deref(), Some("build"));
        assert!(matches!(node.deps[0].pkg.0, Cow::Borrowed(_)));
    }
}
