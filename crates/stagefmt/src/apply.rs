//! `format --batch ID[,ID...]` / `--next N`: apply batches in parallel, touching exactly
//! their files, then mark them done in the plan (and with `--commit`, one commit per batch,
//! recorded in `.git-blame-ignore-revs`).
//!
//! Never loses work: everything is checked before any real file is written (unknown or done
//! batches, paths outside the root or through symlinks, missing files, uncommitted changes); the
//! formatter never writes a real file (ruff prints diffs that are applied in memory, refusing a
//! file whose diff does not match its bytes; other formatters run on scratch copies), so a
//! formatter that fails, crashes, is killed or hangs leaves the real files as they were; results are written through a temp file renamed over
//! each file (`repo::beneath::RootDir::write_atomic_unsynced`: resolved beneath the root through
//! no symlink, permissions and line endings kept, no fsync per file since the originals are
//! committed), and a batch whose write fails half-way is restored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use repo::beneath::RootDir;

use crate::adapter::{Formatted, adapter};
use crate::config::FormatConfig;
use crate::plan::{Batch, Plan, Status};
use crate::{FormatError, git, paths};

/// Which batches to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Ids(Vec<String>),
    /// The next N pending batches, in plan order.
    Next(usize),
    /// These files (`--file`), whatever batch they are in, or none; the plan is not changed.
    Files(Vec<PathBuf>),
}

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub selection: Selection,
    /// Format files that have uncommitted changes too.
    pub allow_dirty: bool,
    /// One commit per batch, appended to `.git-blame-ignore-revs`.
    pub commit: bool,
    /// Accept done batches too, and format their files again (`--reapply`); they stay done.
    pub reapply: bool,
}

/// What happened to each batch.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    pub results: Vec<BatchResult>,
    /// Ctrl-C stopped the run; batches not started are left pending.
    pub interrupted: bool,
}

/// One batch's result.
#[derive(Debug, Clone)]
pub struct BatchResult {
    pub id: String,
    pub files: usize,
    /// Files whose contents changed.
    pub changed: Vec<PathBuf>,
    /// Why the batch failed (its files are untouched), when it did.
    pub error: Option<String>,
    pub commit: Option<String>,
}

impl ApplyOutcome {
    pub fn success(&self) -> bool {
        !self.interrupted && self.results.iter().all(|r| r.error.is_none())
    }
}

/// Applies the selected batches of the repository's plan.
pub fn apply(repo: &repo::Repo, options: &ApplyOptions) -> Result<ApplyOutcome, FormatError> {
    let root = repo.root();
    let config = FormatConfig::load(repo)?;
    let adhoc = matches!(options.selection, Selection::Files(_));
    let mut plan = match Plan::load(root)? {
        Some(plan) => plan,
        None if adhoc => Plan::default(),
        None => return Err(FormatError::NoPlan),
    };
    let ids = match &options.selection {
        Selection::Files(files) => crate::adhoc::add_batches(&mut plan, &config, files)?,
        selection => select(&plan, selection, options.reapply)?,
    };
    crate::scratch::prepare(repo)?;
    crate::leftovers::clean(root, plan.batches.iter().flat_map(|b| b.files.iter()));
    // Validate everything before any real file is touched: paths and files now; uncommitted
    // changes (a `git status`) while the formatter works on scratch copies, before writing.
    let dirty_check = || -> Result<Option<BTreeSet<PathBuf>>, FormatError> {
        if options.allow_dirty && !options.commit {
            return Ok(None);
        }
        let files: Vec<PathBuf> = ids
            .iter()
            .flat_map(|id| plan.batch(id).expect("selected").files.iter())
            .cloned()
            .collect();
        match git::dirty(root, &files)? {
            Some(d) => Ok(Some(d)),
            None if options.commit => Err(FormatError::Git(format!(
                "{} is not in a git work tree; `--commit` needs one",
                root.display()
            ))),
            None => Err(FormatError::Other(format!(
                "{} is not in a git work tree, so uncommitted changes cannot be detected; pass --allow-dirty to format anyway",
                root.display()
            ))),
        }
    };
    let mut refused = Vec::new();
    for id in &ids {
        let batch = plan.batch(id).expect("selected from the plan");
        if config.formatter(&batch.formatter).is_none() {
            return Err(FormatError::Other(format!(
                "batch `{id}` is for formatter `{}`, which is not configured in xtask.toml",
                batch.formatter
            )));
        }
        for f in &batch.files {
            match paths::check_inside(root, f) {
                Err(paths::Unsafe::NotRelative) => {
                    refused.push((f.clone(), "not a path inside the repository".to_string()))
                }
                Err(paths::Unsafe::Symlink(link)) => refused.push((
                    f.clone(),
                    format!(
                        "{} is a symlink; symlinks are never followed",
                        paths::show(&link)
                    ),
                )),
                Ok(()) => {
                    let meta = std::fs::symlink_metadata(root.join(f));
                    if !meta.is_ok_and(|m| m.is_file()) {
                        refused.push((
                            f.clone(),
                            format!(
                                "does not exist (run `{}`)",
                                repo::invocation::current().command("format plan --update")
                            ),
                        ));
                    }
                }
            }
        }
    }
    refuse(&refused)?;
    let (dirty, formatted) =
        rayon::join(dirty_check, || format_batches(root, &config, &plan, &ids));
    let formatted = crate::verify::batches(root, &config, &plan, formatted);
    if let Some(dirty) = dirty? {
        let refused: Vec<(PathBuf, String)> = ids
            .iter()
            .flat_map(|id| plan.batch(id).expect("selected").files.iter())
            .filter(|f| dirty.contains(*f))
            .map(|f| {
                let why = "has uncommitted changes (commit or stash them, or pass --allow-dirty)";
                (f.clone(), why.to_string())
            })
            .collect();
        refuse(&refused)?;
    }
    let beneath = RootDir::open(root)?;
    let mut results: Vec<BatchResult> = formatted
        .into_par_iter()
        .map(|(id, formatted)| {
            let batch = plan.batch(&id).expect("selected");
            result(batch, formatted.and_then(|f| write_batch(&beneath, &f)))
        })
        .collect();
    results.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    let interrupted = repo::process::interrupted();
    let mut outcome = ApplyOutcome {
        results,
        interrupted,
    };

    if adhoc {
        // `--file`: the plan is not changed.
        return Ok(outcome);
    }
    let date = crate::today();
    // A batch done before (`--reapply`) keeps its date and commit.
    let done_before: BTreeSet<String> = (plan.batches.iter())
        .filter(|b| b.status.is_done())
        .map(|b| b.id.clone())
        .collect();
    let mark_done = |plan: &mut Plan, id: &str, commit: Option<String>| {
        if let Some(b) = plan.batches.iter_mut().find(|b| b.id == id)
            && !done_before.contains(id)
        {
            b.status = Status::Done {
                commit,
                date: date.clone(),
            };
        }
    };
    if !options.commit {
        for r in outcome.results.iter().filter(|r| r.error.is_none()) {
            mark_done(&mut plan, &r.id, None);
        }
        plan.save(root)?;
        return Ok(outcome);
    }
    // One commit per batch, holding its files and the plan that marks it done.
    let plan_path = PathBuf::from(crate::PLAN_PATH);
    let mut commits = Vec::new();
    for r in outcome.results.iter_mut().filter(|r| r.error.is_none()) {
        mark_done(&mut plan, &r.id, None);
        plan.save(root)?;
        let batch = plan.batch(&r.id).expect("in the plan");
        let mut files = r.changed.clone();
        files.push(plan_path.clone());
        let message = format!(
            "format: apply batch `{}` ({}, {} of {} files in {})\n\nFormatting only, made by `cargo xtask format --batch {}`; \
             listed in .git-blame-ignore-revs.",
            r.id,
            batch.formatter,
            r.changed.len(),
            batch.files.len(),
            if batch.module.as_os_str().is_empty() {
                ".".to_string()
            } else {
                paths::show(&batch.module)
            },
            r.id
        );
        let hash = git::commit(root, &files, &message)?;
        if !r.changed.is_empty() {
            commits.push((r.id.clone(), hash.clone()));
            r.commit = Some(hash);
        }
    }
    if !commits.is_empty() {
        for (id, hash) in &commits {
            mark_done(&mut plan, id, Some(hash.clone()));
        }
        plan.save(root)?;
        let ignore_file = git::ignore_revs(root, &commits)?;
        let ids: Vec<&str> = commits.iter().map(|(id, _)| id.as_str()).collect();
        git::commit(
            root,
            &[plan_path, ignore_file],
            &format!(
                "format: record the commits of batches {} in .git-blame-ignore-revs",
                ids.join(", ")
            ),
        )?;
    }
    Ok(outcome)
}

/// The batch ids to apply, validated: known, not done (unless `reapply`), each once.
fn select(plan: &Plan, selection: &Selection, reapply: bool) -> Result<Vec<String>, FormatError> {
    match selection {
        Selection::Next(n) => {
            let ids: Vec<String> = plan
                .batches
                .iter()
                .filter(|b| !b.status.is_done())
                .take(*n)
                .map(|b| b.id.clone())
                .collect();
            if ids.is_empty() {
                return Err(FormatError::Other(
                    "no pending batch left: the rollout is complete".to_string(),
                ));
            }
            Ok(ids)
        }
        Selection::Ids(ids) => {
            let mut out: Vec<String> = Vec::new();
            for id in ids {
                let Some(batch) = plan.batch(id) else {
                    let hint =
                        repo::config::did_you_mean(id, plan.batches.iter().map(|b| b.id.as_str()))
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_else(|| {
                                format!(
                                    "; `{}` lists the batches",
                                    repo::invocation::current().command("format status")
                                )
                            });
                    return Err(FormatError::UnknownBatch {
                        id: id.clone(),
                        hint,
                    });
                };
                if batch.status.is_done() && !reapply {
                    return Err(FormatError::Other(format!(
                        "batch `{id}` is already done; to format its files again run `{}`",
                        repo::invocation::current()
                            .command(&format!("format --batch {id} --reapply"))
                    )));
                }
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
            Ok(out)
        }
        Selection::Files(_) => Ok(Vec::new()),
    }
}

/// Refuses the run when any file is refused, naming the first and counting the others.
fn refuse(refused: &[(PathBuf, String)]) -> Result<(), FormatError> {
    let Some((path, reason)) = refused.first() else {
        return Ok(());
    };
    let more = match refused.len() {
        1 => String::new(),
        n => format!(
            " (and {} more: {})",
            n - 1,
            refused[1..]
                .iter()
                .map(|(p, _)| paths::show(p))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(FormatError::Refused {
        path: path.clone(),
        reason: format!("{reason}{more}"),
    })
}

/// Formats the batches on scratch copies; no real file is touched. The batches of one
/// formatter first go through it together (a few processes instead of one per batch); when
/// that fails, each batch is run on its own, so a batch that breaks the formatter fails alone
/// and the others are unaffected.
fn format_batches(
    root: &Path,
    config: &FormatConfig,
    plan: &Plan,
    ids: &[String],
) -> Vec<(String, Result<Vec<Formatted>, FormatError>)> {
    let mut by_formatter: Vec<(&str, Vec<&String>)> = Vec::new();
    for id in ids {
        let name = plan.batch(id).expect("selected").formatter.as_str();
        match by_formatter.iter_mut().find(|(n, _)| *n == name) {
            Some((_, group)) => group.push(id),
            None => by_formatter.push((name, vec![id])),
        }
    }
    by_formatter
        .par_iter()
        .flat_map_iter(|(name, group)| {
            let adapter = adapter(config.formatter(name).expect("checked"), root);
            let batches: Vec<&Batch> = group
                .iter()
                .map(|id| plan.batch(id).expect("selected"))
                .collect();
            let together = if batches.len() > 1 && !repo::process::interrupted() {
                let files: Vec<PathBuf> = batches
                    .iter()
                    .flat_map(|b| b.files.iter().cloned())
                    .collect();
                adapter.format(root, &files).ok()
            } else {
                None
            };
            let out: Vec<(String, Result<Vec<Formatted>, FormatError>)> = match together {
                Some(formatted) => {
                    let mut by_path: BTreeMap<PathBuf, Formatted> =
                        formatted.into_iter().map(|f| (f.path.clone(), f)).collect();
                    batches
                        .iter()
                        .map(|b| {
                            let mine = b.files.iter().filter_map(|f| by_path.remove(f)).collect();
                            (b.id.clone(), Ok(mine))
                        })
                        .collect()
                }
                None => batches
                    .par_iter()
                    .map(|b| {
                        if repo::process::interrupted() {
                            let e = FormatError::Other("interrupted before it started".to_string());
                            return (b.id.clone(), Err(e));
                        }
                        (b.id.clone(), adapter.format(root, &b.files))
                    })
                    .collect(),
            };
            out
        })
        .collect()
}

fn result(batch: &Batch, done: Result<Vec<PathBuf>, FormatError>) -> BatchResult {
    let (changed, error) = match done {
        Ok(changed) => (changed, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    BatchResult {
        id: batch.id.clone(),
        files: batch.files.len(),
        changed,
        error,
        commit: None,
    }
}

/// Writes a batch's formatted files, each atomically and beneath the root through no symlink
/// ([`repo::beneath`]), after checking every target first (still a regular file reached
/// through no symlink, unchanged since it was read), so a refused file fails the batch before
/// any write; a write that fails puts back the files already written.
fn write_batch(root: &RootDir, formatted: &[Formatted]) -> Result<Vec<PathBuf>, FormatError> {
    let changed: Vec<&Formatted> = formatted
        .iter()
        .filter(|f| f.formatted != f.original)
        .collect();
    for f in &changed {
        if root.read(&f.path)? != f.original {
            return Err(FormatError::Refused {
                path: f.path.clone(),
                reason: "changed while it was being formatted".to_string(),
            });
        }
    }
    let mut written: Vec<&Formatted> = Vec::new();
    for f in &changed {
        if let Err(e) = root.write_atomic_unsynced(&f.path, &f.formatted) {
            for w in written {
                let _ = root.write_atomic(&w.path, &w.original);
            }
            return Err(e.into());
        }
        written.push(f);
    }
    Ok(changed.iter().map(|f| f.path.clone()).collect())
}
