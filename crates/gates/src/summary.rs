//! What each tool found, read from a gate's log: one reader per tool (`summary/`), pure
//! functions over the captured output, picked by the program the gate runs (`pick.rs`), or the
//! gate's own `summary = "REGEX"` whose named captures become the counts. A gate whose tool no
//! reader knows, or whose output a reader does not recognise, has no summary: its exit line
//! says what there is to say.

mod bandit;
mod cargo_fmt;
mod cargo_test;
mod clippy;
mod coverage;
mod detect_secrets;
pub(crate) mod junit;
mod mypy;
mod nextest;
mod pattern;
mod pick;
mod pytest;
mod ruff_check;
mod ruff_format;

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

pub(crate) use junit::read_junit;
pub use junit::{TestCase, TestStatus, Tests};
pub(crate) use nextest::junit_file as nextest_junit_file;
pub use pick::Reader;
pub(crate) use pick::{junit_path, nextest_profile, pick};

/// What a gate's tool reported, in numbers and in one line of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// What read it: `ruff-format`, `ruff-check`, `mypy`, `pytest`, `coverage`, `bandit`,
    /// `detect-secrets`, `cargo-test`, `nextest`, `clippy`, `cargo-fmt`, `junit` (the gate's JUnit file),
    /// or `regex` (the gate's `summary` pattern).
    pub reader: String,
    /// What it found, by name (`failed`, `passed`, `errors`, `files`, `percent`...): whole
    /// numbers, but for a percentage.
    pub counts: BTreeMap<String, Number>,
    /// The counts in words: `1 failed, 12 passed, 2 skipped`.
    pub text: String,
    /// The failed tests, as the tool names them (pytest's node ids, cargo test's paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// A count: a whole number, or a real one (a percentage).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Number {
    Whole(u64),
    Real(f64),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Whole(n) => write!(f, "{n}"),
            Number::Real(x) => write!(f, "{x}"),
        }
    }
}

/// How many failed tests a report names before `and N more`.
pub(crate) const SHOWN_FAILURES: usize = 20;

/// How a gate's output is summarised: a known tool's reader, or the gate's own pattern.
#[derive(Debug, Clone)]
pub enum Spec {
    Tool(Reader),
    Pattern(Regex),
}

impl PartialEq for Spec {
    fn eq(&self, other: &Spec) -> bool {
        match (self, other) {
            (Spec::Tool(a), Spec::Tool(b)) => a == b,
            (Spec::Pattern(a), Spec::Pattern(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

/// The summary of `output` (a gate's whole log) read by `spec`; `None` when the output holds
/// nothing the reader recognises.
pub(crate) fn read(spec: &Spec, output: &str) -> Option<Summary> {
    let plain = strip_ansi(output).replace("\r\n", "\n");
    let output = plain.as_str();
    match spec {
        Spec::Pattern(re) => pattern::read(re, output),
        Spec::Tool(reader) => match reader {
            Reader::RuffFormat => ruff_format::read(output),
            Reader::RuffCheck => ruff_check::read(output),
            Reader::Mypy => mypy::read(output),
            Reader::Pytest => pytest::read(output),
            Reader::Coverage => coverage::read(output),
            Reader::Bandit => bandit::read(output),
            Reader::DetectSecrets => detect_secrets::read(output),
            Reader::CargoTest => cargo_test::read(output),
            Reader::Nextest => nextest::read(output),
            Reader::Clippy => clippy::read(output),
            Reader::CargoFmt => cargo_fmt::read(output),
        },
    }
}

/// Reads the log at `path` (its last 16 MiB) and summarises it.
pub(crate) fn read_log(spec: &Spec, path: &Path) -> Option<Summary> {
    let (bytes, _) = crate::run::file_end(path, 16 * 1024 * 1024)?;
    read(spec, &String::from_utf8_lossy(&bytes))
}

/// A summary of a gate's JUnit test cases, for a gate whose tool has no reader.
pub(crate) fn from_tests(tests: &Tests) -> Summary {
    let count = |s: TestStatus| tests.cases.iter().filter(|c| c.status == s).count() as u64;
    let mut summary = build(
        "junit",
        &[
            ("failed", count(TestStatus::Failed)),
            ("errors", count(TestStatus::Error)),
            ("passed", count(TestStatus::Passed)),
            ("skipped", count(TestStatus::Skipped)),
        ],
    );
    summary.failed = tests.failed();
    summary
}

/// A summary whose text is the non-zero counts in order (`1 failed, 12 passed, 1 error`; a
/// plural name loses its `s` for 1), or
/// `0 NAME` of the first when all are zero; every count is kept in `counts`.
pub(crate) fn build(reader: &str, counts: &[(&str, u64)]) -> Summary {
    let mut words: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| match name.strip_suffix('s') {
            Some(one) if *n == 1 => format!("1 {one}"),
            _ => format!("{n} {name}"),
        })
        .collect();
    if words.is_empty()
        && let Some((name, _)) = counts.first()
    {
        words.push(format!("0 {name}"));
    }
    Summary {
        reader: reader.to_string(),
        counts: counts
            .iter()
            .map(|(name, n)| (name.to_string(), Number::Whole(*n)))
            .collect(),
        text: words.join(", "),
        failed: Vec::new(),
    }
}

/// The number in the first capture group of the last match of `re` in `text`.
pub(crate) fn last_number(re: &Regex, text: &str) -> Option<u64> {
    re.captures_iter(text)
        .last()
        .and_then(|c| c.get(1))
        .and_then(|m| m.as_str().parse().ok())
}

/// `text` without ANSI escape sequences (colours a tool printed though not on a TTY).
fn strip_ansi(text: &str) -> String {
    if !text.contains('\x1b') {
        return text.to_string();
    }
    let re = Regex::new(
        r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[@-Z\\-_])",
    )
    .expect("a valid regex");
    re.replace_all(text, "").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_words_non_zero_counts_in_order() {
        let s = build("pytest", &[("failed", 1), ("passed", 12), ("skipped", 0)]);
        assert_eq!(s.text, "1 failed, 12 passed");
        assert_eq!(s.counts["skipped"], Number::Whole(0));
        assert_eq!(
            build("mypy", &[("errors", 0), ("files", 0)]).text,
            "0 errors"
        );
    }

    #[test]
    fn ansi_escapes_are_stripped() {
        assert_eq!(strip_ansi("\x1b[31mred\x1b(B\x1b[m ok"), "red ok");
    }

    #[test]
    fn numbers_serialize_as_json_numbers() {
        let s = serde_json::to_string(&[Number::Whole(3), Number::Real(81.25)]).unwrap();
        assert_eq!(s, "[3,81.25]");
        let back: Vec<Number> = serde_json::from_str(&s).unwrap();
        assert_eq!(back, [Number::Whole(3), Number::Real(81.25)]);
    }
}
