//! The `regex` diagnostics format: a user's pattern with named groups `file` and `line`, and
//! optionally `code` and `message` (checked when xtask.toml is loaded).

use regex::Regex;

use super::Reported;

/// Every match of `re` in `output`; a missing group reads as empty (a line as 0).
pub(super) fn read(re: &Regex, output: &str) -> Vec<Reported> {
    re.captures_iter(output)
        .map(|c| {
            let get = |name: &str| c.name(name).map_or("", |m| m.as_str()).to_string();
            Reported {
                file: get("file"),
                line: get("line").parse().unwrap_or(0),
                code: get("code"),
                message: get("message"),
            }
        })
        .collect()
}
