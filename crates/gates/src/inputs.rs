//! The files a gate's `inputs` globs name, found on disk (gitignored files included: a
//! generated file or a local `.env` the gate reads is part of its result). The walk starts at
//! each glob's literal leading directories, skips `.git` and the target directory, and never
//! follows a symlinked directory.

use std::path::Path;

use globset::{Glob, GlobSetBuilder};

/// Paths relative to `root` (with `/`), sorted, of the files matching `globs`; `target` is the
/// target directory relative to the root (`target/`), never walked. `None` when a glob is
/// invalid (config validation refuses those first).
pub(crate) fn matching(root: &Path, target: Option<&str>, globs: &[String]) -> Option<Vec<String>> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        builder.add(Glob::new(g).ok()?);
    }
    let matcher = builder.build().ok()?;
    let mut bases: Vec<String> = globs.iter().map(|g| literal_base(g)).collect();
    bases.sort();
    bases.dedup();
    // A base under another base is walked with it.
    let bases: Vec<&String> = bases
        .iter()
        .filter(|b| {
            !bases
                .iter()
                .any(|o| o != *b && (o.is_empty() || b.starts_with(&format!("{o}/"))))
        })
        .collect();
    let target = target.map(|t| t.trim_end_matches('/'));
    let mut out = Vec::new();
    for base in bases {
        let start = if base.is_empty() {
            root.to_path_buf()
        } else {
            root.join(base)
        };
        let walk = walkdir::WalkDir::new(&start)
            .follow_links(false)
            .follow_root_links(false)
            .into_iter()
            .filter_entry(|e| {
                let rel = relative(root, e.path());
                e.file_name() != ".git" && Some(rel.as_str()) != target
            });
        for entry in walk.flatten() {
            let is_file = entry.file_type().is_file()
                || (entry.file_type().is_symlink() && entry.path().is_file());
            if !is_file {
                continue;
            }
            let rel = relative(root, entry.path());
            if matcher.is_match(&rel) {
                out.push(rel);
            }
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// The leading path components of `glob` that hold no glob syntax (`src` for `src/**/*.py`,
/// empty for `**/*.py`).
fn literal_base(glob: &str) -> String {
    let mut parts = Vec::new();
    for part in glob.split('/') {
        if part.contains(['*', '?', '[', ']', '{', '}', '\\']) || part == ".." {
            break;
        }
        parts.push(part);
    }
    parts.retain(|p| !p.is_empty() && *p != ".");
    parts.join("/")
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_stop_at_the_first_glob() {
        assert_eq!(literal_base("src/**/*.py"), "src");
        assert_eq!(literal_base("**/*.py"), "");
        assert_eq!(literal_base("config/.env"), "config/.env");
        assert_eq!(literal_base("a/b{c,d}/e"), "a");
    }

    #[test]
    fn walks_ignored_files_but_not_git_target_or_linked_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            ".env",
            "src/a.py",
            "target/x.py",
            ".git/config",
            "out/gen.py",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.py"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("src/linked")).unwrap();
        let got = matching(
            root,
            Some("target/"),
            &["**/*.py".into(), ".env".into(), ".git/*".into()],
        )
        .unwrap();
        assert_eq!(got, [".env", "out/gen.py", "src/a.py"]);
    }
}
