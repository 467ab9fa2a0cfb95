//! The stored baselines: `.xtask/baselines/NAME.txt`, committed. A count is one `count = N`
//! line; diagnostics are one fingerprint per line (file, rule, normalised message and the
//! flagged line's text, tab-separated), sorted, so merges stay easy. `#` lines are comments.

use std::path::{Path, PathBuf};

use super::error::BaselineError;

/// Where baselines live, relative to the repository root.
pub(crate) const DIR: &str = ".xtask/baselines";

/// A stored baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    Count(u64),
    /// Sorted fingerprints; a fingerprint appears once per occurrence.
    Fingerprints(Vec<String>),
}

/// The baseline file of gate `name`, relative to the repository root.
pub(crate) fn relative_path(name: &str) -> PathBuf {
    Path::new(DIR).join(crate::file_names::baseline_file_name(name))
}

/// The baseline file of gate `name` in the repository at `root`.
pub(crate) fn path(root: &Path, name: &str) -> PathBuf {
    root.join(relative_path(name))
}

/// Loads gate `name`'s baseline; `Ok(None)` when no file is there. A file that cannot be read
/// (a directory, no permission, not UTF-8) or holds a bad count is an error naming it.
pub(crate) fn load(root: &Path, name: &str) -> Result<Option<Stored>, BaselineError> {
    let rel = relative_path(name);
    let text = match std::fs::read_to_string(root.join(&rel)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(BaselineError::Read { path: rel, source }),
    };
    let text = text.replace("\r\n", "\n");
    let body = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#'));
    if let Some((i, count)) = body
        .clone()
        .find_map(|(i, l)| l.strip_prefix("count = ").map(|c| (i, c)))
    {
        return match count.trim().parse() {
            Ok(n) => Ok(Some(Stored::Count(n))),
            Err(_) => Err(BaselineError::BadCount {
                path: rel,
                line: i + 1,
                value: count.to_string(),
            }),
        };
    }
    let mut fingerprints: Vec<String> = body
        .filter(|(_, l)| !l.is_empty())
        .map(|(_, l)| l.to_string())
        .collect();
    fingerprints.sort();
    Ok(Some(Stored::Fingerprints(fingerprints)))
}

/// Writes gate `name`'s baseline: sorted, one entry per line, merge-friendly.
pub(crate) fn save(root: &Path, name: &str, stored: &Stored) -> Result<(), BaselineError> {
    let mut text = format!(
        "# Baseline of the `{name}` gate, written by `cargo xtask qa baseline update` or \
         `--ratchet`. Commit it.\n"
    );
    match stored {
        Stored::Count(n) => text.push_str(&format!("count = {n}\n")),
        Stored::Fingerprints(f) => {
            text.push_str("# file<TAB>rule<TAB>message<TAB>flagged line text\n");
            let mut f = f.clone();
            f.sort();
            for line in f {
                text.push_str(&line);
                text.push('\n');
            }
        }
    }
    Ok(repo::fs::write_atomic(&path(root, name), text.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_baselines_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "types", &Stored::Count(90)).unwrap();
        assert_eq!(load(dir.path(), "types").unwrap(), Some(Stored::Count(90)));
        let f = Stored::Fingerprints(vec!["b\tX\tm\tt".into(), "a\tY\tm\tt".into()]);
        save(dir.path(), "lint", &f).unwrap();
        assert_eq!(
            load(dir.path(), "lint").unwrap(),
            Some(Stored::Fingerprints(vec![
                "a\tY\tm\tt".into(),
                "b\tX\tm\tt".into()
            ]))
        );
        assert_eq!(load(dir.path(), "none").unwrap(), None);
    }

    #[test]
    fn an_unreadable_or_malformed_baseline_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".xtask/baselines/types.txt")).unwrap();
        let e = load(dir.path(), "types").unwrap_err().to_string();
        assert!(
            e.starts_with("cannot read the baseline .xtask/baselines/types.txt: "),
            "{e}"
        );
        std::fs::write(dir.path().join(".xtask/baselines/lint.txt"), b"a\xff\n").unwrap();
        let e = load(dir.path(), "lint").unwrap_err().to_string();
        assert!(
            e.starts_with("cannot read the baseline .xtask/baselines/lint.txt: "),
            "{e}"
        );
        std::fs::write(
            dir.path().join(".xtask/baselines/n.txt"),
            "# comment\ncount = many\n",
        )
        .unwrap();
        assert_eq!(
            load(dir.path(), "n").unwrap_err().to_string(),
            ".xtask/baselines/n.txt:2: `count = many` is not a number"
        );
    }
}
