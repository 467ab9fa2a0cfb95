//! The one reader of unified diffs (`ruff format --diff`): each file's hunks, counted for the
//! check ([`changed_lines`]) and applied to the original bytes in memory ([`apply`]), so the
//! formatter only ever reads the real files. Strict: every context and removed line must match
//! the bytes exactly, hunks must be in order, and anything unexpected is an error, never a
//! guess.

use std::collections::BTreeMap;

/// Why a diff could not be read or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The diff text is not a well-formed unified diff.
    #[error("malformed diff: {0}")]
    Malformed(String),
    /// A hunk does not match the bytes it should change.
    #[error("hunk at line {line} does not match the file")]
    Mismatch { line: usize },
}

/// One line of a hunk: `b' '` (context), `b'-'` (removed) or `b'+'` (added), and its bytes
/// with their line ending (none for a last line without one).
type Line = (u8, Vec<u8>);

/// A hunk: where it starts in the original (1-based, as printed) and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    old_start: usize,
    old_len: usize,
    lines: Vec<Line>,
}

/// Parses a unified diff into each file's hunks, keyed by the name in its `+++` header
/// (bytes, exactly as printed). Hunk lengths are followed, so a line that starts with `---`
/// inside a hunk is never a header; the blank line ruff prints after each file is skipped.
/// Lines end at LF, CRLF or a lone CR, as in the diff library ruff uses (a file with old Mac
/// line endings), so its hunk lengths count such lines.
pub fn parse(text: &[u8]) -> Result<BTreeMap<Vec<u8>, Vec<Hunk>>, PatchError> {
    let mut out: BTreeMap<Vec<u8>, Vec<Hunk>> = BTreeMap::new();
    let mut lines = split_lines(text).peekable();
    let mut current: Option<Vec<u8>> = None;
    while let Some(line) = lines.next() {
        let bare = strip_newline(line);
        if let Some(old) = bare.strip_prefix(b"--- ") {
            let Some(new) = lines.next().map(strip_newline) else {
                return Err(PatchError::Malformed("`---` header without `+++`".into()));
            };
            let Some(new) = new.strip_prefix(b"+++ ") else {
                return Err(PatchError::Malformed("`---` header without `+++`".into()));
            };
            if new != old {
                return Err(PatchError::Malformed(format!(
                    "headers name two files: {} and {}",
                    String::from_utf8_lossy(old),
                    String::from_utf8_lossy(new)
                )));
            }
            if out.contains_key(new) {
                return Err(PatchError::Malformed(format!(
                    "{} appears twice",
                    String::from_utf8_lossy(new)
                )));
            }
            out.insert(new.to_vec(), Vec::new());
            current = Some(new.to_vec());
            continue;
        }
        if let Some(range) = bare.strip_prefix(b"@@ ") {
            let Some(file) = &current else {
                return Err(PatchError::Malformed("hunk before any file header".into()));
            };
            let (old_start, old_len, new_len) = hunk_range(range)?;
            let (mut old_left, mut new_left) = (old_len, new_len);
            let mut body: Vec<Line> = Vec::new();
            while old_left + new_left > 0 {
                let Some(l) = lines.next() else {
                    return Err(PatchError::Malformed("hunk cut short".into()));
                };
                let Some((&tag, content)) = l.split_first() else {
                    return Err(PatchError::Malformed("empty hunk line".into()));
                };
                match tag {
                    b' ' if old_left > 0 && new_left > 0 => {
                        old_left -= 1;
                        new_left -= 1;
                    }
                    b'-' if old_left > 0 => old_left -= 1,
                    b'+' if new_left > 0 => new_left -= 1,
                    _ => {
                        return Err(PatchError::Malformed(format!(
                            "unexpected hunk line: {}",
                            String::from_utf8_lossy(l).trim_end()
                        )));
                    }
                }
                body.push((tag, content.to_vec()));
                no_newline_marker(&mut lines, &mut body)?;
            }
            out.get_mut(file).expect("header seen").push(Hunk {
                old_start,
                old_len,
                lines: body,
            });
            continue;
        }
        if bare.is_empty() {
            continue;
        }
        return Err(PatchError::Malformed(format!(
            "unexpected line: {}",
            String::from_utf8_lossy(bare)
        )));
    }
    Ok(out)
}

/// `\ No newline at end of file` after a hunk line: that line has no line ending.
fn no_newline_marker<'a>(
    lines: &mut std::iter::Peekable<impl Iterator<Item = &'a [u8]>>,
    body: &mut [Line],
) -> Result<(), PatchError> {
    if lines.peek().is_some_and(|l| l.starts_with(b"\\")) {
        lines.next();
        let last = body.last_mut().expect("a line was just pushed");
        let bare = strip_newline(&last.1).len();
        if bare == last.1.len() {
            return Err(PatchError::Malformed(
                "`\\ No newline` after a line that has none".into(),
            ));
        }
        last.1.truncate(bare);
    }
    Ok(())
}

/// `line` without its line ending (LF, CRLF or a lone CR).
fn strip_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Lines with their endings: each ends at LF, CRLF or a lone CR (the last may have none).
fn split_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        };
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// Changed lines in `hunks`, as a reviewer reads them: lines removed plus lines added.
pub fn changed_lines(hunks: &[Hunk]) -> usize {
    hunks
        .iter()
        .flat_map(|h| &h.lines)
        .filter(|(tag, _)| *tag != b' ')
        .count()
}

/// `-a,b +c,d @@` to `(a, b, d)`; a missing length is 1.
fn hunk_range(range: &[u8]) -> Result<(usize, usize, usize), PatchError> {
    let bad = || {
        PatchError::Malformed(format!(
            "bad hunk header: @@ {}",
            String::from_utf8_lossy(range)
        ))
    };
    let text = std::str::from_utf8(range).map_err(|_| bad())?;
    let mut parts = text.split_whitespace();
    let parse = |part: Option<&str>, sign: char| -> Result<(usize, usize), PatchError> {
        let part = part.and_then(|p| p.strip_prefix(sign)).ok_or_else(bad)?;
        let (start, len) = part.split_once(',').unwrap_or((part, "1"));
        Ok((
            start.parse().map_err(|_| bad())?,
            len.parse().map_err(|_| bad())?,
        ))
    };
    let (old_start, old_len) = parse(parts.next(), '-')?;
    let (_, new_len) = parse(parts.next(), '+')?;
    if parts.next() != Some("@@") {
        return Err(bad());
    }
    Ok((old_start, old_len, new_len))
}

/// Applies `hunks` to `original`: the new contents, or an error when any context or removed
/// line differs from the original's bytes (the file is not the one the diff was made from).
pub fn apply(original: &[u8], hunks: &[Hunk]) -> Result<Vec<u8>, PatchError> {
    let lines: Vec<&[u8]> = split_lines(original).collect();
    let mut out = Vec::with_capacity(original.len() + original.len() / 8);
    let mut cursor = 0;
    for hunk in hunks {
        // A hunk that removes nothing names the line it follows; otherwise its first line.
        let mut at = if hunk.old_len == 0 {
            hunk.old_start
        } else {
            hunk.old_start
                .checked_sub(1)
                .ok_or(PatchError::Mismatch { line: 0 })?
        };
        if at < cursor || at > lines.len() {
            return Err(PatchError::Mismatch {
                line: hunk.old_start,
            });
        }
        for l in &lines[cursor..at] {
            out.extend_from_slice(l);
        }
        for (tag, content) in &hunk.lines {
            match tag {
                b'+' => out.extend_from_slice(content),
                _ => {
                    if lines.get(at) != Some(&content.as_slice()) {
                        return Err(PatchError::Mismatch { line: at + 1 });
                    }
                    if *tag == b' ' {
                        out.extend_from_slice(content);
                    }
                    at += 1;
                }
            }
        }
        cursor = at;
    }
    for l in &lines[cursor..] {
        out.extend_from_slice(l);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(diff: &[u8], original: &[u8]) -> Result<Vec<u8>, PatchError> {
        let files = parse(diff)?;
        assert_eq!(files.len(), 1, "{files:?}");
        apply(original, files.values().next().unwrap())
    }

    /// Output of `ruff format --diff` 0.17.6 for the files named in the headers.
    const RUFF: &[u8] = b"--- crlf.py\n+++ crlf.py\n@@ -1,2 +1,2 @@\n-x=1\r\n-y=2\r\n+x = 1\r\n+y = 2\r\n\n\
--- nonl.py\n+++ nonl.py\n@@ -1,2 +1,2 @@\n-x=1\n-y = 2\n\\ No newline at end of file\n+x = 1\n+y = 2\n\n\
--- sp ace.py\n+++ sp ace.py\n@@ -1 +1 @@\n-a=1\n+a = 1\n\n";

    #[test]
    fn changed_lines_per_file_not_fooled_by_dashes() {
        let text =
            b"--- pkg/a.py\n+++ pkg/a.py\n@@ -1,3 +1,3 @@\n-x=1\n+x = 1\n--- y\n+-- y\n z\n\n\
                    --- b.py\n+++ b.py\n@@ -4 +4 @@\n-a=1\n+a = 1\n";
        let files = parse(text).unwrap();
        assert_eq!(changed_lines(&files[&b"pkg/a.py"[..]]), 4);
        assert_eq!(changed_lines(&files[&b"b.py"[..]]), 2);
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn lines_ended_by_a_lone_cr_as_ruff_counts_them() {
        // `ruff format --diff` 0.17.6 on `a=1\rb=2\n` then on a file after it.
        let text = b"--- cr.py\n+++ cr.py\n@@ -1,2 +1,2 @@\n-a=1\r-b=2\n+a = 1\r+b = 2\r\n\n\
                    --- next.py\n+++ next.py\n@@ -1 +1 @@\n-x=1\r\n+x = 1\r\n";
        let files = parse(text).unwrap();
        assert_eq!(changed_lines(&files[&b"cr.py"[..]]), 4);
        assert_eq!(changed_lines(&files[&b"next.py"[..]]), 2);
        assert_eq!(
            apply(b"a=1\rb=2\n", &files[&b"cr.py"[..]]).unwrap(),
            b"a = 1\rb = 2\r\n"
        );
    }

    #[test]
    fn real_ruff_output_crlf_missing_newline_and_spaces() {
        let files = parse(RUFF).unwrap();
        let names: Vec<&[u8]> = files.keys().map(|k| k.as_slice()).collect();
        assert_eq!(names, [&b"crlf.py"[..], b"nonl.py", b"sp ace.py"]);
        assert_eq!(
            apply(b"x=1\r\ny=2\r\n", &files[&b"crlf.py"[..]]).unwrap(),
            b"x = 1\r\ny = 2\r\n"
        );
        assert_eq!(
            apply(b"x=1\ny = 2", &files[&b"nonl.py"[..]]).unwrap(),
            b"x = 1\ny = 2\n"
        );
        assert_eq!(
            apply(b"a=1\n", &files[&b"sp ace.py"[..]]).unwrap(),
            b"a = 1\n"
        );
    }

    #[test]
    fn a_changed_file_is_refused() {
        let files = parse(RUFF).unwrap();
        // CRLF diff on an LF file, a line edited since, a file grown on one side.
        assert_eq!(
            apply(b"x=1\ny=2\n", &files[&b"crlf.py"[..]]),
            Err(PatchError::Mismatch { line: 1 })
        );
        assert_eq!(
            apply(b"x=1\ny = 3", &files[&b"nonl.py"[..]]),
            Err(PatchError::Mismatch { line: 2 })
        );
        assert_eq!(
            apply(b"x=1\ny = 2\n", &files[&b"nonl.py"[..]]),
            Err(PatchError::Mismatch { line: 2 })
        );
        assert_eq!(
            apply(b"", &files[&b"sp ace.py"[..]]),
            Err(PatchError::Mismatch { line: 1 })
        );
    }

    #[test]
    fn context_several_hunks_and_dashes_inside_a_hunk() {
        let diff = b"--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n keep\n--- y\n++-- y\n tail\n@@ -7,2 +7,3 @@\n-z=1\n+z = 1\n+\n end\n\n";
        let original = b"keep\n-- y\ntail\n4\n5\n6\nz=1\nend\nlast";
        assert_eq!(
            one(diff, original).unwrap(),
            b"keep\n+-- y\ntail\n4\n5\n6\nz = 1\n\nend\nlast"
        );
    }

    #[test]
    fn insertions_deletions_and_a_whole_file() {
        // Blank lines only, formatted to an empty file.
        assert_eq!(
            one(b"--- e.py\n+++ e.py\n@@ -1,2 +0,0 @@\n-\n-\n", b"\n\n").unwrap(),
            b""
        );
        // Added after line 1 (a hunk that removes nothing names the line it follows).
        assert_eq!(
            one(b"--- i.py\n+++ i.py\n@@ -1,0 +2 @@\n+b\n", b"a\nc\n").unwrap(),
            b"a\nb\nc\n"
        );
        // A context line without a final newline on both sides.
        assert_eq!(
            one(
                b"--- n.py\n+++ n.py\n@@ -1,2 +1,2 @@\n-a=1\n+a = 1\n b\n\\ No newline at end of file\n",
                b"a=1\nb"
            )
            .unwrap(),
            b"a = 1\nb"
        );
    }

    #[test]
    fn malformed_diffs_are_errors() {
        for bad in [
            &b"--- a.py\n+++ b.py\n@@ -1 +1 @@\n-a\n+b\n"[..],
            b"--- a.py\n+++ a.py\n@@ -1,2 +1 @@\n-a\n",
            b"--- a.py\n+++ a.py\n@@ -1 +1 @@\n?a\n+b\n",
            b"@@ -1 +1 @@\n-a\n+b\n",
            b"--- a.py\n+++ a.py\n@@ -x +1 @@\n-a\n+b\n",
            b"--- a.py\n+++ a.py\n@@ -1 +1 @@\n-a\n+b\n--- a.py\n+++ a.py\n",
            b"something else\n",
        ] {
            assert!(
                matches!(parse(bad), Err(PatchError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // Overlapping or out-of-order hunks do not apply.
        let files =
            parse(b"--- a.py\n+++ a.py\n@@ -2 +2 @@\n-b\n+B\n@@ -1 +1 @@\n-a\n+A\n").unwrap();
        assert!(apply(b"a\nb\n", &files[&b"a.py"[..]]).is_err());
    }
}
