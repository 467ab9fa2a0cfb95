//! `ruff check`: its `Found N errors.` and `[*] M fixable` lines (`All checks passed!` is
//! none), or the diagnostics of `--output-format json`.

use regex::Regex;
use serde::Deserialize;

use super::{Summary, build, last_number};

pub(super) fn read(output: &str) -> Option<Summary> {
    let found = Regex::new(r"(?m)^Found (\d+) errors?").expect("a valid regex");
    let fixable = Regex::new(r"(?m)^\[\*\] (\d+) fixable").expect("a valid regex");
    let unparsed = super::ruff_format::unparsed_files(output).len() as u64;
    let (errors, fixable) = match last_number(&found, output) {
        Some(n) => (n, last_number(&fixable, output).unwrap_or(0)),
        None if output.lines().any(|l| l.trim() == "All checks passed!") => (0, 0),
        None => json(output)?,
    };
    let mut counts = vec![("errors", errors), ("fixable", fixable)];
    if unparsed > 0 {
        counts.push(("do not parse", unparsed));
    }
    let mut summary = build("ruff-check", &counts);
    summary.text = format!("{errors} error{}", if errors == 1 { "" } else { "s" });
    if fixable > 0 {
        summary.text.push_str(&format!(" ({fixable} fixable)"));
    }
    if unparsed > 0 {
        summary.text.push_str(&format!(
            ", {} that do{} not parse",
            super::ruff_format::files(unparsed),
            if unparsed == 1 { "es" } else { "" }
        ));
    }
    Some(summary)
}

#[derive(Deserialize)]
struct Item {
    fix: Option<serde_json::Value>,
}

/// Errors and fixable ones from `--output-format json`'s array.
fn json(output: &str) -> Option<(u64, u64)> {
    let start = output
        .find("\n[")
        .map_or_else(|| output.find('['), |i| Some(i + 1))?;
    let end = output.rfind(']')?;
    let items: Vec<Item> = serde_json::from_str(output.get(start..=end)?).ok()?;
    let fixable = items.iter().filter(|i| i.fix.is_some()).count();
    Some((items.len() as u64, fixable as u64))
}
