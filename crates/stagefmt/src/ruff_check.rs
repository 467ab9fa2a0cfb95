//! Asking ruff which files it would reformat without asking for diffs: `ruff format --check
//! --output-format json`, read in both the JSON of newer versions and the text of older ones.
//!
//! A diff is only needed for changed-line counts (`format plan`, `format check --lines`).
//! When most files are pending, printing every diff costs ruff more than the formatting: on a
//! 213-file project with 199 pending, ruff 0.17's `--diff` took 88 ms where `--check
//! --output-format json` took 55 ms (and plain `--check`, whose text shows a diff snippet per
//! file, 179 ms).
//!
//! One invocation serves every pinned version: ruff 0.17 prints a JSON array of diagnostics
//! (`unformatted`, or `invalid-syntax` for a file that does not parse, each with its absolute
//! `filename`); ruff 0.14 warns that the flag needs preview mode, ignores it, and prints
//! `Would reformat: PATH` lines, with `error: Failed to parse PATH:LINE:COL: ...` on stderr.
//! Preview mode is never turned on (it would change the style). Which form came back is told
//! by the output itself (a JSON array starts with `[`), not by the version.

use std::collections::HashMap;
use std::path::PathBuf;

use repo::process::{self, End};

use crate::adapter::CheckOutput;

/// The arguments of the check (before `--no-cache`, `--` and the paths).
pub(crate) const ARGS: [&str; 5] = [
    "format",
    "--check",
    "--output-format",
    "json",
    "--force-exclude",
];

/// Reads one run of [`ARGS`]: the pending files (with no line counts: 0) and the files that
/// do not parse, among `names` (display name, relative and absolute, to the file). `Err` when
/// ruff failed for another reason (with what was wrong with its output, if anything).
pub(crate) fn parse(
    done: &process::Finished,
    names: &HashMap<String, PathBuf>,
) -> Result<CheckOutput, String> {
    let stdout = String::from_utf8_lossy(&done.stdout);
    let stderr = String::from_utf8_lossy(&done.stderr);
    let mut out = CheckOutput::default();
    if stdout.trim_start().starts_with('[') {
        let diagnostics: Vec<serde_json::Value> = serde_json::from_str(&stdout)
            .map_err(|e| format!("its JSON output could not be read: {e}"))?;
        for d in &diagnostics {
            let Some(file) = d["filename"].as_str().and_then(|n| names.get(n)) else {
                continue;
            };
            let code = d["code"].as_str().unwrap_or("");
            if code == "unformatted" {
                out.pending.insert(file.clone(), 0);
                continue;
            }
            let message = d["message"].as_str().unwrap_or(code);
            let at = match (
                d["location"]["row"].as_u64(),
                d["location"]["column"].as_u64(),
            ) {
                (Some(row), Some(col)) => format!("{row}:{col}: "),
                _ => String::new(),
            };
            let why = if code == "invalid-syntax" {
                format!("{at}{message}")
            } else {
                format!("{code}: {at}{message}")
            };
            out.broken.entry(file.clone()).or_insert(why);
        }
    } else {
        for line in stdout.lines() {
            if let Some(file) = line
                .strip_prefix("Would reformat: ")
                .and_then(|n| names.get(n))
            {
                out.pending.insert(file.clone(), 0);
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
        End::Exited(0 | 1) => Ok(out),
        End::Exited(2) if !out.broken.is_empty() => Ok(out),
        _ => Err(String::new()),
    }
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
    fn json_of_ruff_0_17() {
        let json = r#"[
          {"code": "unformatted", "filename": "/r/a.py", "location": {"column": 2, "row": 1}, "message": "File would be reformatted"},
          {"code": "invalid-syntax", "filename": "/r/c.py", "location": {"column": 5, "row": 1}, "message": "Expected an identifier"},
          {"code": "unformatted", "filename": "/r/sp ace/d:x.py", "location": {"column": 2, "row": 1}, "message": "File would be reformatted"},
          {"code": "unformatted", "filename": "/r/README.md", "location": {"column": 2, "row": 1}, "message": "File would be reformatted"}
        ]"#;
        let out = parse(&finished(2, json, ""), &names()).unwrap();
        assert_eq!(
            out.pending.keys().collect::<Vec<_>>(),
            [&PathBuf::from("a.py"), &PathBuf::from("sp ace/d:x.py")]
        );
        assert_eq!(
            out.broken[&PathBuf::from("c.py")],
            "1:5: Expected an identifier"
        );
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
            parse(&finished(0, "[]", ""), &names())
                .unwrap()
                .pending
                .is_empty()
        );
        assert!(parse(&finished(2, "", "error: boom\n"), &names()).is_err());
    }
}
