//! The `ruff-json` diagnostics format: `ruff check --output-format json`.

use serde::Deserialize;

use super::{Reported, normalise, shown};
use crate::baseline::error::MeasureError;
use crate::baseline::finding::Level;

#[derive(Deserialize)]
struct Item {
    filename: String,
    code: Option<String>,
    message: String,
    location: Location,
}

#[derive(Deserialize)]
struct Location {
    row: usize,
    column: usize,
}

/// The JSON array in `output` (whatever ruff or a wrapper printed around it). A file ruff
/// cannot parse is not checked at all (its other rules did not run on it), so any
/// `invalid-syntax` makes the output measure nothing.
pub(super) fn read(output: &str) -> Result<Vec<Reported>, MeasureError> {
    let start = output
        .find("\n[")
        .map_or_else(|| output.find('['), |i| Some(i + 1));
    let end = output.rfind(']');
    let (Some(start), Some(end)) = (start, end) else {
        return Err(MeasureError::NoJsonArray);
    };
    let items: Vec<Item> =
        serde_json::from_str(&output[start..=end]).map_err(MeasureError::RuffJson)?;
    let unparsed: Vec<&Item> = items
        .iter()
        .filter(|i| syntax_error(i.code.as_deref(), &i.message))
        .collect();
    if !unparsed.is_empty() {
        let files: std::collections::HashSet<&str> =
            unparsed.iter().map(|i| i.filename.as_str()).collect();
        let errors: Vec<String> = unparsed
            .iter()
            .map(|i| {
                format!(
                    "{}:{}: {}",
                    i.filename,
                    i.location.row,
                    normalise(&i.message)
                )
            })
            .collect();
        return Err(MeasureError::RuffUnparsed {
            what: match files.len() {
                1 => "a file".to_string(),
                n => format!("{n} files"),
            },
            errors: shown(&errors),
        });
    }
    Ok(items
        .into_iter()
        .map(|i| Reported {
            file: i.filename,
            line: i.location.row,
            column: i.location.column,
            code: i.code.unwrap_or_default(),
            message: i.message,
            // ruff has no severities; what it reports fails the check.
            level: Level::Error,
        })
        .collect())
}

/// ruff's parse failure: the `invalid-syntax` code (ruff 0.9 and later), or no code and a
/// `SyntaxError:` message (earlier).
fn syntax_error(code: Option<&str>, message: &str) -> bool {
    match code {
        Some(code) => code == "invalid-syntax",
        None => message.starts_with("SyntaxError"),
    }
}
