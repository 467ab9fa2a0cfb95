//! `format enforce` (also the `builtin:format-check` gate of `qa`): one check of the tree
//! compared with the plan; files of done batches and files new since the plan must be
//! formatted, files of pending batches wait their turn. Writes its report to the given output
//! (GitHub Actions annotations under `GITHUB_ACTIONS=true`).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::check::{CheckOptions, CheckReport, check};
use crate::config::FormatConfig;
use crate::plan::Plan;
use crate::unparseable::{self, Policy};
use crate::{FormatError, paths};

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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::{plan_file, report};

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
        let outcome = classify_enforce(&r, Some(&plan_file()), Policy::Fail);
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
        let outcome = classify_enforce(&r, Some(&plan_file()), Policy::Warn);
        assert_eq!(outcome.offenders.len(), 2);
        assert_eq!(outcome.unparseable.len(), 4);
        // Without a plan every unformatted file is enforced.
        let outcome = classify_enforce(&r, None, Policy::Fail);
        assert_eq!(outcome.offenders.len(), 8);
        assert!(outcome.pending.is_empty());
    }

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_property("a,b:c%d\ne"), "a%2Cb%3Ac%25d%0Ae");
        assert_eq!(escape_data("50%: a,b\r\n"), "50%25: a,b%0D%0A");
    }
}
