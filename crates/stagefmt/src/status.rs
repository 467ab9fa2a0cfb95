//! `format status`: rollout progress (batches and files done or pending) and drift from the
//! plan, from one check of the tree; shown to people or as JSON. Writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::check::{CheckOptions, CheckReport, check};
use crate::config::FormatConfig;
use crate::plan::{Plan, Status};
use crate::{FormatError, paths, unparseable};

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
    /// Files a formatter could not parse: `(formatter, path, LINE:COL: message)`.
    pub unparseable: Vec<(String, PathBuf, String)>,
    /// Files listed `unparseable` in the plan that parse now (`plan --update` plans them).
    pub parse_again: Vec<PathBuf>,
    /// `(formatter, version in the plan, version now)` where they differ.
    pub version_changes: Vec<(String, String, String)>,
    /// The plan's `--avoid` pattern, when it was planned with one.
    pub avoid: Option<String>,
    /// Batch id to the branches touching its files (`--avoid`; pending batches that some
    /// branch touches only).
    pub branches: BTreeMap<String, Vec<String>>,
}

impl StatusReport {
    /// Whether anything drifted from the plan.
    pub fn drifted(&self) -> bool {
        !(self.unformatted_done.is_empty()
            && self.formatted_pending.is_empty()
            && self.parse_again.is_empty()
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
            "avoid": self.avoid,
            "batch_list": self.batches.iter().map(|(id, s, f, l)| json!({"id": id, "status": s, "files": f, "lines": l, "branches": self.branches.get(id).cloned().unwrap_or_default()})).collect::<Vec<_>>(),
            "drift": {
                "unformatted_done": pairs(&self.unformatted_done, "batch"),
                "formatted_pending": pairs(&self.formatted_pending, "batch"),
                "new": self.new_files.iter().map(|p| paths::encode(p)).collect::<Vec<_>>(),
                "missing": pairs(&self.missing, "batch"),
            },
            "broken": self.unparseable.iter().map(|(f, p, e)| json!({"path": paths::encode(p), "formatter": f, "error": e})).collect::<Vec<_>>(),
            "unparseable": self.unparseable.len(),
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
            "format rollout: {}/{batches} batches done ({}%), {}/{files} files done ({}%){}",
            self.batches_done,
            pct(self.batches_done, batches),
            self.files_done,
            pct(self.files_done, files),
            match self.unparseable.len() {
                0 => String::new(),
                n => format!(", {n} file(s) unparseable"),
            }
        )?;
        if let Some(avoid) = &self.avoid {
            writeln!(out, "planned around branches {avoid}")?;
        }
        for (id, status, files, lines) in &self.batches {
            let note = (self.branches.get(id))
                .map(|b| crate::write_plan::branches_note(b))
                .unwrap_or_default();
            writeln!(
                out,
                "  {status:<7} {id}  ({files} files, {lines} lines){note}"
            )?;
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
            "drift: files unparseable when planned that parse now (run `format plan --update`)",
            self.parse_again.iter().map(|p| paths::show(p)).collect(),
        )?;
        list(
            out,
            "unparseable files (not planned)",
            self.unparseable
                .iter()
                .map(|(f, p, e)| unparseable::show(p, f, e))
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
pub fn status(repo: &repo::Repo) -> Result<StatusReport, FormatError> {
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
    let mut s = StatusReport {
        avoid: plan.avoid.clone(),
        ..StatusReport::default()
    };
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
        if !done && !b.branches.is_empty() {
            s.branches.insert(b.id.clone(), b.branches.clone());
        }
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
    s.unparseable = report
        .formatters
        .iter()
        .flat_map(|f| (f.broken.iter()).map(|(p, e)| (f.name.clone(), p.clone(), e.clone())))
        .collect();
    s.parse_again = (plan.unparseable.iter())
        .filter(|p| present.contains(p.as_path()))
        .filter(|p| !s.unparseable.iter().any(|(_, b, _)| b == *p))
        .cloned()
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::{plan_file, report};

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
        let s = classify_status(&r, &plan_file());
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
            "format rollout: 1/2 batches done (50%), 3/6 files done (50%), 1 file(s) unparseable
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
unparseable files (not planned) (1):
  b/broken.py:1:7: ruff cannot parse it: Expected an expression
note: ruff changed since the plan was made (ruff 0.14.14 -> ruff 0.17.6); its style may differ: run `format plan --update`
"
        );
    }
}
