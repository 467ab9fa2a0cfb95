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
use crate::unparseable::{self, Policy};
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
    /// Files a formatter could not parse, `(formatter, path, LINE:COL: message)`: not planned
    /// (recorded in the plan's `unparseable` unless they are in a done batch).
    pub broken: Vec<(String, PathBuf, String)>,
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
        _ => planner::plan(&pending, limits, &versions),
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
    let changed = previous.as_ref() != Some(&new);
    if changed {
        new.save(root)?;
    }
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

/// A file that must be formatted and is not, or that the formatter cannot parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offender {
    pub path: PathBuf,
    /// The formatter that takes it.
    pub formatter: String,
    /// The batch it belongs to; `None` for a file in no batch.
    pub batch: Option<String>,
    /// Where it stands in the plan.
    pub place: Place,
    pub lines: usize,
    /// Set when the formatter could not parse the file: `LINE:COL: message`.
    pub broken: Option<String>,
}

/// Where a file stands in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In a done batch: enforced.
    Done,
    /// In a pending batch: waits its turn.
    Pending,
    /// Listed `unparseable` in the plan (it did not parse when the plan was made).
    KnownUnparseable,
    /// In no batch of the plan: new code, enforced.
    New,
    /// There is no plan.
    NoPlan,
}

/// The verdict of `format enforce`.
#[derive(Debug, Clone, Default)]
pub struct EnforceOutcome {
    pub passed: bool,
    pub offenders: Vec<Offender>,
    /// Unformatted files of pending batches: waiting their turn, not failures.
    pub pending: Vec<PathBuf>,
    /// Files the formatter cannot parse that do not fail the check (known when the plan was
    /// made, in a pending batch, or `[format] unparseable = "warn"`).
    pub unparseable: Vec<Offender>,
    /// Files the formatters looked at.
    pub checked: usize,
}

/// Files in done batches, and files not in the plan at all, must be formatted; files of
/// pending batches are reported as pending. A file the formatter cannot parse fails only in a
/// done batch or when it became unparseable after the plan (`[format] unparseable`). Writes
/// the report to `out` (and under GitHub Actions one `::error file=...` annotation per
/// offending file).
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
    let outcome = classify_enforce(&report, plan.as_ref(), config.unparseable);
    let annotate = match options.annotations {
        Annotations::Auto => std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        Annotations::Always => true,
        Annotations::Never => false,
    };
    render_enforce(&outcome, annotate, out)
        .map_err(|e| FormatError::Other(format!("writing the report: {e}")))?;
    Ok(outcome)
}

fn classify_enforce(report: &CheckReport, plan: Option<&Plan>, policy: Policy) -> EnforceOutcome {
    let index = plan.map(Plan::file_index).unwrap_or_default();
    let known: BTreeSet<&Path> = plan
        .map(|p| p.unparseable.iter().map(PathBuf::as_path).collect())
        .unwrap_or_default();
    let mut outcome = EnforceOutcome {
        checked: report.formatters.iter().map(|f| f.checked).sum(),
        ..EnforceOutcome::default()
    };
    let place = |path: &Path| match index.get(path) {
        Some(b) if b.status.is_done() => (Place::Done, Some(b.id.clone())),
        Some(b) => (Place::Pending, Some(b.id.clone())),
        None if plan.is_none() => (Place::NoPlan, None),
        None if known.contains(path) => (Place::KnownUnparseable, None),
        None => (Place::New, None),
    };
    for f in &report.formatters {
        for p in &f.pending {
            let (place, batch) = place(&p.path);
            match place {
                // Pending, or unparseable when planned and parses now: `plan --update` plans it.
                Place::Pending | Place::KnownUnparseable => outcome.pending.push(p.path.clone()),
                Place::Done | Place::New | Place::NoPlan => outcome.offenders.push(Offender {
                    path: p.path.clone(),
                    formatter: f.name.clone(),
                    batch,
                    place,
                    lines: p.lines,
                    broken: None,
                }),
            }
        }
        for (path, why) in &f.broken {
            let (place, batch) = place(path);
            let o = Offender {
                path: path.clone(),
                formatter: f.name.clone(),
                batch,
                place,
                lines: 0,
                broken: Some(why.clone()),
            };
            let fails = policy == Policy::Fail
                && matches!(o.place, Place::Done | Place::New | Place::NoPlan);
            if fails {
                outcome.offenders.push(o);
            } else {
                outcome.unparseable.push(o);
            }
        }
    }
    outcome.offenders.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.unparseable.sort_by(|a, b| a.path.cmp(&b.path));
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
        writeln!(out, "error: {}", offender_line(o))?;
    }
    for o in &outcome.unparseable {
        writeln!(out, "warning: {}", offender_line(o))?;
    }
    if annotate {
        for o in &outcome.offenders {
            let (line, col) = o
                .broken
                .as_deref()
                .map_or((None, None), unparseable::line_column);
            let at: String = [("line", line), ("col", col)]
                .iter()
                .filter_map(|(k, v)| v.map(|v| format!(",{k}={v}")))
                .collect();
            let (title, message) = match &o.broken {
                Some(why) => (
                    "Does not parse",
                    format!(
                        "{} cannot parse it: {} ({})",
                        o.formatter,
                        unparseable::split(why).1,
                        place_text(o)
                    ),
                ),
                None => (
                    "Not formatted",
                    format!(
                        "{}; run `{}` to see the changes",
                        offender_reason(o),
                        repo::invocation::current().command("format check")
                    ),
                ),
            };
            writeln!(
                out,
                "::error file={}{at},title={title}::{}",
                escape_property(&paths::show(&o.path)),
                escape_data(&message)
            )?;
        }
    }
    let verdict = if outcome.passed { "passed" } else { "FAILED" };
    writeln!(
        out,
        "format enforce {verdict}: {} file(s) checked, {} must be formatted and are not, {} pending in the plan (not enforced yet), {} unparseable",
        outcome.checked,
        outcome.offenders.len(),
        outcome.pending.len(),
        outcome
            .offenders
            .iter()
            .chain(&outcome.unparseable)
            .filter(|o| o.broken.is_some())
            .count()
    )?;
    for hint in enforce_hints(outcome) {
        writeln!(out, "hint: {hint}")?;
    }
    Ok(())
}

/// What to run for each kind of offender; every hint is a command that works as printed.
fn enforce_hints(outcome: &EnforceOutcome) -> Vec<String> {
    let cmd = |c: &str| repo::invocation::current().command(c);
    let mut hints = Vec::new();
    let mut done: Vec<&str> = (outcome.offenders.iter())
        .filter(|o| o.broken.is_none() && o.place == Place::Done)
        .filter_map(|o| o.batch.as_deref())
        .collect();
    done.dedup();
    if !done.is_empty() {
        hints.push(format!(
            "re-apply the done batch(es) to format their files again: `{}`",
            cmd(&format!(
                "format --batch {} --reapply --allow-dirty",
                done.join(",")
            ))
        ));
    }
    let new: Vec<&Offender> = (outcome.offenders.iter())
        .filter(|o| o.broken.is_none() && matches!(o.place, Place::New | Place::NoPlan))
        .collect();
    if !new.is_empty() {
        let files: Vec<String> = new
            .iter()
            .map(|o| shell_word(&paths::show(&o.path)))
            .collect();
        hints.push(format!(
            "format the new file(s): `{}`",
            cmd(&format!(
                "format --file {} --allow-dirty",
                files.join(" --file ")
            ))
        ));
    }
    if outcome.offenders.iter().any(|o| o.broken.is_some()) {
        hints.push(
            "fix the syntax error at the place the formatter names; while a file stays unparseable, `[format] unparseable = \"warn\"` in xtask.toml stops it failing this check".to_string(),
        );
    }
    hints
}

/// `s` quoted for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./+:@%=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// One offender: `PATH: not formatted, ...` or `PATH:LINE:COL: ruff cannot parse it: ...`.
fn offender_line(o: &Offender) -> String {
    match &o.broken {
        Some(why) => format!(
            "{} ({})",
            unparseable::show(&o.path, &o.formatter, why),
            place_text(o)
        ),
        None => format!("{}: {}", paths::show(&o.path), offender_reason(o)),
    }
}

fn offender_reason(o: &Offender) -> String {
    format!(
        "not formatted, {} line(s) would change ({})",
        o.lines,
        place_text(o)
    )
}

/// Where the file stands, in words.
fn place_text(o: &Offender) -> String {
    let batch = o.batch.as_deref().unwrap_or("");
    match (o.place, o.broken.is_some()) {
        (Place::Done, _) => format!("in done batch `{batch}`"),
        (Place::Pending, true) => format!("in pending batch `{batch}`: not enforced yet"),
        (Place::Pending, false) => format!("in pending batch `{batch}`"),
        (Place::KnownUnparseable, _) => {
            "unparseable when the plan was made: not enforced while it stays so".to_string()
        }
        (Place::New, true) => "not unparseable when the plan was made: it broke since".to_string(),
        (Place::New, false) => "not in the format plan (new code is always enforced)".to_string(),
        (Place::NoPlan, true) => "no format plan".to_string(),
        (Place::NoPlan, false) => "no format plan: every file is enforced".to_string(),
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
    /// Files a formatter could not parse: `(formatter, path, LINE:COL: message)`.
    pub unparseable: Vec<(String, PathBuf, String)>,
    /// Files listed `unparseable` in the plan that parse now (`plan --update` plans them).
    pub parse_again: Vec<PathBuf>,
    /// `(formatter, version in the plan, version now)` where they differ.
    pub version_changes: Vec<(String, String, String)>,
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
            "batch_list": self.batches.iter().map(|(id, s, f, l)| json!({"id": id, "status": s, "files": f, "lines": l})).collect::<Vec<_>>(),
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
                    .map(|p| (PathBuf::from(p), "1:7: Expected an expression".into()))
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
            unparseable: vec!["known_broken.py".into(), "fixed.py".into()],
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
            "known_broken.py",
            "fixed.py",
            "a/gone.py",
        ];
        let r = report(
            &["a/y.py", "b/x.py", "new.py", "fixed.py"],
            &["b/broken.py", "new_broken.py", "known_broken.py", "a/x.py"],
            &present,
            "ruff 0.17.6",
        );
        let outcome = classify_enforce(&r, Some(&plan()), Policy::Fail);
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
                ("a/x.py".to_string(), Some("a".to_string()), true),
                ("a/y.py".to_string(), Some("a".to_string()), false),
                ("new.py".to_string(), None, false),
                ("new_broken.py".to_string(), None, true),
            ]
        );
        assert_eq!(
            outcome.pending,
            [PathBuf::from("b/x.py"), PathBuf::from("fixed.py")]
        );
        let known: Vec<&Path> = outcome
            .unparseable
            .iter()
            .map(|o| o.path.as_path())
            .collect();
        assert_eq!(
            known,
            [Path::new("b/broken.py"), Path::new("known_broken.py")]
        );
        let mut text = Vec::new();
        render_enforce(&outcome, true, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("error: new_broken.py:1:7: ruff cannot parse it: Expected an expression (not unparseable when the plan was made: it broke since)\n"),
            "{text}"
        );
        assert!(
            text.contains("warning: known_broken.py:1:7: ruff cannot parse it: Expected an expression (unparseable when the plan was made: not enforced while it stays so)\n"),
            "{text}"
        );
        assert!(
            text.contains("::error file=new_broken.py,line=1,col=7,title=Does not parse::ruff cannot parse it: Expected an expression (not unparseable"),
            "{text}"
        );
        assert_eq!(text.matches("::error").count(), 4, "{text}");
        assert!(
            text.contains("2 pending in the plan") && text.contains(", 4 unparseable\n"),
            "{text}"
        );
        // With `unparseable = "warn"` no unparseable file fails.
        let outcome = classify_enforce(&r, Some(&plan()), Policy::Warn);
        assert_eq!(outcome.offenders.len(), 2);
        assert_eq!(outcome.unparseable.len(), 4);
        // Without a plan every unformatted file is enforced.
        let outcome = classify_enforce(&r, None, Policy::Fail);
        assert_eq!(outcome.offenders.len(), 8);
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

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_property("a,b:c%d\ne"), "a%2Cb%3Ac%25d%0Ae");
        assert_eq!(escape_data("50%: a,b\r\n"), "50%25: a,b%0D%0A");
    }
}
