//! cargo nextest: the counts of its `Summary [ 0.38s] 3 tests run: 1 passed, 2 failed, 1
//! skipped` line, and the tests it lists as failing after it (`FAIL [ 0.33s] (2/3) BINARY
//! TEST`, named `BINARY TEST`, sorted).

use std::path::{Path, PathBuf};

use regex::Regex;

use super::{Number, Summary, build};

/// The outcomes nextest counts, in the order the summary words them.
const OUTCOMES: [&str; 7] = [
    "failed",
    "timed out",
    "passed",
    "skipped",
    "flaky",
    "leaky",
    "exec failed",
];

pub(super) fn read(output: &str) -> Option<Summary> {
    let summary_line =
        Regex::new(r"^\s*Summary \[[^\]]*\] (\d+) tests? run: (.*)$").expect("a valid regex");
    let count = Regex::new(r"(\d+) ([a-z][a-z -]*[a-z])").expect("a valid regex");
    let failure = Regex::new(
        r"^\s*(?:FAIL|TIMEOUT|SIGSEGV|SIGABRT|SIGBUS|SIGILL|ABORT|LEAK-FAIL)\s+\[[^\]]*\]\s+(?:\(\s*\d+/\d+\)\s+)?(.+?)\s*$",
    )
    .expect("a valid regex");
    let lines: Vec<&str> = output.lines().collect();
    let at = lines.iter().rposition(|l| summary_line.is_match(l))?;
    let c = summary_line.captures(lines[at])?;
    let mut counts = [0u64; OUTCOMES.len()];
    for m in count.captures_iter(&c[2]) {
        if let Some(i) = OUTCOMES.iter().position(|o| *o == &m[2]) {
            counts[i] = m[1].parse().unwrap_or(0);
        }
    }
    let named: Vec<(&str, u64)> = OUTCOMES.iter().copied().zip(counts).collect();
    let mut summary = build("nextest", &[named[0], named[2], named[3]]);
    for (name, n) in named
        .iter()
        .filter(|(name, _)| !matches!(*name, "failed" | "passed" | "skipped"))
    {
        if *n > 0 {
            summary.counts.insert(name.to_string(), Number::Whole(*n));
            summary.text.push_str(&format!(", {n} {name}"));
        }
    }
    summary.failed = lines[at + 1..]
        .iter()
        .filter_map(|l| failure.captures(l).map(|c| c[1].to_string()))
        .collect();
    // nextest lists failures in the order they ended, which its parallel runs change from
    // one run to the next: sorted, the same failures give the same report.
    summary.failed.sort();
    Some(summary)
}

/// Where nextest writes JUnit for `profile`: `[profile.NAME.junit] path` of the
/// `.config/nextest.toml` found from `base` (the gate's directory) up to `root` (a profile
/// without one inherits `default`'s), under `<target>/nextest/NAME/`, the target directory
/// being `target_dir` when the gate sets one, else `target` beside that config.
pub(crate) fn junit_file(
    root: &Path,
    base: &Path,
    profile: &str,
    target_dir: Option<&str>,
) -> Option<PathBuf> {
    let workspace = base
        .ancestors()
        .take_while(|d| d.starts_with(root))
        .find(|d| d.join(".config/nextest.toml").is_file())?;
    let text = std::fs::read_to_string(workspace.join(".config/nextest.toml")).ok()?;
    let config: toml::Table = toml::from_str(&text).ok()?;
    let path_of = |name: &str| {
        config
            .get("profile")?
            .get(name)?
            .get("junit")?
            .get("path")?
            .as_str()
            .map(str::to_string)
    };
    let file = path_of(profile).or_else(|| path_of("default"))?;
    let target = match target_dir {
        Some(dir) => base.join(dir),
        None => workspace.join("target"),
    };
    Some(target.join("nextest").join(profile).join(file))
}
