//! coverage.py's `coverage report` (and pytest-cov's table): the percentage of its `TOTAL`
//! row, and whether `--fail-under` failed it.

use regex::Regex;

use super::{Number, Summary};

pub(super) fn read(output: &str) -> Option<Summary> {
    let percent = total(output)?;
    let under =
        Regex::new(r"(?m)^Coverage failure: total of [\d.]+ is less than fail-under=([\d.]+)")
            .expect("a valid regex");
    let mut summary = Summary {
        reader: "coverage".into(),
        counts: [("percent".to_string(), Number::Real(percent))].into(),
        text: format!("{}% covered", Number::Real(percent)),
        failed: Vec::new(),
    };
    if let Some(c) = under.captures_iter(output).last() {
        let floor: f64 = c[1].parse().unwrap_or(0.0);
        summary
            .counts
            .insert("fail_under".into(), Number::Real(floor));
        summary
            .text
            .push_str(&format!(" (below fail-under {})", Number::Real(floor)));
    }
    Some(summary)
}

/// The last `TOTAL ... 84%` row's percentage (`84.25%` with `--precision`).
pub(super) fn total(output: &str) -> Option<f64> {
    let row = Regex::new(r"(?m)^TOTAL\s.*?\s([\d.]+)%\s*$").expect("a valid regex");
    row.captures_iter(output)
        .last()
        .and_then(|c| c[1].parse().ok())
}
