//! The file set: a `.gitignore`-aware walk of the repository (never following symlinks),
//! each file matched to the formatter whose `include`/`exclude` globs take it, and
//! CODEOWNERS owners.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::FormatError;
use crate::config::FormatterConfig;

/// Prefix of the scratch copies the adapters format; the walk never lists them.
pub(crate) const SCRATCH_PREFIX: &str = ".xtask-fmt-";

/// A formatter's `include` and `exclude` globs, compiled.
#[derive(Debug, Clone)]
pub struct Matcher {
    include: GlobSet,
    exclude: GlobSet,
}

impl Matcher {
    pub fn new(formatter: &FormatterConfig) -> Result<Matcher, FormatError> {
        Ok(Matcher {
            include: globs(&formatter.include)?,
            exclude: globs(&formatter.exclude)?,
        })
    }

    /// Whether the formatter takes the repository-relative `path`.
    pub fn matches(&self, path: &Path) -> bool {
        self.include.is_match(path) && !self.exclude.is_match(path)
    }
}

fn globs(patterns: &[String]) -> Result<GlobSet, FormatError> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| FormatError::Other(format!("bad glob `{p}`: {e}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|e| FormatError::Other(format!("bad globs: {e}")))
}

/// Every file of the repository that `.gitignore` (and `.ignore`, `.git/info/exclude`, the
/// global excludes file) does not exclude, relative to the root, in `Path` order (the shared
/// walk, [`repo::walk`]). Symlinks are listed nowhere and never followed.
pub fn walk(root: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let mut files = Vec::new();
    // The mirrors formatters work in (`target/xtask/format-scratch`) are never the tree's.
    let scratch = crate::scratch::base(root);
    let walker = repo::walk::builder(root)
        .filter_entry(move |e| e.file_name() != ".git" && e.path() != scratch)
        .build();
    for entry in walker {
        let entry =
            entry.map_err(|e| FormatError::Other(format!("walking {}: {e}", root.display())))?;
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_file() {
            continue;
        }
        if entry
            .file_name()
            .as_encoded_bytes()
            .starts_with(SCRATCH_PREFIX.as_bytes())
        {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(root) {
            files.push(rel.to_path_buf());
        }
    }
    repo::walk::sort_paths(&mut files);
    Ok(files)
}

/// Files per formatter name: each file goes to the first formatter that takes it.
pub fn assign(
    files: &[PathBuf],
    formatters: &[FormatterConfig],
) -> Result<BTreeMap<String, Vec<PathBuf>>, FormatError> {
    let matchers = formatters
        .iter()
        .map(Matcher::new)
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: BTreeMap<String, Vec<PathBuf>> = formatters
        .iter()
        .map(|f| (f.name.clone(), Vec::new()))
        .collect();
    for file in files {
        if let Some(i) = matchers.iter().position(|m| m.matches(file)) {
            out.get_mut(&formatters[i].name)
                .expect("listed")
                .push(file.clone());
        }
    }
    Ok(out)
}

/// The rules of a CODEOWNERS file (`.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS`).
#[derive(Debug, Default)]
pub struct Owners {
    rules: Vec<(globset::GlobMatcher, String)>,
}

impl Owners {
    /// Reads the repository's CODEOWNERS; no file means no owners.
    pub fn load(root: &Path) -> Owners {
        for at in [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] {
            if let Ok(text) = std::fs::read_to_string(root.join(at)) {
                return Owners::parse(&text);
            }
        }
        Owners::default()
    }

    /// Parses CODEOWNERS text; lines that do not parse are ignored, as GitHub does.
    pub fn parse(text: &str) -> Owners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let owners: Vec<&str> = words.collect();
            let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
            let mut glob = pattern.trim_start_matches('/').to_string();
            if !anchored {
                glob = format!("**/{glob}");
            }
            if glob.ends_with('/') {
                glob.push_str("**");
            } else if !glob.ends_with("/**") {
                // A name matches a file or everything under a directory of that name.
                glob = format!("{{{glob},{glob}/**}}");
            }
            if let Ok(g) = GlobBuilder::new(&glob).literal_separator(true).build() {
                rules.push((g.compile_matcher(), owners.join(" ")));
            }
        }
        Owners { rules }
    }

    /// The owners of `path` (the last matching rule wins); empty when nobody owns it.
    pub fn of(&self, path: &Path) -> &str {
        self.rules
            .iter()
            .rev()
            .find(|(g, _)| g.is_match(path))
            .map_or("", |(_, o)| o.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_yields_paths_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "a/b/c", "a-b/c", "a.py", "a0", "a/b-c", "A", "b", "a/bc", "z/a", "é", "a b/x", "a/ b",
        ];
        for name in names {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let mut by_path: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        by_path.sort();
        assert_eq!(walk(dir.path()).unwrap(), by_path);
    }

    #[test]
    fn codeowners_last_rule_wins() {
        let owners = Owners::parse(
            "# comment\n*.py @py\n/apps/ @apps\ndocs @docs\napps/billing/** @billing # inline\n",
        );
        assert_eq!(owners.of(Path::new("x.py")), "@py");
        assert_eq!(owners.of(Path::new("apps/a.py")), "@apps");
        assert_eq!(owners.of(Path::new("apps/billing/b.py")), "@billing");
        assert_eq!(owners.of(Path::new("lib/docs/a.md")), "@docs");
        assert_eq!(owners.of(Path::new("lib/a.rs")), "");
    }

    #[test]
    fn walk_honours_gitignore_and_skips_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        std::fs::write(root.join("a/b/x.py"), "").unwrap();
        std::fs::write(root.join("build/y.py"), "").unwrap();
        std::fs::write(root.join("a/.xtask-fmt-1-x.py"), "").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("a/etc")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("a/h.py")).unwrap();
        let files = walk(root).unwrap();
        assert_eq!(
            files,
            [PathBuf::from(".gitignore"), PathBuf::from("a/b/x.py")]
        );
    }
}
