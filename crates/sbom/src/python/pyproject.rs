//! The project of a `pyproject.toml`: its name, version and description from `[project]` (else
//! `[tool.poetry]`), and the names of its direct dependencies, with the development ones
//! (`[dependency-groups]`, poetry's dev dependencies and groups other than `main`) told apart.

use std::path::Path;

use super::{Origin, component, lock_error, normalise};
use crate::SbomError;
use crate::cargo::relative;
use crate::model::{Component, ComponentKind};

/// A Python project, and its direct dependencies.
pub(crate) struct Project {
    pub component: Component,
    /// Normalised names of its direct dependencies, `true` for development ones.
    pub dependencies: Vec<(String, bool)>,
}

/// The project of `dir/pyproject.toml`: `[project]` name and version (else
/// `[tool.poetry]`'s), and its direct dependency names.
pub(crate) fn project(dir: &Path, root: &Path) -> Result<Option<Project>, SbomError> {
    let path = dir.join("pyproject.toml");
    if !path.is_file() {
        return Ok(None);
    }
    let text = repo::fs::read_to_string(&path)?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| lock_error(&path, &text, &e))?;
    let table = |v: Option<&toml::Value>| v.and_then(toml::Value::as_table).cloned();
    let project = table(doc.get("project"));
    let poetry = table(doc.get("tool")).and_then(|t| table(t.get("poetry")));
    let field = |key: &str| {
        project
            .as_ref()
            .and_then(|p| p.get(key))
            .or_else(|| poetry.as_ref().and_then(|p| p.get(key)))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    let Some(name) = field("name") else {
        return Ok(None);
    };
    let version = field("version");
    let origin = Origin::Path(relative(dir, root));
    let mut c = component(
        &name,
        version.as_deref(),
        &origin,
        ComponentKind::Application,
    );
    c.description = field("description");
    let mut deps = Vec::new();
    let pep508 = |s: &str| {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .unwrap_or(s.len());
        normalise(&s[..end])
    };
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(pep508))
            .collect()
    };
    if let Some(p) = &project {
        deps.extend(
            strings(p.get("dependencies"))
                .into_iter()
                .map(|d| (d, false)),
        );
        for extra in table(p.get("optional-dependencies"))
            .into_iter()
            .flat_map(|t| t.into_iter())
        {
            deps.extend(strings(Some(&extra.1)).into_iter().map(|d| (d, false)));
        }
    }
    for group in table(doc.get("dependency-groups"))
        .into_iter()
        .flat_map(|t| t.into_iter())
    {
        deps.extend(strings(Some(&group.1)).into_iter().map(|d| (d, true)));
    }
    if let Some(poetry) = &poetry {
        for key in table(poetry.get("dependencies"))
            .into_iter()
            .flat_map(|t| t.into_iter())
            .map(|(k, _)| k)
        {
            if key != "python" {
                deps.push((normalise(&key), false));
            }
        }
        for key in table(poetry.get("dev-dependencies"))
            .into_iter()
            .flat_map(|t| t.into_iter())
            .map(|(k, _)| k)
        {
            deps.push((normalise(&key), true));
        }
        for (group, spec) in table(poetry.get("group"))
            .into_iter()
            .flat_map(|t| t.into_iter())
        {
            let dev = group != "main";
            let names = table(spec.get("dependencies"))
                .into_iter()
                .flat_map(|t| t.into_iter())
                .map(|(k, _)| k);
            deps.extend(names.map(|k| (normalise(&k), dev)));
        }
    }
    // A dependency listed both as main and dev is main.
    deps.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    deps.dedup_by(|a, b| a.0 == b.0);
    Ok(Some(Project {
        component: c,
        dependencies: deps,
    }))
}
