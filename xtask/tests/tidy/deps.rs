//! Tidy: the manifests declare only dependencies that are used. Every `[workspace.dependencies]`
//! entry is used by some member manifest, and every dependency a member declares is referenced
//! in that crate's sources (`name::` or `use name`, with `-` read as `_`): a `[dependencies]`
//! entry in `src/`, a `[dev-dependencies]` entry anywhere in the crate, a `[build-dependencies]`
//! entry in `build.rs`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::{check, files, rel, root};

#[test]
fn every_declared_dependency_is_used() {
    let manifest_path = root().join("Cargo.toml");
    let manifest = read_toml(&manifest_path);
    let mut violations = Vec::new();
    let mut used_from_workspace = BTreeSet::new();
    for dir in members(&manifest) {
        let path = dir.join("Cargo.toml");
        let text = fs::read_to_string(&path).unwrap();
        let member = read_toml(&path);
        for (section, deps) in dependency_tables(&member) {
            let sources = sources(&dir, section);
            for (name, spec) in deps {
                if spec.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
                    used_from_workspace.insert(name.clone());
                }
                if !sources.iter().any(|text| references(text, name)) {
                    violations.push(format!(
                        "{}:{}: [{section}] declares `{name}`, which {} never references \
                         (`{ident}::` or `use {ident}`): remove it",
                        rel(&path),
                        line_of(&text, name),
                        where_(section),
                        ident = name.replace('-', "_"),
                    ));
                }
            }
        }
    }
    let root_text = fs::read_to_string(&manifest_path).unwrap();
    let declared = manifest["workspace"]["dependencies"].as_table().unwrap();
    for name in declared.keys() {
        if !used_from_workspace.contains(name) {
            violations.push(format!(
                "Cargo.toml:{}: [workspace.dependencies] declares `{name}`, which no member \
                 manifest uses (`{name}.workspace = true`): remove it",
                line_of(&root_text, name)
            ));
        }
    }
    check(violations);
}

#[test]
fn references_need_a_path_or_a_use() {
    assert!(references("use walkdir::WalkDir;", "walkdir"));
    assert!(references("let w = walkdir::WalkDir::new(p);", "walkdir"));
    assert!(references("#[derive(thiserror::Error)]", "thiserror"));
    assert!(references("use yaml_rust2;", "yaml-rust2"));
    assert!(references("    use quick_junit as junit;", "quick-junit"));
    assert!(!references("let repo = Repo::discover(root)?;", "repo"));
    assert!(!references("crate::repo::open()", "repo"));
    assert!(!references("my_walkdir::walk()", "walkdir"));
    assert!(!references("use walkdir_extra::X;", "walkdir"));
    assert!(!references("fn reuse walkdir", "walkdir"));
}

fn read_toml(path: &Path) -> toml::Table {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The member directories: `[workspace] members`, with a trailing `/*` read as every directory
/// under it that holds a Cargo.toml.
fn members(manifest: &toml::Table) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for member in manifest["workspace"]["members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        match member.strip_suffix("/*") {
            Some(parent) => {
                let mut found: Vec<PathBuf> = fs::read_dir(root().join(parent))
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.join("Cargo.toml").is_file())
                    .collect();
                found.sort();
                dirs.extend(found);
            }
            None => dirs.push(root().join(member)),
        }
    }
    assert!(dirs.len() > 2, "found only {} members", dirs.len());
    dirs
}

/// Each dependency table of a member manifest, with its section name; target-specific tables
/// (`[target.'cfg(unix)'.dependencies]`) count as their plain section.
fn dependency_tables(member: &toml::Table) -> Vec<(&'static str, &toml::Table)> {
    let sections = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables = Vec::new();
    let targets = member
        .get("target")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|t| t.values().filter_map(toml::Value::as_table));
    for table in std::iter::once(member).chain(targets) {
        for section in sections {
            if let Some(deps) = table.get(section).and_then(toml::Value::as_table) {
                tables.push((section, deps));
            }
        }
    }
    tables
}

/// The text of the Rust files a dependency of `section` may be used from.
fn sources(dir: &Path, section: &str) -> Vec<String> {
    let mut paths = Vec::new();
    match section {
        "dependencies" => files(&dir.join("src"), "rs", &mut paths),
        "build-dependencies" => paths.push(dir.join("build.rs")),
        _ => files(dir, "rs", &mut paths),
    }
    paths
        .iter()
        .filter_map(|p| fs::read_to_string(p).ok())
        .collect()
}

fn where_(section: &str) -> &'static str {
    match section {
        "dependencies" => "src/",
        "build-dependencies" => "build.rs",
        _ => "the crate",
    }
}

/// Whether `text` names the crate `name` as a path's first segment (`name::`) or in a `use`.
fn references(text: &str, name: &str) -> bool {
    let ident = name.replace('-', "_");
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(&ident).any(|(at, _)| {
        let before = &text[..at];
        let after = &text[at + ident.len()..];
        let starts_path = !before.ends_with(|c: char| is_ident(c) || c == ':');
        let ends_word = !after.starts_with(is_ident);
        starts_path
            && ends_word
            && (after.starts_with("::")
                || before
                    .trim_end()
                    .strip_suffix("use")
                    .is_some_and(|b| !b.ends_with(is_ident)))
    })
}

/// The 1-based line of the manifest where the key `name` is declared (0 when not found).
fn line_of(text: &str, name: &str) -> usize {
    text.lines()
        .position(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with([' ', '.', '=']))
        })
        .map_or(0, |n| n + 1)
}
