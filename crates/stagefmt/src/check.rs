//! `format check`: which files each formatter would change (with changed-line counts when asked), from
//! one `.gitignore`-aware walk; formatters run side by side. The report is shown to people
//! ([`render_check`]) or as JSON ([`check_json`]); `plan`, `status` and `enforce` start from it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::json;

use crate::adapter::{adapter, par_map};
use crate::config::{FormatConfig, FormatterConfig, Kind};
use crate::{FormatError, files, paths, unparseable};

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Only these formatters (all when empty).
    pub formatters: Vec<String>,
    /// Ask each tool its version (one more process each; plan and status need it).
    pub versions: bool,
    /// Count each pending file's changed lines (the plan needs them). Without, a tool that
    /// can list its files without printing diffs is asked that way, and every count is 0.
    pub lines: bool,
}

/// The result of a check over the whole repository.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub formatters: Vec<FormatterCheck>,
    /// Every file the walk found (for re-planning: what still exists).
    pub present: Vec<PathBuf>,
    /// Whether the pending files' `lines` were counted ([`CheckOptions::lines`]).
    pub lines: bool,
}

/// One formatter's findings.
#[derive(Debug, Clone)]
pub struct FormatterCheck {
    pub name: String,
    pub kind: Kind,
    pub version: Option<String>,
    /// How many files it took.
    pub checked: usize,
    /// Files it would change, sorted.
    pub pending: Vec<PendingFile>,
    /// Files it could not format (a parse error, say), with why.
    pub broken: Vec<(PathBuf, String)>,
}

/// A file a formatter would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFile {
    pub path: PathBuf,
    pub lines: usize,
}

impl CheckReport {
    /// Whether any formatter would change a file or could not read one.
    pub fn clean(&self) -> bool {
        self.formatters
            .iter()
            .all(|f| f.pending.is_empty() && f.broken.is_empty())
    }
}

/// Runs every formatter's check over the files it takes.
pub fn check(
    repo: &repo::Repo,
    config: &FormatConfig,
    options: &CheckOptions,
) -> Result<CheckReport, FormatError> {
    for name in &options.formatters {
        if config.formatter(name).is_none() {
            let names = config.formatters.iter().map(|f| f.name.as_str());
            let hint = repo::config::did_you_mean(name, names.clone())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(FormatError::Other(format!(
                "unknown formatter `{name}`{hint}; configured: {}",
                repo::config::list(names)
            )));
        }
    }
    let root = repo.root();
    crate::scratch::prepare(repo)?;
    // The walk runs once, on first use, while whole-tree tools are already running.
    type Walked = (Vec<PathBuf>, BTreeMap<String, Vec<PathBuf>>);
    let walked: OnceLock<Result<Walked, String>> = OnceLock::new();
    let walk = || {
        walked
            .get_or_init(|| {
                let present = files::walk(root).map_err(|e| e.to_string())?;
                let assigned =
                    files::assign(&present, &config.formatters).map_err(|e| e.to_string())?;
                Ok((present, assigned))
            })
            .as_ref()
            .map_err(|e| FormatError::Other(e.clone()))
    };
    let chosen: Vec<_> = config
        .formatters
        .iter()
        .filter(|f| options.formatters.is_empty() || options.formatters.contains(&f.name))
        .cloned()
        .collect();
    let check_one = |f: &FormatterConfig| -> Result<FormatterCheck, FormatError> {
        let files = || walk().map(|(_, assigned)| assigned[&f.name].as_slice());
        let adapter = adapter(f, root);
        let check = || {
            if options.lines {
                adapter.check(root, &files)
            } else {
                adapter.check_pending(root, &files)
            }
        };
        let (found, version) = if options.versions {
            rayon::join(check, || adapter.version(root))
        } else {
            (check(), None)
        };
        let found = found?;
        Ok(FormatterCheck {
            name: f.name.clone(),
            kind: f.kind,
            version,
            // What the tool considered (its own excludes), else what our globs took.
            checked: match found.considered {
                Some(n) => n,
                None => files()?.len(),
            },
            pending: found
                .pending
                .into_iter()
                .map(|(path, lines)| PendingFile { path, lines })
                .collect(),
            broken: found.broken.into_iter().collect(),
        })
    };
    let formatters = par_map(&chosen, check_one)?;
    let present = match walked.into_inner() {
        Some(Ok((present, _))) => present,
        Some(Err(e)) => return Err(FormatError::Other(e)),
        None => files::walk(root)?,
    };
    Ok(CheckReport {
        formatters,
        present,
        lines: options.lines,
    })
}

/// The check report for people: per formatter, the files it would change.
pub fn render_check(report: &CheckReport, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &report.formatters {
        let lines: usize = f.pending.iter().map(|p| p.lines).sum();
        let lines = if report.lines {
            format!(", {lines} changed line(s)")
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}{}: {} of {} file(s) would be reformatted{lines}{}",
            f.name,
            f.version
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default(),
            f.pending.len(),
            f.checked,
            match f.broken.len() {
                0 => String::new(),
                n => format!(", {n} cannot be parsed"),
            }
        )?;
        for p in &f.pending {
            if report.lines {
                writeln!(out, "  {}  +-{}", paths::show(&p.path), p.lines)?;
            } else {
                writeln!(out, "  {}", paths::show(&p.path))?;
            }
        }
        for (p, why) in &f.broken {
            writeln!(out, "  error: {}", unparseable::show(p, &f.name, why))?;
        }
    }
    Ok(())
}

/// The check report as JSON.
pub fn check_json(report: &CheckReport) -> serde_json::Value {
    json!({
        "formatters": report.formatters.iter().map(|f| json!({
            "name": f.name,
            "kind": crate::config::kind_name(f.kind),
            "version": f.version,
            "checked": f.checked,
            "pending": f.pending.iter().map(|p| json!({"path": paths::encode(&p.path), "lines": report.lines.then_some(p.lines)})).collect::<Vec<_>>(),
            "broken": f.broken.iter().map(|(p, e)| {
                let (line, column) = unparseable::line_column(e);
                json!({"path": paths::encode(p), "error": e, "line": line, "column": column, "message": unparseable::split(e).1})
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
