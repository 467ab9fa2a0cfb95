//! The `regex` diagnostics format: a user's pattern with named groups `file` and `line`, and
//! optionally `column`, `code` and `message` (checked when xtask.toml is loaded). Each match
//! is a warning.

use regex::Regex;

use super::Reported;
use crate::baseline::finding::Level;

/// Every match of `re` in `output`; a missing group reads as empty (a line as 0).
pub(super) fn read(re: &Regex, output: &str) -> Vec<Reported> {
    re.captures_iter(output)
        .map(|c| {
            let get = |name: &str| c.name(name).map_or("", |m| m.as_str()).to_string();
            Reported {
                file: get("file"),
                line: get("line").parse().unwrap_or(0),
                column: get("column").parse().unwrap_or(0),
                code: get("code"),
                message: get("message"),
                level: Level::Warning,
            }
        })
        .collect()
}
