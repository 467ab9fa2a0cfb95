//! `format plan`: one check of the tree, the pending files split into batches by the planner,
//! written to the plan file `.xtask/format-plan.toml` (`--update` keeps done batches), and the
//! summary shown to people. With `--avoid REFS` the batches are ordered around open branches
//! (`avoid.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::check::{CheckOptions, check};
use crate::config::FormatConfig;
use crate::plan::Plan;
use crate::planner::{self, Limits, Pending};
use crate::{FormatError, files, unparseable};

/// `format plan` settings; `None` takes the value from `[format]`.
#[derive(Debug, Clone, Default)]
pub struct WritePlanOptions {
    pub max_files: Option<usize>,
    pub max_lines: Option<usize>,
    pub by_owner: Option<bool>,
    /// Re-plan keeping done batches (`--update`); without it an existing plan with done
    /// batches is refused.
    pub update: bool,
    /// Order the batches around the branches matching this `git for-each-ref` pattern
    /// (`--avoid`); `None` keeps the plan's own with `--update`, else no ordering.
    pub avoid: Option<String>,
}

/// What `format plan` wrote.
#[derive(Debug, Clone)]
pub struct WritePlanOutcome {
    pub plan: Plan,
    /// Files a formatter could not parse, `(formatter, path, LINE:COL: message)`: not planned
    /// (recorded in the plan's `unparseable` unless they are in a done batch).
    pub broken: Vec<(String, PathBuf, String)>,
    /// Whether the plan file changed.
    pub changed: bool,
    /// With `--avoid`: each pending file some branch changed, to how many branches did.
    pub touched: BTreeMap<PathBuf, usize>,
}

/// Plans (or with `update`, re-plans) the pending files and writes `.xtask/format-plan.toml`.
pub fn write_plan(
    repo: &repo::Repo,
    options: &WritePlanOptions,
) -> Result<WritePlanOutcome, FormatError> {
    let root = repo.root();
    let config = FormatConfig::load(repo)?;
    let previous = Plan::load(root)?;
    if !options.update
        && let Some(previous) = &previous
    {
        let done = previous
            .batches
            .iter()
            .filter(|b| b.status.is_done())
            .count();
        if done > 0 {
            return Err(FormatError::Other(format!(
                "{} already has {done} done batch(es); run `{}` to re-plan around them",
                crate::PLAN_PATH,
                repo::invocation::current().command("format plan --update")
            )));
        }
    }
    let report = check(
        repo,
        &config,
        &CheckOptions {
            versions: true,
            lines: true,
            ..CheckOptions::default()
        },
    )?;
    let owners = files::Owners::load(root);
    let pending: Vec<Pending> = report
        .formatters
        .iter()
        .flat_map(|f| {
            let owners = &owners;
            f.pending.iter().map(move |p| Pending {
                path: p.path.clone(),
                lines: p.lines,
                formatter: f.name.clone(),
                owner: owners.of(&p.path).to_string(),
            })
        })
        .collect();
    // An update keeps the plan's own settings unless the command line gives others.
    let kept = previous.as_ref().filter(|_| options.update);
    let limits = Limits {
        max_files: (options.max_files)
            .or(kept.map(|p| p.max_files))
            .unwrap_or(config.max_files)
            .max(1),
        max_lines: (options.max_lines)
            .or(kept.map(|p| p.max_lines))
            .unwrap_or(config.max_lines)
            .max(1),
        by_owner: (options.by_owner)
            .or(kept.map(|p| p.by_owner))
            .unwrap_or(config.by_owner),
    };
    let versions: BTreeMap<String, String> = report
        .formatters
        .iter()
        .map(|f| (f.name.clone(), f.version.clone().unwrap_or_default()))
        .collect();
    let new = match (&previous, options.update) {
        (Some(previous), true) => {
            let present: BTreeSet<PathBuf> = report.present.iter().cloned().collect();
            planner::update(previous, &pending, &present, limits, &versions)
        }
        _ => planner::batch(&pending, limits, &versions),
    };
    let broken: Vec<(String, PathBuf, String)> = report
        .formatters
        .iter()
        .flat_map(|f| (f.broken.iter()).map(|(p, why)| (f.name.clone(), p.clone(), why.clone())))
        .collect();
    let mut new = new;
    let done: BTreeSet<&Path> = (new.batches.iter())
        .filter(|b| b.status.is_done())
        .flat_map(|b| b.files.iter().map(PathBuf::as_path))
        .collect();
    let mut unparseable: Vec<PathBuf> = (broken.iter())
        .map(|(_, p, _)| p.clone())
        .filter(|p| !done.contains(p.as_path()))
        .collect();
    unparseable.sort();
    unparseable.dedup();
    new.unparseable = unparseable;
    let avoid = options.avoid.clone().or(kept.and_then(|p| p.avoid.clone()));
    let mut touched = BTreeMap::new();
    if let Some(pattern) = &avoid {
        let touches = crate::avoid::touches(root, pattern)?;
        crate::avoid::order(&mut new, &touches);
        for b in new.batches.iter().filter(|b| !b.status.is_done()) {
            for f in &b.files {
                if let Some(branches) = touches.get(f) {
                    touched.insert(f.clone(), branches.len());
                }
            }
        }
    }
    new.avoid = avoid;
    let changed = previous.as_ref() != Some(&new);
    if changed {
        new.save(root)?;
    }
    Ok(WritePlanOutcome {
        plan: new,
        broken,
        changed,
        touched,
    })
}

/// The plan summary for people.
pub fn render_written_plan(outcome: &WritePlanOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    let plan = &outcome.plan;
    let files: usize = plan.batches.iter().map(|b| b.files.len()).sum();
    writeln!(
        out,
        "{}: {} batch(es), {files} file(s) (max {} files, {} lines a batch{}){}",
        crate::PLAN_PATH,
        plan.batches.len(),
        plan.max_files,
        plan.max_lines,
        if plan.by_owner { ", by owner" } else { "" },
        if outcome.changed { "" } else { " (unchanged)" }
    )?;
    if let Some(avoid) = &plan.avoid {
        writeln!(
            out,
            "avoiding branches {avoid}: batches no branch touches first; the others need `{}` on those branches",
            repo::invocation::current().command("format rebase")
        )?;
    }
    for b in &plan.batches {
        let status = if b.status.is_done() {
            "done"
        } else {
            "pending"
        };
        writeln!(
            out,
            "  {status:<7} {}  {} files, {} lines{}",
            b.id,
            b.files.len(),
            b.lines,
            branches_note(&b.branches)
        )?;
        for f in &b.files {
            if let Some(n) = outcome.touched.get(f) {
                writeln!(
                    out,
                    "            {}: changed by {n} branch(es)",
                    crate::paths::show(f)
                )?;
            }
        }
    }
    if !outcome.broken.is_empty() {
        let done: BTreeSet<&Path> = (plan.batches.iter())
            .filter(|b| b.status.is_done())
            .flat_map(|b| b.files.iter().map(PathBuf::as_path))
            .collect();
        writeln!(
            out,
            "unparseable, not planned ({}): recorded in the plan; `format enforce` does not fail on them while they stay unparseable",
            outcome.broken.len()
        )?;
        for (f, p, why) in &outcome.broken {
            let note = if done.contains(p.as_path()) {
                " (in a done batch: enforce fails on it)"
            } else {
                ""
            };
            writeln!(out, "  {}{note}", unparseable::show(p, f, why))?;
        }
    }
    Ok(())
}

/// `  (touched by 2 branch(es): origin/a, origin/b)`, or nothing.
pub(crate) fn branches_note(branches: &[String]) -> String {
    if branches.is_empty() {
        String::new()
    } else {
        format!(
            "  (touched by {} branch(es): {})",
            branches.len(),
            branches.join(", ")
        )
    }
}
