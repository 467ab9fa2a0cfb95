//! Asking ruff which files it would reformat without asking for diffs: `ruff format --check
//! --output-format concise`, read in the concise lines of newer versions and the text of older
//! ones.
//!
//! A diff is only needed for changed-line counts (`format plan`, `format check --lines`).
//! When most files are pending, printing every diff costs ruff more than the formatting: on a
//! 213-file project with 199 pending, ruff 0.17's `--diff` took 88 ms where `--check
//! --output-format json` took 55 ms (and plain `--check`, whose text shows a diff snippet per
//! file, 179 ms). `concise` costs what `json` does and, unlike it, ends with ruff's summary
//! (`N files would be reformatted, M files already formatted`): the count of the files ruff
//! considered ([`crate::considered`]), with no `--verbose` log (which cost ruff 40%).
//!
//! One invocation serves every pinned version: ruff 0.17 prints one line per diagnostic,
//! `PATH:ROW:COL: CODE: MESSAGE` (`unformatted`, or `invalid-syntax` for a file that does not
//! parse), then the summary; ruff 0.14 warns that the flag needs preview mode, ignores it, and
//! prints `Would reformat: PATH` lines and the summary, with `error: Failed to parse
//! PATH:LINE:COL: ...` on stderr. Preview mode is never turned on (it would change the style).

use std::collections::HashMap;
use std::path::PathBuf;

use repo::process::{self, End};

use crate::adapter::CheckOutput;

/// The arguments of the check (before `--no-cache`, `--` and the paths).
pub(crate) const ARGS: [&str; 5] = [
    "format",
    "--check",
    "--output-format",
    "concise",
    "--force-exclude",
];

/// Reads one run of [`ARGS`]: the pending files (with no line counts: 0) and the files that
/// do not parse, among `names` (display name, relative and absolute, to the file). `None` when
/// ruff failed for another reason.
pub(crate) fn parse(
    done: &process::Finished,
    names: &HashMap<String, PathBuf>,
) -> Option<CheckOutput> {
    let stdout = String::from_utf8_lossy(&done.stdout);
    let stderr = String::from_utf8_lossy(&done.stderr);
    let mut out = CheckOutput::default();
    for line in stdout.lines() {
        if let Some(file) = line
            .strip_prefix("Would reformat: ")
            .and_then(|n| names.get(n))
        {
            out.pending.insert(file.clone(), 0);
        } else if let Some((file, at, code, message)) = diagnostic(line, names) {
            if code == "unformatted" {
                out.pending.insert(file.clone(), 0);
            } else if code == "invalid-syntax" {
                out.broken
                    .entry(file.clone())
                    .or_insert_with(|| format!("{at}{message}"));
            } else {
                out.broken
                    .entry(file.clone())
                    .or_insert_with(|| format!("{code}: {at}{message}"));
            }
        }
    }
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("error: Failed to parse ") else {
            continue;
        };
        // The longest known name followed by `:` (names may hold colons).
        let hit = names
            .iter()
            .filter(|(n, _)| rest.strip_prefix(*n).is_some_and(|r| r.starts_with(':')))
            .max_by_key(|(n, _)| n.len());
        if let Some((n, file)) = hit {
            out.broken
                .entry(file.clone())
                .or_insert_with(|| rest[n.len() + 1..].to_string());
        }
    }
    match done.end {
        End::Exited(0) => Some(out),
        // ruff's "would reformat": it must name a file we gave it, or we would call it clean.
        End::Exited(1) if !out.pending.is_empty() || !out.broken.is_empty() => Some(out),
        End::Exited(2) if !out.broken.is_empty() => Some(out),
        _ => None,
    }
}

/// One concise diagnostic, `NAME:ROW:COL: CODE: MESSAGE` (or `NAME: CODE: MESSAGE`), for the
/// longest of `names` it starts with (names may hold colons and spaces): the file, `ROW:COL: `
/// (or nothing), the code and the message.
fn diagnostic<'a>(
    line: &'a str,
    names: &'a HashMap<String, PathBuf>,
) -> Option<(&'a PathBuf, String, &'a str, &'a str)> {
    line.match_indices(':').rev().find_map(|(i, _)| {
        let file = names.get(&line[..i])?;
        let rest = &line[i + 1..];
        let (at, rest) = match rest.split_once(": ") {
            Some((place, rest))
                if place
                    .split_once(':')
                    .is_some_and(|(r, c)| number(r) && number(c)) =>
            {
                (format!("{place}: "), rest)
            }
            _ => (String::new(), rest.strip_prefix(' ')?),
        };
        let (code, message) = rest.split_once(": ")?;
        let kebab = !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        kebab.then_some((file, at, code, message))
    })
}

fn number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn finished(code: i32, stdout: &str, stderr: &str) -> process::Finished {
        process::Finished {
            end: End::Exited(code),
            duration: Duration::ZERO,
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    fn names() -> HashMap<String, PathBuf> {
        ["a.py", "c.py", "sp ace/d:x.py"]
            .into_iter()
            .flat_map(|n| {
                [
                    (n.to_string(), PathBuf::from(n)),
                    (format!("/r/{n}"), PathBuf::from(n)),
                ]
            })
            .collect()
    }

    #[test]
    fn concise_lines_of_ruff_0_17() {
        let stdout = "a.py:1:2: unformatted: File would be reformatted\n\
                      c.py:1:5: invalid-syntax: Expected an identifier\n\
                      sp ace/d:x.py:3:1: unformatted: File would be reformatted\n\
                      README.md:1:2: unformatted: File would be reformatted\n\
                      2 files would be reformatted, 1 file already formatted\n";
        let out = parse(&finished(2, stdout, ""), &names()).unwrap();
        assert_eq!(
            out.pending.keys().collect::<Vec<_>>(),
            [&PathBuf::from("a.py"), &PathBuf::from("sp ace/d:x.py")]
        );
        assert_eq!(
            out.broken[&PathBuf::from("c.py")],
            "1:5: Expected an identifier"
        );
        // A diagnostic without a place, and one of another kind, are kept with their code.
        let out = parse(
            &finished(2, "a.py: io-error: Permission denied\n", ""),
            &names(),
        )
        .unwrap();
        assert_eq!(
            out.broken[&PathBuf::from("a.py")],
            "io-error: Permission denied"
        );
        // Not a diagnostic: a name we did not give, or no code.
        assert!(diagnostic("b.py:1:2: unformatted: x", &names()).is_none());
        assert!(diagnostic("a.py:1:2: File would be reformatted", &names()).is_none());
    }

    #[test]
    fn text_of_ruff_0_14() {
        let stderr = "warning: The --output-format flag for the formatter is unstable and requires preview mode to use.\n\
                      error: Failed to parse c.py:1:5: Expected an identifier\n";
        let stdout = "Would reformat: a.py\nWould reformat: sp ace/d:x.py\n2 files would be reformatted, 1 file already formatted\n";
        let out = parse(&finished(2, stdout, stderr), &names()).unwrap();
        assert_eq!(out.pending.len(), 2);
        assert_eq!(
            out.broken[&PathBuf::from("c.py")],
            "1:5: Expected an identifier"
        );
        assert!(
            parse(&finished(0, "1 file already formatted\n", ""), &names())
                .unwrap()
                .pending
                .is_empty()
        );
        assert!(parse(&finished(2, "", "error: boom\n"), &names()).is_none());
    }
}
