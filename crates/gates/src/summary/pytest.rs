//! pytest: the counts of its last line (`1 failed, 12 passed, 2 skipped, 1 error in 0.42s`,
//! `no tests ran in 0.01s`), the failed test ids of its short summary (`FAILED id - message`,
//! `ERROR id`), and pytest-cov's `TOTAL` percentage when the output has one.

use regex::Regex;

use super::{Number, Summary, build};

/// The outcomes pytest counts, in the order the summary words them.
const OUTCOMES: [&str; 7] = [
    "failed",
    "errors",
    "passed",
    "skipped",
    "xfailed",
    "xpassed",
    "deselected",
];

pub(super) fn read(output: &str) -> Option<Summary> {
    let last =
        Regex::new(r"^=*\s*((?:\d+ \w+(?:, )?)+|no tests ran) in [\d.]+s").expect("a valid regex");
    let count = Regex::new(r"(\d+) (\w+)").expect("a valid regex");
    let line = output
        .lines()
        .rev()
        .find_map(|l| last.captures(l.trim()).map(|c| c[1].to_string()))?;
    let mut counts = [0u64; OUTCOMES.len()];
    for c in count.captures_iter(&line) {
        let word = match &c[2] {
            "error" => "errors",
            w => w,
        };
        if let Some(i) = OUTCOMES.iter().position(|o| *o == word) {
            counts[i] = c[1].parse().unwrap_or(0);
        }
    }
    let named: Vec<(&str, u64)> = OUTCOMES.iter().copied().zip(counts).collect();
    let mut summary = build("pytest", &named[..4]);
    for (name, n) in &named[4..] {
        if *n > 0 {
            summary.counts.insert(name.to_string(), Number::Whole(*n));
            summary.text.push_str(&format!(", {n} {name}"));
        }
    }
    if line == "no tests ran" {
        summary.text = "no tests ran".into();
    }
    // The short summary's lines only, when it has its header (a test may print `FAILED`).
    let short = output
        .rfind("short test summary info")
        .map_or(output, |at| &output[at..]);
    summary.failed = short
        .lines()
        .filter_map(|l| {
            let rest = l
                .strip_prefix("FAILED ")
                .or_else(|| l.strip_prefix("ERROR "))?;
            let id = rest.split(" - ").next().unwrap_or(rest).trim();
            (!id.is_empty()).then(|| id.to_string())
        })
        .collect();
    if let Some(percent) = super::coverage::total(output) {
        summary
            .counts
            .insert("coverage".into(), Number::Real(percent));
        summary
            .text
            .push_str(&format!(", coverage {}%", Number::Real(percent)));
    }
    Some(summary)
}
