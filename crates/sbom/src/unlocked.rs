//! Python projects without a lockfile: a `pyproject.toml` with no `uv.lock`, `poetry.lock` or
//! `requirements*.txt` in its folder or any folder above it (up to the root) still names the
//! project, which becomes a component of its own, with one warning saying to lock it when it
//! declares dependencies (one with none, like a maturin `bin` wheel's, has nothing to lock).

use std::path::{Path, PathBuf};

use crate::SbomError;
use crate::discover::{Found, Kind};
use crate::model::Component;

/// The unlocked projects found, and one warning for each.
pub(crate) fn projects(
    root: &Path,
    found: &Found,
) -> Result<(Vec<Component>, Vec<String>), SbomError> {
    let locked: Vec<PathBuf> = found
        .python_lockfiles()
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let mut components = Vec::new();
    let mut warnings = Vec::new();
    for manifest in found.get(Kind::Pyproject) {
        let Some(dir) = manifest.parent() else {
            continue;
        };
        if dir.ancestors().any(|a| locked.iter().any(|l| l == a)) {
            continue;
        }
        let Some(project) = crate::python::pyproject::project(dir, root)? else {
            continue;
        };
        let rel = crate::cargo::relative(manifest, root);
        if project.dependencies.is_empty() {
            components.push(project.component);
            continue;
        }
        warnings.push(format!(
            "{rel}: no lockfile, so `{}`'s dependencies are not listed; run `uv lock` (or `poetry lock`) beside it and commit the lockfile",
            project.component.name
        ));
        components.push(project.component);
    }
    Ok((components, warnings))
}
