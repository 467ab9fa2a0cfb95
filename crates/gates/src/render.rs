//! The renderings of a report: Markdown notes (also the GitHub step summary), JUnit XML, and
//! the baseline table of `qa baseline`. Rendering is pure; writing happens in
//! [`write_reports`].

use std::path::PathBuf;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use repo::fs::{FsError, write_atomic};

use crate::baseline::BaselineReport;
use crate::model::Status;
use crate::report::{GateReport, Outcome, Report};
use crate::summary::{SHOWN_FAILURES, TestStatus, Tests};

/// Seconds with one decimal: `41.2 s`.
fn secs(s: f64) -> String {
    format!("{s:.1} s")
}

/// One Markdown line for a gate:
/// ``- tests: **fail** — `cargo test` exited 1 after 41.2 s (owner: Engineering)``.
pub(crate) fn markdown_line(g: &GateReport) -> String {
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
    let description = g
        .description
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let what = match &g.summary {
        Some(s) => format!("{what}: {}", s.text),
        None => what,
    };
    let owner = g
        .owner
        .as_ref()
        .map(|o| format!(" (owner: {o})"))
        .unwrap_or_default();
    let optional = if g.required { "" } else { " (allowed to fail)" };
    let cached = if g.cached { " (cached)" } else { "" };
    let mut line = format!(
        "- {}{description}: **{}**{cached} — {what}{owner}{optional}",
        g.name,
        g.status.as_str()
    );
    if let Some(b) = &g.baseline {
        line.push_str(&format!("\n  - {}", baseline_cell(b)));
        for d in &b.new_diagnostics {
            line.push_str(&format!("\n  - new: `{d}`"));
        }
    }
    let failed = failed_tests(g);
    for id in failed.iter().take(SHOWN_FAILURES) {
        line.push_str(&format!("\n  - failed: {}", code(id)));
    }
    if failed.len() > SHOWN_FAILURES {
        line.push_str(&format!(
            "\n  - and {} more failed tests",
            failed.len() - SHOWN_FAILURES
        ));
    }
    line
}

/// The failed tests of a gate, as its tool's output names them (pytest's node ids paste back
/// into `pytest`), else from its JUnit file.
fn failed_tests(g: &GateReport) -> Vec<String> {
    match (&g.summary, &g.tests) {
        (Some(s), _) if !s.failed.is_empty() => s.failed.clone(),
        (_, Some(tests)) => tests.failed(),
        _ => Vec::new(),
    }
}

/// `baseline 90, current 91, new 1, fixed 0`.
pub(crate) fn baseline_cell(b: &BaselineReport) -> String {
    format!(
        "baseline {}, current {}, new {}, fixed {}",
        b.baseline.map_or("none".to_string(), |n| n.to_string()),
        b.current,
        b.new,
        b.fixed
    )
}

/// Notes a team can paste: a headline, one line per gate, then a table.
pub(crate) fn markdown(report: &Report) -> String {
    let mut out = format!(
        "## Quality gates: {}\n\n{} in {}: {}.\n\n",
        match report.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Interrupted => "interrupted",
        },
        crate::verdict::gates(report.gates.len()),
        secs(report.duration_s),
        report.counts.line()
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

/// The report as JUnit XML: one suite with the run's `timestamp` and `hostname`, one test case
/// per gate, failures with the log's tail, skipped gates with their reason, and the command
/// and log tail as `system-out` of the gates that ran (none for a gate that never started). ANSI escapes, control characters and invalid UTF-8 in logs are
/// removed or replaced, so the XML is well-formed whatever the logs hold.
pub(crate) fn junit(report: &Report) -> String {
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
        let found = match &g.summary {
            Some(s) => {
                case.add_property(Property::new("summary", xml_safe(&s.text)));
                for (name, n) in &s.counts {
                    case.add_property(Property::new(
                        format!("summary.{}", xml_safe(name)),
                        n.to_string(),
                    ));
                }
                format!("{}\n", s.text)
            }
            None => String::new(),
        };
        // A gate that never ran (blocked, skipped before starting) has no output to show.
        if g.duration_s.is_some() {
            case.set_system_out(xml_safe(&format!("$ {}\n{found}{tail}", g.command)));
        }
        suite.add_test_case(case);
    }
    suite.set_time(std::time::Duration::from_secs_f64(
        report.duration_s.max(0.0),
    ));
    // JUnit's `timestamp` (ISO 8601) is when the run started; `hostname` where it ran.
    suite
        .extra
        .insert("timestamp".into(), xml_safe(&report.started_at).into());
    suite.extra.insert(
        "hostname".into(),
        xml_safe(report.hostname.as_deref().unwrap_or("unknown")).into(),
    );
    let mut junit = quick_junit::Report::new("qa");
    junit.add_test_suite(suite);
    for g in &report.gates {
        if let Some(tests) = &g.tests {
            junit.add_test_suite(gate_suite(&g.name, tests));
        }
    }
    junit
        .to_string()
        .expect("quick-junit serializes to a string")
}

/// A gate's own test cases (its `junit` file) as a suite named after the gate.
fn gate_suite(gate: &str, tests: &Tests) -> TestSuite {
    let mut suite = TestSuite::new(xml_safe(gate));
    for t in &tests.cases {
        let status = match t.status {
            TestStatus::Passed => TestCaseStatus::success(),
            TestStatus::Skipped => {
                let mut s = TestCaseStatus::skipped();
                if let Some(m) = &t.message {
                    s.set_message(xml_safe(m));
                }
                s
            }
            TestStatus::Failed | TestStatus::Error => {
                let kind = if t.status == TestStatus::Error {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                let mut s = TestCaseStatus::non_success(kind);
                if let Some(m) = &t.message {
                    s.set_message(xml_safe(m));
                }
                if let Some(d) = &t.details {
                    s.set_description(xml_safe(d));
                }
                s
            }
        };
        let mut case = TestCase::new(xml_safe(&t.name), status);
        if let Some(c) = &t.classname {
            case.set_classname(xml_safe(c));
        }
        // A file's time may be anything: what no duration can hold is left out.
        if let Some(d) = t
            .time_s
            .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        {
            case.set_time(d);
        }
        suite.add_test_case(case);
    }
    suite
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
    /// The diagnostics as SARIF 2.1.0 (`sarif.rs`).
    pub sarif: Option<PathBuf>,
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
    if let Some(path) = &outputs.sarif {
        write_atomic(path, crate::sarif::sarif(report).as_bytes())?;
    }
    if let Some(path) = &outputs.github_step_summary {
        repo::fs::append(path, markdown(report).as_bytes())?;
    }
    Ok(())
}

/// Debt per gate for `baseline status` and `update`: stored, current, new, fixed, trend.
pub fn baseline_table(report: &Report) -> String {
    let mut out = String::from("gate                 baseline  current  new  fixed  trend\n");
    for (name, b) in report
        .gates
        .iter()
        .filter_map(|g| g.baseline.as_ref().map(|b| (&g.name, b)))
    {
        let trend = match (b.baseline, b.new, b.fixed) {
            _ if b.stored => format!("stored {}", b.current),
            (None, _, _) => "no baseline stored".to_string(),
            (Some(_), 0, 0) => "unchanged".to_string(),
            (Some(_), 0, f) => format!("improved by {f} (--ratchet stores it)"),
            (Some(_), n, _) => format!("worse by {n}"),
        };
        out.push_str(&format!(
            "{name:20} {:>8}  {:>7}  {:>3}  {:>5}  {trend}\n",
            b.baseline.map_or("-".to_string(), |n| n.to_string()),
            b.current,
            b.new,
            b.fixed
        ));
    }
    out
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
            description: None,
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
            remote_cache: false,
            missing_tool: None,
            summary: None,
            tests: None,
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
    fn a_gates_test_cases_become_its_suite_whatever_their_times() {
        let tests = crate::summary::junit::parse(
            "<testsuites><testsuite><testcase name='a' time='1e300'/>\
             <testcase name='b' classname='m' time='NaN'><failure message='no'>why</failure></testcase>\
             <testcase name='c' time='-1'><skipped message='later'/></testcase></testsuite></testsuites>",
            "j.xml",
        )
        .unwrap();
        let mut g = gate("tests", Status::Fail);
        g.tests = Some(tests);
        let report = Report::new("t".into(), 1.0, 1, false, vec![g]);
        let xml = junit(&report);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("tests"))
            .unwrap();
        assert_eq!(suite.attribute("tests"), Some("3"));
        assert_eq!(suite.attribute("failures"), Some("1"));
        assert_eq!(suite.attribute("skipped"), Some("1"));
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
