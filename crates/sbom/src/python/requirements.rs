//! The `requirements*.txt` reader: each line through a PEP 508 parser (`pep508_rs`), pinned
//! lines (`name==version`, `name @ URL`) as components with their hashes and environment
//! markers, the unpinned ones summed up in one warning per file, `-r` includes kept inside the
//! repository, and dev files told apart by whole words of their names.

use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;

use pep508_rs::pep440_rs::Operator;
use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

use super::pyproject::project;
use super::{
    Origin, PythonGraph, PythonRead, component, finish, finish_without_project, merge_component,
    sha256_of,
};
use crate::SbomError;
use crate::cargo::relative;
use crate::model::{ComponentKind, EdgeKind};

/// The CycloneDX property that carries a requirement's environment marker.
pub(crate) const MARKER_PROPERTY: &str = "xtask:python:marker";

/// How many unpinned lines a file's summary names before "and N more".
const SHOWN: usize = 10;

/// Reads one requirements file: its pinned lines as components (edges from the project beside
/// it, dev edges for a dev file), its includes for the caller to read in turn.
pub(crate) fn read(
    path: &Path,
    text: &str,
    opts: &PythonRead<'_>,
) -> Result<PythonGraph, SbomError> {
    let dir = path.parent().unwrap_or(opts.root);
    let dev_file = path
        .file_name()
        .is_some_and(|n| is_dev_file(&n.to_string_lossy()));
    let mut graph = PythonGraph::default();
    let shown = relative(path, opts.root);
    let mut direct = Vec::new();
    // (what, line) of each line left out
    let mut unpinned: Vec<(String, usize)> = Vec::new();
    for (line_no, line) in logical_lines(text) {
        let line = line.trim();
        if let Some(target) = included_file(line) {
            let location = format!("{shown}:{line_no}: `{line}`");
            if target.contains("://") {
                let message = format!("{location}: a remote requirements file is not read");
                if opts.strict {
                    return Err(SbomError::Unpinned(message));
                }
                graph.warnings.push(message);
                continue;
            }
            let file = dir.join(target);
            if !file.is_file() {
                return Err(SbomError::Usage(format!("{location}: no such file")));
            }
            if !inside(&file, opts.root) {
                return Err(SbomError::Usage(format!(
                    "{location}: the included file is outside the repository ({}); only files under the root are read",
                    opts.root.display()
                )));
            }
            graph.includes.push(file);
            continue;
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        // Per-requirement options (`--hash=...`) follow the requirement.
        let words: Vec<&str> = line.split_whitespace().collect();
        let cut = words
            .iter()
            .position(|w| w.starts_with("--"))
            .unwrap_or(words.len());
        let spec = words[..cut].join(" ");
        let hashes: BTreeSet<String> = words[cut..]
            .iter()
            .filter_map(|w| w.strip_prefix("--hash="))
            .filter_map(sha256_of)
            .collect();
        let Some(mut c) = pinned(&spec, dir, opts.root) else {
            let what = Requirement::<VerbatimUrl>::from_str(&spec)
                .map_or_else(|_| spec.clone(), |r| r.name.to_string());
            unpinned.push((what, line_no));
            continue;
        };
        c.sha256 = hashes.into_iter().collect();
        direct.push(c.id.clone());
        merge_component(&mut graph.components, c.id.clone(), c);
    }
    if !unpinned.is_empty() {
        let message = summary(&shown, &unpinned);
        if opts.strict {
            return Err(SbomError::Unpinned(message));
        }
        graph.warnings.push(message);
    }
    match project(dir, opts.root)? {
        Some(p) => {
            let pid = p.component.id.clone();
            let kind = if dev_file {
                EdgeKind::Dev
            } else {
                EdgeKind::Normal
            };
            graph
                .edges
                .insert(pid.clone(), direct.into_iter().map(|d| (d, kind)).collect());
            graph.projects.insert(pid, p.component);
            Ok(finish(graph, opts.no_dev))
        }
        None if dev_file => Ok(finish_without_project(graph, &BTreeSet::new(), opts.no_dev)),
        None => Ok(graph),
    }
}

/// The component a pinned requirement names: `name==version` (or `===`) from PyPI, or
/// `name @ URL`; `None` for anything looser, or a line that is not PEP 508.
fn pinned(spec: &str, dir: &Path, root: &Path) -> Option<crate::model::Component> {
    let req = Requirement::<VerbatimUrl>::parse(spec, dir).ok()?;
    let name = req.name.to_string();
    let mut c = match req.version_or_url.as_ref()? {
        VersionOrUrl::VersionSpecifier(specifiers) => {
            let [one] = &specifiers[..] else {
                return None;
            };
            if !matches!(one.operator(), Operator::Equal | Operator::ExactEqual) {
                return None;
            }
            let version = one.version().to_string();
            component(&name, Some(&version), &Origin::Pypi, ComponentKind::Library)
        }
        VersionOrUrl::Url(url) => {
            let origin = url_origin(url, root);
            component(&name, None, &origin, ComponentKind::Library)
        }
    };
    if let Some(marker) = req.marker.try_to_string() {
        c.properties.push((MARKER_PROPERTY.to_string(), marker));
    }
    Some(c)
}

/// Where a `name @ URL` requirement comes from: a VCS URL with its revision, a local path
/// relative to the root, or a download URL.
fn url_origin(url: &VerbatimUrl, root: &Path) -> Origin {
    let raw = url.raw();
    if let Some(vcs) = raw.scheme().strip_prefix("git+") {
        let mut bare = raw.clone();
        bare.set_fragment(None);
        let text = bare.as_str().strip_prefix("git+").unwrap_or(bare.as_str());
        // The revision is what follows the last `@` of the path (`repo.git@v1.0`).
        let (repo, commit) = match text.rsplit_once('@') {
            Some((r, c)) if r.len() > vcs.len() + 3 && !c.contains('/') => {
                (r.to_string(), Some(c.to_string()))
            }
            _ => (text.to_string(), None),
        };
        return Origin::Git { url: repo, commit };
    }
    if raw.scheme() == "file"
        && let Ok(path) = raw.to_file_path()
    {
        return Origin::Path(relative(&path, root));
    }
    Origin::Url(raw.to_string())
}

/// One warning for a file's unpinned lines: how many, which, and where.
fn summary(shown: &str, unpinned: &[(String, usize)]) -> String {
    let n = unpinned.len();
    let mut names: Vec<String> = unpinned
        .iter()
        .take(SHOWN)
        .map(|(what, line)| format!("`{what}` (line {line})"))
        .collect();
    if n > SHOWN {
        names.push(format!("and {} more", n - SHOWN));
    }
    format!(
        "{shown}: {n} {} not pinned to one version (`name==version` or `name @ URL`), left out: {}",
        if n == 1 { "line is" } else { "lines are" },
        names.join(", ")
    )
}

/// Whether a file name marks development requirements: one of its words (split on `-`, `_`
/// and `.`) is `dev`, `test`, `lint`, `doc` or a plural or long form of them.
pub(crate) fn is_dev_file(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "dev",
        "devel",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "doc",
        "docs",
    ];
    name.to_lowercase()
        .split(['-', '_', '.'])
        .any(|w| WORDS.contains(&w))
}

/// Whether `file` lies under `root`, symbolic links and `..` resolved.
fn inside(file: &Path, root: &Path) -> bool {
    match (std::fs::canonicalize(file), std::fs::canonicalize(root)) {
        (Ok(f), Ok(r)) => f.starts_with(r),
        _ => false,
    }
}

/// Logical lines with the number each starts on: comments cut, continuations joined.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let line = if line.trim_start().starts_with('#') {
            ""
        } else {
            line.split(" #").next().unwrap_or(line)
        };
        let (start, mut acc) = pending.take().unwrap_or((n + 1, String::new()));
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
        } else {
            acc.push_str(line);
            logical.push((start, acc));
        }
    }
    logical.extend(pending);
    logical
}

/// The file a `-r FILE`, `-rFILE`, `--requirement FILE` or `--requirement=FILE` line includes,
/// relative to the including file's folder as pip reads it. Constraints files (`-c`) add no
/// package and are not read.
pub(crate) fn included_file(line: &str) -> Option<&str> {
    let rest = match line.strip_prefix("--requirement") {
        Some(r) if r.starts_with('=') => &r[1..],
        Some(r) if r.starts_with(char::is_whitespace) => r,
        Some(_) => return None,
        None => line.strip_prefix("-r")?,
    };
    let target = rest.trim();
    (!target.is_empty()).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_files_by_whole_words() {
        for dev in [
            "requirements-test.txt",
            "dev-requirements.txt",
            "requirements_dev.txt",
            "requirements.docs.txt",
            "requirements-lint.txt",
        ] {
            assert!(is_dev_file(dev), "{dev}");
        }
        for not in [
            "requirements-latest.txt",
            "requirements.txt",
            "requirements-prod.txt",
            "requirements-doctor.txt",
            "requirements-devices.txt",
        ] {
            assert!(!is_dev_file(not), "{not}");
        }
    }

    #[test]
    fn pinned_forms() {
        let root = Path::new("/repo");
        let id = |s: &str| pinned(s, root, root).map(|c| c.id);
        assert_eq!(id("six==1.16.0"), Some("pkg:pypi/six@1.16.0".into()));
        assert_eq!(id("six == 1.16.0"), Some("pkg:pypi/six@1.16.0".into()));
        assert_eq!(
            id("Six[extra] === 1.16.0"),
            Some("pkg:pypi/six@1.16.0".into())
        );
        assert_eq!(id("six>=1.16"), None);
        assert_eq!(id("six==1.*"), None);
        assert_eq!(id("six==1.16,!=1.16.1"), None);
        assert_eq!(id("six"), None);
        assert_eq!(id("./local"), None);
        assert_eq!(
            id("pkg @ https://example.org/pkg-1.0.tar.gz"),
            Some("pkg:pypi/pkg?download_url=https://example.org/pkg-1.0.tar.gz".into())
        );
        assert_eq!(
            id("pkg @ git+https://github.com/o/r.git@v1.0"),
            Some("pkg:pypi/pkg?vcs_url=git%2Bhttps://github.com/o/r.git%40v1.0".into())
        );
        let c = pinned("six==1.16.0 ; python_version < '3.8'", root, root).unwrap();
        assert_eq!(
            c.properties,
            vec![(
                MARKER_PROPERTY.to_string(),
                "python_full_version < '3.8'".to_string()
            )]
        );
    }

    #[test]
    fn include_lines() {
        assert_eq!(included_file("-r base.txt"), Some("base.txt"));
        assert_eq!(included_file("-rbase.txt"), Some("base.txt"));
        assert_eq!(
            included_file("--requirement  dir/a b.txt"),
            Some("dir/a b.txt")
        );
        assert_eq!(included_file("--requirement=base.txt"), Some("base.txt"));
        assert_eq!(included_file("--requirements.txt"), None);
        assert_eq!(included_file("-c constraints.txt"), None);
        assert_eq!(included_file("-r"), None);
        assert_eq!(included_file("requests==2.0"), None);
    }

    #[test]
    fn one_summary_per_file() {
        let lines: Vec<(String, usize)> = (1..=12).map(|n| (format!("p{n}"), n)).collect();
        let s = summary("requirements.txt", &lines);
        assert!(
            s.starts_with("requirements.txt: 12 lines are not pinned"),
            "{s}"
        );
        assert!(s.contains("`p10` (line 10), and 2 more"), "{s}");
        assert!(!s.contains("p11"), "{s}");
    }
}
