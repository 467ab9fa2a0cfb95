//! `format --file PATH`: formats chosen files (of a done batch that drifted, or new code)
//! through the same checked path as a batch, without touching the plan. Each file goes to the
//! formatter of its batch, or to the formatter whose globs take it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::config::FormatConfig;
use crate::plan::{Batch, Plan, Status};
use crate::{FormatError, files, paths};

/// Adds one in-memory batch per formatter holding `wanted` (relative to the root, `./` and
/// repeats allowed) to `plan`, and returns their ids. Errors name a file no formatter takes.
pub(crate) fn add_batches(
    plan: &mut Plan,
    config: &FormatConfig,
    wanted: &[PathBuf],
) -> Result<Vec<String>, FormatError> {
    let index: BTreeMap<PathBuf, String> = plan
        .file_index()
        .into_iter()
        .map(|(f, b)| (f.to_path_buf(), b.formatter.clone()))
        .collect();
    let mut by_formatter: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for file in wanted {
        let file: PathBuf = file
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        if paths::check_relative(&file).is_err() {
            return Err(FormatError::Refused {
                path: file,
                reason: "not a path relative to the repository root (no `..`, not absolute)"
                    .to_string(),
            });
        }
        let formatter = match index.get(&file) {
            Some(f) => f.clone(),
            None => files::assign(std::slice::from_ref(&file), &config.formatters)?
                .into_iter()
                .find(|(_, fs)| !fs.is_empty())
                .map(|(name, _)| name)
                .ok_or_else(|| FormatError::Refused {
                    path: file.clone(),
                    reason: "no configured formatter takes it (see `include`/`exclude` of [[format.formatter]] in xtask.toml)".to_string(),
                })?,
        };
        by_formatter.entry(formatter).or_default().push(file);
    }
    let mut ids = Vec::new();
    for (formatter, mut files) in by_formatter {
        files.sort();
        files.dedup();
        let id = format!("files ({formatter})");
        plan.batches.push(Batch {
            id: id.clone(),
            formatter,
            module: Path::new("").to_path_buf(),
            owner: None,
            lines: 0,
            status: Status::Pending,
            files,
            branches: Vec::new(),
        });
        ids.push(id);
    }
    Ok(ids)
}
