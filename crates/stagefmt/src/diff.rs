//! Counting changed lines: from rustfmt's check output, and between two versions of a file.
//! "Changed lines" is what a reviewer reads: lines removed plus lines added. Unified diffs
//! (ruff's) are read by [`crate::patch`].

use std::collections::BTreeMap;

/// Changed lines per path from `rustfmt --check` (and `cargo fmt --check`) output:
/// `Diff in PATH:LINE:` (or `Diff in PATH at line LINE:`) headers, then `+`/`-`/` ` lines.
pub fn rustfmt(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Diff in ") {
            let path = if let Some((path, _)) = rest.rsplit_once(" at line ") {
                path
            } else {
                let rest = rest.strip_suffix(':').unwrap_or(rest);
                rest.rsplit_once(':').map_or(rest, |(p, _)| p)
            };
            out.entry(path.to_string()).or_insert(0);
            current = Some(path.to_string());
        } else if let Some(path) = &current
            && (line.starts_with('+') || line.starts_with('-'))
        {
            *out.get_mut(path).expect("header seen") += 1;
        }
    }
    out
}

/// Changed lines between two versions of a file.
pub fn count(old: &[u8], new: &[u8]) -> usize {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    diff.iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustfmt_headers_of_old_and_new_versions() {
        let text = "Diff in /r/src/main.rs:1:\n mod foo;\n-fn main(){}\n+fn main() {}\n \n\
                    Diff in /r/src/main.rs:9:\n-a\n+b\n+c\nDiff in /r/src/x y.rs at line 3:\n-q\n+r\n";
        let counts = rustfmt(text);
        assert_eq!(counts.get("/r/src/main.rs"), Some(&5));
        assert_eq!(counts.get("/r/src/x y.rs"), Some(&2));
    }

    #[test]
    fn count_changed_lines() {
        assert_eq!(count(b"a\nb\nc\n", b"a\nB\nc\n"), 2);
        assert_eq!(count(b"a\n", b"a\n"), 0);
    }
}
