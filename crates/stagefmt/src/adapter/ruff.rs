//! The ruff adapter: check through ruff's file list or its diff, format by applying its diff
//! in memory (scratch copies for the files a diff cannot name or split exactly).

use std::collections::{BTreeMap, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use repo::process::{self, Cmd, End, RunOptions};

use super::chunks::{arg_chunks, chunks, par_map};
use super::copies::format_scratch;
use super::line_endings::keep_line_endings;
use super::run::{by_name, check_interrupted, failure, run, run_fix, version};
use super::{Adapter, CheckOutput, Files, Formatted, RunFailure};
use crate::FormatError;
use crate::config::FormatterConfig;

/// ruff: `ruff format --check --output-format concise --force-exclude -- FILES` to check
/// ([`crate::ruff_check`]), `ruff format --diff --force-exclude -- FILES` where changed lines
/// are counted (a unified diff in every version; a file that does not parse is reported on its
/// own) and to format (the same diff applied in memory); `ruff format -- FILES` on scratch
/// copies for the files a diff cannot name or split exactly. One process takes all the files
/// (ruff spreads them over the cores itself) unless the argument limit splits them.
pub(super) struct Ruff {
    config: FormatterConfig,
}

impl Adapter for Ruff {
    fn config(&self) -> &FormatterConfig {
        &self.config
    }

    fn version(&self, root: &Path) -> Option<String> {
        version(root, "ruff")
    }

    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        self.check_with(root, files, true)
    }

    fn check_pending(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        self.check_with(root, files, false)
    }

    fn format(&self, root: &Path, files: &[PathBuf]) -> Result<Vec<Formatted>, FormatError> {
        self.format_by_diff(root, files)
    }

    /// Through ruff's stdin, from an unnamed temporary file: `--stdin-filename` makes ruff
    /// take its configuration and the file's kind (`.py`, `.pyi`) from the path, as for the
    /// file itself, and no mirror of the tree is needed.
    fn format_one(
        &self,
        root: &Path,
        path: &Path,
        contents: &[u8],
    ) -> Result<Vec<u8>, FormatError> {
        use std::io::{Seek, Write};
        let io = |e: std::io::Error| {
            FormatError::Other(format!("a temporary file for ruff's input: {e}"))
        };
        let mut input = tempfile::tempfile().map_err(io)?;
        input.write_all(contents).map_err(io)?;
        input.rewind().map_err(io)?;
        let mut name = std::ffi::OsString::from("--stdin-filename=");
        name.push(path.as_os_str());
        let cmd = Cmd::new("ruff")
            .args(["format", "--quiet", "--no-cache"])
            .arg(name)
            .arg("-")
            .cwd(root);
        let options = RunOptions::capture()
            .timeout(Some(self.config.timeout))
            .stdin(input);
        let done = process::run(&cmd, options).map_err(|e| FormatError::Tool {
            formatter: self.config.name.clone(),
            message: format!("{e}; install ruff (pip install ruff) or put it on PATH"),
        })?;
        if !done.end.success() {
            return Err(FormatError::Run(failure(&cmd, done.end, &done.stderr)));
        }
        Ok(keep_line_endings(contents, done.stdout))
    }

    fn fix(&self, _root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure> {
        chunks(files).par_iter().try_for_each(|chunk| {
            let cmd = Cmd::new("ruff")
                .args(["format", "--quiet", "--no-cache", "--"])
                .args(chunk.iter().map(|f| f.as_os_str().to_owned()))
                .cwd(dir);
            run_fix(&cmd, &self.config)
        })
    }
}

impl Ruff {
    pub(super) fn new(config: &FormatterConfig) -> Self {
        Ruff {
            config: config.clone(),
        }
    }

    /// The check, with changed-line counts (`ruff format --diff`) or without
    /// ([`crate::ruff_check`]: no diffs printed).
    fn check_with(
        &self,
        root: &Path,
        files: &Files<'_>,
        lines: bool,
    ) -> Result<CheckOutput, FormatError> {
        let parse = |cmd: &Cmd, done: &process::Finished, names: &HashMap<String, PathBuf>| {
            if lines {
                return parse_ruff(cmd, done, names);
            }
            let mut out = crate::ruff_check::parse(done, names)
                .ok_or_else(|| FormatError::from(failure(cmd, done.end, &done.stderr)))?;
            out.considered = ruff_considered(done, out.broken.len());
            if out.considered.is_none() {
                // Every ruff that has `format --check` ends with a count; a "ruff" that prints
                // none (a broken shim, a wrapper that did nothing) checked nothing we can trust.
                let mut why = failure(cmd, done.end, &done.stderr);
                why.what = format!(
                    "{} without ruff's summary line (`N files already formatted`), so nothing \
                     says it checked the files: is `ruff` on PATH ruff?",
                    why.what
                );
                return Err(why.into());
            }
            Ok(out)
        };
        let files = files()?;
        let names = by_name(root, files);
        let odd_names = files.iter().any(|f| f.to_str().is_none());
        let results = par_map(&arg_chunks(files), |chunk| {
            let (cmd, done) = self.run_check(root, chunk, odd_names, lines)?;
            parse(&cmd, &done, &names)
        })?;
        let mut out = CheckOutput {
            considered: Some(0),
            ..CheckOutput::default()
        };
        for r in results {
            out.considered = out.considered.zip(r.considered).map(|(a, b)| a + b);
            out.pending.extend(r.pending);
            out.broken.extend(r.broken);
        }
        Ok(out)
    }

    /// Formats through `ruff format --diff` on the real files (ruff only reads them) and
    /// applies each file's diff to the bytes read before it ran; no copies, no second pass.
    /// A file whose name ruff cannot print exactly (not UTF-8, control characters) or whose
    /// contents hold a lone CR (where line splitting is ambiguous) goes through scratch copies.
    fn format_by_diff(
        &self,
        root: &Path,
        files: &[PathBuf],
    ) -> Result<Vec<Formatted>, FormatError> {
        let beneath = repo::beneath::RootDir::open(root)?;
        let read: Vec<(PathBuf, Vec<u8>)> = files
            .par_iter()
            .map(|f| Ok((f.clone(), beneath.read(f)?)))
            .collect::<Result<_, FormatError>>()?;
        let (by_diff, by_copy): (Vec<_>, Vec<_>) = read
            .into_iter()
            .partition(|(f, original)| diffable_name(f) && !lone_cr(original));
        let copies: Vec<PathBuf> = by_copy.into_iter().map(|(f, _)| f).collect();
        let names: Vec<PathBuf> = by_diff.iter().map(|(f, _)| f.clone()).collect();
        let (diffed, copied) = rayon::join(
            || -> Result<Vec<Formatted>, FormatError> {
                let diffs = chunks(&names)
                    .par_iter()
                    .map(|chunk| self.run_diff(root, chunk))
                    .collect::<Result<Vec<_>, FormatError>>()?;
                let mut diffs: BTreeMap<Vec<u8>, Vec<crate::patch::Hunk>> =
                    diffs.into_iter().flatten().collect();
                let out = by_diff
                    .into_iter()
                    .map(|(path, original)| {
                        let key = path.as_os_str().as_bytes();
                        let formatted = match diffs.remove(key) {
                            None => original.clone(),
                            Some(hunks) => crate::patch::apply(&original, &hunks)
                                .map(|f| keep_line_endings(&original, f))
                                .map_err(|e| FormatError::Refused {
                                    path: path.clone(),
                                    reason: format!(
                                        "ruff's diff does not apply to the file on disk ({e}); \
                                         was it changed while it was being formatted?"
                                    ),
                                })?,
                        };
                        Ok(Formatted {
                            path,
                            original,
                            formatted,
                            again: None,
                        })
                    })
                    .collect::<Result<Vec<_>, FormatError>>()?;
                if let Some(name) = diffs.keys().next() {
                    return Err(FormatError::Other(format!(
                        "`ruff format --diff` printed a diff for {}, which it was not given",
                        String::from_utf8_lossy(name)
                    )));
                }
                Ok(out)
            },
            || {
                if copies.is_empty() {
                    Ok(Vec::new())
                } else {
                    format_scratch(self, root, &copies)
                }
            },
        );
        let mut out = diffed?;
        out.extend(copied?);
        Ok(out)
    }

    /// One `ruff format --diff` over `chunk`: each file's hunks by its name as printed.
    fn run_diff(
        &self,
        root: &Path,
        chunk: &[PathBuf],
    ) -> Result<BTreeMap<Vec<u8>, Vec<crate::patch::Hunk>>, FormatError> {
        let cmd = Cmd::new("ruff")
            .args(["format", "--diff", "--force-exclude", "--"])
            .args(chunk.iter().map(|f| f.as_os_str().to_owned()))
            .cwd(root);
        let done = process::run(
            &cmd,
            RunOptions::capture().timeout(Some(self.config.timeout)),
        )
        .map_err(|e| {
            FormatError::Run(RunFailure {
                command: e.command.clone(),
                what: format!("could not start: {}", e.reason),
                interrupted: false,
            })
        })?;
        match done.end {
            End::Exited(0 | 1) => {}
            end => return Err(FormatError::Run(failure(&cmd, end, &done.stderr))),
        }
        crate::patch::parse(&done.stdout)
            .map_err(|e| FormatError::Other(format!("`{}`: {e}", cmd.display())))
    }

    fn run_check(
        &self,
        root: &Path,
        paths: &[PathBuf],
        no_cache: bool,
        lines: bool,
    ) -> Result<(Cmd, process::Finished), FormatError> {
        let args: &[&str] = if lines {
            &["format", "--diff", "--force-exclude"]
        } else {
            &crate::ruff_check::ARGS
        };
        let cmd = Cmd::new("ruff")
            .args(args)
            .args(no_cache.then_some("--no-cache"))
            .arg("--")
            .args(paths.iter().map(|f| f.as_os_str().to_owned()))
            .cwd(root);
        let done = run(
            &cmd,
            &self.config,
            "ruff (pip install ruff, or uv tool install ruff)",
        )?;
        check_interrupted(&cmd, done.end)?;
        Ok((cmd, done))
    }
}

/// How many of the files it was given ruff considered in one run: its summary (the files it
/// did not exclude, on stdout with `--check`, on stderr with `--diff`), which leaves out the
/// `broken` ones.
fn ruff_considered(done: &process::Finished, broken: usize) -> Option<usize> {
    let stdout = String::from_utf8_lossy(&done.stdout);
    let stderr = String::from_utf8_lossy(&done.stderr);
    crate::considered::ruff_summary(&stdout)
        .or_else(|| crate::considered::ruff_summary(&stderr))
        .map(|n| n + broken)
        // Nothing for ruff to look at (every file excluded) prints no summary.
        .or_else(|| stderr.contains("No Python files found").then_some(0))
}

/// Reads `ruff format --diff`: parse errors on stderr, then (when ruff ended as a check does)
/// the diff on stdout through the one strict reader of unified diffs ([`crate::patch`]).
fn parse_ruff(
    cmd: &Cmd,
    done: &process::Finished,
    names: &HashMap<String, PathBuf>,
) -> Result<CheckOutput, FormatError> {
    let mut out = CheckOutput::default();
    for line in String::from_utf8_lossy(&done.stderr).lines() {
        let Some(rest) = line.strip_prefix("error: Failed to parse ") else {
            continue;
        };
        // The longest known name followed by `:` (names may hold colons).
        let hit = names
            .iter()
            .filter(|(n, _)| rest.strip_prefix(*n).is_some_and(|r| r.starts_with(':')))
            .max_by_key(|(n, _)| n.len());
        if let Some((n, file)) = hit {
            // `LINE:COL: MESSAGE` (crate::unparseable).
            out.broken
                .insert(file.clone(), rest[n.len() + 1..].to_string());
        }
    }
    match done.end {
        End::Exited(0 | 1) => {}
        End::Exited(2) if !out.broken.is_empty() => {}
        end => return Err(failure(cmd, end, &done.stderr).into()),
    }
    let diffs = crate::patch::parse(&done.stdout)
        .map_err(|e| FormatError::Other(format!("`{}`: {e}", cmd.display())))?;
    for (name, hunks) in diffs {
        if let Some(file) = names.get(String::from_utf8_lossy(&name).as_ref()) {
            out.pending
                .insert(file.clone(), crate::patch::changed_lines(&hunks));
        }
    }
    out.considered = ruff_considered(done, out.broken.len());
    Ok(out)
}

/// Whether ruff prints `path` in a diff header exactly as it is: UTF-8 without control
/// characters (ruff prints other names lossily).
fn diffable_name(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|s| !s.chars().any(char::is_control))
}

/// Whether `bytes` hold a CR that does not end a line with LF.
fn lone_cr(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}
