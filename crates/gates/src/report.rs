//! The run's report: serde types with a `schema_version` (the JSON report, its JSON Schema
//! generated from these types), and the renderings built from it: Markdown notes, JUnit XML,
//! GitHub Actions workflow commands. Rendering is pure; writing happens in [`write_reports`].

use std::path::PathBuf;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use repo::fs::{FsError, write_atomic};
use serde::{Deserialize, Serialize};

use crate::baseline::BaselineReport;
use crate::model::Status;
use crate::shards::ShardInfo;

/// The version of the JSON report's shape; raised on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Where the committed JSON Schema of the report lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "docs/reference/qa-report.schema.json";

/// The report of one `qa` run (or of several shards merged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The version of this shape: 1.
    pub schema_version: u32,
    /// When the run started, RFC 3339 in UTC.
    pub started_at: String,
    /// Wall time of the whole run, in seconds.
    pub duration_s: f64,
    /// How many gates could run at once.
    pub jobs: usize,
    /// For a shard's report (`qa --shard K/N`): which shard, and a digest of the plan it was
    /// cut from; absent for an unsharded run and a merged report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// `pass`: every required gate passed or was skipped; `fail`: a required gate failed, was
    /// blocked, timed out or could not start, or `require_tools` holds and the run checked
    /// nothing or skipped a required gate for a missing tool (see `outcome_reason`);
    /// `interrupted`: Ctrl-C stopped the run.
    pub outcome: Outcome,
    /// Why the outcome is what it is when the gates alone do not say: a run that checked
    /// nothing, or a required gate skipped for a missing tool while `require_tools` holds.
    #[serde(default)]
    pub outcome_reason: Option<String>,
    /// What makes a required gate skipped for a missing tool (and a run that checked nothing)
    /// fail this run: `CI=true`, `--require-tools` or `[qa] require_tools = true`; null when
    /// nothing does (a developer machine: the summary lists what did not run).
    #[serde(default)]
    pub require_tools: Option<String>,
    /// How many gates ended in each status.
    pub counts: Counts,
    /// Every gate of the run, in declaration order.
    pub gates: Vec<GateReport>,
}

/// The run's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Interrupted,
}

/// Gates per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub blocked: usize,
    pub skipped: usize,
    pub timeout: usize,
    pub error: usize,
}

/// One gate's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateReport {
    pub name: String,
    pub status: Status,
    /// Why it ended so, in words (always set unless it passed).
    pub reason: Option<String>,
    /// Who answers for it (`owner` in xtask.toml).
    pub owner: Option<String>,
    /// The gates it needs.
    pub needs: Vec<String>,
    /// For a blocked gate, the need that did not pass.
    pub blocked_by: Option<String>,
    /// False when `allow_failure = true`: its failure does not fail the run.
    pub required: bool,
    /// When it started, in seconds after the run started (null when it never ran).
    pub start_s: Option<f64>,
    /// How long it ran, in seconds (null when it never ran).
    pub duration_s: Option<f64>,
    /// The command that reproduces it, quoted for a POSIX shell.
    pub command: String,
    /// Its log (stdout and stderr interleaved), relative to the repository root when inside it.
    pub log: Option<String>,
    /// The exit code, when it exited.
    pub exit_code: Option<i32>,
    /// The log's last lines, for gates that did not pass.
    pub log_tail: Option<String>,
    /// Its debt against the stored baseline, for gates with `baseline`.
    pub baseline: Option<BaselineReport>,
    /// True when the result came from the cache: same inputs, argv, env and tool version as a
    /// run that passed.
    pub cached: bool,
    /// For a gate skipped because what it needs is missing: the `tool` not on PATH, or the
    /// Python `module` its interpreter cannot import.
    #[serde(default)]
    pub missing_tool: Option<String>,
}

impl Report {
    /// Builds the verdict and counts from the gates.
    pub fn new(
        started_at: String,
        duration_s: f64,
        jobs: usize,
        interrupted: bool,
        gates: Vec<GateReport>,
    ) -> Report {
        let mut counts = Counts::default();
        for g in &gates {
            *match g.status {
                Status::Pass => &mut counts.pass,
                Status::Fail => &mut counts.fail,
                Status::Blocked => &mut counts.blocked,
                Status::Skipped => &mut counts.skipped,
                Status::Timeout => &mut counts.timeout,
                Status::Error => &mut counts.error,
            } += 1;
        }
        let failed = gates.iter().any(|g| g.required && g.status.fails_run());
        let outcome = if interrupted {
            Outcome::Interrupted
        } else if failed {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        Report {
            schema_version: SCHEMA_VERSION,
            started_at,
            duration_s,
            jobs,
            shard: None,
            outcome,
            outcome_reason: None,
            require_tools: None,
            counts,
            gates,
        }
    }

    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report serializes");
        text.push('\n');
        text
    }
}

/// Merges shard reports into one: their gates in the order given, the earliest start, the
/// longest duration, the widest `jobs`; the verdict and counts recomputed. A gate reported by
/// several shards keeps the entry that ran (the last one, when several did).
pub fn merge(reports: &[Report]) -> Report {
    let mut gates: Vec<GateReport> = Vec::new();
    for r in reports {
        for g in &r.gates {
            match gates.iter_mut().find(|x| x.name == g.name) {
                Some(existing) if g.start_s.is_some() || existing.start_s.is_none() => {
                    *existing = g.clone();
                }
                Some(_) => {}
                None => gates.push(g.clone()),
            }
        }
    }
    let started_at = reports
        .iter()
        .map(|r| r.started_at.clone())
        .min()
        .unwrap_or_default();
    let duration = reports.iter().map(|r| r.duration_s).fold(0.0, f64::max);
    let jobs = reports.iter().map(|r| r.jobs).max().unwrap_or(1);
    let interrupted = reports.iter().any(|r| r.outcome == Outcome::Interrupted);
    let mut merged = Report::new(started_at, duration, jobs, interrupted, gates);
    let because = reports.iter().find_map(|r| r.require_tools.clone());
    crate::verdict::require_checked(&mut merged, &crate::verdict::Strict { because });
    merged
}

/// The JSON Schema of [`Report`], as committed at [`SCHEMA_PATH`].
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// Seconds with one decimal: `41.2 s`.
fn secs(s: f64) -> String {
    format!("{s:.1} s")
}

/// One Markdown line for a gate:
/// ``- tests: **fail** — `cargo test` exited 1 after 41.2 s (owner: Engineering)``.
pub fn markdown_line(g: &GateReport) -> String {
    let cmd = code(&g.command);
    let what = match g.status {
        Status::Pass => format!("{cmd} passed in {}", secs(g.duration_s.unwrap_or(0.0))),
        Status::Fail => match g.exit_code {
            Some(code) => format!(
                "{cmd} exited {code} after {}",
                secs(g.duration_s.unwrap_or(0.0))
            ),
            None => format!(
                "{cmd} failed after {}: {}",
                secs(g.duration_s.unwrap_or(0.0)),
                g.reason.as_deref().unwrap_or("")
            ),
        },
        Status::Timeout => format!("{cmd} {}", g.reason.as_deref().unwrap_or("timed out")),
        Status::Blocked | Status::Skipped | Status::Error => {
            format!("{}; {cmd} did not run", g.reason.as_deref().unwrap_or(""))
        }
    };
    let owner = g
        .owner
        .as_ref()
        .map(|o| format!(" (owner: {o})"))
        .unwrap_or_default();
    let optional = if g.required { "" } else { " (allowed to fail)" };
    let cached = if g.cached { " (cached)" } else { "" };
    let mut line = format!(
        "- {}: **{}**{cached} — {what}{owner}{optional}",
        g.name,
        g.status.as_str()
    );
    if let Some(b) = &g.baseline {
        line.push_str(&format!("\n  - {}", baseline_cell(b)));
        for d in &b.new_diagnostics {
            line.push_str(&format!("\n  - new: `{d}`"));
        }
    }
    line
}

/// `baseline 90, current 91, new 1, fixed 0`.
pub fn baseline_cell(b: &BaselineReport) -> String {
    format!(
        "baseline {}, current {}, new {}, fixed {}",
        b.baseline.map_or("none".to_string(), |n| n.to_string()),
        b.current,
        b.new,
        b.fixed
    )
}

/// Notes a team can paste: a headline, one line per gate, then a table.
pub fn markdown(report: &Report) -> String {
    let c = &report.counts;
    let mut out = format!(
        "## Quality gates: {}\n\n{} gates in {}: {} pass, {} fail, {} blocked, {} skipped, \
         {} timeout, {} error.\n\n",
        match report.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Interrupted => "interrupted",
        },
        report.gates.len(),
        secs(report.duration_s),
        c.pass,
        c.fail,
        c.blocked,
        c.skipped,
        c.timeout,
        c.error
    );
    if let Some(note) = crate::verdict::note(report) {
        out.push_str(&format!("**{note}**\n\n"));
    }
    for g in &report.gates {
        out.push_str(&markdown_line(g));
        out.push('\n');
    }
    out.push_str(
        "\n| Gate | Status | Duration | Owner | Reason | Baseline |\n|---|---|---|---|---|---|\n",
    );
    for g in &report.gates {
        out.push_str(&format!(
            "| {} | {}{} | {} | {} | {} | {} |\n",
            cell(&g.name),
            g.status.as_str(),
            if g.cached { " (cached)" } else { "" },
            g.duration_s.map(secs).unwrap_or_else(|| "—".into()),
            cell(g.owner.as_deref().unwrap_or("")),
            cell(g.reason.as_deref().unwrap_or("")),
            g.baseline.as_ref().map(baseline_cell).unwrap_or_default()
        ));
    }
    out
}

fn code(text: &str) -> String {
    let ticks = if text.contains('`') { "``" } else { "`" };
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report as JUnit XML: one test case per gate, failures with the log's tail, skipped
/// gates with their reason. ANSI escapes, control characters and invalid UTF-8 in logs are
/// removed or replaced, so the XML is well-formed whatever the logs hold.
pub fn junit(report: &Report) -> String {
    let mut suite = TestSuite::new("qa");
    for g in &report.gates {
        let reason = g.reason.clone().unwrap_or_default();
        let tail = g.log_tail.as_deref().map(xml_safe).unwrap_or_default();
        let status = match g.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Skipped => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(xml_safe(&reason));
                s
            }
            Status::Fail | Status::Blocked | Status::Timeout | Status::Error => {
                let kind = if g.status == Status::Error {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(xml_safe(&format!("{}: {reason}", g.status.as_str())));
                s.set_type(g.status.as_str());
                s.set_description(tail.clone());
                s
            }
        };
        let mut case = TestCase::new(xml_safe(&g.name), status);
        case.set_classname("qa");
        if let Some(d) = g.duration_s {
            case.set_time(std::time::Duration::from_secs_f64(d.max(0.0)));
        }
        case.set_system_out(xml_safe(&format!("$ {}\n{tail}", g.command)));
        suite.add_test_case(case);
    }
    suite.set_time(std::time::Duration::from_secs_f64(
        report.duration_s.max(0.0),
    ));
    let mut junit = quick_junit::Report::new("qa");
    junit.add_test_suite(suite);
    junit
        .to_string()
        .expect("quick-junit serializes to a string")
}

/// Text made safe for XML 1.0: quick-junit strips ANSI escapes and C0 controls; the two
/// non-characters XML also forbids are dropped here.
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// Which report files to write.
#[derive(Debug, Default, Clone)]
pub struct Outputs {
    pub json: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    /// `$GITHUB_STEP_SUMMARY`: the Markdown is appended to it.
    pub github_step_summary: Option<PathBuf>,
}

/// Writes every report asked for through `repo::fs::write_atomic` (a symlink, FIFO or device
/// is written through, never replaced); the step summary is appended to.
pub fn write_reports(report: &Report, outputs: &Outputs) -> Result<(), FsError> {
    if let Some(path) = &outputs.json {
        write_atomic(path, report.to_json().as_bytes())?;
    }
    if let Some(path) = &outputs.markdown {
        write_atomic(path, markdown(report).as_bytes())?;
    }
    if let Some(path) = &outputs.junit {
        write_atomic(path, junit(report).as_bytes())?;
    }
    if let Some(path) = &outputs.github_step_summary {
        repo::fs::append(path, markdown(report).as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn gate(name: &str, status: Status) -> GateReport {
        GateReport {
            name: name.into(),
            status,
            reason: None,
            owner: None,
            needs: vec![],
            blocked_by: None,
            required: true,
            start_s: Some(0.0),
            duration_s: Some(41.23),
            command: "cargo test --workspace".into(),
            log: Some("target/xtask/qa/tests.log".into()),
            exit_code: None,
            log_tail: None,
            baseline: None,
            cached: false,
            missing_tool: None,
        }
    }

    #[test]
    fn markdown_lines_follow_the_notes_format() {
        let mut tests = gate("tests", Status::Fail);
        tests.exit_code = Some(1);
        tests.owner = Some("Engineering".into());
        tests.reason = Some("exited 1".into());
        assert_eq!(
            markdown_line(&tests),
            "- tests: **fail** — `cargo test --workspace` exited 1 after 41.2 s (owner: Engineering)"
        );
        let mut cover = gate("coverage", Status::Blocked);
        cover.command = "cargo llvm-cov".into();
        cover.reason = Some("needs `tests`, which failed".into());
        cover.duration_s = None;
        assert_eq!(
            markdown_line(&cover),
            "- coverage: **blocked** — needs `tests`, which failed; `cargo llvm-cov` did not run"
        );
        let mut fmt = gate("fmt", Status::Pass);
        fmt.command = "cargo fmt --all --check".into();
        fmt.duration_s = Some(0.44);
        assert_eq!(
            markdown_line(&fmt),
            "- fmt: **pass** — `cargo fmt --all --check` passed in 0.4 s"
        );
    }

    #[test]
    fn junit_is_well_formed_whatever_the_log_holds() {
        let mut bad = gate("weird <gate> & co", Status::Fail);
        let mut bytes = b"\x1b[31mred\x1b[0m ]]> <tag> & \x00\x07 ".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        bytes.extend_from_slice("\u{FFFF} end".as_bytes());
        bad.log_tail = Some(String::from_utf8_lossy(&bytes).into_owned());
        bad.reason = Some("exited 1 ]]>".into());
        let mut skipped = gate("audit", Status::Skipped);
        skipped.reason = Some("`cargo-deny` is not on PATH".into());
        let report = Report::new(
            "2026-01-01T00:00:00Z".into(),
            1.0,
            2,
            false,
            vec![bad, skipped, gate("ok", Status::Pass)],
        );
        let xml = junit(&report);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].attribute("name"), Some("weird <gate> & co"));
        let failure = cases[0]
            .children()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        let text = failure.text().unwrap_or("");
        assert!(text.contains("red ]]> <tag> &"), "{text:?}");
        assert!(!text.contains('\x1b'));
        let skipped = cases[1]
            .children()
            .find(|n| n.has_tag_name("skipped"))
            .unwrap();
        assert_eq!(
            skipped.attribute("message"),
            Some("`cargo-deny` is not on PATH")
        );
    }
}
