//! Output checks before a batch is written (black's `--safe` idea, for any formatter): a file
//! with content must not come out empty, and, unless the formatter says `verify = false`,
//! formatting the output again must change nothing (a second pass over the changed files
//! only, on scratch copies). A file that fails either check fails its whole batch: nothing of
//! the batch is written and it stays pending. A formatter whose garbage is itself stable
//! cannot be caught this way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::adapter::{Formatted, adapter, format_contents};
use crate::config::{FormatConfig, FormatterConfig};
use crate::plan::Plan;
use crate::{FormatError, diff};

/// Each formatted batch checked: a batch whose output fails a check becomes an error.
pub(crate) type Batches = Vec<(String, Result<Vec<Formatted>, FormatError>)>;

/// Checks the output of every formatted batch. The second pass runs once per formatter over
/// the changed files of all its batches (a few processes, not one per batch); when that run
/// fails as a whole, each batch is checked on its own, so one bad batch fails alone.
pub(crate) fn batches(
    root: &Path,
    config: &FormatConfig,
    plan: &Plan,
    formatted: Batches,
) -> Batches {
    let formatter_of = |id: &str| -> &FormatterConfig {
        let name = &plan.batch(id).expect("selected").formatter;
        config.formatter(name).expect("checked")
    };
    // The empty-file check, per batch.
    let mut checked: Batches = formatted
        .into_iter()
        .map(|(id, result)| {
            let name = &formatter_of(&id).name;
            let result = result.and_then(|files| not_emptied(name, &files).map(|()| files));
            (id, result)
        })
        .collect();
    // The second pass, per formatter with `verify`.
    let mut names: Vec<&str> = Vec::new();
    for (id, result) in &checked {
        let f = formatter_of(id);
        if f.verify && result.is_ok() && !names.contains(&f.name.as_str()) {
            names.push(&f.name);
        }
    }
    let verdicts: Vec<BTreeMap<PathBuf, Result<(), FormatError>>> = names
        .par_iter()
        .map(|name| {
            let formatter = config.formatter(name).expect("checked");
            let changed: Vec<&Formatted> = checked
                .iter()
                .filter(|(id, _)| formatter_of(id).name == *name)
                .filter_map(|(_, r)| r.as_ref().ok())
                .flatten()
                .filter(|f| f.formatted != f.original)
                .collect();
            // Files the adapter formatted twice already are judged on that.
            let (done, changed): (Vec<&Formatted>, Vec<&Formatted>) =
                changed.into_iter().partition(|f| f.again.is_some());
            let mut verdicts: BTreeMap<PathBuf, Result<(), FormatError>> = done
                .iter()
                .map(|f| (f.path.clone(), twice(name, f)))
                .collect();
            verdicts.extend(match second_pass(root, formatter, &changed) {
                Ok(verdicts) => verdicts,
                // Failed as a whole: each batch on its own.
                Err(_) => checked
                    .par_iter()
                    .filter(|(id, _)| formatter_of(id).name == *name)
                    .filter_map(|(_, r)| r.as_ref().ok())
                    .flat_map_iter(|files| {
                        let changed: Vec<&Formatted> = files
                            .iter()
                            .filter(|f| f.formatted != f.original && f.again.is_none())
                            .collect();
                        match second_pass(root, formatter, &changed) {
                            Ok(v) => v,
                            Err(e) => {
                                let msg = e.to_string();
                                changed
                                    .iter()
                                    .map(|f| (f.path.clone(), Err(FormatError::Other(msg.clone()))))
                                    .collect()
                            }
                        }
                    })
                    .collect(),
            });
            verdicts
        })
        .collect();
    let mut verdicts: BTreeMap<PathBuf, Result<(), FormatError>> =
        verdicts.into_iter().flatten().collect();
    for (_, result) in &mut checked {
        let Ok(files) = result else { continue };
        let refused = files.iter().find_map(|f| match verdicts.remove(&f.path) {
            Some(Err(e)) => Some(e),
            _ => None,
        });
        if let Some(e) = refused {
            *result = Err(e);
        }
    }
    checked
}

/// Refuses a file with content that came out empty.
fn not_emptied(name: &str, files: &[Formatted]) -> Result<(), FormatError> {
    for f in files.iter().filter(|f| f.formatted != f.original) {
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
    Ok(())
}

/// Formats `changed` files' output again: each file's verdict, or an error when the run
/// failed as a whole.
fn second_pass(
    root: &Path,
    formatter: &FormatterConfig,
    changed: &[&Formatted],
) -> Result<BTreeMap<PathBuf, Result<(), FormatError>>, FormatError> {
    let name = &formatter.name;
    if changed.is_empty() {
        return Ok(BTreeMap::new());
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
    Ok(again
        .into_iter()
        .map(|f| {
            let verdict = if f.formatted == f.original {
                Ok(())
            } else {
                Err(FormatError::Refused {
                    reason: unstable(name, diff::count(&f.original, &f.formatted)),
                    path: f.path.clone(),
                })
            };
            (f.path, verdict)
        })
        .collect())
}

/// The verdict on a file the adapter formatted twice.
fn twice(name: &str, f: &Formatted) -> Result<(), FormatError> {
    match &f.again {
        Some((first, second)) if first != second => Err(FormatError::Refused {
            path: f.path.clone(),
            reason: unstable(name, diff::count(first, second)),
        }),
        _ => Ok(()),
    }
}

/// Why an unstable file is refused.
fn unstable(name: &str, lines: usize) -> String {
    format!(
        "formatter `{name}` is not stable on it: formatting its output again changes {lines} \
         more line(s), so the output is not trusted; fix or update the formatter, or set \
         `verify = false` in its [[format.formatter]] of xtask.toml"
    )
}

/// Whether `bytes` hold nothing but whitespace.
fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}
