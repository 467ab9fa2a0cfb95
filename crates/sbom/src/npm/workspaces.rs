//! The workspace folders a `package.json` names (`"workspaces": ["packages/*"]`, or
//! `{"packages": [...]}`): the folders below it that match a glob and hold a `package.json`,
//! `node_modules` and hidden folders left out. Yarn 1's lockfile does not list them itself.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSetBuilder};

/// How deep below the project the walk looks for workspace folders.
const MAX_DEPTH: usize = 8;

/// The workspace folders of the project in `dir`, relative to it and sorted; none when its
/// `package.json` names none (or none that parse as globs).
pub(super) fn folders(dir: &Path) -> Vec<PathBuf> {
    let manifest = super::package_json(dir);
    let patterns = match &manifest["workspaces"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o
            .get("packages")
            .and_then(|p| p.as_array())
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut set = GlobSetBuilder::new();
    let mut any = false;
    for p in patterns.iter().filter_map(|p| p.as_str()) {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        if let Ok(glob) = GlobBuilder::new(p).literal_separator(true).build() {
            set.add(glob);
            any = true;
        }
    }
    let Ok(set) = set.build() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if any {
        walk(dir, Path::new(""), 0, &mut |rel| {
            if set.is_match(rel) && dir.join(rel).join("package.json").is_file() {
                out.push(rel.to_path_buf());
            }
        });
    }
    out.sort();
    out
}

fn walk(root: &Path, rel: &Path, depth: usize, found: &mut dyn FnMut(&Path)) {
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(read) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut children: Vec<_> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name())
        .filter(|n| n != "node_modules" && !n.to_string_lossy().starts_with('.'))
        .collect();
    children.sort();
    for name in children {
        let child = rel.join(name);
        found(&child);
        walk(root, &child, depth + 1, found);
    }
}
