//! Formatter adapters: one trait, three implementations (rustfmt, ruff, any command).
//!
//! An adapter knows how to ask its tool which files would change (with changed-line counts)
//! and how to format a list of files in place. Files go to the tool in chunks that stay under
//! the argument limit, chunks run in parallel (rayon), always after `--` (or as `./path`), and
//! every process goes through [`repo::process::run`] with the formatter's timeout.
//!
//! [`Adapter::format`] gives formatted contents without writing a real file: ruff through
//! `ruff format --diff` applied in memory ([`crate::patch`]), the others through
//! [`format_scratch`] (copies in a mirror of the tree under `target/xtask/format-scratch`,
//! [`crate::scratch`]), so a formatter that fails, crashes, is killed or hangs never touches a
//! real file. A `check` command of a generic formatter runs on such copies too.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use repo::process::{self, Cmd, End, RunOptions};

use crate::config::{FormatterConfig, Kind};
use crate::scratch::Mirror;
use crate::{FormatError, diff};

/// Bytes of file arguments one process gets (Linux allows 2 MiB with the environment).
const ARG_BYTES: usize = 96 * 1024;

/// What a check found: files that would change (with changed lines) and files the tool could
/// not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOutput {
    pub pending: BTreeMap<PathBuf, usize>,
    pub broken: BTreeMap<PathBuf, String>,
    /// How many files the tool itself considered, when it says (crate::considered).
    pub considered: Option<usize>,
}

/// The files a formatter takes, computed on first call (a walk of the repository).
pub type Files<'a> = dyn Fn() -> Result<&'a [PathBuf], FormatError> + Sync + 'a;

/// A formatter process that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{command}` {what}")]
pub struct RunFailure {
    pub command: String,
    pub what: String,
    /// Ctrl-C ended it.
    pub interrupted: bool,
}

/// A formatter the tasks can drive.
pub trait Adapter: Sync {
    /// Its configuration.
    fn config(&self) -> &FormatterConfig;
    /// Its version line (`ruff 0.17.6`), when the tool tells it.
    fn version(&self, root: &Path) -> Option<String>;
    /// Which of its files would change. `files` walks the repository on first call and gives
    /// the files (relative to `root`) this formatter takes; an adapter that can run its tool
    /// over the whole tree calls it while the tool runs.
    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError>;
    /// [`Adapter::check`] where no changed-line counts are needed (they may be 0): cheaper
    /// for a tool that can list files without printing diffs.
    fn check_pending(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        self.check(root, files)
    }
    /// Formats `files` in place in `dir`, a scratch mirror of `root` (the working
    /// directory): each path is relative to both, a copy in `dir` of the real file in `root`.
    fn fix(&self, root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure>;
    /// The formatted contents of `files` (relative to `root`) without touching them: by
    /// default through scratch copies ([`format_scratch`]).
    fn format(&self, root: &Path, files: &[PathBuf]) -> Result<Vec<Formatted>, FormatError> {
        format_scratch(self, root, files)
    }
}

/// The adapter for a configured formatter.
pub fn adapter(config: &FormatterConfig, root: &Path) -> Box<dyn Adapter> {
    match config.kind {
        Kind::Rustfmt => Box::new(Rustfmt {
            config: config.clone(),
            editions: std::sync::OnceLock::new(),
            cargo: root.join("Cargo.toml").is_file(),
        }),
        Kind::Ruff => Box::new(Ruff {
            config: config.clone(),
        }),
        Kind::Command => Box::new(Command {
            config: config.clone(),
        }),
    }
}

/// rustfmt: in a Cargo workspace, `cargo fmt --all --check`'s targets checked on every core
/// ([`crate::rustfmt_check`], so `#[rustfmt::skip] mod` and each crate's edition are honoured;
/// `cargo fmt` itself when `cargo metadata` fails); fixing runs `rustfmt
/// --edition <crate's> --config skip_children=true -- FILES` so exactly the given files change.
struct Rustfmt {
    config: FormatterConfig,
    editions: std::sync::OnceLock<Vec<(PathBuf, String)>>,
    cargo: bool,
}

impl Adapter for Rustfmt {
    fn config(&self) -> &FormatterConfig {
        &self.config
    }

    fn version(&self, root: &Path) -> Option<String> {
        version(root, "rustfmt")
    }

    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        let (outputs, files): (Vec<(Cmd, process::Finished)>, &[PathBuf]) = if self.cargo
            && let Some(found) = crate::rustfmt_check::check(root, &self.config, files)?
        {
            found
        } else if self.cargo {
            // `-v` lists each file cargo fmt formats: the count of what it considers.
            let cmd = Cmd::new("cargo")
                .args(["fmt", "--all", "--check", "--", "--color", "never", "-v"])
                .cwd(root);
            let (done, files) = rayon::join(
                || run(&cmd, &self.config, "cargo (rustup component add rustfmt)"),
                files,
            );
            (vec![(cmd.clone(), done?)], files?)
        } else {
            let files = files()?;
            let outputs = chunks(files)
                .par_iter()
                .map(|chunk| {
                    let cmd = Cmd::new("rustfmt")
                        .args([
                            "--check",
                            "--color",
                            "never",
                            "--config",
                            "skip_children=true",
                        ])
                        .args(["--edition", "2021", "--"])
                        .args(chunk.iter().map(|f| f.as_os_str().to_owned()))
                        .cwd(root);
                    let done = run(&cmd, &self.config, "rustfmt (rustup component add rustfmt)")?;
                    Ok((cmd, done))
                })
                .collect::<Result<_, FormatError>>()?;
            (outputs, files)
        };
        if files.is_empty() {
            return Ok(CheckOutput::default());
        }
        let names = by_name(root, files);
        let mut out = CheckOutput::default();
        let mut considered = std::collections::BTreeSet::new();
        for (cmd, done) in outputs {
            check_interrupted(&cmd, done.end)?;
            let stdout = String::from_utf8_lossy(&done.stdout);
            let stderr = String::from_utf8_lossy(&done.stderr);
            considered.extend(
                crate::considered::rustfmt_verbose(&stdout).map(crate::rustfmt_check::resolve_dots),
            );
            for (name, lines) in diff::rustfmt(&stdout) {
                if let Some(file) = names.get(crate::rustfmt_check::resolve_dots(&name).as_str()) {
                    out.pending.insert(file.clone(), lines);
                }
            }
            // A file that does not parse: `error: ...` then ` --> PATH:LINE:COL`; kept as
            // `LINE:COL: MESSAGE` (crate::unparseable).
            let mut message = None;
            for line in stderr.lines() {
                if let Some(m) = line.strip_prefix("error: ") {
                    message = Some(m.to_string());
                } else if let Some(at) = line.trim_start().strip_prefix("--> ")
                    && let at = crate::rustfmt_check::resolve_dots(at)
                    && let Some((file, place)) = names.iter().find_map(|(n, f)| {
                        at.strip_prefix(n.as_str())
                            .and_then(|r| r.strip_prefix(':'))
                            .map(|place| (f, place.to_string()))
                    })
                {
                    out.broken.entry(file.clone()).or_insert_with(|| {
                        format!(
                            "{place}: {}",
                            message.as_deref().unwrap_or("does not parse")
                        )
                    });
                }
            }
            if self.cargo {
                // rustfmt lists no `Formatting` line for a file it cannot parse.
                out.considered = Some(considered.len() + out.broken.len());
            }
            match done.end {
                End::Exited(0) => {}
                End::Exited(1) if !out.pending.is_empty() || !out.broken.is_empty() => {}
                end => return Err(failure(&cmd, end, &done.stderr).into()),
            }
        }
        Ok(out)
    }

    fn fix(&self, root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure> {
        let editions = self.editions.get_or_init(|| editions(root));
        let mut by_edition: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
        for real in files {
            let abs = root.join(real);
            let edition = editions
                .iter()
                .find(|(dir, _)| abs.starts_with(dir))
                .map_or("2021", |(_, e)| e.as_str());
            by_edition.entry(edition).or_default().push(real.clone());
        }
        let jobs: Vec<(&str, &[PathBuf])> = by_edition
            .iter()
            .flat_map(|(e, files)| chunks(files).into_iter().map(move |c| (*e, c)))
            .collect();
        jobs.par_iter().try_for_each(|(edition, chunk)| {
            let cmd = Cmd::new("rustfmt")
                .args([
                    "--color",
                    "never",
                    "--config",
                    "skip_children=true",
                    "--edition",
                ])
                .arg(*edition)
                .arg("--")
                .args(chunk.iter().map(|f| f.as_os_str().to_owned()))
                .cwd(dir);
            run_fix(&cmd, &self.config)
        })
    }
}

/// ruff: `ruff format --check --output-format concise --force-exclude -- FILES` to check
/// ([`crate::ruff_check`]), `ruff format --diff --force-exclude -- FILES` where changed lines
/// are counted (a unified diff in every version; a file that does not parse is reported on its
/// own) and to format (the same diff applied in memory); `ruff format -- FILES` on scratch
/// copies for the files a diff cannot name or split exactly. One process takes all the files
/// (ruff spreads them over the cores itself) unless the argument limit splits them.
struct Ruff {
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

/// Reads `ruff format --diff`: the diff on stdout, parse errors on stderr.
fn parse_ruff(
    cmd: &Cmd,
    done: &process::Finished,
    names: &HashMap<String, PathBuf>,
) -> Result<CheckOutput, FormatError> {
    let mut out = CheckOutput::default();
    for (name, lines) in diff::unified(&String::from_utf8_lossy(&done.stdout)) {
        if let Some(file) = names.get(name.as_str()) {
            out.pending.insert(file.clone(), lines);
        }
    }
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
    out.considered = ruff_considered(done, out.broken.len());
    match done.end {
        End::Exited(0 | 1) => Ok(out),
        End::Exited(2) if !out.broken.is_empty() => Ok(out),
        end => Err(failure(cmd, end, &done.stderr).into()),
    }
}

/// Any formatter with a `fix` argv template (prettier, black, clang-format, ...). Checking
/// formats scratch copies and compares, which works for every tool; a `check` template, when
/// given, first rules out the chunks that are already formatted.
struct Command {
    config: FormatterConfig,
}

impl Adapter for Command {
    fn config(&self) -> &FormatterConfig {
        &self.config
    }

    fn version(&self, _root: &Path) -> Option<String> {
        None
    }

    fn check(&self, root: &Path, files: &Files<'_>) -> Result<CheckOutput, FormatError> {
        let files = files()?;
        let formatted: Vec<Formatted> = match &self.config.check {
            None => format_scratch(self, root, files)?,
            Some(template) => {
                let formatted: Vec<Vec<Formatted>> = chunks(files)
                    .par_iter()
                    .map(|chunk| {
                        // On scratch copies: a check that writes never touches the tree, and
                        // is refused. A chunk it finds unformatted is formatted in the same
                        // copies.
                        let copies = chunk
                            .iter()
                            .map(|f| Ok((f.clone(), repo::fs::read(&root.join(f))?)))
                            .collect::<Result<Vec<_>, FormatError>>()?;
                        let mirror = Mirror::new(root, &copies)?;
                        let cmd = template_cmd(template, chunk.iter()).cwd(mirror.dir());
                        let done = run(&cmd, &self.config, "the formatter")?;
                        check_interrupted(&cmd, done.end)?;
                        for (f, original) in &copies {
                            if mirror.read(f)? != *original {
                                return Err(check_wrote(&self.config.name, template, f));
                            }
                        }
                        if done.end == End::Exited(0) {
                            return Ok(Vec::new());
                        }
                        self.fix(root, mirror.dir(), chunk)
                            .map_err(FormatError::Run)?;
                        read_formatted(&mirror, copies)
                    })
                    .collect::<Result<_, FormatError>>()?;
                formatted.into_iter().flatten().collect()
            }
        };
        let mut out = CheckOutput::default();
        for f in formatted {
            if f.formatted != f.original {
                out.pending
                    .insert(f.path, diff::count(&f.original, &f.formatted));
            }
        }
        Ok(out)
    }

    fn fix(&self, _root: &Path, dir: &Path, files: &[PathBuf]) -> Result<(), RunFailure> {
        let template = self
            .config
            .fix
            .as_ref()
            .expect("validated: command has `fix`");
        chunks(files).par_iter().try_for_each(|chunk| {
            let cmd = template_cmd(template, chunk.iter()).cwd(dir);
            run_fix(&cmd, &self.config)
        })
    }
}

/// A file formatted in a scratch copy.
#[derive(Debug, Clone)]
pub struct Formatted {
    pub path: PathBuf,
    pub original: Vec<u8>,
    /// The formatter's output, with the original's line endings.
    pub formatted: Vec<u8>,
    /// When the adapter formatted its output a second time in the same copies (`verify`):
    /// the formatter's first output and its second, as it wrote them.
    pub again: Option<(Vec<u8>, Vec<u8>)>,
}

/// Formats `files` (relative to `root`) through scratch copies in a mirror of the tree
/// ([`crate::scratch`]), so that the real files are never touched. With the formatter's
/// `verify`, the changed copies are formatted a second time in place (one more run, no more
/// copies) and both outputs kept in [`Formatted::again`].
pub fn format_scratch(
    adapter: &(impl Adapter + ?Sized),
    root: &Path,
    files: &[PathBuf],
) -> Result<Vec<Formatted>, FormatError> {
    // The originals are read beneath the root, through no symlink.
    let beneath = repo::beneath::RootDir::open(root)?;
    let contents = files
        .par_iter()
        .map(|rel| Ok((rel.clone(), beneath.read(rel)?)))
        .collect::<Result<Vec<_>, FormatError>>()?;
    let mirror = Mirror::new(root, &contents)?;
    let names: Vec<PathBuf> = contents.iter().map(|(p, _)| p.clone()).collect();
    adapter
        .fix(root, mirror.dir(), &names)
        .map_err(FormatError::Run)?;
    let mut out = read_formatted(&mirror, contents)?;
    if adapter.config().verify {
        let changed: Vec<usize> = (0..out.len())
            .filter(|&i| out[i].formatted != out[i].original)
            .collect();
        if !changed.is_empty() {
            let firsts = changed
                .par_iter()
                .map(|&i| mirror.read(&out[i].path))
                .collect::<Result<Vec<_>, FormatError>>()?;
            let names: Vec<PathBuf> = changed.iter().map(|&i| out[i].path.clone()).collect();
            adapter.fix(root, mirror.dir(), &names).map_err(|e| {
                FormatError::Other(format!(
                    "formatter `{}` could not format its own output again (its output is not \
                     trusted): {e}",
                    adapter.config().name
                ))
            })?;
            for (&i, first) in changed.iter().zip(firsts) {
                let second = mirror.read(&out[i].path)?;
                out[i].again = Some((first, second));
            }
        }
    }
    Ok(out)
}

/// Formats `contents` (each file's path relative to `root`, and the bytes to format as that
/// file) through copies in a mirror of the tree; the mirror is removed whatever happens.
pub fn format_contents(
    adapter: &(impl Adapter + ?Sized),
    root: &Path,
    contents: &[(PathBuf, Vec<u8>)],
) -> Result<Vec<Formatted>, FormatError> {
    let mirror = Mirror::new(root, contents)?;
    let names: Vec<PathBuf> = contents.iter().map(|(p, _)| p.clone()).collect();
    adapter
        .fix(root, mirror.dir(), &names)
        .map_err(FormatError::Run)?;
    read_formatted(&mirror, contents.to_vec())
}

/// The formatted copies in `mirror` of `contents` (path and original bytes).
fn read_formatted(
    mirror: &Mirror,
    contents: Vec<(PathBuf, Vec<u8>)>,
) -> Result<Vec<Formatted>, FormatError> {
    contents
        .into_par_iter()
        .map(|(path, original)| {
            let formatted = mirror.read(&path)?;
            let formatted = keep_line_endings(&original, formatted);
            Ok(Formatted {
                path,
                original,
                formatted,
                again: None,
            })
        })
        .collect()
}

/// The error for a `check` command that changed a (scratch) file it was given.
fn check_wrote(name: &str, template: &[String], file: &Path) -> FormatError {
    FormatError::Other(format!(
        "formatter `{name}`: its `check` command (`{}`) changed {} when it should only read \
         it; it ran on a scratch copy, so the file in your tree is untouched. Give the tool its \
         check-only option in `check` (such as `--check`) or remove `check` from its \
         [[format.formatter]] in xtask.toml",
        template.join(" "),
        crate::paths::show(file)
    ))
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

/// Gives `formatted` the line endings of `original` (CRLF or LF, by its first line ending).
pub fn keep_line_endings(original: &[u8], formatted: Vec<u8>) -> Vec<u8> {
    let crlf = |b: &[u8]| {
        b.iter()
            .position(|&c| c == b'\n')
            .map(|i| i > 0 && b[i - 1] == b'\r')
    };
    match (crlf(original), crlf(&formatted)) {
        (Some(true), Some(false)) => {
            let mut out = Vec::with_capacity(formatted.len() + formatted.len() / 32);
            for &c in &formatted {
                if c == b'\n' {
                    out.push(b'\r');
                }
                out.push(c);
            }
            out
        }
        (Some(false), Some(true)) => {
            let mut out = Vec::with_capacity(formatted.len());
            let mut i = 0;
            while i < formatted.len() {
                if formatted[i] == b'\r' && formatted.get(i + 1) == Some(&b'\n') {
                    i += 1;
                    continue;
                }
                out.push(formatted[i]);
                i += 1;
            }
            out
        }
        _ => formatted,
    }
}

/// `f` over `items`, side by side on rayon's threads when there are several; a single item
/// runs on the calling thread. Handing work to the pool from outside it costs a thread's
/// wake-up there and another back, each up to a scheduler slice on a busy machine: most
/// checks have one formatter and one chunk.
pub(crate) fn par_map<T, R, E>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, E> + Sync + Send,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    if items.len() <= 1 {
        items.iter().map(f).collect()
    } else {
        items.par_iter().map(f).collect()
    }
}

/// Splits `files` into chunks: at least one per rayon thread when there are enough files to
/// pay for another process start, each under the argument limit.
pub fn chunks(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    const MIN_PER_PROCESS: usize = 64;
    let threads = rayon::current_num_threads().max(1);
    let wanted = (files.len() / MIN_PER_PROCESS).clamp(1, threads);
    chunks_of(files, files.len().div_ceil(wanted))
}

/// Splits `files` only where the argument limit demands: for a tool that spreads one
/// process's files over every core itself (ruff's check), where another process would only
/// add its start-up.
fn arg_chunks(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    chunks_of(files, usize::MAX)
}

/// Chunks of at most `per` files, each under the argument limit.
fn chunks_of(files: &[PathBuf], per: usize) -> Vec<&[PathBuf]> {
    if files.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, f) in files.iter().enumerate() {
        let len = f.as_os_str().as_bytes().len() + 3;
        if i > start && (i - start >= per || bytes + len > ARG_BYTES) {
            out.push(&files[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += len;
    }
    out.push(&files[start..]);
    out
}

/// `template` with its `{files}` argument replaced by the files, each as `./PATH` so that a
/// name starting with `-` is never an option.
fn template_cmd<'a>(template: &[String], files: impl Iterator<Item = &'a PathBuf> + Clone) -> Cmd {
    let mut cmd = Cmd::new(&template[0]);
    for arg in &template[1..] {
        if arg == "{files}" {
            cmd = cmd.args(
                files
                    .clone()
                    .map(|f| Path::new(".").join(f).into_os_string()),
            );
        } else {
            cmd = cmd.arg(arg);
        }
    }
    cmd
}

/// Runs a check process with the formatter's timeout; a missing tool is a clear error.
pub(crate) fn run(
    cmd: &Cmd,
    config: &FormatterConfig,
    install: &str,
) -> Result<process::Finished, FormatError> {
    process::run(cmd, RunOptions::capture().timeout(Some(config.timeout))).map_err(|e| {
        FormatError::Tool {
            formatter: config.name.clone(),
            message: format!("{e}; install {install} or put it on PATH"),
        }
    })
}

fn run_fix(cmd: &Cmd, config: &FormatterConfig) -> Result<(), RunFailure> {
    let done =
        process::run(cmd, RunOptions::capture().timeout(Some(config.timeout))).map_err(|e| {
            RunFailure {
                command: e.command.clone(),
                what: format!("could not start: {}", e.reason),
                interrupted: false,
            }
        })?;
    if done.end.success() {
        Ok(())
    } else {
        Err(failure(cmd, done.end, &done.stderr))
    }
}

fn check_interrupted(cmd: &Cmd, end: End) -> Result<(), FormatError> {
    if end == End::Interrupted {
        return Err(FormatError::Run(failure(cmd, end, b"")));
    }
    Ok(())
}

fn failure(cmd: &Cmd, end: End, stderr: &[u8]) -> RunFailure {
    let stderr = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let what = match end {
        End::Exited(code) => format!("exited with code {code}"),
        End::Signalled(sig) => format!("was killed by signal {sig}"),
        End::TimedOut => "timed out and was killed".to_string(),
        End::Interrupted => "was interrupted".to_string(),
    };
    let what = if tail.is_empty() {
        what
    } else {
        format!("{what}: {}", tail.join(" | "))
    };
    let mut command = cmd.display();
    if command.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| command.is_char_boundary(i))
            .unwrap_or(0);
        command.truncate(cut);
        command.push_str(" ...");
    }
    RunFailure {
        command,
        what,
        interrupted: end == End::Interrupted,
    }
}

/// Lossy display name (as tools print it, relative and absolute) to the file.
fn by_name(root: &Path, files: &[PathBuf]) -> HashMap<String, PathBuf> {
    let mut names = HashMap::with_capacity(files.len() * 2);
    for f in files {
        names.insert(f.to_string_lossy().into_owned(), f.clone());
        names.insert(root.join(f).to_string_lossy().into_owned(), f.clone());
    }
    names
}

fn version(root: &Path, program: &str) -> Option<String> {
    let done = process::run(
        &Cmd::new(program).arg("--version").cwd(root),
        RunOptions::capture(),
    )
    .ok()?;
    done.end
        .success()
        .then(|| String::from_utf8_lossy(&done.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Each package's directory and edition, deepest first, from `cargo metadata`.
fn editions(root: &Path) -> Vec<(PathBuf, String)> {
    let cmd = Cmd::new("cargo")
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .cwd(root);
    let Ok(done) = process::run(&cmd, RunOptions::capture()) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&done.stdout) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, String)> = json["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str()?);
            Some((
                manifest.parent()?.to_path_buf(),
                p["edition"].as_str()?.to_string(),
            ))
        })
        .collect();
    out.sort_by_key(|(dir, _)| std::cmp::Reverse(dir.as_os_str().len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_follow_the_original() {
        assert_eq!(
            keep_line_endings(b"a\r\nb\r\n", b"a\nb\n".to_vec()),
            b"a\r\nb\r\n"
        );
        assert_eq!(
            keep_line_endings(b"a\nb\n", b"a\r\nb\r\n".to_vec()),
            b"a\nb\n"
        );
        assert_eq!(keep_line_endings(b"a\r\n", b"a\r\n".to_vec()), b"a\r\n");
        assert_eq!(keep_line_endings(b"a", b"a\n".to_vec()), b"a\n");
    }

    #[test]
    fn chunks_stay_under_the_argument_limit_and_keep_order() {
        let files: Vec<PathBuf> = (0..5000)
            .map(|i| PathBuf::from(format!("{}/{i}.py", "d".repeat(60))))
            .collect();
        let chunks = chunks(&files);
        assert!(chunks.len() >= 2);
        for c in &chunks {
            let bytes: usize = c.iter().map(|f| f.as_os_str().len() + 3).sum();
            assert!(bytes <= ARG_BYTES, "{bytes}");
        }
        let joined: Vec<&PathBuf> = chunks.iter().flat_map(|c| c.iter()).collect();
        assert_eq!(joined.len(), files.len());
        assert!(joined.iter().zip(&files).all(|(a, b)| *a == b));
        assert_eq!(super::chunks(&files[..3]).len(), 1);
        let one_per_limit = arg_chunks(&files);
        assert_eq!(arg_chunks(&files[..1000]).len(), 1);
        assert!(
            one_per_limit
                .iter()
                .all(|c| { c.iter().map(|f| f.as_os_str().len() + 3).sum::<usize>() <= ARG_BYTES })
        );
        assert_eq!(one_per_limit.concat(), files);
    }
}
