//! Reading formatters' diffs: which files would change and by how many lines. "Changed
//! lines" is what a reviewer reads: lines removed plus lines added.

use std::collections::BTreeMap;

/// Changed lines per path from a unified diff (`--- PATH` / `+++ PATH` headers, `@@` hunks),
/// as `ruff format --diff` prints in every version. Hunk lengths are followed, so a removed
/// line that itself starts with `--` is never taken for a header.
pub fn unified(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut lines = split_lines(text).peekable();
    let mut current: Option<String> = None;
    while let Some(line) = lines.next() {
        if line.starts_with("--- ")
            && let Some(new) = lines.peek().and_then(|l| l.strip_prefix("+++ "))
        {
            let path = new.trim_end_matches('\t').to_string();
            lines.next();
            out.entry(path.clone()).or_insert(0);
            current = Some(path);
            continue;
        }
        if let Some(hunk) = line.strip_prefix("@@ ")
            && let Some(path) = &current
        {
            let (mut old_left, mut new_left) = hunk_lengths(hunk);
            let mut changed = 0;
            while old_left + new_left > 0 {
                let Some(body) = lines.next() else { break };
                match body.as_bytes().first() {
                    Some(b'-') => {
                        changed += 1;
                        old_left = old_left.saturating_sub(1);
                    }
                    Some(b'+') => {
                        changed += 1;
                        new_left = new_left.saturating_sub(1);
                    }
                    Some(b'\\') => {}
                    _ => {
                        old_left = old_left.saturating_sub(1);
                        new_left = new_left.saturating_sub(1);
                    }
                }
            }
            *out.get_mut(path).expect("header seen") += changed;
        }
    }
    out
}

/// Lines ended by LF, CRLF or a lone CR: the diff library ruff uses ends a line at a lone CR
/// too (a file with old Mac line endings), so its hunk lengths count such lines.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = match &rest.as_bytes()[end..] {
            [b'\r', b'\n', ..] => 2,
            [] => 0,
            _ => 1,
        };
        rest = &rest[end + skip..];
        Some(line)
    })
}

/// `-a,b +c,d @@` to `(b, d)`; a missing length is 1.
fn hunk_lengths(hunk: &str) -> (usize, usize) {
    let mut parts = hunk.split_whitespace();
    let len = |part: Option<&str>| -> usize {
        let part = part.unwrap_or("");
        match part[1.min(part.len())..].split_once(',') {
            Some((_, n)) => n.parse().unwrap_or(0),
            None => 1,
        }
    };
    (len(parts.next()), len(parts.next()))
}

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
    fn unified_counts_per_file_and_is_not_fooled_by_dashes() {
        let text = "--- pkg/a.py\n+++ pkg/a.py\n@@ -1,3 +1,3 @@\n-x=1\n+x = 1\n--- y\n+-- y\n z\n\n\
                    --- b.py\n+++ b.py\n@@ -4 +4 @@\n-a=1\n+a = 1\n";
        let counts = unified(text);
        assert_eq!(counts.get("pkg/a.py"), Some(&4));
        assert_eq!(counts.get("b.py"), Some(&2));
        assert_eq!(counts.len(), 2);
    }

    #[test]
    fn unified_counts_lines_ended_by_a_lone_cr_as_ruff_does() {
        // `ruff format --diff` 0.17.6 on `a=1\rb=2\n` then on a file after it.
        let text = "--- cr.py\n+++ cr.py\n@@ -1,2 +1,2 @@\n-a=1\r-b=2\n+a = 1\r+b = 2\r\n\n\
                    --- next.py\n+++ next.py\n@@ -1 +1 @@\n-x=1\r\n+x = 1\r\n";
        let counts = unified(text);
        assert_eq!(counts.get("cr.py"), Some(&4));
        assert_eq!(counts.get("next.py"), Some(&2));
    }

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
