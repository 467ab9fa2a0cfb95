//! Files a formatter cannot parse: the `[format] unparseable` policy, and how such a file is
//! shown (`PATH:LINE:COL: ruff cannot parse it: MESSAGE`, as the formatter located it).
//!
//! Adapters report a file that does not parse with a detail `LINE:COL: MESSAGE` (or only a
//! message when the tool gives no place). Such a file is its own kind of result: never planned,
//! never called new code, and `format enforce` fails on it only when it is in a done batch or
//! became unparseable after the plan was made (with `unparseable = "fail"`, the default).

use std::path::Path;

use serde::Deserialize;

use crate::paths;

/// What `format enforce` does with a file the formatter cannot parse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Fail when the file is in a done batch or was not known unparseable (nor pending) when
    /// the plan was made; the others are warnings.
    #[default]
    Fail,
    /// Never fail on it; always a warning.
    Warn,
}

/// The `LINE:COL` (or `LINE`) a detail starts with, and the message after it.
pub fn split(detail: &str) -> (Option<&str>, &str) {
    let mut end = 0;
    let mut parts = 0;
    for (i, part) in detail.split(':').enumerate() {
        if i < 2 && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            end += part.len() + usize::from(i > 0);
            parts += 1;
        } else {
            break;
        }
    }
    if parts == 0 {
        return (None, detail.trim());
    }
    let rest = detail[end..].trim_start_matches(':').trim();
    (Some(&detail[..end]), rest)
}

/// The line and column of a detail, for annotations.
pub fn line_column(detail: &str) -> (Option<u64>, Option<u64>) {
    let (at, _) = split(detail);
    let mut nums = at
        .into_iter()
        .flat_map(|a| a.split(':'))
        .map(|n| n.parse().ok());
    (nums.next().flatten(), nums.next().flatten())
}

/// `PATH:LINE:COL: FORMATTER cannot parse it: MESSAGE`.
pub fn show(path: &Path, formatter: &str, detail: &str) -> String {
    let (at, message) = split(detail);
    let place = match at {
        Some(at) => format!("{}:{at}", paths::show(path)),
        None => paths::show(path),
    };
    if message.is_empty() {
        format!("{place}: {formatter} cannot parse it")
    } else {
        format!("{place}: {formatter} cannot parse it: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_split_into_place_and_message() {
        assert_eq!(
            split("1:7: Expected a parameter"),
            (Some("1:7"), "Expected a parameter")
        );
        assert_eq!(split("12: bad"), (Some("12"), "bad"));
        assert_eq!(split("unclosed delimiter"), (None, "unclosed delimiter"));
        assert_eq!(split("3:4"), (Some("3:4"), ""));
        assert_eq!(line_column("3:4: x"), (Some(3), Some(4)));
        assert_eq!(line_column("x: 3:4"), (None, None));
        assert_eq!(
            show(Path::new("a/b.py"), "ruff", "1:7: Expected"),
            "a/b.py:1:7: ruff cannot parse it: Expected"
        );
    }
}
