//! cargo test (libtest): the `test result:` line of every test binary summed, and the names of
//! the tests that failed (`test NAME ... FAILED`).

use regex::Regex;

use super::{Summary, build};

pub(super) fn read(output: &str) -> Option<Summary> {
    let result = Regex::new(
        r"(?m)^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured; (\d+) filtered out",
    )
    .expect("a valid regex");
    let failed_test = Regex::new(r"(?m)^test (.+) \.\.\. FAILED\s*$").expect("a valid regex");
    let mut sums = [0u64; 3];
    let mut binaries = 0;
    for c in result.captures_iter(output) {
        binaries += 1;
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum += c[i + 1].parse::<u64>().unwrap_or(0);
        }
    }
    let failed: Vec<String> = failed_test
        .captures_iter(output)
        .map(|c| c[1].trim().to_string())
        .collect();
    if binaries == 0 && failed.is_empty() {
        return None;
    }
    let mut summary = build(
        "cargo-test",
        &[
            ("failed", sums[1]),
            ("passed", sums[0]),
            ("ignored", sums[2]),
        ],
    );
    summary.failed = failed;
    Some(summary)
}
