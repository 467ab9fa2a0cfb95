//! The document's name when nothing names it directly: taken from the repository itself, never
//! from the folder it is checked out in, so two clones anywhere give the same bytes.

use std::path::Path;

use repo::process::{self, Cmd, RunOptions};

/// The name used when no repository-owned name exists.
pub(crate) const FALLBACK: &str = "workspace";

/// `package.json`'s `name` at the root, else the repository name in the URL of the git remote
/// `origin` (`https://host/org/NAME.git`, `git@host:org/NAME`, `/path/NAME`), else
/// [`FALLBACK`].
pub(crate) fn fallback_name(root: &Path) -> String {
    package_json_name(root)
        .or_else(|| remote_name(root))
        .unwrap_or_else(|| FALLBACK.to_string())
}

fn package_json_name(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("package.json")).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    let name = doc.get("name")?.as_str()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn remote_name(root: &Path) -> Option<String> {
    let cmd = Cmd::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .cwd(root);
    let done = process::run(&cmd, RunOptions::capture()).ok()?;
    if !done.end.success() {
        return None;
    }
    repo_name(String::from_utf8_lossy(&done.stdout).trim())
}

/// The last path segment of a remote URL, without `.git`.
fn repo_name(url: &str) -> Option<String> {
    let url = url.trim_end_matches('/');
    let last = url.rsplit(['/', ':', '\\']).next()?;
    let name = last.strip_suffix(".git").unwrap_or(last);
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        assert_eq!(
            repo_name("https://github.com/o/data-platform.git").as_deref(),
            Some("data-platform")
        );
        assert_eq!(repo_name("git@github.com:o/app").as_deref(), Some("app"));
        assert_eq!(repo_name("git@host:app.git").as_deref(), Some("app"));
        assert_eq!(repo_name("/srv/git/tool/").as_deref(), Some("tool"));
        assert_eq!(repo_name(""), None);
    }
}
