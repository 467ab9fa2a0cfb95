//! `format plan`, `format status` and `format enforce` (the `builtin:format-check` gate):
//! one check of the tree compared with the plan, and how each is shown to people, to JSON
//! and to GitHub Actions.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::check::{CheckOptions, CheckReport, check};
use crate::config::FormatConfig;
use crate::plan::{Plan, Status};
use crate::planner::{self, Limits, Pending};
use crate::{FormatError, files, paths};

/// `format plan` settings; `None` takes the value from `[format]`.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub max_files: Option<usize>,
    pub max_lines: Option<usize>,
    pub by_owner: Option<bool>,
    /// Re-plan keeping done batches (`--update`); without it an existing plan with done
    /// batches is refused.
    pub update: bool,
}

/// What `format plan` wrote.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub plan: Plan,
    /// Files no formatter could read (a parse error): not planned.
    pub broken: Vec<(PathBuf, String)>,
    /// Whether the plan file changed.
    pub changed: bool,
}

/// Plans (or with `update`, re-plans) the pending files and writes `.xtask/format-plan.toml`.
pub fn plan(repo: &repo::Repo, options: &PlanOptions) -> Result<PlanOutcome, FormatError> {
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
    let limits = Limits {
        max_files: options.max_files.unwrap_or(config.max_files).max(1),
        max_lines: options.max_lines.unwrap_or(config.max_lines).max(1),
        by_owner: options.by_owner.unwrap_or(config.by_owner),
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
        _ => planner::plan(&pending, limits, &versions),
    };
    let changed = previous.as_ref() != Some(&new);
    if changed {
        new.save(root)?;
    }
    let broken = report
        .formatters
        .iter()
        .flat_map(|f| f.broken.iter().cloned())
        .collect();
    Ok(PlanOutcome {
        plan: new,
        broken,
        changed,
    })
}

/// Whether to print GitHub Actions annotations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Annotations {
    /// When `GITHUB_ACTIONS=true`.
    #[default]
    Auto,
    Always,
    Never,
}

/// `format enforce` settings. `EnforceOptions::default()` is what the `qa` gate uses.
#[derive(Debug, Clone, Default)]
pub struct EnforceOptions {
    pub annotations: Annotations,
}

/// A file that must be formatted and is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offender {
    pub path: PathBuf,
    /// The done batch it belongs to; `None` for a file not in the plan (new code).
    pub batch: Option<String>,
    pub lines: usize,
    /// Set when the formatter could not read the file.
    pub broken: Option<String>,
}

/// The verdict of `format enforce`.
#[derive(Debug, Clone, Default)]
pub struct EnforceOutcome {
    pub passed: bool,
    pub offenders: Vec<Offender>,
    /// Unformatted files of pending batches: waiting their turn, not failures.
    pub pending: Vec<PathBuf>,
    /// Files the formatters looked at.
    pub checked: usize,
}

/// Files in done batches, and files not in the plan at all, must be formatted; files of
/// pending batches are reported as pending. Writes the report to `out` (and under GitHub
/// Actions one `::error file=...` annotation per offending file).
pub fn enforce(
    repo: &repo::Repo,
    options: &EnforceOptions,
    out: &mut dyn Write,
) -> Result<EnforceOutcome, FormatError> {
    let config = FormatConfig::load(repo)?;
    let plan = Plan::load(repo.root())?;
    // Offenders are reported with their changed lines.
    let report = check(
        repo,
        &config,
        &CheckOptions {
            lines: true,
            ..CheckOptions::default()
        },
    )?;
    let outcome = classify_enforce(&report, plan.as_ref());
    let annotate = match options.annotations {
        Annotations::Auto => std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        Annotations::Always => true,
        Annotations::Never => false,
    };
    render_enforce(&outcome, annotate, out)
        .map_err(|e| FormatError::Other(format!("writing the report: {e}")))?;
    Ok(outcome)
}

fn classify_enforce(report: &CheckReport, plan: Option<&Plan>) -> EnforceOutcome {
    let index = plan.map(Plan::file_index).unwrap_or_default();
    let mut outcome = EnforceOutcome {
        checked: report.formatters.iter().map(|f| f.checked).sum(),
        ..EnforceOutcome::default()
    };
    let unformatted = report.formatters.iter().flat_map(|f| {
        f.pending
            .iter()
            .map(|p| (p.path.clone(), p.lines, None))
            .chain(
                f.broken
                    .iter()
                    .map(|(p, why)| (p.clone(), 0, Some(why.clone()))),
            )
    });
    for (path, lines, broken) in unformatted {
        match index.get(path.as_path()) {
            Some(b) if !b.status.is_done() => outcome.pending.push(path),
            Some(b) => outcome.offenders.push(Offender {
                path,
                batch: Some(b.id.clone()),
                lines,
                broken,
            }),
            None => outcome.offenders.push(Offender {
                path,
                batch: None,
                lines,
                broken,
            }),
        }
    }
    outcome.offenders.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.pending.sort();
    outcome.passed = outcome.offenders.is_empty();
    outcome
}

fn render_enforce(
    outcome: &EnforceOutcome,
    annotate: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for o in &outcome.offenders {
        let why = offender_reason(o);
        writeln!(out, "error: {}: {why}", paths::show(&o.path))?;
    }
    if annotate {
        for o in &outcome.offenders {
            writeln!(
                out,
                "::error file={},title=Not formatted::{}",
                escape_property(&paths::show(&o.path)),
                escape_data(&format!(
                    "{}; run `{}` to see the changes",
                    offender_reason(o),
                    repo::invocation::current().command("format check")
                ))
            )?;
        }
    }
    let verdict = if outcome.passed { "passed" } else { "FAILED" };
    writeln!(
        out,
        "format enforce {verdict}: {} file(s) checked, {} must be formatted and are not, {} pending in the plan (not enforced yet)",
        outcome.checked,
        outcome.offenders.len(),
        outcome.pending.len()
    )?;
    if !outcome.passed {
        writeln!(
            out,
            "hint: format them with the formatter, or for a whole batch `{}`",
            repo::invocation::current().command("format --batch ID --allow-dirty")
        )?;
    }
    Ok(())
}

fn offender_reason(o: &Offender) -> String {
    let place = match &o.batch {
        Some(id) => format!("in done batch `{id}`"),
        None => "not in the format plan (new code is always enforced)".to_string(),
    };
    match &o.broken {
        Some(why) => format!("{why} ({place})"),
        None => format!("not formatted, {} line(s) would change ({place})", o.lines),
    }
}

/// Escapes a GitHub workflow-command property value.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes a GitHub workflow-command message.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `format status` settings.
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {}

/// Rollout progress and drift.
#[derive(Debug, Clone, Default)]
pub struct StatusReport {
    pub batches_done: usize,
    pub batches_pending: usize,
    pub files_done: usize,
    pub files_pending: usize,
    /// `(id, status, files, lines)` per batch, in plan order.
    pub batches: Vec<(String, &'static str, usize, usize)>,
    /// Done files that are unformatted again (with their batch).
    pub unformatted_done: Vec<(PathBuf, String)>,
    /// Pending files that are formatted already (formatted by hand).
    pub formatted_pending: Vec<(PathBuf, String)>,
    /// Unformatted files the plan does not know (new since the plan).
    pub new_files: Vec<PathBuf>,
    /// Planned files that no longer exist.
    pub missing: Vec<(PathBuf, String)>,
    /// Files a formatter could not read.
    pub broken: Vec<(PathBuf, String)>,
    /// `(formatter, version in the plan, version now)` where they differ.
    pub version_changes: Vec<(String, String, String)>,
}

impl StatusReport {
    /// Whether anything drifted from the plan.
    pub fn drifted(&self) -> bool {
        !(self.unformatted_done.is_empty()
            && self.formatted_pending.is_empty()
            && self.new_files.is_empty()
            && self.missing.is_empty())
    }

    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let pairs = |v: &[(PathBuf, String)], key: &str| -> Vec<serde_json::Value> {
            v.iter()
                .map(|(p, b)| json!({"path": paths::encode(p), key: b}))
                .collect()
        };
        json!({
            "batches": {"done": self.batches_done, "pending": self.batches_pending},
            "files": {"done": self.files_done, "pending": self.files_pending},
            "batch_list": self.batches.iter().map(|(id, s, f, l)| json!({"id": id, "status": s, "files": f, "lines": l})).collect::<Vec<_>>(),
            "drift": {
                "unformatted_done": pairs(&self.unformatted_done, "batch"),
                "formatted_pending": pairs(&self.formatted_pending, "batch"),
                "new": self.new_files.iter().map(|p| paths::encode(p)).collect::<Vec<_>>(),
                "missing": pairs(&self.missing, "batch"),
            },
            "broken": pairs(&self.broken, "error"),
            "version_changes": self.version_changes.iter().map(|(f, a, b)| json!({"formatter": f, "planned": a, "now": b})).collect::<Vec<_>>(),
        })
    }

    /// The report for people.
    pub fn render(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let batches = self.batches_done + self.batches_pending;
        let files = self.files_done + self.files_pending;
        let pct = |a: usize, b: usize| (a * 100).checked_div(b).unwrap_or(100);
        writeln!(
            out,
            "format rollout: {}/{batches} batches done ({}%), {}/{files} files done ({}%)",
            self.batches_done,
            pct(self.batches_done, batches),
            self.files_done,
            pct(self.files_done, files)
        )?;
        for (id, status, files, lines) in &self.batches {
            writeln!(out, "  {status:<7} {id}  ({files} files, {lines} lines)")?;
        }
        let list = |out: &mut dyn Write, title: &str, items: Vec<String>| -> std::io::Result<()> {
            if !items.is_empty() {
                writeln!(out, "{title} ({}):", items.len())?;
                for i in items {
                    writeln!(out, "  {i}")?;
                }
            }
            Ok(())
        };
        let with = |v: &[(PathBuf, String)], word: &str| {
            v.iter()
                .map(|(p, b)| format!("{} ({word} `{b}`)", paths::show(p)))
                .collect()
        };
        list(
            out,
            "drift: done files unformatted again",
            with(&self.unformatted_done, "batch"),
        )?;
        list(
            out,
            "drift: pending files already formatted (run `format plan --update`)",
            with(&self.formatted_pending, "batch"),
        )?;
        list(
            out,
            "drift: unformatted files new since the plan",
            self.new_files.iter().map(|p| paths::show(p)).collect(),
        )?;
        list(
            out,
            "drift: planned files that no longer exist",
            with(&self.missing, "batch"),
        )?;
        list(
            out,
            "files the formatter cannot read",
            self.broken
                .iter()
                .map(|(p, e)| format!("{}: {e}", paths::show(p)))
                .collect(),
        )?;
        for (f, a, b) in &self.version_changes {
            writeln!(
                out,
                "note: {f} changed since the plan was made ({a} -> {b}); its style may differ: run `format plan --update`"
            )?;
        }
        if !self.drifted() {
            writeln!(out, "no drift")?;
        }
        Ok(())
    }
}

/// Rollout progress (batches and files done or pending) and drift from the plan.
pub fn status(repo: &repo::Repo, _options: &StatusOptions) -> Result<StatusReport, FormatError> {
    let config = FormatConfig::load(repo)?;
    let plan = Plan::load(repo.root())?.ok_or(FormatError::NoPlan)?;
    let report = check(
        repo,
        &config,
        &CheckOptions {
            versions: true,
            ..CheckOptions::default()
        },
    )?;
    Ok(classify_status(&report, &plan))
}

fn classify_status(report: &CheckReport, plan: &Plan) -> StatusReport {
    let mut s = StatusReport::default();
    let unformatted: BTreeSet<&Path> = report
        .formatters
        .iter()
        .flat_map(|f| f.pending.iter().map(|p| p.path.as_path()))
        .collect();
    let present: BTreeSet<&Path> = report.present.iter().map(PathBuf::as_path).collect();
    let index = plan.file_index();
    for b in &plan.batches {
        let done = b.status.is_done();
        if done {
            s.batches_done += 1;
            s.files_done += b.files.len();
        } else {
            s.batches_pending += 1;
            s.files_pending += b.files.len();
        }
        let status = match b.status {
            Status::Pending => "pending",
            Status::Done { .. } => "done",
        };
        s.batches
            .push((b.id.clone(), status, b.files.len(), b.lines));
        for f in &b.files {
            if !present.contains(f.as_path()) {
                s.missing.push((f.clone(), b.id.clone()));
            } else if done && unformatted.contains(f.as_path()) {
                s.unformatted_done.push((f.clone(), b.id.clone()));
            } else if !done
                && !unformatted.contains(f.as_path())
                && !report
                    .formatters
                    .iter()
                    .any(|x| x.broken.iter().any(|(p, _)| p == f))
            {
                s.formatted_pending.push((f.clone(), b.id.clone()));
            }
        }
    }
    s.new_files = unformatted
        .iter()
        .filter(|p| !index.contains_key(*p))
        .map(|p| p.to_path_buf())
        .collect();
    s.broken = report
        .formatters
        .iter()
        .flat_map(|f| f.broken.iter().cloned())
        .collect();
    for f in &report.formatters {
        if let (Some(planned), Some(now)) = (plan.formatters.get(&f.name), &f.version)
            && !planned.is_empty()
            && planned != now
        {
            s.version_changes
                .push((f.name.clone(), planned.clone(), now.clone()));
        }
    }
    s
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
            "{}{}: {} of {} file(s) would be reformatted{lines}",
            f.name,
            f.version
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default(),
            f.pending.len(),
            f.checked
        )?;
        for p in &f.pending {
            if report.lines {
                writeln!(out, "  {}  +-{}", paths::show(&p.path), p.lines)?;
            } else {
                writeln!(out, "  {}", paths::show(&p.path))?;
            }
        }
        for (p, why) in &f.broken {
            writeln!(out, "  {}  error: {why}", paths::show(p))?;
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
            "broken": f.broken.iter().map(|(p, e)| json!({"path": paths::encode(p), "error": e})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The plan summary for people.
pub fn render_plan(outcome: &PlanOutcome, out: &mut dyn Write) -> std::io::Result<()> {
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
    for b in &plan.batches {
        let status = if b.status.is_done() {
            "done"
        } else {
            "pending"
        };
        writeln!(
            out,
            "  {status:<7} {}  {} files, {} lines",
            b.id,
            b.files.len(),
            b.lines
        )?;
    }
    for (p, why) in &outcome.broken {
        writeln!(out, "warning: {} not planned: {why}", paths::show(p))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::check::{FormatterCheck, PendingFile};
    use crate::config::Kind;
    use crate::plan::Batch;

    fn batch(id: &str, done: bool, files: &[&str]) -> Batch {
        Batch {
            id: id.into(),
            formatter: "ruff".into(),
            module: PathBuf::from(id),
            owner: None,
            lines: files.len(),
            status: if done {
                Status::Done {
                    commit: None,
                    date: "2026-11-24".into(),
                }
            } else {
                Status::Pending
            },
            files: files.iter().map(PathBuf::from).collect(),
        }
    }

    fn report(pending: &[&str], broken: &[&str], present: &[&str], version: &str) -> CheckReport {
        CheckReport {
            formatters: vec![FormatterCheck {
                name: "ruff".into(),
                kind: Kind::Ruff,
                version: Some(version.into()),
                checked: present.len(),
                pending: pending
                    .iter()
                    .map(|p| PendingFile {
                        path: p.into(),
                        lines: 2,
                    })
                    .collect(),
                broken: broken
                    .iter()
                    .map(|p| (PathBuf::from(p), "does not parse: 1:1".into()))
                    .collect(),
            }],
            present: present.iter().map(PathBuf::from).collect(),
            lines: true,
        }
    }

    fn plan() -> Plan {
        Plan {
            max_files: 25,
            max_lines: 2000,
            by_owner: false,
            formatters: [("ruff".to_string(), "ruff 0.14.14".to_string())].into(),
            batches: vec![
                batch("a", true, &["a/x.py", "a/y.py", "a/gone.py"]),
                batch("b", false, &["b/x.py", "b/y.py", "b/broken.py"]),
            ],
        }
    }

    #[test]
    fn enforce_fails_on_done_and_new_files_only() {
        let present = [
            "a/x.py",
            "a/y.py",
            "b/x.py",
            "b/y.py",
            "b/broken.py",
            "new.py",
            "new_broken.py",
        ];
        let r = report(
            &["a/y.py", "b/x.py", "new.py"],
            &["b/broken.py", "new_broken.py"],
            &present,
            "ruff 0.17.6",
        );
        let outcome = classify_enforce(&r, Some(&plan()));
        assert!(!outcome.passed);
        let offenders: Vec<(String, Option<String>, bool)> = outcome
            .offenders
            .iter()
            .map(|o| {
                (
                    o.path.display().to_string(),
                    o.batch.clone(),
                    o.broken.is_some(),
                )
            })
            .collect();
        assert_eq!(
            offenders,
            [
                ("a/y.py".to_string(), Some("a".to_string()), false),
                ("new.py".to_string(), None, false),
                ("new_broken.py".to_string(), None, true),
            ]
        );
        assert_eq!(
            outcome.pending,
            [PathBuf::from("b/broken.py"), PathBuf::from("b/x.py")]
        );
        let mut text = Vec::new();
        render_enforce(&outcome, true, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("::error file=new_broken.py,title=Not formatted::does not parse: 1:1 (not in the format plan"), "{text}");
        assert_eq!(text.matches("::error").count(), 3, "{text}");
        // Without a plan every unformatted file is new code.
        let outcome = classify_enforce(&r, None);
        assert_eq!(outcome.offenders.len(), 5);
        assert!(outcome.pending.is_empty());
    }

    #[test]
    fn status_reports_progress_and_every_kind_of_drift() {
        let present = [
            "a/x.py",
            "a/y.py",
            "b/x.py",
            "b/y.py",
            "b/broken.py",
            "new.py",
        ];
        let r = report(
            &["a/y.py", "b/x.py", "new.py"],
            &["b/broken.py"],
            &present,
            "ruff 0.17.6",
        );
        let s = classify_status(&r, &plan());
        assert_eq!(
            (
                s.batches_done,
                s.batches_pending,
                s.files_done,
                s.files_pending
            ),
            (1, 1, 3, 3)
        );
        assert_eq!(
            s.unformatted_done,
            [(PathBuf::from("a/y.py"), "a".to_string())]
        );
        assert_eq!(
            s.formatted_pending,
            [(PathBuf::from("b/y.py"), "b".to_string())]
        );
        assert_eq!(s.new_files, [PathBuf::from("new.py")]);
        assert_eq!(s.missing, [(PathBuf::from("a/gone.py"), "a".to_string())]);
        assert_eq!(
            s.version_changes,
            [(
                "ruff".to_string(),
                "ruff 0.14.14".to_string(),
                "ruff 0.17.6".to_string()
            )]
        );
        let mut text = Vec::new();
        s.render(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(
            text,
            "format rollout: 1/2 batches done (50%), 3/6 files done (50%)
  done    a  (3 files, 3 lines)
  pending b  (3 files, 3 lines)
drift: done files unformatted again (1):
  a/y.py (batch `a`)
drift: pending files already formatted (run `format plan --update`) (1):
  b/y.py (batch `b`)
drift: unformatted files new since the plan (1):
  new.py
drift: planned files that no longer exist (1):
  a/gone.py (batch `a`)
files the formatter cannot read (1):
  b/broken.py: does not parse: 1:1
note: ruff changed since the plan was made (ruff 0.14.14 -> ruff 0.17.6); its style may differ: run `format plan --update`
"
        );
    }

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_property("a,b:c%d\ne"), "a%2Cb%3Ac%25d%0Ae");
        assert_eq!(escape_data("50%: a,b\r\n"), "50%25: a,b%0D%0A");
    }
}
