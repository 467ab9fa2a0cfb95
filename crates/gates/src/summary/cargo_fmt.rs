//! cargo fmt --check: the files rustfmt would change, one `Diff in PATH:LINE:` (or older
//! `Diff in PATH at line N:`) block per change, counted once per file.

use std::collections::BTreeSet;

use regex::Regex;

use super::{Summary, build};

pub(super) fn read(output: &str) -> Option<Summary> {
    let diff = Regex::new(r"(?m)^Diff in (.+?)(?::\d+:| at line \d+:)\s*$").expect("a valid regex");
    let files: BTreeSet<&str> = diff
        .captures_iter(output)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    let n = files.len() as u64;
    if n == 0 && output.lines().any(|l| l.starts_with("error")) {
        // rustfmt could not run (a parse error, a missing toolchain): nothing to count.
        return None;
    }
    let mut summary = build("cargo-fmt", &[("files", n)]);
    summary.text = format!("{} would be reformatted", super::ruff_format::files(n));
    Some(summary)
}
