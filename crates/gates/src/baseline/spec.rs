//! What a gate's baseline measures (`baseline = { count = ... }` or `{ diagnostics = ... }` in
//! xtask.toml, parsed by `config.rs`), the kind of debt that makes, and what a run does with it.

use regex::Regex;
use serde::{Deserialize, Serialize};

/// How a gate's debt is measured.
#[derive(Debug, Clone)]
pub enum Spec {
    /// The first capture group of the regex's last match is the debt count.
    Count(Regex),
    /// Per-diagnostic fingerprints parsed from the output.
    Diagnostics(Format),
}

impl Spec {
    /// The kind of debt this measures.
    pub fn kind(&self) -> Kind {
        match self {
            Spec::Count(_) => Kind::Count,
            Spec::Diagnostics(_) => Kind::Diagnostics,
        }
    }
}

impl PartialEq for Spec {
    fn eq(&self, other: &Spec) -> bool {
        match (self, other) {
            (Spec::Count(a), Spec::Count(b)) => a.as_str() == b.as_str(),
            (Spec::Diagnostics(a), Spec::Diagnostics(b)) => a == b,
            _ => false,
        }
    }
}

/// The output formats diagnostics are read from, one reader each (`read/`).
#[derive(Debug, Clone)]
pub enum Format {
    /// `ruff check --output-format json`.
    RuffJson,
    /// `cargo clippy --message-format json`.
    ClippyJson,
    /// mypy's `path:line: error: message  [code]` lines, also with columns or `--pretty`.
    Mypy,
    /// A regex with named groups `file` and `line`, and optionally `code` and `message`.
    Regex(Regex),
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        match (self, other) {
            (Format::Regex(a), Format::Regex(b)) => a.as_str() == b.as_str(),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

impl Format {
    /// The tool whose output this format is, for the reports; `None` for a user's regex.
    pub(crate) fn tool(&self) -> Option<&'static str> {
        match self {
            Format::RuffJson => Some("ruff"),
            Format::ClippyJson => Some("clippy"),
            Format::Mypy => Some("mypy"),
            Format::Regex(_) => None,
        }
    }
}

/// The kind of debt a baseline holds, as the reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A number read from the output.
    Count,
    /// One fingerprint per diagnostic.
    Diagnostics,
}

impl Kind {
    /// What the reasons call the debt: `debt` for a count, `diagnostics` otherwise.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Count => "debt",
            Kind::Diagnostics => "diagnostics",
        }
    }
}

/// What a run does with baselines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Compare only.
    #[default]
    Check,
    /// Compare, and store the baseline when the debt shrank and nothing is new.
    Ratchet,
    /// Store the current state as the baseline (`qa baseline update`).
    Update,
}
