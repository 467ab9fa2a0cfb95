//! `ruff format --check`: the files it would reformat (its `N files would be reformatted`
//! line), and the files it cannot parse (`invalid-syntax` diagnostics, or `error: Failed to
//! parse PATH` from older ruff).

use std::collections::BTreeSet;

use regex::Regex;

use super::{Summary, build, last_number};

pub(super) fn read(output: &str) -> Option<Summary> {
    let would = Regex::new(r"(?m)^(\d+) files? would be reformatted").expect("a valid regex");
    let already = Regex::new(r"(?m)(\d+) files? already formatted").expect("a valid regex");
    let reformat = last_number(&would, output);
    let formatted = last_number(&already, output);
    let unparsed = unparsed_files(output);
    if reformat.is_none() && formatted.is_none() && unparsed.is_empty() {
        return None;
    }
    let mut summary = build(
        "ruff-format",
        &[
            ("would reformat", reformat.unwrap_or(0)),
            ("do not parse", unparsed.len() as u64),
        ],
    );
    summary.text = format!("{} would be reformatted", files(reformat.unwrap_or(0)));
    if !unparsed.is_empty() {
        summary.text.push_str(&format!(
            ", {} do{} not parse",
            files(unparsed.len() as u64),
            if unparsed.len() == 1 { "es" } else { "" }
        ));
    }
    if let Some(n) = formatted {
        summary
            .counts
            .insert("already formatted".into(), super::Number::Whole(n));
    }
    Some(summary)
}

/// `1 file`, `3 files`.
pub(super) fn files(n: u64) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}

/// The files named by `invalid-syntax` diagnostics (the `--> path:line:col` line after each)
/// or by `error: Failed to parse path:line:col: ...`.
pub(super) fn unparsed_files(output: &str) -> BTreeSet<String> {
    let failed = Regex::new(r"error: Failed to parse (.+?):\d+:\d+:").expect("a valid regex");
    let mut files: BTreeSet<String> = failed
        .captures_iter(output)
        .map(|c| c[1].to_string())
        .collect();
    let mut lines = output.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("invalid-syntax:")
            && let Some(at) = lines.next().and_then(|l| l.trim().strip_prefix("--> "))
        {
            let path = at.rsplitn(3, ':').last().unwrap_or(at);
            files.insert(path.to_string());
        } else if let Some((path, _)) = line.split_once(": invalid-syntax:") {
            // `--output-format concise`: `path:line:col: invalid-syntax: ...`.
            files.insert(path.rsplitn(3, ':').last().unwrap_or(path).to_string());
        }
    }
    files
}
