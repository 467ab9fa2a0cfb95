//! Output checks before a batch is written (black's `--safe` idea, for any formatter): a file
//! with content must not come out empty, and, unless the formatter says `verify = false`,
//! formatting the output again must change nothing (a second pass over the changed files
//! only, on scratch copies). A file that fails either check fails its whole batch: nothing of
//! the batch is written and it stays pending. A formatter whose garbage is itself stable
//! cannot be caught this way.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::adapter::{Formatted, adapter, format_contents};
use crate::config::{FormatConfig, FormatterConfig};
use crate::plan::Plan;
use crate::{FormatError, diff};

/// Each formatted batch checked: a batch whose output fails a check becomes an error.
pub(crate) type Batches = Vec<(String, Result<Vec<Formatted>, FormatError>)>;

/// Checks the output of every formatted batch, batches side by side.
pub(crate) fn batches(
    root: &std::path::Path,
    config: &FormatConfig,
    plan: &Plan,
    formatted: Batches,
) -> Batches {
    formatted
        .into_par_iter()
        .map(|(id, result)| {
            let result = result.and_then(|files| {
                let name = &plan.batch(&id).expect("selected").formatter;
                let formatter = config.formatter(name).expect("checked");
                output(root, formatter, &files)?;
                Ok(files)
            });
            (id, result)
        })
        .collect()
}

/// Checks one batch's output.
fn output(
    root: &std::path::Path,
    formatter: &FormatterConfig,
    files: &[Formatted],
) -> Result<(), FormatError> {
    let name = &formatter.name;
    let changed: Vec<&Formatted> = files.iter().filter(|f| f.formatted != f.original).collect();
    for f in &changed {
        if blank(&f.formatted) && !blank(&f.original) {
            return Err(FormatError::Refused {
                path: f.path.clone(),
                reason: format!(
                    "formatter `{name}` emptied it ({} bytes before, {} after); a formatter never \
                     empties a file with content, so its output is not trusted",
                    f.original.len(),
                    f.formatted.len()
                ),
            });
        }
    }
    if !formatter.verify || changed.is_empty() {
        return Ok(());
    }
    let again: Vec<(PathBuf, Vec<u8>)> = changed
        .iter()
        .map(|f| (f.path.clone(), f.formatted.clone()))
        .collect();
    let again = format_contents(&*adapter(formatter, root), root, &again).map_err(|e| {
        FormatError::Other(format!(
            "formatter `{name}` could not format its own output again (its output is not \
             trusted): {e}"
        ))
    })?;
    for f in again {
        if f.formatted != f.original {
            return Err(FormatError::Refused {
                reason: format!(
                    "formatter `{name}` is not stable on it: formatting its output again changes \
                     {} more line(s), so the output is not trusted; fix or update the formatter, \
                     or set `verify = false` in its [[format.formatter]] of xtask.toml",
                    diff::count(&f.original, &f.formatted)
                ),
                path: f.path,
            });
        }
    }
    Ok(())
}

/// Whether `bytes` hold nothing but whitespace.
fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}
