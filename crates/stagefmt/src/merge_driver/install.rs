//! `format merge-driver --install` / `--uninstall`, and the save and restore `format rebase`
//! does around them. Installing writes two things, both local to the clone: the
//! `merge.xtask-format.*` entries of the repository's git config (through `git config`), and
//! a marked block of attribute lines (`*.py merge=xtask-format`) in `$GIT_DIR/info/attributes`,
//! the repository's own gitattributes file, never the committed `.gitattributes` (an edit
//! there would dirty the work tree, and `git rebase` refuses a dirty tree). The patterns are
//! the extensions of every file of the plans (the work tree's, HEAD's, and those of the
//! revisions asked for) and of the formatters' `**/*.EXT` globs; the driver itself checks that
//! a file is in a done batch. Uninstalling removes exactly the block and the config section.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use repo::process::{self, Cmd, RunOptions};

use crate::FormatError;
use crate::config::FormatConfig;
use crate::git::output as git;
use crate::plan::Plan;

/// The driver's name in `merge.<name>.driver` and in `merge=<name>` attributes.
pub const DRIVER_NAME: &str = "xtask-format";

const BEGIN: &str = "# BEGIN xtask format merge-driver (written by `format merge-driver --install`; `--uninstall` removes this block)";
const END: &str = "# END xtask format merge-driver";

/// How to install the driver.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The shell words that run this binary on this repository, quoted
    /// (`'/path/to/xtask' --root '/repo'`); git runs the driver through `sh`.
    pub program: String,
    /// Revisions whose plans add patterns (`format rebase`: the upstream).
    pub revisions: Vec<String>,
}

/// What was installed.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The attributes file written.
    pub attributes: PathBuf,
    /// Its patterns, sorted.
    pub patterns: Vec<String>,
}

/// The driver's config entries and the attributes file as they were before an install.
#[derive(Debug, Clone)]
pub struct Saved {
    config: Vec<(String, String)>,
    attributes: Option<Vec<u8>>,
}

/// Installs the driver (again, replacing a previous install).
pub fn install(repo: &repo::Repo, options: &InstallOptions) -> Result<Installed, FormatError> {
    let root = repo.root();
    let attributes = attributes_path(root)?;
    let patterns = patterns(repo, &options.revisions)?;
    if patterns.is_empty() {
        return Err(FormatError::Other(format!(
            "nothing to install: no plan lists a file and no formatter has a `**/*.EXT` include glob; run `{}` first",
            repo::invocation::current().command("format plan")
        )));
    }
    remove_section(root)?;
    git(
        root,
        &[
            "config",
            "--local",
            &format!("merge.{DRIVER_NAME}.name"),
            "xtask format: formats base, ours and theirs with the batch's formatter, then merges",
        ],
    )?;
    let driver = format!(
        "{} format merge-driver --marker-size %L --label-base %S --label-ours %X --label-theirs %Y -- %O %A %B %P",
        options.program
    );
    git(
        root,
        &[
            "config",
            "--local",
            &format!("merge.{DRIVER_NAME}.driver"),
            &driver,
        ],
    )?;
    let old = read_optional(&attributes)?.unwrap_or_default();
    let mut text = without_block(&old);
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(BEGIN.as_bytes());
    text.push(b'\n');
    for p in &patterns {
        text.extend_from_slice(format!("{p} merge={DRIVER_NAME}\n").as_bytes());
    }
    text.extend_from_slice(END.as_bytes());
    text.push(b'\n');
    if let Some(dir) = attributes.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| repo::fs::FsError::new("create directory", dir, e))?;
    }
    repo::fs::write_atomic(&attributes, &text)?;
    Ok(Installed {
        attributes,
        patterns,
    })
}

/// Removes what [`install`] added; `false` when nothing was installed.
pub fn uninstall(repo: &repo::Repo) -> Result<bool, FormatError> {
    let root = repo.root();
    let attributes = attributes_path(root)?;
    let mut removed = remove_section(root)?;
    if let Some(old) = read_optional(&attributes)? {
        let text = without_block(&old);
        if text.is_empty() && !old.is_empty() {
            // The install created it (or left only its block): no file is as before.
            std::fs::remove_file(&attributes)
                .map_err(|e| repo::fs::FsError::new("remove", &attributes, e))?;
            removed = true;
        } else if text != old {
            repo::fs::write_atomic(&attributes, &text)?;
            removed = true;
        }
    }
    Ok(removed)
}

/// The driver's config entries and the attributes file as they are now.
pub fn save(repo: &repo::Repo) -> Result<Saved, FormatError> {
    let root = repo.root();
    Ok(Saved {
        config: entries(root)?,
        attributes: read_optional(&attributes_path(root)?)?,
    })
}

/// Puts back what [`save`] saw.
pub fn restore(repo: &repo::Repo, saved: &Saved) -> Result<(), FormatError> {
    let root = repo.root();
    remove_section(root)?;
    for (key, value) in &saved.config {
        git(root, &["config", "--local", "--add", key, value])?;
    }
    let attributes = attributes_path(root)?;
    match &saved.attributes {
        Some(text) => repo::fs::write_atomic(&attributes, text)?,
        None => match std::fs::remove_file(&attributes) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(repo::fs::FsError::new("remove", &attributes, e).into()),
        },
    }
    Ok(())
}

/// The attribute patterns: `*.EXT` for every extension of a planned file and of a
/// formatter's `**/*.EXT` (or `*.EXT`) include glob.
fn patterns(repo: &repo::Repo, revisions: &[String]) -> Result<Vec<String>, FormatError> {
    let root = repo.root();
    let mut exts: BTreeSet<String> = BTreeSet::new();
    let mut plans: Vec<Plan> = Plan::load(root)?.into_iter().collect();
    for rev in std::iter::once("HEAD").chain(revisions.iter().map(String::as_str)) {
        plans.extend(super::plans::plan_at(root, rev));
    }
    for plan in &plans {
        for b in &plan.batches {
            for f in &b.files {
                if let Some(ext) = f.extension().and_then(|e| e.to_str()) {
                    exts.insert(ext.to_string());
                }
            }
        }
    }
    let config = FormatConfig::load(repo)?;
    for f in &config.formatters {
        for glob in &f.include {
            let rest = glob.strip_prefix("**/").unwrap_or(glob);
            if let Some(ext) = rest.strip_prefix("*.") {
                exts.insert(ext.to_string());
            }
        }
    }
    Ok(exts
        .into_iter()
        .filter(|e| {
            !e.is_empty()
                && e.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        })
        .map(|e| format!("*.{e}"))
        .collect())
}

/// `$GIT_DIR/info/attributes` of the work tree at `root` (shared by linked work trees).
fn attributes_path(root: &Path) -> Result<PathBuf, FormatError> {
    let out = git(
        root,
        &[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "info/attributes",
        ],
    )?;
    let out = out.strip_suffix(b"\n").unwrap_or(&out);
    Ok(root.join(PathBuf::from(OsString::from_vec(out.to_vec()))))
}

/// The driver's entries in the repository's own config, in order.
fn entries(root: &Path) -> Result<Vec<(String, String)>, FormatError> {
    let pattern = format!("^merge\\.{}\\.", DRIVER_NAME.replace('-', "\\-"));
    let done = process::run(
        &Cmd::new("git")
            .args(["config", "--local", "-z", "--get-regexp", &pattern])
            .cwd(root),
        RunOptions::capture(),
    )
    .map_err(|e| FormatError::Git(e.to_string()))?;
    match done.end {
        process::End::Exited(0) => {}
        // No entry.
        process::End::Exited(1) => return Ok(Vec::new()),
        _ => {
            return Err(FormatError::Git(format!(
                "`git config --get-regexp {pattern}` failed: {}",
                String::from_utf8_lossy(&done.stderr).trim()
            )));
        }
    }
    Ok(done
        .stdout
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = String::from_utf8_lossy(e);
            match e.split_once('\n') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e.to_string(), String::new()),
            }
        })
        .collect())
}

/// Removes the `merge.xtask-format` section; `false` when there was none.
fn remove_section(root: &Path) -> Result<bool, FormatError> {
    if entries(root)?.is_empty() {
        return Ok(false);
    }
    git(
        root,
        &[
            "config",
            "--local",
            "--remove-section",
            &format!("merge.{DRIVER_NAME}"),
        ],
    )?;
    Ok(true)
}

/// `text` without the marked block (its lines, begin to end, included).
fn without_block(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut inside = false;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        if !inside && bare == BEGIN.as_bytes() {
            inside = true;
        } else if inside {
            if bare == END.as_bytes() {
                inside = false;
            }
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FormatError> {
    match std::fs::read(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(repo::fs::FsError::new("read", path, e).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_comes_out_exactly() {
        let text = format!("*.bin binary\n{BEGIN}\n*.py merge=xtask-format\n{END}\n*.md text\n");
        assert_eq!(without_block(text.as_bytes()), b"*.bin binary\n*.md text\n");
        assert_eq!(without_block(b"a\n"), b"a\n");
    }
}
