//! Key text that is equal on every machine for equal inputs: the repository's root written as
//! `$ROOT` and the home directory as `~`, wherever a tool's path, a Python environment or a
//! keyed variable's value names them. Two clones at different paths, or two CI runners with
//! different home directories, then compute equal keys, as a shared (remote) cache needs.

/// The machine-specific prefixes a key replaces.
#[derive(Debug, Clone)]
pub(crate) struct Portable {
    root: String,
    home: Option<String>,
}

impl Portable {
    pub(crate) fn new(root: &std::path::Path, home: Option<&str>) -> Portable {
        Portable {
            root: root.to_string_lossy().trim_end_matches('/').to_string(),
            home: home
                .map(|h| h.trim_end_matches('/').to_string())
                .filter(|h| h.len() > 1),
        }
    }

    /// `text` with the root, then the home directory, replaced where each appears as a whole
    /// path prefix (followed by `/`, a separator or the end, never by more of a name).
    pub(crate) fn text(&self, text: &str) -> String {
        let rooted = replace_prefix(text, &self.root, "$ROOT");
        match &self.home {
            Some(home) => replace_prefix(&rooted, home, "~"),
            None => rooted,
        }
    }
}

fn replace_prefix(text: &str, prefix: &str, with: &str) -> String {
    if prefix.is_empty() || !text.contains(prefix) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let whole = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
        out.push_str(&rest[..at]);
        out.push_str(if whole { with } else { prefix });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_home_become_placeholders_as_whole_prefixes_only() {
        let p = Portable::new(std::path::Path::new("/home/ci/work/repo"), Some("/home/ci"));
        assert_eq!(
            p.text("path /home/ci/work/repo/.venv/bin/ruff\n"),
            "path $ROOT/.venv/bin/ruff\n"
        );
        assert_eq!(
            p.text("/home/ci/.cargo/bin:/home/ci/work/repo/bin:/usr/bin"),
            "~/.cargo/bin:$ROOT/bin:/usr/bin"
        );
        assert_eq!(p.text("/home/ci/work/repo2/x"), "~/work/repo2/x");
        assert_eq!(p.text("/home/cia/x"), "/home/cia/x");
        assert_eq!(p.text("/home/ci"), "~");
        let bare = Portable::new(std::path::Path::new("/r"), Some("/"));
        assert_eq!(bare.text("/r/a /x"), "$ROOT/a /x");
    }
}
