//! mypy: `Found N errors in M files (checked K source files)`, or `Success: no issues found in
//! K source files`.

use regex::Regex;

use super::{Summary, build};

pub(super) fn read(output: &str) -> Option<Summary> {
    let found = Regex::new(
        r"(?m)^Found (\d+) errors? in (\d+) files?(?: \(checked (\d+) source files?\))?",
    )
    .expect("a valid regex");
    let success =
        Regex::new(r"(?m)^Success: no issues found in (\d+) source files?").expect("a valid regex");
    let number = |c: &regex::Captures<'_>, i: usize| {
        c.get(i)
            .and_then(|m| m.as_str().parse::<u64>().ok())
            .unwrap_or(0)
    };
    if let Some(c) = found.captures_iter(output).last() {
        let (errors, files, checked) = (number(&c, 1), number(&c, 2), number(&c, 3));
        let mut summary = build(
            "mypy",
            &[("errors", errors), ("files", files), ("checked", checked)],
        );
        summary.text = format!(
            "{errors} error{} in {files} file{} (checked {checked})",
            if errors == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" }
        );
        return Some(summary);
    }
    let c = success.captures_iter(output).last()?;
    let checked = number(&c, 1);
    let mut summary = build("mypy", &[("errors", 0), ("files", 0), ("checked", checked)]);
    summary.text = format!("no errors (checked {checked})");
    Some(summary)
}
