//! One reader per diagnostic format: pure functions from a tool's captured output to the
//! diagnostics it reports ([`Reported`]), each tested on the real tool's output; and
//! [`stopped`], the tools' own "could not check the code" in text output, for count baselines.

mod clippy;
mod mypy;
mod pattern;
mod ruff;

use super::error::MeasureError;
use super::finding::Level;
use super::spec::Format;

/// One diagnostic as a tool reported it, before its file is resolved and its line read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reported {
    /// As printed: relative to where the tool ran, or absolute.
    pub(crate) file: String,
    /// 1-based; 0 when the tool gave none.
    pub(crate) line: usize,
    /// 1-based; 0 when the tool gave none.
    pub(crate) column: usize,
    /// The rule code; empty when the tool gave none.
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) level: Level,
}

/// The diagnostics in `output` (CRLF already made LF), read as `format`.
pub(crate) fn read(format: &Format, output: &str) -> Result<Vec<Reported>, MeasureError> {
    match format {
        Format::RuffJson => ruff::read(output),
        Format::ClippyJson => Ok(clippy::read(output)),
        Format::Mypy => mypy::read(output),
        Format::Regex(re) => Ok(pattern::read(re, output)),
    }
}

/// Why a tool's text output measures nothing: mypy's "errors prevented further checking", or
/// ruff's `invalid-syntax` (concise, full and `--statistics` output). For count baselines,
/// whose pattern would otherwise read the parse errors as debt.
pub(crate) fn stopped(output: &str) -> Option<MeasureError> {
    if let Some(line) = output
        .lines()
        .find(|l| l.contains("errors prevented further checking"))
    {
        return Some(MeasureError::MypyUnchecked {
            errors: format!(
                "`{}` (fix the error it names first; see its log)",
                line.trim()
            ),
        });
    }
    let unparsed: Vec<&str> = output
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .any(|w| w.trim_end_matches(':') == "invalid-syntax")
                || l.contains(": SyntaxError: ")
        })
        .map(str::trim)
        .collect();
    (!unparsed.is_empty()).then(|| MeasureError::RuffUnparsed {
        what: "the code".into(),
        errors: shown(&unparsed),
    })
}

/// Whitespace collapsed, trimmed.
pub(crate) fn normalise(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first three of `items`, and how many more.
fn shown<S: AsRef<str>>(items: &[S]) -> String {
    let first: Vec<&str> = items.iter().take(3).map(AsRef::as_ref).collect();
    match items.len() - first.len() {
        0 => first.join("; "),
        n => format!("{} (and {n} more)", first.join("; ")),
    }
}
