//! One diagnostic as the reports carry it ([`Finding`]): where it is (file, line, column), its
//! rule, level and message, a line-number-free fingerprint, and whether the stored baseline
//! knew it. The SARIF report is made from these (`sarif.rs`), so `qa report merge` can write
//! it from shards' JSON reports.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How serious a diagnostic is, as its tool said (SARIF's `level`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    /// The SARIF `level` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// A diagnostic against the stored baseline (SARIF's `baselineState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not in the baseline.
    New,
    /// In the baseline.
    Unchanged,
}

/// One diagnostic a gate's output reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Relative to the repository root, `/`-separated (absolute when outside it).
    pub file: String,
    /// 1-based; 0 when the tool gave none.
    pub line: usize,
    /// 1-based, in characters; 0 when the tool gave none.
    pub column: usize,
    /// The rule; empty when the tool gave none.
    pub code: String,
    pub level: Level,
    pub message: String,
    /// A digest of the baseline's fingerprint (file, rule, message, the flagged line's text)
    /// and its occurrence: the same while the code only moves.
    pub fingerprint: String,
    /// `new` or `unchanged` against the stored baseline; null when none is stored.
    #[serde(default)]
    pub state: Option<State>,
}

/// The digest of a baseline fingerprint's `occurrence`-th instance (0-based), 32 hex digits.
pub(crate) fn digest(fingerprint: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(fingerprint.as_bytes());
    hasher.update(format!("\t{occurrence}").as_bytes());
    repo::text::hex(&hasher.finalize()[..16])
}
