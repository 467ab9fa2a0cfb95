//! The files git tracks or would track in a work tree, as `git ls-files --cached --others
//! --exclude-standard` lists them, read in process: the tracked paths from the index file
//! (versions 2, 3 and 4) and the untracked ones from a walk that honours `.gitignore`,
//! `.git/info/exclude` and the global excludes file (the `ignore` crate, as ripgrep does).
//!
//! Starting `git` costs about a millisecond, which is most of what `qa` spends before its first
//! gate can start. When the index is one this reader does not know (a split or sparse index, a
//! SHA-256 repository, a format it cannot parse) or the root is not a work tree's top, the
//! answer is `None` and the caller asks git itself. The walk may list more than git does (never
//! less): a key over more files can only miss more often, never pass stale.

use std::collections::HashSet;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The paths, relative to `root` and sorted byte by byte (git's order), of every file git tracks or would track there,
/// leaving out everything under `exclude` (a directory relative to `root`, such as the target
/// directory). `None` when the in-process reader cannot answer for this repository.
pub fn list(root: &Path, exclude: Option<&Path>) -> Option<Vec<PathBuf>> {
    let git_dir = git_dir(root)?;
    // Bytes, not paths: comparing `Path`s component by component costs more than the walk.
    let mut paths: Vec<Vec<u8>> = match std::fs::read(git_dir.join("index")) {
        Ok(bytes) => index_paths(&bytes)?,
        // A repository where nothing was ever added has no index.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(_) => return None,
    };
    untracked(root, &git_dir, exclude, &mut paths)?;
    paths.sort_unstable();
    paths.dedup();
    let exclude = exclude.map(|x| x.as_os_str().as_bytes());
    Some(
        paths
            .into_iter()
            .filter(|p| {
                exclude.is_none_or(|x| {
                    !(p.starts_with(x) && p.get(x.len()).is_none_or(|b| *b == b'/'))
                })
            })
            .map(|p| PathBuf::from(std::ffi::OsString::from_vec(p)))
            .collect(),
    )
}

/// The git directory of the work tree whose top is `root` (`.git`, or the directory a `.git`
/// file points to), when its repository uses SHA-1 object names.
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dir = work_tree_git_dir(root)?;
    // A linked work tree keeps its config in the common directory; either may set the object
    // format. A repository with SHA-256 object names has longer index entries: let git answer.
    let common = std::fs::read_to_string(dir.join("commondir"))
        .ok()
        .map(|c| dir.join(c.trim()));
    for config in std::iter::once(dir.join("config")).chain(common.map(|c| c.join("config"))) {
        if let Ok(text) = std::fs::read_to_string(config)
            && text.to_ascii_lowercase().contains("objectformat")
        {
            return None;
        }
    }
    Some(dir)
}

/// The global excludes file (`core.excludesFile`, else git's default path) of the work tree
/// that holds `dir`, when `dir` is in one and that file exists.
pub fn global_excludes(dir: &Path) -> Option<PathBuf> {
    let git_dir = dir.ancestors().find_map(work_tree_git_dir)?;
    excludes_file(&git_dir).filter(|f| f.is_file())
}

/// The git directory of the work tree whose top is `root`: `.git`, or the directory a `.git`
/// file points to.
fn work_tree_git_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    let meta = std::fs::symlink_metadata(&dot_git).ok()?;
    let dir = if meta.is_dir() {
        dot_git
    } else if meta.is_file() {
        let text = std::fs::read_to_string(&dot_git).ok()?;
        let target = text.strip_prefix("gitdir:")?.trim();
        root.join(target)
    } else {
        return None;
    };
    Some(dir)
}

/// The paths of the entries of an index file, or `None` for one this reader does not handle.
fn index_paths(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    const HASH: usize = 20;
    let header = bytes.get(..12)?;
    if &header[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(header[4..8].try_into().ok()?);
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = u32::from_be_bytes(header[8..12].try_into().ok()?) as usize;
    let end = bytes.len().checked_sub(HASH)?;
    let mut at = 12;
    let mut paths: Vec<Vec<u8>> = Vec::with_capacity(count);
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        // ctime, mtime, dev, ino (24 bytes), mode, uid, gid, size (16), object name, flags.
        let mode = u32::from_be_bytes(bytes.get(start + 24..start + 28)?.try_into().ok()?);
        // A sparse index stores whole directories as entries: let git expand them.
        if mode & 0o170000 == 0o040000 {
            return None;
        }
        let flags_at = start + 40 + HASH;
        let flags = u16::from_be_bytes(bytes.get(flags_at..flags_at + 2)?.try_into().ok()?);
        at = flags_at + 2;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            at += 2;
        }
        let path = if version == 4 {
            let (strip, used) = varint(bytes.get(at..end)?)?;
            at += used;
            let suffix_len = bytes.get(at..end)?.iter().position(|b| *b == 0)?;
            let keep = previous.len().checked_sub(strip)?;
            let mut path = previous[..keep].to_vec();
            path.extend_from_slice(&bytes[at..at + suffix_len]);
            at += suffix_len + 1;
            path
        } else {
            let len = bytes.get(at..end)?.iter().position(|b| *b == 0)?;
            let path = bytes[at..at + len].to_vec();
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            at = start + (at - start + len + 8) / 8 * 8;
            path
        };
        if path.is_empty() || at > end {
            return None;
        }
        previous.clone_from(&path);
        // Unmerged paths have an entry per stage: list each path once.
        if paths.last() != Some(&path) {
            paths.push(path);
        }
    }
    // Extensions: a split index keeps most entries in another file ("link"), and a sparse
    // one marks itself ("sdir"); neither is read here.
    while at + 8 <= end {
        let signature = &bytes[at..at + 4];
        if signature == b"link" || signature == b"sdir" {
            return None;
        }
        let size = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        at = at.checked_add(8 + size)?;
    }
    Some(paths)
}

/// Git's variable-length integer of index version 4 (the offset encoding of its packs): the
/// value and the number of bytes it took.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut used = 0;
    let mut byte = *bytes.get(used)?;
    used += 1;
    let mut value = usize::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        byte = *bytes.get(used)?;
        used += 1;
        value = value
            .checked_add(1)?
            .checked_mul(128)?
            .checked_add(usize::from(byte & 0x7f))?;
    }
    Some((value, used))
}

/// Adds the files under `root` that git would list as untracked: not in `tracked`, not matched
/// by `.gitignore` files, `info/exclude` or the global excludes file, outside `.git` and
/// `exclude`. Like git, only untracked entries are matched against the ignore rules (matching
/// every tracked file is what makes a general walker slower than git), and an ignored directory
/// is not entered. The files of a nested repository or submodule are listed too (git lists the
/// directory as one entry): more than git, so their changes reach a key.
fn untracked(
    root: &Path,
    git_dir: &Path,
    exclude: Option<&Path>,
    paths: &mut Vec<Vec<u8>>,
) -> Option<()> {
    let tracked: HashSet<Vec<u8>> = paths.iter().cloned().collect();
    // Lowest precedence first: the excludes file (`core.excludesFile`), then `info/exclude`.
    let mut rules = Vec::new();
    for file in [excludes_file(git_dir), Some(git_dir.join("info/exclude"))]
        .into_iter()
        .flatten()
    {
        let mut builder = GitignoreBuilder::new(root);
        match builder.add(&file) {
            None => rules.push(builder.build().ok()?),
            Some(e) if e.is_io() && !file.exists() => {}
            Some(_) => return None,
        }
    }
    let walk = Walk {
        tracked: &tracked,
        exclude: exclude.map(|x| x.as_os_str().as_bytes()),
    };
    walk.dir(root, &[], &mut rules, paths)
}

struct Walk<'a> {
    tracked: &'a HashSet<Vec<u8>>,
    exclude: Option<&'a [u8]>,
}

impl Walk<'_> {
    fn dir(
        &self,
        dir: &Path,
        relative: &[u8],
        rules: &mut Vec<Gitignore>,
        paths: &mut Vec<Vec<u8>>,
    ) -> Option<()> {
        let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
            .ok()?
            .collect::<Result<_, _>>()
            .ok()?;
        let own = entries.iter().any(|e| e.file_name() == ".gitignore");
        if own {
            let mut builder = GitignoreBuilder::new(dir);
            if let Some(e) = builder.add(dir.join(".gitignore")) {
                // An unreadable `.gitignore`: let git say what it makes of it.
                if e.is_io() {
                    return None;
                }
            }
            rules.push(builder.build().ok()?);
        }
        for entry in entries {
            let name = entry.file_name();
            if name == ".git" {
                continue;
            }
            let mut path = relative.to_vec();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(name.as_bytes());
            if self.exclude == Some(path.as_slice()) {
                continue;
            }
            let is_dir = entry.file_type().ok()?.is_dir();
            if !is_dir && self.tracked.contains(&path) {
                continue;
            }
            let full = entry.path();
            if ignored(rules, &full, is_dir) {
                continue;
            }
            if is_dir {
                self.dir(&full, &path, rules, paths)?;
            } else {
                paths.push(path);
            }
        }
        if own {
            rules.pop();
        }
        Some(())
    }
}

/// The excludes file git reads for this repository: the last `core.excludesFile` of the system,
/// global and repository configs, else `$XDG_CONFIG_HOME/git/ignore` (or
/// `~/.config/git/ignore`). Read here rather than by the `ignore` crate, which compiles a regex
/// to parse the global config (a third of a small run's instructions); its `include`s are not
/// followed, so a file named only there is not applied and the walk lists more, never less.
fn excludes_file(git_dir: &Path) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|c| git_dir.join(c.trim()).join("config"));
    let configs = [
        Some(PathBuf::from("/etc/gitconfig")),
        xdg.as_ref().map(|x| x.join("git/config")),
        home.as_ref().map(|h| h.join(".gitconfig")),
        common,
        Some(git_dir.join("config")),
    ];
    let mut found = None;
    for config in configs.into_iter().flatten() {
        if let Ok(text) = std::fs::read_to_string(&config)
            && let Some(value) = core_excludes_file(&text)
        {
            found = Some(value);
        }
    }
    match found {
        Some(value) => match value.strip_prefix("~/") {
            Some(rest) => home.map(|h| h.join(rest)),
            None => Some(PathBuf::from(value)),
        },
        None => xdg.map(|x| x.join("git/ignore")),
    }
}

/// The last `excludesFile` value of the `[core]` section of a git config file's text.
fn core_excludes_file(text: &str) -> Option<String> {
    let mut in_core = false;
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            let name = header.split([']', ' ', '"']).next().unwrap_or("");
            in_core = name.eq_ignore_ascii_case("core");
            continue;
        }
        if !in_core {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("excludesfile") {
            let value = value.trim();
            // A comment ends the value unless quoted.
            let value = match value.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or(""),
                None => value.split(['#', ';']).next().unwrap_or("").trim(),
            };
            found = Some(value.to_string());
        }
    }
    found
}

/// Whether the deepest rule that speaks of `path` ignores it.
fn ignored(rules: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    for rule in rules.iter().rev() {
        match rule.matched(path, is_dir) {
            ignore::Match::Ignore(_) => return true,
            ignore::Match::Whitelist(_) => return false,
            ignore::Match::None => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        out.stdout
    }

    fn git_says(dir: &Path) -> Vec<PathBuf> {
        let out = git(
            dir,
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
                "--",
                ".",
                ":(exclude,literal)target",
            ],
        );
        let mut v: Vec<PathBuf> = out
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(OsStr::from_bytes(p)))
            .filter(|p| !p.starts_with("target"))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A repository with tracked, untracked, ignored, tracked-but-ignored, hidden, nested-rule
    /// and oddly named files.
    fn sample() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "."]);
        write(root, ".gitignore", "*.log\n/build/\n!keep.log\ntarget\n");
        write(root, "src/lib.rs", "");
        write(root, "src/deep/a b.rs", "");
        write(root, "src/.hidden", "");
        write(root, "src/.gitignore", "*.tmp\n!important.tmp\n");
        write(root, "src/x.tmp", "");
        write(root, "src/important.tmp", "");
        write(root, "build/out.txt", "");
        write(root, "a.log", "");
        write(root, "keep.log", "");
        write(root, "target/debug/x", "");
        write(root, ".git/info/exclude", "secret.txt\n");
        write(root, "secret.txt", "");
        std::os::unix::fs::symlink("src/lib.rs", root.join("link.rs")).unwrap();
        std::fs::write(root.join(OsStr::from_bytes(b"caf\xe9.txt")), "").unwrap();
        git(root, &["add", "-A"]);
        git(root, &["add", "-f", "a.log"]);
        git(root, &["commit", "-qm", "one"]);
        // Untracked after the commit, and a nested repository.
        write(root, "new/file.py", "");
        write(root, "nested/inner.txt", "");
        git(&root.join("nested"), &["init", "-q", "."]);
        dir
    }

    #[test]
    fn lists_what_git_lists_for_every_index_version() {
        let dir = sample();
        let root = dir.path();
        for version in ["2", "3", "4"] {
            git(root, &["update-index", "--index-version", version]);
            if version == "3" {
                // An extended flag: intent-to-add.
                write(root, "intent.txt", "");
                git(root, &["add", "-N", "intent.txt"]);
            }
            let ours = list(root, Some(Path::new("target"))).expect("index read");
            // git names the nested repository as one entry; its files are listed here.
            let mut expected = git_says(root);
            assert!(expected.contains(&PathBuf::from("nested")), "{expected:?}");
            expected.retain(|p| p != Path::new("nested"));
            expected.push("nested/inner.txt".into());
            expected.sort();
            assert_eq!(ours, expected, "index version {version}");
        }
    }

    #[test]
    fn reads_core_excludes_file() {
        let config = "[user]\n\texcludesFile = no\n[core]\n\tbare = false\n\
                      \texcludesFile = ~/first # comment\n[Core]\n\tExcludesFile = \"/x/y z\"\n";
        assert_eq!(core_excludes_file(config).as_deref(), Some("/x/y z"));
        assert_eq!(
            core_excludes_file("[core]\nexcludesfile=a;b\n").as_deref(),
            Some("a")
        );
        assert_eq!(core_excludes_file("[user]\nname = x\n"), None);
    }

    #[test]
    fn the_excludes_file_a_repository_config_names_applies() {
        let dir = sample();
        let root = dir.path();
        let excludes = root.join("../").join(format!(
            "{}-excludes",
            root.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&excludes, "*.py\n").unwrap();
        git(
            root,
            &["config", "core.excludesFile", excludes.to_str().unwrap()],
        );
        let ours = list(root, Some(Path::new("target"))).unwrap();
        assert!(!ours.contains(&PathBuf::from("new/file.py")), "{ours:?}");
        assert!(git_says(root).iter().all(|p| p != Path::new("new/file.py")));
        std::fs::remove_file(excludes).unwrap();
    }

    #[test]
    fn unmerged_paths_are_listed_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main", "."]);
        write(root, "f.txt", "a\n");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "base"]);
        git(root, &["checkout", "-qb", "other"]);
        write(root, "f.txt", "b\n");
        git(root, &["commit", "-qam", "b"]);
        git(root, &["checkout", "-q", "main"]);
        write(root, "f.txt", "c\n");
        git(root, &["commit", "-qam", "c"]);
        let _ = Command::new("git")
            .args(["merge", "-q", "other"])
            .current_dir(root)
            .output();
        assert_eq!(list(root, None).unwrap(), git_says(root));
    }

    #[test]
    fn leaves_a_split_index_and_a_repository_without_index_to_git() {
        let dir = sample();
        git(dir.path(), &["update-index", "--split-index"]);
        assert_eq!(list(dir.path(), None), None);

        let empty = tempfile::tempdir().unwrap();
        git(empty.path(), &["init", "-q", "."]);
        write(empty.path(), "a.txt", "");
        assert_eq!(
            list(empty.path(), None).unwrap(),
            vec![PathBuf::from("a.txt")]
        );
        assert_eq!(list(empty.path(), None).unwrap(), git_says(empty.path()));
    }

    #[test]
    fn not_a_work_tree_top_and_garbage_are_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(list(dir.path(), None), None);
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join(".git/index"),
            b"DIRC\0\0\0\x02\0\0\0\x05short",
        )
        .unwrap();
        assert_eq!(list(dir.path(), None), None);
        std::fs::write(dir.path().join(".git/index"), b"garbage").unwrap();
        assert_eq!(list(dir.path(), None), None);
    }
}
